"""HTML in, as a user gives it: `classify --input-format html`, `clean` on saved pages and on
JSONL with an HTML field, and a whole page where text is expected refused, saying how."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import ROOT

from newssift.cli import cli

STORY = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")
PARAGRAPHS = [line for line in STORY.splitlines() if line.strip()]
SCRIPT = "window.adSlots = ['Buy cheap watches now'];"


def page(paragraphs: list[str] = PARAGRAPHS, title: str = "Storm hits coast") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html>\n<html><head><title>{title}</title><meta charset='utf-8'>"
            f"<script>{SCRIPT}</script><style>p {{ margin: 0 }}</style></head>\n<body>"
            f"<nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li></ul></nav>"
            f"<article>{body}</article><footer>Copyright 2026 Example News</footer></body></html>")


@pytest.fixture
def run(tiny_model_dir):
    def run(*args, input=None):
        return CliRunner().invoke(cli, [args[0], "--model", str(tiny_model_dir), *args[1:]],
                                  input=input, prog_name="newssift")
    return run


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_classify_html_labels_the_blocks_a_reader_sees_each_with_its_element_path(run, tmp_path):
    saved = tmp_path / "page.html"
    saved.write_text(page(), encoding="utf-8")
    result = run("classify", "--input-format", "html", "--format", "json", str(saved))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    texts = [s["text"] for s in out["segments"]]
    story = [" ".join(p.split()) for p in PARAGRAPHS]
    assert texts == ["Home", "News", *story, "Copyright 2026 Example News"]
    assert not any("adSlots" in t or "margin" in t or "Storm hits coast" == t for t in texts)
    paths = [s["path"] for s in out["segments"]]
    assert paths[0] == "/html/body/nav/ul/li[1]" and paths[-1] == "/html/body/footer"
    assert all(p.startswith("/html/body/article/p") for p in paths[2:-1])
    flat = "\n".join(texts)  # offsets refer to the page's text, one block a line
    assert all(flat[s["start"]:s["end"]] == s["text"] for s in out["segments"])
    assert "adSlots" not in out["article"]["text"] and "<p>" not in out["article"]["text"]


def test_classify_html_reads_stdin_and_the_page_charset(run):
    latin = page(["Le café a fermé ses portes après cinquante ans."]).replace("utf-8", "iso-8859-1")
    result = run("classify", "--input-format", "html", "--format", "json", "-", input=latin.encode("latin-1"))
    assert result.exit_code == 0, result.output
    texts = [s["text"] for s in json.loads(result.output)["segments"]]
    assert "Le café a fermé ses portes après cinquante ans." in texts


def test_classify_html_refuses_a_page_it_cannot_decode_in_one_line(run, tmp_path):
    saved = tmp_path / "page.html"
    saved.write_bytes("<p>café</p>".encode("latin-1"))
    result = run("classify", "--input-format", "html", str(saved))
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "declares no other charset" in result.output


@pytest.mark.parametrize("flags", [[], ["--input-format", "text"]])
def test_a_saved_page_given_as_text_is_refused_saying_how_to_read_it(run, tmp_path, flags):
    saved = tmp_path / "page.txt"
    saved.write_text(page(), encoding="utf-8")
    result = run("classify", *flags, str(saved))
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "whole HTML page" in result.output and "--input-format html" in result.output
    assert "--no-html-check" in result.output


def test_no_html_check_labels_the_markup_as_text(run, tmp_path):
    saved = tmp_path / "page.txt"
    saved.write_text(page(), encoding="utf-8")
    result = run("classify", "--no-html-check", "--format", "json", str(saved))
    assert result.exit_code == 0, result.output
    assert any("adSlots" in s["text"] for s in json.loads(result.output)["segments"])


def test_classify_jsonl_reads_an_html_field_and_refuses_a_page_in_the_text_field(run):
    lines = (json.dumps({"id": "a", "html": page()}) + "\n" + json.dumps({"id": "b", "text": page()}) + "\n")
    as_html = run("classify", "--input-format", "jsonl", "--html-field", "html", "-", input=lines)
    records = [json.loads(line) for line in as_html.stdout.splitlines()]
    assert records[0]["id"] == "a" and records[0]["segments"][0]["path"] == "/html/body/nav/ul/li[1]"
    assert "field 'html' missing; set --html-field" in records[1]["error"]["message"]
    as_text = run("classify", "--input-format", "jsonl", "-", input=lines)
    records = [json.loads(line) for line in as_text.stdout.splitlines()]
    assert "field 'text' missing" in records[0]["error"]["message"]
    assert "whole HTML page" in records[1]["error"]["message"]
    assert "--html-field text" in records[1]["error"]["message"]
    assert as_text.exit_code == 2


def test_clean_a_folder_of_saved_pages_and_text_files(run, tmp_path):
    pages = tmp_path / "site"
    (pages / "2026").mkdir(parents=True)
    (pages / "2026" / "storm.html").write_text(page(), encoding="utf-8")
    (pages / "old.htm").write_text(page(PARAGRAPHS[:2]), encoding="utf-8")
    (pages / "notes.txt").write_text(STORY, encoding="utf-8")
    (pages / "saved-as.txt").write_text(page(), encoding="utf-8")  # a page under the wrong name
    (pages / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    out = tmp_path / "out.jsonl"
    result = run("clean", "--workers", "1", "--segments", str(pages), "-o", str(out))
    assert result.exit_code == 1, result.output  # the page named .txt is skipped
    records = {r["id"]: r for r in read_jsonl(out)}
    assert sorted(records) == ["2026/storm.html", "notes.txt", "old.htm"]
    storm = records["2026/storm.html"]
    assert "adSlots" not in storm["text"] and "<" not in storm["text"]
    assert {s["path"] for s in storm["segments"]} >= {"/html/body/footer", "/html/body/nav/ul/li[2]"}
    assert all("path" not in s for s in records["notes.txt"]["segments"])
    (error,) = read_jsonl(tmp_path / "out.errors.jsonl")
    assert error["id"] == "saved-as.txt" and "--input-format html" in error["error"]["message"]


def test_clean_a_glob_of_pages_and_jsonl_with_an_html_field(run, tmp_path):
    for i in range(3):
        (tmp_path / f"p{i}.html").write_text(page(PARAGRAPHS[i:]), encoding="utf-8")
    out = tmp_path / "globbed.jsonl"
    result = run("clean", "--workers", "1", str(tmp_path / "*.html"), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_jsonl(out)] == ["p0.html", "p1.html", "p2.html"]
    src = tmp_path / "crawl.jsonl"
    src.write_text("".join(json.dumps({"id": i, "body": page(PARAGRAPHS[i:])}) + "\n" for i in range(3)))
    out = tmp_path / "from-jsonl.jsonl"
    result = run("clean", "--workers", "1", "--html-field", "body", "--segments", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    records = read_jsonl(out)
    assert [r["id"] for r in records] == [0, 1, 2]
    assert all(s["path"].startswith("/html/body") for r in records for s in r["segments"])


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    (("<p>" + "word " * 2000 + "</p>").encode(), "larger than 1000 bytes, the limit of a document"),
])
def test_classify_html_refuses_what_is_no_page_or_too_large_in_one_line_naming_the_file(run, tmp_path,
                                                                                         content, message):
    saved = tmp_path / "page.html"
    saved.write_bytes(content)
    result = run("classify", "--input-format", "html", "--max-document-bytes", "1000", str(saved))
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.count(str(saved)) == 1
    assert message in result.output


def test_classify_html_of_a_page_with_only_scripts_gives_no_blocks(run, tmp_path):
    saved = tmp_path / "app.html"
    saved.write_text("<!DOCTYPE html><html><head><script>render()</script></head><body>"
                     "<script>more()</script></body></html>")
    result = run("classify", "--input-format", "html", "--format", "json", str(saved))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["segments"] == [] and out["article"]["text"] == ""

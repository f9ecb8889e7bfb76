"""HTML to blocks (newssift.classifier.html): the block data's conversion, element paths,
charsets, and bad pages that give a clear error or no blocks, never a traceback or a hang."""

from __future__ import annotations

import gzip
import itertools
import json

import pytest
from conftest import SHARED, needs_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from newssift.classifier.errors import InvalidInput
from newssift.classifier.html import flatten, html_blocks, looks_like_html, with_paths

PAGE = """<!DOCTYPE html>
<html><head><title>Storm hits coast</title><meta charset="utf-8">
<style>p { color: red }</style><script>var ads = "Buy now";</script></head>
<body>
 <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
 <article>
  <h1>Storm hits   coast</h1>
  <p>The storm reached the <b>coast</b> on Monday,<br>flooding roads.</p>
  <div>Photo: Reuters<p>Officials said&nbsp;more rain is due.</p>Read more</div>
 </article>
 <noscript>Enable JavaScript</noscript>
 <footer>&copy; News Ltd<!-- tracking --></footer>
</body></html>"""


def test_a_page_becomes_the_blocks_a_reader_sees_each_with_its_element_path():
    blocks = html_blocks(PAGE)
    assert [b.text for b in blocks] == [
        "Home", "World", "Storm hits coast", "The storm reached the coast on Monday,",
        "flooding roads.", "Photo: Reuters", "Officials said more rain is due.", "Read more",
        "© News Ltd"]
    tree = lxml_html.document_fromstring(PAGE)
    for block in blocks:  # every path finds the element whose text holds the block
        (element,) = tree.xpath(block.path)
        assert block.text.split()[0] in " ".join(element.text_content().split())
    assert blocks[2].path == "/html/body/article/h1"
    assert blocks[5].path == blocks[7].path == "/html/body/article/div"


def test_the_flattened_text_has_one_block_a_line_and_paths_join_the_labelled_segments():
    blocks = html_blocks(PAGE)
    text = flatten(blocks)
    assert text.splitlines() == [b.text for b in blocks]
    record = {"segments": [{"index": i, "text": b.text} for i, b in enumerate(blocks)]}
    paths = [b.path for b in blocks]
    assert [s["path"] for s in with_paths(record, paths)["segments"]] == paths


def test_a_page_of_noscript_content_only_is_read_with_it():
    page = "<html><body><script>app()</script><noscript><p>All the forum posts</p></noscript></body></html>"
    assert [b.text for b in html_blocks(page)] == ["All the forum posts"]


@pytest.mark.parametrize("page", [b"", "   ", "<html><head><title>t</title></head></html>",
                                  "<script>x()</script><style>p{}</style>", "<!-- only a comment -->"])
def test_a_page_without_visible_text_gives_no_blocks(page):
    assert html_blocks(page) == []


def test_the_charset_comes_from_the_bytes():
    assert html_blocks('<meta charset="iso-8859-1"><p>Café</p>'.encode("latin-1"))[0].text == "Café"
    assert html_blocks('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
                       '<p>Привет</p>'.encode("cp1251"))[0].text == "Привет"
    assert html_blocks("<p>Grüße</p>".encode("utf-16"))[0].text == "Grüße"  # its BOM says so
    assert html_blocks("\ufeff<p>Grüße</p>".encode("utf-8"))[0].text == "Grüße"


def test_bytes_that_are_not_utf8_with_no_charset_declared_are_refused_naming_the_fix():
    with pytest.raises(InvalidInput, match="not UTF-8.*declares no other charset.*meta charset"):
        html_blocks("<p>Café</p>".encode("latin-1"))


def test_binary_data_is_refused():
    with pytest.raises(InvalidInput, match="binary data"):
        html_blocks(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_a_page_nested_past_the_parsers_depth_is_refused_not_read_in_part():
    with pytest.raises(InvalidInput, match="nests elements deeper than"):
        html_blocks("<p>before</p>" + "<div>" * 5000 + "deep text" + "</div>" * 5000)
    assert html_blocks("<div>" * 1000 + "deep text")[0].text == "deep text"


def test_a_large_page_is_read_in_one_pass():
    page = "<p>" + "word " * 2_000_000 + "</p>" + "<p>next</p>" * 100_000
    blocks = html_blocks(page)
    assert len(blocks) == 100_001 and blocks[-1].text == "next"


@pytest.mark.parametrize("text", ["<!DOCTYPE html>\n<html>", "  <html lang='en'><head>", "\ufeff<HTML>",
                                  "<?xml version='1.0'?>\n<!-- saved -->\n<html>", "<head><title>x"])
def test_a_whole_html_document_is_recognised(text):
    assert looks_like_html(text)


@pytest.mark.parametrize("text", ["The <html> tag opens a page.", "Use <p> for paragraphs.\n<b>bold</b>",
                                  "<b>Breaking:</b> storm hits coast", ""])
def test_article_text_that_mentions_tags_is_not_taken_for_a_page(text):
    assert not looks_like_html(text)


_TAGS = ["p", "div", "span", "b", "br", "script", "style", "noscript", "li", "ul", "table", "td",
         "head", "body", "html", "title", "svg", "a", "pre", "template", "!--", "?xml", "!DOCTYPE"]
_pieces = st.one_of(st.sampled_from([f"<{t}>" for t in _TAGS] + [f"</{t}>" for t in _TAGS]
                                    + ["&nbsp;", "&amp;", "&#0;", "&#xD800;", "-->", "<", ">", "\x00"]),
                    st.text(max_size=20))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(_pieces, max_size=60).map("".join), st.binary(max_size=400)))
def test_any_input_gives_blocks_or_a_clear_error(page):
    try:
        blocks = html_blocks(page)
    except InvalidInput as exc:
        assert "\n" not in str(exc)
        return
    for block in blocks:
        assert block.text and block.text == block.text.strip() and "\n" not in block.text
        assert block.path.startswith("/")
    assert flatten(blocks).count("\n") == max(len(blocks) - 1, 0)


@needs_shared
def test_pages_of_every_source_give_exactly_the_blocks_of_the_block_data():
    """The text model is trained on these blocks: the converter must cut pages the same way."""
    data = SHARED / "data"
    for path in sorted((data / "html").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as pages, \
                gzip.open(data / "blocks" / path.name, "rt", encoding="utf-8") as labelled:
            for page, blocks in itertools.islice(zip(pages, labelled), 15):
                page, blocks = json.loads(page), json.loads(blocks)
                assert page["id"] == blocks["id"]
                assert [b.text for b in html_blocks(page["html"])] == [b["text"] for b in blocks["blocks"]], \
                    page["id"]


def test_the_extractor_benchmark_without_trafilatura_says_so_and_exits_0(monkeypatch, capsys):
    import importlib.util
    import sys

    from conftest import ROOT

    script = ROOT / "benchmarks" / "html_extractors.py"
    spec = importlib.util.spec_from_file_location("html_extractors", script)
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "html_extractors", bench)  # its dataclasses look it up
    spec.loader.exec_module(bench)
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # an import of it now fails
    assert bench.main(["--limit", "1"]) == 0
    assert "skipped: trafilatura is not installed (pip install trafilatura" in capsys.readouterr().out

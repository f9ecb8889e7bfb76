"""Inputs as a user gives them: JSONL (plain and gzip), CSV, folders and globs of .txt, and bad records."""

from __future__ import annotations

import gzip
import json

import pytest

from newssift.classifier.errors import InvalidInput
from newssift.classifier.inputs import Source, count_records, iter_records, resolve_inputs
from newssift.classifier.records import BadRecord, Doc
from newssift.clean.options import CleanOptions

OPTS = CleanOptions()


def read_all(args, options=OPTS):
    return [item for source in resolve_inputs(args, options) for item in iter_records(source, options)]


def jsonl(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def test_jsonl_keeps_ids_and_numbers_bad_lines(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text(jsonl({"id": "a", "text": "One."}, "{oops", "", {"id": 7, "body": "x"},
                          [1, 2], {"text": "No id."}, {"id": {"x": 1}, "text": "y"}))
    items = read_all([str(path)])
    assert items[0] == Doc("a", "One.", str(path), 1)
    assert isinstance(items[1], BadRecord) and items[1].line == 2 and "malformed JSON" in items[1].message
    assert items[2].line == 4 and "'text' missing" in items[2].message and items[2].id == 7
    assert items[3].line == 5 and "JSON object" in items[3].message
    assert items[4] == Doc(f"{path}:6", "No id.", str(path), 6)
    assert "string or a number" in items[5].message
    assert count_records(resolve_inputs([str(path)], OPTS)[0], OPTS) == len(items)


def test_gzip_jsonl_and_custom_fields(tmp_path):
    path = tmp_path / "corpus.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl({"url": "u1", "body": "Text one."}, {"url": "u2", "body": "Two."})
                                   .encode()))
    options = CleanOptions(text_field="body", id_field="url")
    assert [(d.id, d.text) for d in read_all([str(path)], options)] == [("u1", "Text one."), ("u2", "Two.")]


def test_undecodable_bytes_and_truncated_gzip_are_bad_records(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "caf\xe9"}\n')
    items = read_all([str(path)])
    assert isinstance(items[1], BadRecord) and "UTF-8" in items[1].message and items[1].line == 2
    broken = tmp_path / "broken.jsonl.gz"
    whole = gzip.compress(jsonl(*({"id": i, "text": "x" * 50} for i in range(200))).encode())
    broken.write_bytes(whole[:-30])
    items = read_all([str(broken)])
    assert isinstance(items[-1], BadRecord) and "gzip" in items[-1].message


def test_csv_text_column_with_quoted_newlines(tmp_path):
    path = tmp_path / "corpus.csv"
    path.write_text('id,title,text\nx1,T,"First line\nsecond line"\nx2,U,Plain\n,V,No id\n')
    items = read_all([str(path)])
    assert [(d.id, d.text, d.line) for d in items] == [
        ("x1", "First line\nsecond line", 2), ("x2", "Plain", 4), (f"{path}:5", "No id", 5)]


def test_csv_without_the_text_column_says_which_columns_it_has(tmp_path):
    path = tmp_path / "corpus.csv"
    path.write_text("id,body\n1,x\n")
    with pytest.raises(InvalidInput, match="no column 'text' \\(columns: id, body\\)"):
        read_all([str(path)])


def test_folder_and_glob_of_txt_and_html_use_relative_paths_as_ids(tmp_path):
    (tmp_path / "site" / "b").mkdir(parents=True)
    (tmp_path / "site" / "a.txt").write_text("A")
    (tmp_path / "site" / "b" / "c.txt").write_text("C")
    (tmp_path / "site" / "b" / "page.html").write_text("<title>T</title><p>P<br>Q")
    (tmp_path / "site" / "b" / "skip.md").write_text("M")
    (tmp_path / "site" / "b" / "bin.txt").write_bytes(b"line\n\x89PNG\x00\x00")
    items = read_all([str(tmp_path / "site")])
    assert [(i.id, getattr(i, "text", None)) for i in items] == [("a.txt", "A"), ("b/bin.txt", None),
                                                                  ("b/c.txt", "C"), ("b/page.html", "P\nQ")]
    assert items[1].line == 2 and "binary data" in items[1].message
    assert items[3].paths == ("/html/body/p", "/html/body/p")
    globbed = read_all([str(tmp_path / "site" / "*" / "c.txt")])
    assert [d.id for d in globbed] == ["b/c.txt"]


@pytest.mark.parametrize("arg, message", [
    ("nope.jsonl", "no such file or folder"),
    ("*.nothing", "no files match"),
    ("data.parquet", "unknown input type"),
])
def test_unusable_inputs_are_named(tmp_path, monkeypatch, arg, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.parquet").write_bytes(b"PAR1")
    with pytest.raises(InvalidInput, match=message):
        resolve_inputs([arg], OPTS)


def test_stdin_is_jsonl_unless_told(monkeypatch):
    assert resolve_inputs(["-"], OPTS) == [Source("jsonl", "-")]
    assert resolve_inputs(["-"], CleanOptions(input_format="txt"))[0].kind == "txt"


def test_a_txt_file_over_the_limit_is_a_bad_record_that_still_counts_its_bytes(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "a.txt").write_text("x" * 100)
    (tmp_path / "site" / "b.txt").write_text("y" * 101)
    (tmp_path / "site" / "c.txt").write_text("z" * 10)
    small, large, after = read_all([str(tmp_path / "site")], CleanOptions(max_document_bytes=100))
    assert isinstance(small, Doc) and isinstance(after, Doc)
    assert (large.id, large.code, large.line) == ("b.txt", "document_too_large", 1)
    assert after.offset == 211  # the progress bar counts the refused file's bytes as read


def test_every_input_format_is_one_entry_of_the_registry(tmp_path):
    from newssift.classifier.inputs import FORMATS

    assert list(FORMATS) == ["jsonl", "csv", "txt", "html", "warc"]
    path = tmp_path / "data.ndjson"
    path.write_text(jsonl({"id": 1, "text": "One."}))
    [source] = resolve_inputs([str(path)], OPTS)
    assert source.kind == "jsonl" and FORMATS["jsonl"].count(source, OPTS) == 1
    with pytest.raises(InvalidInput,
                       match="unknown input format 'parquet'; use one of jsonl, csv, txt, html, warc"):
        resolve_inputs([str(path)], CleanOptions(input_format="parquet"))

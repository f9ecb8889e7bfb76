"""Crash-safe outputs: whatever a torn write leaves at the end, recovery keeps only whole records."""

from __future__ import annotations

import gzip
import json

import pytest

from newssift.clean.readers import BadRecord
from newssift.clean.summary import Stats
from newssift.clean.work import ChunkResult
from newssift.clean.writers import ErrorReport, JsonlOutput, TxtDirOutput, relpath_for_id


def chunk(*ids, texts=False) -> ChunkResult:
    recs = [{"id": i, "text": f"text {i}", "topic": None, "n_main": 1, "n_teaser": 0, "n_boilerplate": 0}
            for i in ids]
    lines = "".join(json.dumps(r) + "\n" for r in recs).encode()
    return ChunkResult(lines, Stats(), [], [(i, f"text {i}") for i in ids] if texts else None)


def recovered(output) -> list:
    ids = []
    output.recover(lambda rec: ids.append(rec["id"]))
    return ids


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz"])
def test_whole_chunks_survive_and_a_torn_tail_is_cut(tmp_path, name):
    out = JsonlOutput(tmp_path / name)
    out.open(append=False)
    out.write(chunk("a", "b"))
    out.write(chunk("c"))
    out.close()
    whole = out.path.read_bytes()
    torn = gzip.compress(b'{"id": "d", "text": "x"}\n', mtime=0)[:-9] if out.gzip else b'{"id": "d", "te'
    out.path.write_bytes(whole + torn)
    assert recovered(out) == ["a", "b", "c"]
    assert out.path.read_bytes() == whole
    out.open(append=True)
    out.write(chunk("d"))
    out.close()
    reader = gzip.open if out.gzip else open
    with reader(out.path, "rt") as handle:
        assert [json.loads(line)["id"] for line in handle] == ["a", "b", "c", "d"]


def test_garbage_after_the_last_newline_and_zero_filled_tail_are_cut(tmp_path):
    out = JsonlOutput(tmp_path / "out.jsonl")
    out.path.write_bytes(b'{"id": 1}\n{"id": 2}\n' + b"\x00" * 4096)
    assert recovered(out) == [1, 2]
    assert out.path.read_bytes() == b'{"id": 1}\n{"id": 2}\n'


def test_txt_dir_commits_files_through_the_index(tmp_path):
    out = TxtDirOutput(tmp_path / "clean")
    out.open(append=False)
    out.write(chunk("site/a.txt", "b", texts=True))
    out.close()
    assert (tmp_path / "clean" / "site" / "a.txt").read_text() == "text site/a.txt\n"
    assert (tmp_path / "clean" / "b.txt").read_text() == "text b\n"
    assert recovered(out) == ["site/a.txt", "b"]
    assert not (tmp_path / "clean" / ".newssift-tmp").exists()


@pytest.mark.parametrize("doc_id, path", [
    ("news/2024/a.txt", "news/2024/a.txt"), (17, "17.txt"), ("../etc/passwd", "..%2Fetc%2Fpasswd.txt"),
    ("/abs", "%2Fabs.txt"), ("https://x.org/a", "https%3A%2F%2Fx.org%2Fa.txt"),
])
def test_ids_become_safe_relative_paths(doc_id, path):
    assert relpath_for_id(doc_id) == path


def test_error_report_is_rewritten_by_each_run(tmp_path):
    path = tmp_path / "errors.jsonl"
    path.write_text("old\n")
    report = ErrorReport(path)
    assert not path.exists()
    report.add([BadRecord("in.jsonl", 3, "malformed JSON")])
    report.close()
    assert json.loads(path.read_text()) == {"source": "in.jsonl", "line": 3, "id": None,
                                            "error": "malformed JSON"}

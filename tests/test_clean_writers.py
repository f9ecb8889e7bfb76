"""Crash-safe outputs: whatever a torn write leaves at the end, recovery keeps only whole records."""

from __future__ import annotations

import gzip
import hashlib
import json

import pytest

from newssift.classifier.errors import InvalidInput
from newssift.classifier.records import BadRecord
from newssift.clean.summary import Stats
from newssift.clean.work import ChunkResult
from newssift.clean.writers import ErrorReport, FileNames, JsonlOutput, TxtDirOutput, relpath_for_id


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
    ("news/2024/a.txt", "news/2024/a.txt"), (17, "17.txt"), ("../etc/passwd", "etc_passwd-7fef78f53440.txt"),
    ("/abs", "abs-e802dcc0fe5e.txt"), ("https://x.org/a", "https_x.org_a-35ca5f4a9cb0.txt"),
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
    assert json.loads(path.read_text()) == {"id": None, "error": {"code": "invalid_input",
                                            "message": "malformed JSON", "source": "in.jsonl", "line": 3}}


@pytest.mark.parametrize("doc_id, path", [
    ("", "id-e3b0c44298fc.txt"),                    # was the hidden file ".txt"
    (" ", "id-36a9e7f1c95b.txt"),                   # was " .txt"
    (".profile", "profile-ba67a16499c7.txt"),        # never hidden
    ("a/../../b", "a_.._.._b-feddf1677abc.txt"),     # never ".."
    ("CON", "CON-a3dbc4b644a9.txt"),                # a Windows device name
    ("a.txt/b", "a.txt_b-bcf6afe0348c.txt"),         # a folder named like a file
    ("Привет мир", "Привет_мир-830d1964dc86.txt"),  # letters of any script stay readable
    ("site/My Story.txt", "site/My Story.txt"),     # a folder input's own relative path
])
def test_unsafe_ids_get_a_readable_name_and_a_hash_of_the_id(doc_id, path):
    assert relpath_for_id(doc_id) == path


def test_an_id_too_long_for_a_file_name_is_cut_and_hashed():
    name = relpath_for_id("x" * 300)
    assert name == "x" * 80 + "-" + hashlib.sha256(b"x" * 300).hexdigest()[:12] + ".txt"
    assert len(name.encode()) <= 255 and relpath_for_id("x" * 301) != name
    long_path = "/".join(["folder"] * 40) + "/a.txt"  # every part fine, 283 characters in all
    assert "/" not in relpath_for_id(long_path)


def test_every_document_gets_its_own_file_ignoring_case():
    names = FileNames()
    got = [names.claim(i) for i in ["dup", "dup", "Dup", "dup.txt", "", "", 7, "7"]]
    assert got == ["dup.txt", "dup~2.txt", "Dup~3.txt", "dup~4.txt", "id-e3b0c44298fc.txt",
                   "id-e3b0c44298fc~2.txt", "7.txt", "7~2.txt"]
    assert len({g.casefold() for g in got}) == len(got)


def test_txt_dir_index_names_each_file_and_duplicates_do_not_overwrite(tmp_path):
    out = TxtDirOutput(tmp_path / "clean")
    out.open(append=False)
    out.write(chunk("dup", "dup", "", texts=True))
    out.close()
    index = [json.loads(line) for line in (tmp_path / "clean" / "_index.jsonl").read_text().splitlines()]
    assert [(r["id"], r["file"]) for r in index] == [("dup", "dup.txt"), ("dup", "dup~2.txt"),
                                                     ("", "id-e3b0c44298fc.txt")]
    assert sorted(p.name for p in (tmp_path / "clean").glob("*.txt")) == [
        "dup.txt", "dup~2.txt", "id-e3b0c44298fc.txt"]
    resumed = TxtDirOutput(tmp_path / "clean")  # a resumed run goes on with the names taken
    assert recovered(resumed) == ["dup", "dup", ""]
    resumed.open(append=True)
    resumed.write(chunk("dup", texts=True))
    resumed.close()
    assert (tmp_path / "clean" / "dup~3.txt").read_text() == "text dup\n"


def test_a_file_that_cannot_be_written_is_one_clear_error(tmp_path):
    out = TxtDirOutput(tmp_path / "clean")
    out.open(append=False)
    (tmp_path / "clean" / "site").write_text("a file where the folder of an id must go")
    with pytest.raises(InvalidInput, match="site/a.txt: cannot write"):
        out.write(chunk("site/a.txt", texts=True))
    out.close()

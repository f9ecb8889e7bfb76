"""`newssift clean` as a user runs it: corpora in, cleaned records out, every bad input one clear line."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import COMMENT_WORDS, FIXTURES, ROOT, SHIPPED, STORY_WITH_COMMENTS
from tqdm import tqdm

from newssift.classifier.cli import NewssiftGroup
from newssift.classifier.defaults import MAX_DOCUMENT_BYTES
from newssift.clean.cli import clean

ARTICLES = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt"))]


@click.group(cls=NewssiftGroup)
def group() -> None:
    """The clean command on a group that handles errors the way `newssift` does."""


group.add_command(clean)


def corpus(n: int) -> list[dict]:
    return [{"id": f"doc-{i:04d}", "text": f"{ARTICLES[i % len(ARTICLES)]}\nShare this story ({i})\n"}
            for i in range(n)]


def write_jsonl(path, records) -> str:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return str(path)


def read_jsonl(path) -> list[dict]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture
def run(tiny_model_dir):
    def run(*args, input=None):
        return CliRunner().invoke(group, ["clean", "--model", str(tiny_model_dir), "--workers", "1", *args],
                                  input=input)
    return run


def test_jsonl_corpus_gives_clean_text_topic_and_a_summary(run, tmp_path, tiny_model):
    src = write_jsonl(tmp_path / "in.jsonl", corpus(12))
    result = run(src, "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 0, result.output
    records = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in records] == [f"doc-{i:04d}" for i in range(12)]
    expected = tiny_model.segment(corpus(12)[3]["text"]).article
    assert records[3]["text"] == expected.text and records[3]["topic"] == expected.topic
    assert "segments" not in records[0]
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["documents"] == 12 and summary["errors"] == 0
    assert summary["blocks"]["kept"] == sum(r["n_main"] for r in records)
    assert sum(summary["topics"].values()) == 12
    assert "documents: 12" in result.stdout and "kept (main)" in result.stdout
    assert records[3]["lang"] == expected.lang
    assert records[3]["topic_trained_for_lang"] == expected.topic_trained_for_lang
    assert records[3]["lang"] == "en" and records[3]["lang_score"] > 0.5
    assert summary["languages"] == {"en": 12} and "languages: en 12" in result.stdout


def test_two_workers_small_chunks_and_gzip_give_the_same_records(run, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", corpus(30))
    assert run(src, "-o", str(tmp_path / "one.jsonl")).exit_code == 0
    result = run(src, "-o", str(tmp_path / "two.jsonl.gz"), "--workers", "2", "--chunk-size", "4")
    assert result.exit_code == 0, result.output
    assert read_jsonl(tmp_path / "two.jsonl.gz") == read_jsonl(tmp_path / "one.jsonl")
    assert (tmp_path / "two.summary.json").exists()


def test_segments_carry_every_blocks_labels(run, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", corpus(2))
    assert run(src, "-o", str(tmp_path / "out.jsonl"), "--segments").exit_code == 0
    rec = read_jsonl(tmp_path / "out.jsonl")[1]
    assert len(rec["segments"]) == rec["n_blocks"]
    assert {s["role"] for s in rec["segments"]} <= {"main", "teaser", "boilerplate"}
    assert rec["text"] == "\n".join(s["text"] for s in rec["segments"] if s["role"] == "main")


def test_folder_of_txt_to_txt_dir_mirrors_the_tree(run, tmp_path):
    (tmp_path / "pages" / "sport").mkdir(parents=True)
    (tmp_path / "pages" / "a.txt").write_text(ARTICLES[0])
    (tmp_path / "pages" / "sport" / "b.txt").write_text(ARTICLES[3])
    result = run(str(tmp_path / "pages"), "-o", str(tmp_path / "clean"), "--format", "txt-dir")
    assert result.exit_code == 0, result.output
    index = read_jsonl(tmp_path / "clean" / "_index.jsonl")
    assert [r["id"] for r in index] == ["a.txt", "sport/b.txt"] and "text" not in index[0]
    assert (tmp_path / "clean" / "sport" / "b.txt").read_text().strip()
    assert json.loads((tmp_path / "clean" / "_summary.json").read_text())["documents"] == 2


def test_outputs_in_folders_not_made_yet_with_the_site_counts_beside_them(tmp_path):
    """The shipped model has a site-repeats head, so the run first writes its site counts in
    the output folder (or beside the output file): a folder that does not exist yet is made."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "a.txt").write_text(ARTICLES[0])
    for out, fmt in ((tmp_path / "clean", "txt-dir"), (tmp_path / "sub" / "dir" / "out.jsonl", "jsonl")):
        result = CliRunner().invoke(group, ["clean", str(tmp_path / "pages"), "-o", str(out),
                                            "--format", fmt, "--workers", "1"])
        assert result.exit_code == 0, result.output
        summary = out / "_summary.json" if fmt == "txt-dir" else out.with_name("out.summary.json")
        status = json.loads(summary.read_text())["site_repeats"]["status"]
        assert status != "off: the model has no site-repeats head"


def test_stdin_and_csv(run, tmp_path):
    lines = "".join(json.dumps(r) + "\n" for r in corpus(3))
    result = run("-", "-o", str(tmp_path / "stdin.jsonl"), input=lines)
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_jsonl(tmp_path / "stdin.jsonl")] == ["doc-0000", "doc-0001", "doc-0002"]
    csv_path = tmp_path / "in.csv"
    csv_path.write_text('url,content\nu1,"Headline\nThe minister spoke on Monday about the budget plans."\n')
    result = run(str(csv_path), "-o", str(tmp_path / "csv.jsonl"), "--text-field", "content",
                 "--id-field", "url")
    assert result.exit_code == 0, result.output
    assert read_jsonl(tmp_path / "csv.jsonl")[0]["id"] == "u1"


def test_bad_records_go_to_the_report_and_the_run_goes_on(run, tmp_path):
    records = [corpus(1)[0], "{broken", {"id": "x", "body": "?"}, corpus(2)[1]]
    src = write_jsonl(tmp_path / "in.jsonl", records)
    result = run(src, "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 1, result.output  # some records skipped
    assert [r["id"] for r in read_jsonl(tmp_path / "out.jsonl")] == ["doc-0000", "doc-0001"]
    errors = read_jsonl(tmp_path / "out.errors.jsonl")
    assert [(e["error"]["source"], e["error"]["line"]) for e in errors] == [(src, 2), (src, 3)]
    assert "2 bad record(s)" in result.stderr
    assert json.loads((tmp_path / "out.summary.json").read_text())["errors"] == 2


def test_strict_stops_at_the_first_bad_record(run, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [*corpus(3), "{broken", *corpus(5)[3:]])
    result = run(src, "-o", str(tmp_path / "out.jsonl"), "--strict", "--chunk-size", "2")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"newssift: {src}, line 4: malformed JSON at column 2;")
    assert result.stderr.endswith("(--strict stops at the first bad record)\n")
    assert result.stderr.count("\n") == 1
    done = read_jsonl(tmp_path / "out.jsonl") if (tmp_path / "out.jsonl").exists() else []
    assert [r["id"] for r in done] == [f"doc-{i:04d}" for i in range(len(done))] and len(done) <= 3


def test_resume_finishes_a_partial_output_to_equal_a_full_run(run, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [*corpus(6), "{broken", *corpus(10)[6:]])
    assert run(src, "-o", str(tmp_path / "full.jsonl")).exit_code == 1  # the broken line is skipped
    full = (tmp_path / "full.jsonl").read_bytes()
    lines = full.splitlines(keepends=True)
    (tmp_path / "part.jsonl").write_bytes(b"".join(lines[:4]) + lines[4][:25])
    result = run(src, "-o", str(tmp_path / "part.jsonl"), "--resume", "--chunk-size", "3")
    assert result.exit_code == 1, result.output
    assert (tmp_path / "part.jsonl").read_bytes() == full
    whole, resumed = (json.loads((tmp_path / f"{n}.summary.json").read_text()) for n in ("full", "part"))
    assert resumed["resumed_documents"] == 4 and resumed["this_run"]["documents"] == 6
    for key in ("documents", "blocks", "topics", "errors"):
        assert resumed[key] == whole[key]
    assert len(read_jsonl(tmp_path / "part.errors.jsonl")) == 1


def test_an_existing_output_is_never_overwritten_by_accident(run, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", corpus(2))
    (tmp_path / "out.jsonl").write_text("precious\n")
    result = run(src, "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 2 and "--resume" in result.stderr and "--overwrite" in result.stderr
    assert (tmp_path / "out.jsonl").read_text() == "precious\n"
    assert run(src, "-o", str(tmp_path / "out.jsonl"), "--overwrite").exit_code == 0
    assert len(read_jsonl(tmp_path / "out.jsonl")) == 2


def _empty(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    return [str(tmp_path / "empty.jsonl")], "no documents to clean"


def _malformed(tmp_path):
    return [write_jsonl(tmp_path / "bad.jsonl", ["{x", "[1]", '{"id": 1}'])], "3 bad record(s), see"


def _binary(tmp_path):
    (tmp_path / "photo.jsonl").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    return [str(tmp_path / "photo.jsonl")], "no documents to clean"


def _missing(tmp_path):
    return [str(tmp_path / "nope.jsonl")], "nope.jsonl: no such file or folder"


@pytest.mark.parametrize("make", [_empty, _malformed, _binary, _missing])
def test_inputs_without_documents_fail_in_one_line_with_no_output(run, tmp_path, make):
    inputs, message = make(tmp_path)
    result = run(*inputs, "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 2
    assert result.stderr.startswith("newssift: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "out.summary.json").exists()


@pytest.mark.parametrize("target, message", [
    ("file.txt/out.jsonl", "cannot write"),
    ("no/such/dir/out.jsonl", "cannot write"),
    (".", "is a folder"),
])
def test_unwritable_outputs_fail_before_any_work(run, tmp_path, target, message):
    src = write_jsonl(tmp_path / "in.jsonl", corpus(2))
    (tmp_path / "file.txt").write_text("")
    result = run(src, "-o", str(tmp_path / target))
    assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_a_missing_model_is_one_line(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", corpus(1))
    result = CliRunner().invoke(group, ["clean", src, "-o", str(tmp_path / "o.jsonl"),
                                        "--model", str(tmp_path / "none")])
    assert result.exit_code == 2 and "no such model directory" in result.stderr


def test_txt_dir_resume_rewrites_only_what_the_index_does_not_hold(run, tmp_path):
    (tmp_path / "pages").mkdir()
    for i in range(5):
        (tmp_path / "pages" / f"p{i}.txt").write_text(ARTICLES[i % 4])
    args = [str(tmp_path / "pages"), "-o", str(tmp_path / "clean"), "--format", "txt-dir",
            "--chunk-size", "2"]
    assert run(*args).exit_code == 0
    index = tmp_path / "clean" / "_index.jsonl"
    whole = index.read_bytes()
    index.write_bytes(b"".join(whole.splitlines(keepends=True)[:3]) + b'{"id": "p3.t')
    (tmp_path / "clean" / "p4.txt").unlink()
    result = run(*args, "--resume")
    assert result.exit_code == 0, result.output
    assert index.read_bytes() == whole
    assert sorted(p.name for p in (tmp_path / "clean").glob("p*.txt")) == [f"p{i}.txt" for i in range(5)]
    assert json.loads((tmp_path / "clean" / "_summary.json").read_text())["resumed_documents"] == 3


def test_main_threshold_reaches_every_worker(run, tmp_path, tiny_model):
    src = write_jsonl(tmp_path / "in.jsonl", corpus(8))
    kept = {}
    for t in ("0.1", "0.5", "0.9"):
        out = tmp_path / f"out-{t}.jsonl"
        result = run(src, "-o", str(out), "--workers", "2", "--chunk-size", "2", "--main-threshold", t)
        assert result.exit_code == 0, result.output
        records = read_jsonl(out)
        expected = tiny_model.segment(corpus(8)[5]["text"], tiny_model.decision_for(float(t))).article
        assert records[5]["text"] == expected.text
        kept[t] = sum(r["n_main"] for r in records)
    assert kept["0.1"] > kept["0.9"] and kept["0.1"] >= kept["0.5"] >= kept["0.9"]


@pytest.mark.parametrize("value", ["0", "1.5", "nan"])
def test_an_unusable_main_threshold_is_one_line_and_no_output(run, tmp_path, value):
    src = write_jsonl(tmp_path / "in.jsonl", corpus(2))
    result = run(src, "-o", str(tmp_path / "out.jsonl"), "--main-threshold", value)
    assert result.exit_code == 2
    assert result.output.startswith("newssift: main threshold") and result.output.count("\n") == 1
    assert not (tmp_path / "out.jsonl").exists()


def test_keep_comments_reaches_every_worker(shipped_model, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": STORY_WITH_COMMENTS} for i in range(4)])
    for flags, kept in (((), False), (("--keep-comments",), True)):
        out = tmp_path / f"out{len(flags)}.jsonl"
        result = CliRunner().invoke(group, ["clean", src, "-o", str(out), "--model", str(SHIPPED),
                                            "--workers", "2", "--chunk-size", "1", *flags])
        assert result.exit_code == 0, result.output
        assert [COMMENT_WORDS in r["text"] for r in read_jsonl(out)] == [kept] * 4


def test_resume_refuses_other_labelling_settings_and_leaves_the_output(run, tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, corpus(2))
    out = tmp_path / "out.jsonl"
    assert run(str(src), "-o", str(out), "--main-threshold", "0.9").exit_code == 0
    before = out.read_bytes()
    write_jsonl(src, corpus(4))  # more input arrived
    result = run(str(src), "-o", str(out), "--main-threshold", "0.3", "--resume")
    assert result.exit_code == 2 and "main_threshold" in result.stderr and "--overwrite" in result.stderr
    assert out.read_bytes() == before
    again = run(str(src), "-o", str(out), "--main-threshold", "0.9", "--resume")
    assert again.exit_code == 0, again.output
    assert len(read_jsonl(out)) == 4


def test_clean_applies_corrections_in_every_worker_and_resume_needs_the_same_file(run, tiny_model, tmp_path):
    docs = corpus(6)
    first_line = docs[0]["text"].splitlines()[0]
    model_role = tiny_model.segment(docs[0]["text"]).segments[0].role
    flipped = "boilerplate" if model_role == "main" else "main"
    corrections = write_jsonl(tmp_path / "c.jsonl", [{"text": docs[0]["text"],
                                                      "labels": [{"id": 3, "index": 0, "role": flipped}]}])
    src = write_jsonl(tmp_path / "in.jsonl", docs)
    out = tmp_path / "out.jsonl"
    result = run(src, "-o", str(out), "--segments", "--workers", "2", "--chunk-size", "1",
                 "--corrections", corrections)
    assert result.exit_code == 0, result.output
    for rec in read_jsonl(out):  # every document holding the line, in either worker
        seg = rec["segments"][0]
        if seg["text"] == first_line:
            assert seg["role"] == flipped and seg["correction"]["id"] == 3
    assert read_jsonl(out)[0]["segments"][0]["correction"] == {"id": 3, "match": "document"}
    Path(corrections).write_text("", encoding="utf-8")  # another memory: another labelling
    again = run(src, "-o", str(out), "--resume", "--corrections", corrections)
    assert again.exit_code == 2 and "corrections" in again.output


def txt_dir_files(folder) -> dict[str, str]:
    """Every cleaned file of a txt-dir output (hidden ones too), by path relative to it."""
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in folder.rglob("*") if p.is_file() and p.suffix == ".txt"}


def test_txt_dir_takes_an_id_too_long_for_a_file_name(run, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "x" * 300, "text": ARTICLES[0]}])
    result = run(src, "-o", str(tmp_path / "clean"), "--format", "txt-dir")
    assert result.exit_code == 0, result.output
    [entry] = read_jsonl(tmp_path / "clean" / "_index.jsonl")
    assert entry["id"] == "x" * 300 and len(entry["file"]) < 255
    assert list(txt_dir_files(tmp_path / "clean")) == [entry["file"]]
    assert json.loads((tmp_path / "clean" / "_summary.json").read_text())["documents"] == 1


def test_txt_dir_gives_every_document_its_own_file_and_the_index_names_it(run, tmp_path):
    ids = ["dup", "dup", "", " ", "Dup", ".bashrc", "../escape", "sport/a.txt"]
    docs = [{"id": doc_id, "text": "\n".join(ARTICLES[i % 4].splitlines()[i % 3:])}
            for i, doc_id in enumerate(ids)]
    src = write_jsonl(tmp_path / "in.jsonl", docs)
    result = run(src, "-o", str(tmp_path / "clean"), "--format", "txt-dir", "--chunk-size", "3")
    assert result.exit_code == 0, result.output
    index = read_jsonl(tmp_path / "clean" / "_index.jsonl")
    assert [r["id"] for r in index] == ids
    files = txt_dir_files(tmp_path / "clean")
    assert sorted(r["file"] for r in index) == sorted(files)  # one file per document, none lost
    assert len({f.casefold() for f in files}) == len(ids)   # distinct on macOS and Windows too
    assert run(src, "-o", str(tmp_path / "as.jsonl")).exit_code == 0
    for r, cleaned in zip(index, read_jsonl(tmp_path / "as.jsonl")):  # each file holds its own text
        assert files[r["file"]] == cleaned["text"] + "\n"
        assert not any(part.startswith(".") or part == ".." for part in r["file"].split("/"))
    assert index[0]["file"] == "dup.txt" and index[1]["file"] == "dup~2.txt"
    assert index[7]["file"] == "sport/a.txt"
    again = run(src, "-o", str(tmp_path / "again"), "--format", "txt-dir")  # the same names each run
    assert again.exit_code == 0 and read_jsonl(tmp_path / "again" / "_index.jsonl") == index


def test_clean_help_documents_the_file_name_rule_and_the_exit_status():
    result = CliRunner().invoke(group, ["clean", "--help"], terminal_width=100)
    text = " ".join(result.output.split())
    for words in ("NAME-HASH.txt", "SHA-256", "~2, ~3", "ignoring case", "_index.jsonl",
                  "Exit status: 0 every record cleaned; 1 some records were skipped"):
        assert words in text, words


def test_summary_records_the_main_threshold_the_run_used(run, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", corpus(2))
    assert run(src, "-o", str(tmp_path / "default.jsonl")).exit_code == 0
    assert run(src, "-o", str(tmp_path / "low.jsonl"), "--main-threshold", "0.3").exit_code == 0
    used = {n: json.loads((tmp_path / f"{n}.summary.json").read_text())["labelling"]["main_threshold"]
            for n in ("default", "low")}
    assert used == {"default": 0.5, "low": 0.3}  # the model's own 0.5 when none is given


def test_resume_accepts_the_summary_of_a_run_that_recorded_no_threshold(run, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", corpus(2))
    out, summary = tmp_path / "out.jsonl", tmp_path / "out.summary.json"
    assert run(src, "-o", str(out)).exit_code == 0
    old = json.loads(summary.read_text())
    old["labelling"]["main_threshold"] = None  # what versions before it was recorded wrote
    summary.write_text(json.dumps(old))
    write_jsonl(tmp_path / "in.jsonl", corpus(3))
    result = run(src, "-o", str(out), "--resume")
    assert result.exit_code == 0, result.output
    assert len(read_jsonl(out)) == 3


@pytest.mark.parametrize("name", ["in.jsonl", "in.jsonl.gz"])
def test_progress_counts_bytes_read_against_the_inputs_size(run, tmp_path, name):
    src = tmp_path / name
    lines = "".join(json.dumps(r) + "\n" for r in corpus(40)).encode()
    src.write_bytes(gzip.compress(lines) if name.endswith(".gz") else lines)
    result = run(str(src), "-o", str(tmp_path / "out.jsonl"), "--progress", "--chunk-size", "4")
    assert result.exit_code == 0, result.output
    frames = result.stderr.replace("\r", "\n").splitlines()
    last = [f for f in frames if f.startswith("cleaning")][-1]
    size = tqdm.format_sizeof(src.stat().st_size, divisor=1024)  # the file's (compressed) bytes
    assert f"100%|██████████| {size}/{size} [" in last and "40 docs" in last, last


def test_stdin_has_no_known_size_so_the_bar_counts_documents(run, tmp_path):
    lines = "".join(json.dumps(r) + "\n" for r in corpus(3))
    result = run("-", "-o", str(tmp_path / "out.jsonl"), "--progress", input=lines)
    assert result.exit_code == 0, result.output
    last = [f for f in result.stderr.replace("\r", "\n").splitlines() if f.startswith("cleaning")][-1]
    assert "3 docs" in last and "%" not in last


def test_skipped_records_exit_1_and_a_clean_run_0(run, tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", corpus(2))
    bad = write_jsonl(tmp_path / "bad.jsonl", [*corpus(2), "{broken"])
    assert run(good, "-o", str(tmp_path / "good-out.jsonl")).exit_code == 0
    result = run(bad, "-o", str(tmp_path / "bad-out.jsonl"))
    assert result.exit_code == 1
    assert result.stderr == f"newssift: 1 bad record(s) skipped; see {tmp_path / 'bad-out.errors.jsonl'}\n"
    assert len(read_jsonl(tmp_path / "bad-out.jsonl")) == 2  # the rest is cleaned all the same


def test_undecodable_jsonl_lines_are_reported_as_not_utf8(run, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(json.dumps(corpus(1)[0]).encode() + b'\n{"id": "b", "text": "caf\xe9"}\n')
    assert run(str(src), "-o", str(tmp_path / "out.jsonl")).exit_code == 1
    [error] = read_jsonl(tmp_path / "out.errors.jsonl")
    assert error == {"id": None, "error": {"code": "invalid_input", "source": str(src), "line": 2,
                                           "message": "not valid UTF-8 (byte 24); re-encode it as UTF-8"}}


def test_resume_refuses_another_site_field_when_corrections_apply(run, tmp_path):
    docs = [{**d, "host": "a.example", "src": "b.example"} for d in corpus(4)]
    src = write_jsonl(tmp_path / "in.jsonl", docs)
    corrections = write_jsonl(tmp_path / "c.jsonl", [{"text": docs[0]["text"], "site": "a.example",
                                                      "labels": [{"index": 0, "role": "boilerplate"}]}])
    out = tmp_path / "out.jsonl"
    first = run(src, "-o", str(out), "--corrections", corrections, "--site-field", "host")
    assert first.exit_code == 0, first.output
    again = run(src, "-o", str(out), "--resume", "--corrections", corrections, "--site-field", "src")
    assert again.exit_code == 2 and "site_field" in again.output


# --- one size limit for a document (issue 21, item 4) ----------------------------------------------

STARTUP_TIMEOUT_SECONDS = 120  # a fresh Python, the model loaded, a few documents cleaned


def run_clean(*args: str, timeout: float = STARTUP_TIMEOUT_SECONDS) -> subprocess.CompletedProcess:
    """`newssift clean` as a user runs it."""
    return subprocess.run([sys.executable, "-m", "newssift", "clean", "--workers", "1", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_a_20_mb_text_in_a_folder_is_an_error_record_and_the_rest_is_cleaned(tiny_model_dir, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_text(ARTICLES[0])
    (pages / "big.txt").write_text(("A line of a scraped page that goes on and on.\n" * 440_000)[:20_000_000])
    (pages / "c.txt").write_text(ARTICLES[1])
    out = tmp_path / "out.jsonl"
    result = run_clean(str(pages), "-o", str(out), "--model", str(tiny_model_dir))
    assert result.returncode == 1, result.stderr
    assert [r["id"] for r in read_jsonl(out)] == ["a.txt", "c.txt"]
    [error] = read_jsonl(tmp_path / "out.errors.jsonl")
    assert error == {"id": "big.txt", "error": {
        "code": "document_too_large", "source": str(pages / "big.txt"), "line": 1,
        "message": f"larger than {MAX_DOCUMENT_BYTES} bytes, the limit of a document; split it, or raise "
                   "--max-document-bytes (NEWSSIFT_MAX_DOCUMENT_BYTES)"}}
    assert result.stderr.endswith(f"newssift: 1 bad record(s) skipped; see {tmp_path / 'out.errors.jsonl'}\n")


def test_a_txt_file_is_read_no_further_than_the_limit(tiny_model_dir, tmp_path):
    """A named pipe that never ends: a reader that reads the whole file waits for ever."""
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_text("A headline\nThe minister spoke on Monday about the budget plans.\n")
    endless = pages / "endless.txt"
    os.mkfifo(endless)
    done = threading.Event()

    def write_and_keep_open() -> None:
        with open(endless, "wb") as handle:
            handle.write(b"word " * 1000)
            handle.flush()
            done.wait(STARTUP_TIMEOUT_SECONDS)

    writer = threading.Thread(target=write_and_keep_open, daemon=True)
    writer.start()
    try:
        result = run_clean(str(pages), "-o", str(tmp_path / "out.jsonl"), "--model", str(tiny_model_dir),
                           "--max-document-bytes", "1000")
    finally:
        done.set()
    assert result.returncode == 1, result.stderr
    [error] = read_jsonl(tmp_path / "out.errors.jsonl")
    assert (error["id"], error["error"]["code"]) == ("endless.txt", "document_too_large")
    assert [r["id"] for r in read_jsonl(tmp_path / "out.jsonl")] == ["a.txt"]


def test_max_document_bytes_reaches_jsonl_and_csv_records(run, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "small", "text": "A story."},
                                              {"id": "large", "text": "A story. " * 20}])
    result = run(src, "-o", str(tmp_path / "out.jsonl"), "--max-document-bytes", "100")
    assert result.exit_code == 1, result.output
    assert [r["id"] for r in read_jsonl(tmp_path / "out.jsonl")] == ["small"]
    assert [(e["id"], e["error"]["code"]) for e in read_jsonl(tmp_path / "out.errors.jsonl")] == [
        ("large", "document_too_large")]
    csv_path = tmp_path / "in.csv"
    csv_path.write_text(f"id,text\nsmall,A story.\nlarge,{'A story. ' * 20}\n")
    result = run(str(csv_path), "-o", str(tmp_path / "csv.jsonl"), "--max-document-bytes", "100")
    assert result.exit_code == 1, result.output
    assert [r["id"] for r in read_jsonl(tmp_path / "csv.jsonl")] == ["small"]

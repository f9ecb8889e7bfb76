"""Fuzz `newssift clean` over its inputs and ids: nothing lost, nothing overwritten, no traceback.

Hypothesis writes JSONL corpora of 1-12 lines: good records whose ids are duplicates,
empty, dots, ``..``, absolute, nested paths, differing in case only, very long, accented,
CJK, emoji, RTL, combining, control characters, Windows device names, ints, floats, null
or missing; texts normal, empty, blank, unicode or very long; bad records (an id or a text
of the wrong type); malformed lines (bad JSON, invalid UTF-8, not an object); blank lines.
Each corpus is cleaned to JSONL and to ``--format txt-dir`` and, from a torn partial
output, ``--resume``d.  The exit status is the documented one (0, 1 or 2), no run prints
a traceback, every good record gives exactly one output (its id as given), each in a file
of its own inside the folder whose text is the JSONL record's, and every bad record is
in the error report with its line.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from conftest import FIXTURES
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from newssift.classifier.inputs import iter_records, resolve_inputs
from newssift.classifier.records import BadRecord
from newssift.classifier.stream import classify_jsonl
from newssift.clean.options import CleanOptions
from newssift.cli import cli

ARTICLE_LINES = [line for p in sorted(FIXTURES.glob("*.txt"))
                 for line in p.read_text(encoding="utf-8").splitlines()[:12] if line.strip()]
IDS = ["", " ", ".", "..", "../x", "../../etc/passwd", "/abs", "/", "a/b", "a/b/", "a//b", "./a", "a/./b",
       "a/../b", "A", "a", "a.txt", "A.TXT", "a~2", "a~2.txt", "a.txt/b", "x" * 300, "é" * 310,
       "d/" * 120 + "x", "p" * 101, "café", "cafe\u0301", "東京の記事", "🎉🎉", "\u202eevil\u202c.txt",
       "مرحبا", "שלום", "a\u0300\u0301\u0302", "\x00", "\x01\x1f\x7f", "tab\there", "new\nline",
       "cr\rlf", "\u2028", "CON", "con", "nul.txt", "NUL", "com1", "Aux.txt", "lpt9.log", "back\\slash",
       "C:\\x", "c:", " lead", "trail ", "dot.", "-dash", "_index.jsonl", "_index", "_summary.json",
       ".newssift-tmp", ".hidden", "~", "a b", "a  b", "%2e%2e", "*?[", "id"]
CLASHING = ["dup", "DUP", "Dup.txt", "dup.TXT", "dup~2", "a/dup", "A/DUP", 7, "7", 7.0]
ids = st.one_of(st.sampled_from(IDS), st.sampled_from(CLASHING), st.text(max_size=20),
                st.integers(-2**63, 2**63 - 1),
                st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([0, 1, 1.0, -0.0, 1e300]))
TEXTS = ["", " ", "\n\n", " \t \n", "x" * 20_000, ("word " * 3000).strip(),
         "Ünïcödé naïve café\n東京の記事\nمرحبا بالعالم\n🎉 party", "e\u0301\u0301\u0301",
         "line\r\nwith\rcr", "sep\u2028line\u2029para\x85nel", "nul\x00inside", "\x1c\x1d\x1e\x0b\x0c"]
texts = st.one_of(st.sampled_from(TEXTS),
                  st.lists(st.sampled_from(ARTICLE_LINES) | st.text(max_size=40), max_size=10).map("\n".join))
MALFORMED = [b"{broken", b'{"id": "x", "text": "caf\xe9"}', b"\xff\xfe{}", b"\xc3(", b"[1, 2]", b"42",
             b'"just a string"', b"null", b"true", b'{"id": 1, "text": "x"} trailing', b'{"text": NaN}',
             b'{"id": "s", "text": "\\ud800"}', b'{"id": "dup", "id": {}', b"\x1c", b"{}}"]
BLANK = [b"", b"   ", b"\t", b" \r"]


@dataclass
class Line:
    raw: bytes
    kind: str  # good | bad | blank
    doc_id: object = None  # a good record's expected id (None: FILE:LINE)


@st.composite
def lines(draw) -> Line:
    kind = draw(st.sampled_from(["good"] * 9 + ["bad_id", "bad_text", "malformed", "blank"]))
    if kind == "malformed":
        return Line(draw(st.sampled_from(MALFORMED)), "bad")
    if kind == "blank":
        return Line(draw(st.sampled_from(BLANK)), "blank")
    rec: dict = {}
    how = draw(st.sampled_from(["id", "id", "id", "null", "missing"]))
    doc_id = draw(ids)
    if kind == "bad_id":
        rec["id"] = draw(st.sampled_from([True, False, [], ["a"], {"nested": {"id": 1}}, {}]))
    elif how == "id":
        rec["id"] = doc_id
    elif how == "null":
        rec["id"] = None
    if kind == "bad_text":
        bad = draw(st.sampled_from([None, 1, 2.5, ["t"], {"t": "x"}, True, "MISSING"]))
        if bad != "MISSING":
            rec["text"] = bad
    else:
        rec["text"] = draw(texts)
    if draw(st.booleans()):
        rec["meta"] = {"nested": [1, {"deep": None}], "id": "not-this-one"}
    items = list(rec.items())
    if draw(st.booleans()):
        items.reverse()  # the id after the text
    raw = json.dumps(dict(items), ensure_ascii=draw(st.booleans())).encode("utf-8")
    if kind != "good":
        return Line(raw, "bad")
    return Line(raw, "good", rec.get("id"))


corpora = st.lists(lines(), min_size=1, max_size=12).filter(lambda c: any(x.kind != "blank" for x in c))


def invoke(*args: str):
    result = CliRunner().invoke(cli, ["clean", *args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output, result.exception)
    return result


def read_jsonl(path: Path) -> list[dict]:
    """Lines end at "\\n" only: texts hold U+2028 and the like unescaped."""
    data = path.read_bytes()
    assert data == b"" or data.endswith(b"\n"), data[-200:]
    return [json.loads(line) for line in data.split(b"\n")[:-1]]


def typed(values) -> list:
    """Ids with their type: an int id stays an int, 1 and 1.0 and "1" differ."""
    return [(type(v).__name__, v) for v in values]


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def check_errors(report: Path, src: str, corpus: list[Line]) -> None:
    expected = [(src, n) for n, line in enumerate(corpus, 1) if line.kind == "bad"]
    got = [(e["error"]["source"], e["error"]["line"]) for e in read_jsonl(report)] if report.exists() else []
    assert got == expected


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(corpus=corpora, chunk=st.integers(1, 13), cut=st.floats(0, 1), torn=st.integers(0, 40))
def test_every_good_record_gives_one_output_and_every_bad_one_a_report_line(tiny_model_dir, corpus, chunk,
                                                                             cut, torn):
    with tempfile.TemporaryDirectory() as tmp:
        _check_corpus(Path(tmp), str(tiny_model_dir), corpus, chunk, cut, torn)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(corpus=corpora)
def test_classify_reads_every_line_as_clean_does(tiny_model, corpus):
    """The same records labelled, the same ones refused with the same error record (issue 21)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        src.write_bytes(b"".join(line.raw + b"\n" for line in corpus))
        options = CleanOptions()
        [source] = resolve_inputs([str(src)], options)
        cleaned = [item.to_dict() if isinstance(item, BadRecord) else {"id": item.id}
                   for item in iter_records(source, options)]
        out = io.StringIO()
        with open(src, "rb") as handle:
            classify_jsonl(tiny_model, handle, out, name=str(src))
    classified = [rec if "error" in rec else {"id": rec["id"]}  # U+2028 in an id is escaped
                  for rec in map(json.loads, out.getvalue().splitlines())]
    assert typed(r["id"] for r in classified) == typed(r["id"] for r in cleaned)
    assert classified == cleaned


def _check_corpus(tmp: Path, model: str, corpus: list[Line], chunk: int, cut: float, torn: int) -> None:
    work = tmp / "work"
    work.mkdir()
    src = str(work / "in.jsonl")
    Path(src).write_bytes(b"".join(line.raw + b"\n" for line in corpus))
    good = [(n, line) for n, line in enumerate(corpus, 1) if line.kind == "good"]
    n_bad = sum(line.kind == "bad" for line in corpus)
    status = 2 if not good else 1 if n_bad else 0
    want_ids = typed(f"{src}:{n}" if line.doc_id is None else line.doc_id for n, line in good)
    event(f"status {status}")
    common = ["--model", model, "--workers", "1", "--chunk-size", str(chunk)]

    # JSONL: one line per good record, in order, ids as given
    out = work / "out.jsonl"
    result = invoke(src, "-o", str(out), *common)
    assert result.exit_code == status, result.output
    check_errors(work / "out.errors.jsonl", src, corpus)
    records = read_jsonl(out) if out.exists() else []
    assert typed(r["id"] for r in records) == want_ids
    if not good:
        return
    summary = json.loads((work / "out.summary.json").read_text(encoding="utf-8"))
    assert (summary["documents"], summary["errors"]) == (len(good), n_bad)

    # txt-dir: one file per good record, inside the folder, each its own, holding the JSONL text
    folder = work / "txt"
    result = invoke(src, "-o", str(folder), "--format", "txt-dir", *common)
    assert result.exit_code == status, result.output
    check_errors(folder / "_errors.jsonl", src, corpus)
    index = read_jsonl(folder / "_index.jsonl")
    check_txt_dir(folder, index, records, want_ids)
    event(f"txt-dir: {'a ~N name' if any('~' in r['file'] for r in index) else 'no ~N name'}, "
          f"{'a hashed name' if any(r['file'] != relpath_kept(r['id']) for r in index) else 'ids kept'}")
    allowed = {work / "in.jsonl", out, work / "out.errors.jsonl", work / "out.summary.json"}
    assert files_under(tmp) - files_under(folder) <= allowed, "a file outside the output folder"

    # --resume from a torn partial output of each kind ends equal to the whole run
    if len(good) < 2:
        return
    keep = 1 + int(cut * (len(good) - 2))
    part = work / "part.jsonl"
    whole = out.read_bytes().split(b"\n")
    part.write_bytes(b"".join(x + b"\n" for x in whole[:keep]) + whole[keep][:torn])
    result = invoke(src, "-o", str(part), "--resume", *common)
    assert result.exit_code == status, result.output
    assert part.read_bytes() == out.read_bytes()
    check_errors(work / "part.errors.jsonl", src, corpus)

    part_dir = work / "part-txt"
    shutil.copytree(folder, part_dir)
    whole = (folder / "_index.jsonl").read_bytes().split(b"\n")
    (part_dir / "_index.jsonl").write_bytes(b"".join(x + b"\n" for x in whole[:keep]) + whole[keep][:torn])
    for rec in index[keep + 1:]:  # the crash came before these files; the next one's file is there
        (part_dir / rec["file"]).unlink()
    result = invoke(src, "-o", str(part_dir), "--format", "txt-dir", "--resume", *common)
    assert result.exit_code == status, result.output
    resumed = read_jsonl(part_dir / "_index.jsonl")
    assert resumed == index  # the same names, ~2 and all
    check_txt_dir(part_dir, resumed, records, want_ids)
    allowed |= {part, work / "part.errors.jsonl", work / "part.summary.json"}
    assert files_under(tmp) - files_under(folder) - files_under(part_dir) <= allowed


def relpath_kept(doc_id) -> str:
    text = str(doc_id)
    return text if text.lower().endswith(".txt") else text + ".txt"


def check_txt_dir(folder: Path, index: list[dict], records: list[dict], want_ids: list) -> None:
    assert typed(r["id"] for r in index) == want_ids
    names = [r["file"] for r in index]
    folded = {unicodedata.normalize("NFC", name).casefold() for name in names}
    assert len(folded) == len(names), f"two documents share a file: {names}"
    root = folder.resolve()
    for rec, jsonl in zip(index, records):
        path = folder / rec["file"]
        assert not os.path.isabs(rec["file"]) and ".." not in Path(rec["file"]).parts, rec["file"]
        assert path.resolve().is_relative_to(root), rec["file"]
        assert path.is_file() and not path.is_symlink(), rec["file"]
        text = jsonl["text"]
        assert path.read_bytes().decode("utf-8") == (text + "\n" if text else ""), rec["file"]
    extra = {p.relative_to(folder).as_posix() for p in files_under(folder)} - set(names)
    assert extra <= {"_index.jsonl", "_summary.json", "_errors.jsonl"}, extra

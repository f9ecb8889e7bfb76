"""`newssift clean crawl.warc.gz`: one record per HTML response, the other records counted as
skipped, a truncated tail in the error report (wherever the file was cut), and --resume after
kill -9 as an unbroken run."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import zlib

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT

pytest.importorskip("warcio", reason="reading WARC files needs warcio: pip install warcio")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from newssift.classifier.inputs import Source, count_records, iter_records  # noqa: E402
from newssift.classifier.records import BadRecord, Doc, Skipped  # noqa: E402
from newssift.clean.cli import clean  # noqa: E402
from newssift.clean.options import CleanOptions  # noqa: E402

ARTICLES = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt"))]
N_PAGES = 400
KILL_AFTER_BYTES = 12_000
STARTUP_TIMEOUT_SECONDS = 60


def page(i: int) -> bytes:
    story = "".join(f"<p>{line}</p>" for line in ARTICLES[i % len(ARTICLES)].splitlines() if line.strip())
    return (f"<!DOCTYPE html><html><head><title>Page {i}</title><script>track({i})</script></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article>{story}"
            f"<p>Story number {i}.</p></article><footer>Copyright Example News</footer></body></html>"
            ).encode()


def response(writer: WARCWriter, uri: str, content_type: str, body: bytes,
             warc_headers: dict | None = None) -> None:
    headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                                  http_headers=headers, warc_headers_dict=warc_headers))


def write_crawl(path, pages: int = N_PAGES, compress: bool = True) -> list[str]:
    """A gzipped WARC as a crawler writes it: HTML responses (the first URI fetched twice, one
    page in Latin-1 declared by its HTTP header), a request, an image, and a truncated last
    record.  Returns the ids the HTML responses must get, in order."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=compress)
        writer.write_record(writer.create_warc_record(
            "https://news.example/0", "request", payload=io.BytesIO(b"GET /0 HTTP/1.1\r\n\r\n"),
            http_headers=StatusAndHeaders("GET /0 HTTP/1.1", [], is_http_request=True)))
        for i in range(pages):
            response(writer, f"https://news.example/{i}", "text/html; charset=utf-8", page(i))
        response(writer, "https://news.example/logo.png", "image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
        response(writer, "https://news.example/0", "text/html", page(0))  # fetched again
        response(writer, "https://news.example/caf", "text/html; charset=iso-8859-1",
                 "<html><body><p>Le café du coin ferme.</p></body></html>".encode("latin-1"))
    tail = io.BytesIO()
    response(WARCWriter(tail, gzip=compress), "https://news.example/cut", "text/html", page(1))
    with open(path, "ab") as out:
        out.write(tail.getvalue()[: len(tail.getvalue()) // 2])
    return [f"https://news.example/{i}" for i in range(pages)] + ["again", "https://news.example/caf"]


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_clean_gives_one_record_per_html_response_and_reports_the_rest(tiny_model_dir, tmp_path):
    crawl = tmp_path / "crawl.warc.gz"
    expected = write_crawl(crawl, pages=5)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(clean, [str(crawl), "-o", str(out), "--model", str(tiny_model_dir),
                                        "--workers", "1", "--segments"])
    assert result.exit_code == 1, result.output  # the truncated record
    records = read_jsonl(out)
    ids = [r["id"] for r in records]
    assert ids[:5] == expected[:5] and ids[6] == "https://news.example/caf"
    assert ids[5].startswith("https://news.example/0#urn:uuid:")  # the URI again: its record id added
    assert len(set(ids)) == len(ids) == 7
    assert all("track(" not in r["text"] for r in records)
    assert all(r["segments"][0]["path"].startswith("/html/body") for r in records)
    assert "Le café du coin ferme." in records[6]["text"]  # the charset of the HTTP header
    (error,) = read_jsonl(tmp_path / "out.errors.jsonl")
    assert error["error"]["code"] == "unreadable"
    assert "truncated or corrupt WARC record" in error["error"]["message"]
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["skipped"] == {"request record": 1, "response image/png": 1}
    assert "skipped: 2 input records without a document" in result.output


def test_an_uncompressed_warc_from_stdin_reads_the_same(tiny_model_dir, tmp_path):
    crawl = tmp_path / "crawl.warc"
    expected = write_crawl(crawl, pages=3, compress=False)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(clean, ["--input-format", "warc", "-", "-o", str(out), "--model",
                                        str(tiny_model_dir), "--workers", "1"], input=crawl.read_bytes())
    assert result.exit_code == 1, result.output  # the truncated record
    ids = [r["id"] for r in read_jsonl(out)]
    assert ids[:3] == expected[:3] and ids[4] == expected[4] and len(ids) == 5


def whole_crawl(compress: bool) -> tuple[bytes, list[int]]:
    """A whole WARC of five records (a request, two HTML responses, an image, an HTML response
    last) and the byte offset each record starts at, then the file's length.  Record ids and
    dates are fixed, so the same bytes every time (and a gzip cut lands in the same place)."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=compress)
    starts = [0]
    writer.write_record(writer.create_warc_record(
        "https://news.example/0", "request", payload=io.BytesIO(b"GET /0 HTTP/1.1\r\n\r\n"),
        http_headers=StatusAndHeaders("GET /0 HTTP/1.1", [], is_http_request=True),
        warc_headers_dict=fixed_warc_headers(0)))
    starts.append(out.tell())
    for number, (uri, content_type, body) in enumerate(WHOLE_CRAWL, 1):
        response(writer, uri, content_type, body, fixed_warc_headers(number))
        starts.append(out.tell())
    return out.getvalue(), starts


def fixed_warc_headers(number: int) -> dict[str, str]:
    return {"WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{number:012d}>",
            "WARC-Date": "2024-05-01T12:00:00Z"}


WHOLE_CRAWL = [("https://news.example/0", "text/html; charset=utf-8", page(0)),
               ("https://news.example/1", "text/html", page(1)),
               ("https://news.example/logo.png", "image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
               ("https://news.example/last", "text/html", page(2))]
WHOLE_IDS = ["https://news.example/0", "https://news.example/1"]  # the HTML before the last record
LAST = 5  # the last record's number


def last_record_parts(record: bytes) -> dict[str, tuple[int, int]]:
    """Where the parts of an uncompressed WARC response lie: a [start, end) byte range each,
    inside which a cut leaves that part unfinished."""
    warc_end = record.index(b"\r\n\r\n") + 4
    http_end = record.index(b"\r\n\r\n", warc_end) + 4
    field = record.index(b"WARC-Type: ")
    length = record.index(b"Content-Length: ")
    http_type = record.index(b"Content-Type: text/html", warc_end)
    return {"the WARC version line": (3, 8),
            "the WARC-Type value": (field + 13, field + 17),
            "the WARC headers": (field + 40, length),
            "the Content-Length value": (length + 16, record.index(b"\n", length)),
            "the WARC header block's blank line": (warc_end - 2, warc_end),
            "after the WARC headers": (warc_end, warc_end + 1),
            "the HTTP status line": (warc_end + 5, warc_end + 12),
            "the HTTP headers": (http_type + 16, http_type + 20),
            "the end of the HTTP headers": (http_end - 4, http_end),
            "the body": ((http_end + len(record)) // 2, len(record) - 4),
            "the record's closing blank lines": (len(record) - 4, len(record))}


GZIP_ONLY_CUTS = {"the gzip member header": 4, "the deflate data before any byte of the record": 12,
                  "the gzip trailer": -4}  # bytes of the last gzip member kept (from its end: < 0)


def cut_inside_last_record(data: bytes, starts: list[int], compress: bool, where: str) -> int:
    """A length of ``data`` that ends inside ``where`` of its last record (in a gzip WARC, the
    first compressed length whose member decompresses that far, checked to stop short of the
    part's end)."""
    start = starts[-2]
    member = data[start:]
    if where in GZIP_ONLY_CUTS:
        kept = GZIP_ONLY_CUTS[where]
        if kept > 0:
            assert zlib.decompressobj(wbits=31).decompress(member[:kept]) == b""  # not a byte of it
        return start + (kept if kept > 0 else len(member) + kept)
    record = zlib.decompress(member, wbits=31) if compress else member
    lo, hi = last_record_parts(record)[where]
    assert record[lo:hi] and lo < hi  # the part is there to cut
    if not compress:
        return start + lo
    inflate, available = zlib.decompressobj(wbits=31), 0
    for kept in range(1, len(member)):
        available += len(inflate.decompress(member[kept - 1:kept]))
        if available >= lo:
            assert available < hi, f"a cut in {where} gives {available} bytes, not {lo}..{hi - 1}"
            return start + kept
    raise AssertionError(f"no cut of the gzip member ends in {where}")


WHOLE = {compress: whole_crawl(compress) for compress in (True, False)}
CUTS = ([(True, where) for where in GZIP_ONLY_CUTS]
        + [(compress, where) for compress in (True, False)
           for where in last_record_parts(WHOLE[False][0][WHOLE[False][1][-2]:])])


@pytest.mark.parametrize("compress,where", CUTS, ids=[f"{'gz' if c else 'plain'}: {w}" for c, w in CUTS])
def test_a_warc_cut_inside_its_last_record_reports_that_record(tiny_model_dir, tmp_path, compress, where):
    """Wherever in its last record a WARC was cut, clean writes the pages before it and one
    error record naming the file, the record's number and where it starts, and exits 1.  A cut
    in the gzip header or the WARC or HTTP headers used to end the run as if the file were whole
    (warcio meets the short record as the end of the file), or to count it as skipped (a cut
    WARC-Type or Content-Type); a cut in the closing blank lines or the gzip trailer read a
    record that was not whole as a page."""
    data, starts = WHOLE[compress]
    crawl = tmp_path / ("crawl.warc.gz" if compress else "crawl.warc")
    crawl.write_bytes(data[:cut_inside_last_record(data, starts, compress, where)])
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(clean, [str(crawl), "-o", str(out), "--model", str(tiny_model_dir),
                                        "--workers", "1"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    assert [r["id"] for r in read_jsonl(out)] == WHOLE_IDS
    (error,) = read_jsonl(tmp_path / "out.errors.jsonl")
    assert error["error"]["source"] == str(crawl) and error["error"]["line"] == LAST
    assert error["error"]["code"] == "unreadable"
    assert "truncated or corrupt WARC record" in error["error"]["message"]
    assert f"byte {starts[-2]}" in error["error"]["message"]
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["skipped"] == {"request record": 1, "response image/png": 1}


def test_a_warc_on_stdin_cut_in_its_warc_headers_reports_that_record(tiny_model_dir, tmp_path):
    """Read from a pipe (no file size to compare with), a WARC cut inside its last record's WARC
    headers is still reported: warcio used to end there as if the file were whole."""
    data, starts = WHOLE[False]
    cut = data[: data.index(b"Content-Length", starts[-2])]
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(clean, ["--input-format", "warc", "-", "-o", str(out), "--model",
                                        str(tiny_model_dir), "--workers", "1"], input=cut)
    assert result.exit_code == 1, result.output
    assert [r["id"] for r in read_jsonl(out)] == WHOLE_IDS
    (error,) = read_jsonl(tmp_path / "out.errors.jsonl")
    assert error["error"]["source"] == "stdin" and error["error"]["line"] == LAST
    assert f"truncated or corrupt WARC record at byte {starts[-2]}" in error["error"]["message"]


def comparable(item) -> tuple:
    """What must be the same of an item read from a whole WARC and from a prefix of it (not the
    progress offset, which is how far the reader had read)."""
    if isinstance(item, Doc):
        return "doc", item.id, item.text, item.line
    if isinstance(item, Skipped):
        return "skipped", item.line, item.reason
    return "bad", item.line, item.id, item.code, item.message


def prefixes():
    return st.booleans().flatmap(lambda compress: st.tuples(
        st.just(compress), st.integers(min_value=0, max_value=len(WHOLE[compress][0]))))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=prefixes())
@example(prefix=(True, len(WHOLE[True][0])))  # whole files: no error
@example(prefix=(False, len(WHOLE[False][0])))
@example(prefix=(True, WHOLE[True][1][-2] + 3))  # three bytes of the last gzip member
@example(prefix=(False, WHOLE[False][1][-1] - 1))  # all but the last byte
def test_any_prefix_of_a_warc_reads_as_its_whole_records_then_one_error(tmp_path_factory, prefix):
    """A WARC cut at any byte reads as the records wholly before the cut, exactly as in the whole
    file, then (unless the cut falls between records) one error record for the record cut, with
    no exception and nothing on stderr; the count used to cut partitions agrees."""
    compress, cut = prefix
    data, starts = WHOLE[compress]
    folder = tmp_path_factory.mktemp("prefix")
    whole, part = folder / "whole.warc", folder / "part.warc"
    whole.write_bytes(data)
    part.write_bytes(data[:cut])
    options = CleanOptions()
    expected = [comparable(item) for item in iter_records(Source("warc", str(whole)), options)]
    assert [kind for kind, *_ in expected] == ["skipped", "doc", "doc", "skipped", "doc"]
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        items = list(iter_records(Source("warc", str(part)), options))
        counted = count_records(Source("warc", str(part)), options)
    assert stderr.getvalue() == ""
    assert counted == len(items)
    whole_records = sum(1 for end in starts[1:] if end <= cut)
    assert [comparable(item) for item in items[:whole_records]] == expected[:whole_records]
    if cut in starts:
        assert len(items) == whole_records
        return
    (bad,) = items[whole_records:]
    assert isinstance(bad, BadRecord) and bad.line == whole_records + 1 and bad.source == str(part)
    assert bad.code == "unreadable" and f"byte {starts[whole_records]}" in bad.message


def command(model_dir, src, out, *extra) -> list[str]:
    return [sys.executable, "-m", "newssift.clean", str(src), "-o", str(out), "--model", str(model_dir),
            "--workers", "2", "--chunk-size", "8", "--no-progress", *extra]


@pytest.mark.slow
def test_resume_after_kill_9_gives_the_output_of_an_unbroken_run(tiny_model_dir, tmp_path):
    crawl = tmp_path / "crawl.warc.gz"
    write_crawl(crawl)
    reference = tmp_path / "reference.jsonl"
    unbroken = subprocess.run(command(tiny_model_dir, crawl, reference), cwd=ROOT, capture_output=True,
                              text=True)
    assert unbroken.returncode == 1, unbroken.stderr  # the truncated record
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(command(tiny_model_dir, crawl, out), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not (out.exists() and out.stat().st_size > KILL_AFTER_BYTES):
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run wrote nothing in time"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the orphaned pool workers of this run
        except ProcessLookupError:
            pass
    killed_at = len(out.read_bytes().splitlines())
    assert 0 < killed_at < N_PAGES
    resumed = subprocess.run(command(tiny_model_dir, crawl, out, "--resume"), cwd=ROOT,
                             capture_output=True, text=True)
    assert resumed.returncode == 1, resumed.stderr
    assert out.read_bytes() == reference.read_bytes()
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["documents"] == N_PAGES + 2 and 0 < summary["resumed_documents"] < N_PAGES
    assert summary["skipped"] == {"request record": 1, "response image/png": 1}

"""`newssift clean crawl.warc.gz`: one record per HTML response, the other records counted as
skipped, a truncated tail in the error report, and --resume after kill -9 as an unbroken run."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT

pytest.importorskip("warcio", reason="reading WARC files needs warcio: pip install warcio")
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from newssift.clean.cli import clean  # noqa: E402

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


def response(writer: WARCWriter, uri: str, content_type: str, body: bytes) -> None:
    headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                                  http_headers=headers))


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

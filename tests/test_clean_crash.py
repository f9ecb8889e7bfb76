"""`kill -9` in the middle of a run, then --resume: each id once, records identical to an unbroken run.

The run is a real `python -m clean` process with two workers, killed with SIGKILL while it
writes.  A torn write is then added by hand as well (what a kill between two write() calls
of one chunk leaves), so the recovery of a half-written record is exercised every time.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import FIXTURES, ROOT

ARTICLES = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt"))]
N_DOCS = 500
KILL_AFTER_BYTES = 12_000
STARTUP_TIMEOUT_SECONDS = 60


def command(model_dir, src, out, *extra) -> list[str]:
    return [sys.executable, "-m", "newssift.clean", str(src), "-o", str(out), "--model", str(model_dir),
            "--workers", "2", "--chunk-size", "8", "--no-progress", *extra]


def start_run(cmd) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def kill_once_written(proc: subprocess.Popen, out) -> None:
    """SIGKILL the run's main process once its output holds KILL_AFTER_BYTES."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not (out.exists() and out.stat().st_size > KILL_AFTER_BYTES):
        assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "the run wrote nothing in time"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL


def kill_mid_run(cmd, out) -> None:
    proc = start_run(cmd)
    try:
        kill_once_written(proc, out)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the orphaned pool workers of this run, if still alive
        except ProcessLookupError:
            pass
        proc.stderr.close()


def lines_of(path) -> list[bytes]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as handle:
        return handle.read().splitlines()


@pytest.fixture(scope="module")
def corpus_and_reference(tiny_model_dir, tmp_path_factory):
    """The corpus, and the lines an unbroken one-worker run writes for it."""
    from click.testing import CliRunner

    from newssift.clean.cli import clean

    folder = tmp_path_factory.mktemp("crash")
    src = folder / "corpus.jsonl"
    src.write_text("".join(json.dumps({"id": f"d{i}", "text": ARTICLES[i % 4] + f"\nStory {i}.\n"}) + "\n"
                           for i in range(N_DOCS)))
    reference = folder / "reference.jsonl"
    result = CliRunner().invoke(clean, [str(src), "-o", str(reference), "--model", str(tiny_model_dir),
                                        "--workers", "1", "--chunk-size", "64"])
    assert result.exit_code == 0, result.output
    return src, lines_of(reference)


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz"])
def test_killed_run_resumes_to_the_same_output(tiny_model_dir, corpus_and_reference, tmp_path, name):
    src, reference = corpus_and_reference
    out = tmp_path / name
    kill_mid_run(command(tiny_model_dir, src, out), out)
    with open(out, "ab") as handle:  # and a torn last write on top
        handle.write(gzip.compress(b'{"id": "d1", "text"', mtime=0)[:-5] if name.endswith(".gz")
                     else b'{"id": "d1", "text": "half a rec')
    resumed = subprocess.run(command(tiny_model_dir, src, out, "--resume"), cwd=ROOT,
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert 0 < summary["resumed_documents"] < N_DOCS and summary["documents"] == N_DOCS
    got = lines_of(out)
    ids = [json.loads(line)["id"] for line in got]
    assert len(ids) == len(set(ids)) == N_DOCS
    assert got == reference


WORKERS_EXIT_TIMEOUT_SECONDS = 30
KILLS = 3  # a worker idle at the kill stops silently anyway; one busy with a chunk must as well


def stderr_after_kill(cmd, out) -> str:
    """Everything the run and its pool workers print once the main process is killed mid-write."""
    import threading

    proc = start_run(cmd)
    printed: list[bytes] = []
    reader = threading.Thread(target=lambda: printed.append(proc.stderr.read()))
    try:
        kill_once_written(proc, out)
        reader.start()
        reader.join(WORKERS_EXIT_TIMEOUT_SECONDS)  # the pipe ends when the last worker has exited
        assert not reader.is_alive(), "the orphaned workers did not stop"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # any worker still alive: the pipe ends now
        except ProcessLookupError:
            pass
        if reader.ident:
            reader.join()
        proc.stderr.close()
    return printed[0].decode("utf-8", "replace")


def test_workers_of_a_killed_run_stop_with_at_most_one_line(tiny_model_dir, corpus_and_reference, tmp_path):
    from newssift.clean.local import ORPHANED_MESSAGE

    src, _ = corpus_and_reference
    for attempt in range(KILLS):
        out = tmp_path / f"out-{attempt}.jsonl"
        printed = stderr_after_kill(command(tiny_model_dir, src, out), out)
        assert "Traceback" not in printed and printed in ("", ORPHANED_MESSAGE), printed

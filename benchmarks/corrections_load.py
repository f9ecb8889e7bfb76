"""Segment throughput while corrections are being stored: the correction memory's cost.

Starts ``newssift serve`` (gunicorn, 2 workers) on a free 127.0.0.1 port over a label
store that already holds ``--stored`` labelled texts, then sends a ~3 KB article from 16
keep-alive clients for ``--seconds``, first with no writes, then while one more client
stores a correction ``--writes`` times a second.  Prints requests/s and p50/p99 of both
phases (medians over alternated rounds) and their ratios, measured in the same run so
that the machine's load falls on both, and how many writes were acknowledged.  Issue 22's
target: at 2 writes/s with 5,000 texts stored, at least 0.8 of the throughput and at most
2x the p99.

    .venv/bin/python benchmarks/corrections_load.py [--stored 5000] [--writes 2] [--seconds 20]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from service_load import article, percentiles, run_together, running_server, segment_client  # noqa: E402

CLIENTS = 16
TOKEN = "bench-token"


def fill_store(db_path: Path, n: int) -> None:
    """``n`` labelled texts, two corrections each, written straight into the store."""
    from newssift.service.db import connect, init_schema
    from newssift.service.store import Correction, add_labels

    init_schema(db_path)
    conn = connect(db_path)
    try:
        for i in range(n):
            text = (f"Story {i}: the council met on day {i} to discuss the harbour.\n"
                    f"Follow page {i} of the Ledger on every platform\n"
                    f"The meeting number {i} ended without a vote.\n")
            add_labels(conn, text, 3, [Correction(0, "main", "politics"),
                                       Correction(1, "boilerplate", None)], "bench")
    finally:
        conn.close()


def phase(port: int, body: bytes, seconds: float, writes_per_s: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    written = [0, 0]  # acknowledged, refused
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def reader() -> None:
        mine, failed = segment_client(port, body, stop_at)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    def writer() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n = 0
        next_at = time.monotonic()
        while writes_per_s and time.monotonic() < stop_at:
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += 1.0 / writes_per_s
            text = f"Written during the run, number {n} at {time.time()}\nShare this {n}\n"
            conn.request("POST", "/v1/labels", json.dumps({"text": text, "labels": [
                {"index": 1, "role": "boilerplate"}]}),
                {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
            r = conn.getresponse()
            r.read()
            written[0 if r.status == 201 else 1] += 1
            n += 1
        conn.close()

    elapsed = run_together([reader] * CLIENTS + [writer])
    return {"requests": len(latencies), "errors": errors[0], "rps": len(latencies) / elapsed,
            **percentiles(latencies), "writes": written[0], "writes_refused": written[1]}


def _median(rows: list[dict]) -> dict:
    """Each figure's median over the rounds; counts summed."""
    out = {k: statistics.median(r[k] for r in rows) for k in ("rps", "p50_ms", "p99_ms")}
    out.update({k: sum(r[k] for r in rows) for k in ("requests", "errors", "writes", "writes_refused")})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stored", type=int, default=5000, help="labelled texts in the store at start")
    ap.add_argument("--writes", type=float, default=2.0, help="corrections stored per second")
    ap.add_argument("--seconds", type=float, default=40.0, help="length of each kind of phase, in all")
    ap.add_argument("--rounds", type=int, default=5, help="alternations of the two phases")
    args = ap.parse_args()
    body = json.dumps({"text": article()[:3000]}).encode()
    with tempfile.TemporaryDirectory(prefix="newssift-corrections-load-") as data_dir:
        fill_store(Path(data_dir) / "newssift.sqlite3", args.stored)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSSIFT_")}
        env["NEWSSIFT_API_TOKEN"] = TOKEN
        with running_server(["--workers", "2", "--data-dir", data_dir, "--no-access-log"], env) as port:
            phase(port, body, 3.0, 0)  # warm-up: both workers load the model and the memory
            print(f"# {time.strftime('%Y-%m-%d')} {platform.node()}: {os.cpu_count()} CPUs, "
                  f"Python {platform.python_version()}; 2 workers; {CLIENTS} clients; "
                  f"{args.stored} labelled texts stored; {args.rounds} rounds of "
                  f"{args.seconds / args.rounds:.0f} s a phase")
            quiet, busy = [], []
            for _ in range(args.rounds):  # alternated, so that a change in the machine's load hits both
                quiet.append(phase(port, body, args.seconds / args.rounds, 0))
                busy.append(phase(port, body, args.seconds / args.rounds, args.writes))
            quiet, busy = _median(quiet), _median(busy)
            for name, row in (("no writes", quiet), (f"{args.writes:g} writes/s", busy)):
                print(f"{name:>12}: {row['rps']:7.1f} req/s  p50 {row['p50_ms']:6.1f} ms  "
                      f"p99 {row['p99_ms']:7.1f} ms  errors {row['errors']}  writes {row['writes']}"
                      f" (refused {row['writes_refused']})")
            print(f"throughput ratio {busy['rps'] / quiet['rps']:.2f} (target >= 0.8); "
                  f"p99 ratio {busy['p99_ms'] / quiet['p99_ms']:.2f} (target <= 2)")


if __name__ == "__main__":
    main()

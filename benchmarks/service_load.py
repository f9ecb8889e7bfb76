"""Load test of the HTTP service: requests/s and p50/p95/p99 latency of POST /v1/segment.

Starts ``newssift serve`` (gunicorn) on a free 127.0.0.1 port with a throw-away
data directory, sends a ~5 KB article from 1, 8, 16 and 32 concurrent clients
(each a keep-alive connection in its own thread), and stops the server.  Each
level is bounded by a request count and a time limit.

    .venv/bin/python benchmarks/service_load.py [--model DIR] [--workers 2] [--threads 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEVELS = (1, 8, 16, 32)
REQUESTS_PER_LEVEL = 5000
SECONDS_PER_LEVEL = 20.0
WARMUP_REQUESTS = 50
ARTICLE_BYTES = 5000


def article() -> str:
    parts = [ROOT / "examples" / "article.txt", *sorted((ROOT / "tests" / "fixtures").glob("*.txt"))]
    text = "\n".join(p.read_text(encoding="utf-8") for p in parts)
    return text[:ARTICLE_BYTES].rsplit("\n", 1)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def segment_client(port: int, body: bytes, stop_at: float,
                   take: Callable[[], bool] = lambda: True) -> tuple[list[float], int]:
    """One client's keep-alive POST /v1/segment loop until ``stop_at`` (or until ``take`` says
    no more): each request's latency, and how many failed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies, errors = [], 0
    while time.monotonic() < stop_at and take():
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/v1/segment", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            ok = r.status == 200
        except OSError:
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies.append(time.perf_counter() - t0)
        errors += not ok
    conn.close()
    return latencies, errors


@contextmanager
def running_server(args: list[str], env: dict | None = None) -> Iterator[int]:
    """``newssift serve`` with ``args`` on a free 127.0.0.1 port, ready; its port.  Stopped
    with its process group however the block ends."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "newssift.service.cli", "--port", str(port), *args],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                sys.exit("server did not become ready")
            time.sleep(0.2)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def run_together(targets: list[Callable[[], None]]) -> float:
    """Run every target in its own thread until all end; the seconds that took."""
    threads = [threading.Thread(target=t) for t in targets]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def percentiles(latencies: list[float]) -> dict:
    """p50, p95 and p99 in milliseconds of latencies in seconds."""
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "p99_ms": q[98] * 1000}


def run_level(port: int, body: bytes, clients: int) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    remaining = [REQUESTS_PER_LEVEL]
    stop_at = time.monotonic() + SECONDS_PER_LEVEL

    def take() -> bool:
        with lock:
            remaining[0] -= 1
            return remaining[0] >= 0

    def client() -> None:
        mine, failed = segment_client(port, body, stop_at, take)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    elapsed = run_together([client] * clients)
    return {"clients": clients, "requests": len(latencies), "errors": errors[0],
            "rps": len(latencies) / elapsed, **percentiles(latencies)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(ROOT / "models" / "default"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=8, help="threads per worker (1: sync worker)")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()
    body = json.dumps({"text": article()}).encode()
    with tempfile.TemporaryDirectory(prefix="newssift-load-") as data_dir, running_server(
            ["--workers", str(args.workers), "--threads", str(args.threads), "--data-dir", data_dir,
             "--seed-model", args.model]) as port:
        run_level(port, body, 2)  # warm-up: both workers load and touch the model
        print(f"# {platform.node()}: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()},"
              f" Python {platform.python_version()}; {args.workers} workers x {args.threads} threads;"
              f" body {len(body)} bytes; model {args.model}")
        print(f"{'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} "
              f"{'p95 ms':>8} {'p99 ms':>8}")
        rows = []
        for level in LEVELS:
            row = run_level(port, body, level)
            rows.append(row)
            print(f"{row['clients']:>7} {row['requests']:>8} {row['errors']:>6} {row['rps']:>8.1f} "
                  f"{row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f}", flush=True)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

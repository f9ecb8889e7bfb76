"""Start-up: how long the commands a user types first take, wall clock, in fresh processes.

    python benchmarks/startup.py [--runs 7]

Each command runs ``--runs`` times in a fresh process and the median is printed, beside
the median of a bare ``python -c pass`` measured in the same run (this machine is shared
and noisy: the ratio says more than the seconds).  Targets: ``newssift --help`` at most
0.5 s, a one-article ``newssift classify`` at most 1.2 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "examples" / "article.txt"
BIN = Path(sys.executable).parent
TARGETS = {"newssift --help": 0.5, "newssift classify examples/article.txt": 1.2}


def wall(cmd: list[str], runs: int, cwd: str) -> float:
    """Median wall time of ``cmd`` over ``runs`` fresh processes (after one warm-up run,
    so that every run finds the files in the page cache)."""
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    newssift = str(BIN / "newssift")
    env_note = "NEWSSIFT_MODEL set" if os.environ.get("NEWSSIFT_MODEL") else "shipped model"
    with tempfile.TemporaryDirectory() as elsewhere:  # not the checkout: as a user runs it
        rows = [
            ("python -c pass (baseline)", [sys.executable, "-c", "pass"]),
            ("newssift --help", [newssift, "--help"]),
            ("python -m newssift --help", [sys.executable, "-m", "newssift", "--help"]),
            ("newssift classify examples/article.txt", [newssift, "classify", str(ARTICLE)]),
            ("load_model() alone", [sys.executable, "-c", "import newssift; newssift.load_model()"]),
        ]
        results = [(name, wall(cmd, args.runs, elsewhere)) for name, cmd in rows]
    base = results[0][1]
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {env_note}, median of {args.runs} runs")
    print(f"{'':42}{'seconds':>9}{'x python':>10}{'target':>9}")
    for name, secs in results:
        target = TARGETS.get(name)
        mark = "" if target is None else f"{target:>7.1f} {'ok' if secs <= target else 'MISSED'}"
        print(f"{name:42}{secs:9.3f}{secs / base:10.1f}  {mark}")


if __name__ == "__main__":
    main()

"""Retrain time: how long corrections take to reach a promoted model, through the service
and offline.

    python benchmarks/retrain.py [--pages 36] [--full]

Stores the gold labels of ``--pages`` real pages (../shared/data/blocks, utomo-chaos:
many sites, as a user's corrections would be) through ``POST /v1/labels``, runs a
retrain with the default training config, the held-out gate and 3-fold
cross-validation of the stored labels, exactly as ``newssift serve`` would, and prints
the wall time of each stage, the gate's decision and whether the promoted model (memory
off) gives the corrected labels.  Then the same labels offline: ``newssift train --base
models/default --labels FILE``.  ``--full`` also times a full retrain (minutes).
Targets: a default retrain at most 120 s; the offline adaptation at most 180 s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = ROOT.parent / "shared" / "data" / "blocks" / "utomo-chaos.jsonl.gz"
TOKEN = "bench-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def pages(n: int) -> list[dict]:
    """The first ``n`` pages as labels records: gold main blocks main, the others boilerplate."""
    out = []
    with gzip.open(BLOCKS, "rt", encoding="utf-8") as handle:
        for line in handle:
            page = json.loads(line)
            texts = [b["text"] for b in page["blocks"]]
            if not texts or any("\n" in t or not t.strip() for t in texts):
                continue
            labels = [{"index": i, "role": "main" if b["main"] else "boilerplate"}
                      for i, b in enumerate(page["blocks"]) if not 0.3 < b["cov"] < 0.7]
            out.append({"text": "\n".join(texts), "labels": labels})
            if len(out) == n:
                break
    return out


def retrain(client, mode: str) -> tuple[float, dict, list[tuple[float, str]]]:
    start = time.perf_counter()
    job = client.post("/v1/retrain", json={"mode": mode}, headers=AUTH).get_json()
    stages: list[tuple[float, str]] = []
    while job["status"] == "running":
        time.sleep(0.2)
        job = client.get(f"/v1/retrain/{job['id']}").get_json()
        if not stages or stages[-1][1] != job["stage"]:
            stages.append((time.perf_counter() - start, job["stage"]))
    return time.perf_counter() - start, job, stages


def reproduced(client, records: list[dict]) -> float:
    """Share of the corrected blocks the model itself (memory off) labels as corrected."""
    hits = total = 0
    for rec in records:
        body = client.post("/v1/segment", json={"text": rec["text"], "use_corrections": False}).get_json()
        for lab in rec["labels"]:
            total += 1
            hits += body["segments"][lab["index"]]["role"] == lab["role"]
    return hits / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=36)
    parser.add_argument("--full", action="store_true", help="also time a full retrain")
    args = parser.parse_args()
    if not BLOCKS.is_file():
        sys.exit(f"{BLOCKS} is not beside the project")
    from newssift.service import create_app

    records = pages(args.pages)
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}; {len(records)} pages, "
          f"{sum(len(r['labels']) for r in records)} labelled blocks")
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"data_dir": Path(tmp) / "data", "api_token": TOKEN, "reload_interval": 0.0,
                          "cv_folds": 3, "full_eval": True})
        client = app.test_client()
        for rec in records:
            r = client.post("/v1/labels", json=rec, headers=AUTH)
            assert r.status_code == 201, r.get_data(as_text=True)
        modes = ["adapt", "full"] if args.full else ["adapt"]
        for mode in modes:
            seconds, job, stages = retrain(client, mode)
            verdict = ("target <= 120 s: " + ("ok" if seconds <= 120 else "MISSED")
                       if mode == "adapt" else "no target")
            print(f"\nPOST /v1/retrain {{\"mode\": \"{mode}\"}}: {job['status']} in {seconds:.1f} s "
                  f"({verdict})")
            for at, stage in stages:
                print(f"  {at:7.1f} s  {stage}")
            print(f"  gate: {job['reason']}")
            if job["status"] == "promoted":
                print(f"  corrected blocks the promoted model gives itself (memory off): "
                      f"{reproduced(client, records):.3f}")
        labels = Path(tmp) / "labels.jsonl"
        labels.write_text(client.get("/v1/labels", headers=AUTH).get_data(as_text=True), encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "newssift"), "train", "--base",
                        str(ROOT / "models" / "default"), "--labels", str(labels), "--out",
                        str(Path(tmp) / "adapted")], check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        print(f"\nnewssift train --base models/default --labels ({len(records)} pages): {seconds:.1f} s "
              f"(target <= 180 s: {'ok' if seconds <= 180 else 'MISSED'})")


if __name__ == "__main__":
    main()

"""Counts of a cleaning run that add up across chunks, workers, partitions and resumed runs.

The counts are taken from output records (never from anything a resumed run cannot
re-read), so the summary of an interrupted-then-resumed run equals an uninterrupted one's.
"""

from __future__ import annotations

import json
import os
import resource
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Stats", "build_summary", "write_summary", "format_summary", "peak_memory_mb", "NO_TOPIC",
           "NO_LANGUAGE"]

NO_TOPIC = "none"
NO_LANGUAGE = "none"  # a document without a language found (digits only, say)
ROLE_COUNTS = (("main", "n_main"), ("teaser", "n_teaser"), ("boilerplate", "n_boilerplate"))


@dataclass
class Stats:
    """Documents, blocks by role, documents by topic and by language, bad records, and input
    bytes cleaned."""

    documents: int = 0
    text_bytes: int = 0
    errors: int = 0
    blocks: Counter = field(default_factory=Counter)
    topics: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)  # input records holding no document, by reason
    languages: Counter = field(default_factory=Counter)

    def add_record(self, record: dict) -> None:
        """Count one output record (fresh, or re-read from the output on --resume)."""
        self.documents += 1
        for role, key in ROLE_COUNTS:
            self.blocks[role] += record[key]
        self.topics[record["topic"] or NO_TOPIC] += 1
        # .get: an output written before records carried a language, resumed
        self.languages[record.get("lang") or NO_LANGUAGE] += 1

    def merge(self, other: Stats) -> Stats:
        self.documents += other.documents
        self.text_bytes += other.text_bytes
        self.errors += other.errors
        self.blocks.update(other.blocks)
        self.topics.update(other.topics)
        self.skipped.update(other.skipped)
        self.languages.update(other.languages)
        return self

    def to_dict(self) -> dict:
        return {"documents": self.documents, "text_bytes": self.text_bytes, "errors": self.errors,
                "blocks": dict(self.blocks), "topics": dict(self.topics), "skipped": dict(self.skipped),
                "languages": dict(self.languages)}

    @classmethod
    def from_dict(cls, data: dict) -> Stats:
        return cls(data["documents"], data["text_bytes"], data["errors"], Counter(data["blocks"]),
                   Counter(data["topics"]), Counter(data.get("skipped", {})),
                   Counter(data.get("languages", {})))


def peak_memory_mb() -> dict[str, float]:
    """Peak resident memory of this process and of its largest finished child (Linux: KiB)."""
    scale = 1 / 1024 if os.uname().sysname != "Darwin" else 1 / (1024 * 1024)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    return {"main": round(own, 1), "largest_worker": round(children, 1)}


def build_summary(total: Stats, this_run: Stats, *, seconds: float, resumed: int, engine: str,
                  workers: int, output: str, error_report: str | None) -> dict:
    """The JSON summary: totals over the whole output, throughput of this run only."""
    main = total.blocks["main"]
    return {
        "output": output,
        "documents": total.documents,
        "resumed_documents": resumed,
        "blocks": {"kept": main, "dropped": total.blocks["teaser"] + total.blocks["boilerplate"],
                   "main": main, "teaser": total.blocks["teaser"],
                   "boilerplate": total.blocks["boilerplate"]},
        "topics": dict(sorted(total.topics.items(), key=lambda kv: (-kv[1], kv[0]))),
        "languages": dict(sorted(total.languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        "errors": this_run.errors,
        "error_report": error_report,
        # Input records that hold no document by design (WARC requests, images), by reason.
        "skipped": dict(sorted(total.skipped.items())),
        "this_run": {"documents": this_run.documents, "seconds": round(seconds, 3),
                     "docs_per_second": round(this_run.documents / seconds, 1) if seconds else None,
                     "mb_per_second": round(this_run.text_bytes / 1e6 / seconds, 3) if seconds else None,
                     "text_mb": round(this_run.text_bytes / 1e6, 3), "engine": engine, "workers": workers,
                     "peak_memory_mb": peak_memory_mb()},
    }


def write_summary(summary: dict, path: Path) -> None:
    """Write atomically: a reader never sees half a summary."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def format_summary(summary: dict) -> list[str]:
    """The few lines printed at the end of a run."""
    b, run, skipped = summary["blocks"], summary["this_run"], summary.get("skipped") or {}
    topics = ", ".join(f"{t} {n}" for t, n in summary["topics"].items()) or "-"
    languages = ", ".join(f"{t} {n}" for t, n in (summary.get("languages") or {}).items()) or "-"
    lines = [
        f"documents: {summary['documents']} ({summary['resumed_documents']} already done before this run)",
        f"blocks: {b['kept']} kept (main), {b['dropped']} dropped ({b['teaser']} teaser, "
        f"{b['boilerplate']} boilerplate)",
        f"topics: {topics}",
        f"languages: {languages}",
        f"errors: {summary['errors']}" + (f" (see {summary['error_report']})" if summary["errors"] else ""),
        *([f"skipped: {sum(skipped.values())} input records without a document ("
           + ", ".join(f"{reason} {n}" for reason, n in skipped.items()) + ")"] if skipped else []),
        *([_site_repeats_line(summary["site_repeats"])] if summary.get("site_repeats") else []),
        f"this run: {run['documents']} documents in {run['seconds']:.1f} s, "
        f"{run['docs_per_second'] or 0:.0f} docs/s, {run['mb_per_second'] or 0:.2f} MB/s",
    ]
    return lines


def _site_repeats_line(repeats: dict) -> str:
    if repeats["status"] != "on":
        return f"site repeats: {repeats['status']}"
    sites = repeats["sites"]
    return (f"site repeats: {repeats['repeated_lines']} repeated lines of {sites} "
            f"site{'' if sites == 1 else 's'}, counted over {repeats['pages']} pages")

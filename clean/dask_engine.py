"""The Dask engine: the inputs cut into partitions, each cleaned by a task into one output part.

The client only counts records to cut partitions (``start``/``stop`` record
numbers of one input) and hands them to ``dask.bag``; the workers read their own
slice, so inputs and OUTPUT must be on a filesystem every worker sees.  Each
worker process loads the model once (:func:`newssift.clean.work.cached_model`), never
shipped with a task.  A part is written to a hidden temporary file and renamed
into place, its summary and bad records beside it first: a part that exists is
complete, which is all ``--resume`` needs.  ``_plan.json`` pins the partitions so
a resumed run cuts them the same way.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from dataclasses import asdict, dataclass, replace
from itertools import islice
from pathlib import Path

from newssift.classifier.bulk import limit_threads
from newssift.classifier.errors import InvalidInput
from newssift.classifier.inputs import Source, count_records, iter_records
from newssift.classifier.records import BadRecord, Doc, Skipped
from newssift.classifier.site_lines import LineCounter
from newssift.clean.options import CleanOptions
from newssift.clean.pipeline import RunCounts, chunked
from newssift.clean.site_counts import load_or_count, site_lines_path
from newssift.clean.summary import Stats
from newssift.clean.work import cached_model, clean_docs, count_docs, encode_line
from newssift.clean.writers import JsonlOutput

__all__ = ["Partition", "plan_partitions", "clean_partition", "run_dask", "part_path", "PLAN_NAME"]

PLAN_NAME = "_plan.json"
PART_PATTERN_DEFAULT = "part-*.jsonl"
CONNECT_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Partition:
    """Records ``start`` to ``stop`` (0-based, end excluded) of one input."""

    index: int
    source: Source
    start: int
    stop: int


def _pattern(out: Path) -> Path:
    return out if "*" in out.name else out / PART_PATTERN_DEFAULT


def part_path(out: Path, index: int) -> Path:
    pattern = _pattern(out)
    return pattern.with_name(pattern.name.replace("*", f"{index:05d}"))


def _part_summary_path(part: Path) -> Path:
    return part.with_name(part.name + ".summary.json")


def plan_partitions(sources: list[Source], options: CleanOptions, partition_docs: int) -> list[Partition]:
    parts: list[Partition] = []
    for source in sources:
        if source.path == "-":
            raise InvalidInput("stdin cannot be read by Dask workers; write it to a file on shared storage")
        n = count_records(source, options)
        for start in range(0, n, partition_docs):
            parts.append(Partition(len(parts), source, start, min(n, start + partition_docs)))
    return parts


def clean_partition(part: Partition, options: CleanOptions, out: str) -> dict:
    """The task: clean one partition into its part file; returns its counts and bad records."""
    limit_threads()
    model = cached_model(options.model_path, options.main_threshold, options.keep_comments,
                         options.corrections, options.site_lines)
    target = part_path(Path(out), part.index)
    tmp = target.with_name(f".{target.name}.tmp")
    stats, bad = Stats(), []

    def docs():
        for item in islice(iter_records(part.source, options), part.start, part.stop):
            if isinstance(item, Skipped):  # no document by design (a WARC request record)
                stats.skipped[item.reason] += 1
                continue
            if isinstance(item, BadRecord):
                if options.strict:
                    raise InvalidInput(f"{item.describe()} (--strict stops at the first bad record)")
                bad.append(item.to_dict())
            else:
                yield item

    writer = JsonlOutput(tmp, compress=target.name.lower().endswith(".gz"))
    writer.open(append=False)
    try:
        for chunk in chunked(docs(), options.chunk_docs, options.chunk_bytes):
            result = clean_docs(model, chunk, segments=options.segments)
            writer.write(result)
            bad.extend(b.to_dict() for b in result.bad)
            stats.merge(result.stats)
    finally:
        writer.close()
    stats.errors = len(bad)
    summary = {"stats": stats.to_dict(), "bad": bad}
    side = _part_summary_path(target)
    side.with_name(side.name + ".tmp").write_text(encode_line(summary) + "\n", encoding="utf-8")
    os.replace(side.with_name(side.name + ".tmp"), side)
    os.replace(tmp, target)  # the commit: from now on this part is done
    return summary


def _plan_record(parts: list[Partition], options: CleanOptions) -> dict:
    return {"options": {"text_field": options.text_field, "id_field": options.id_field,
                        "segments": options.segments, "input_format": options.input_format,
                        "main_threshold": options.main_threshold,
                        "keep_comments": options.keep_comments,
                        "corrections": options.corrections_sha256,
                        "html_field": options.html_field,
                        "site_repeats": options.site_repeats},
            "partitions": [asdict(p) for p in parts]}


# Options added to the plan later: a plan written before them ran with these values.
_PLAN_OPTION_DEFAULTS = {"main_threshold": None, "keep_comments": False, "corrections": None,
                         "html_field": None, "site_repeats": False}


def _with_defaults(stored: dict) -> dict:
    if isinstance(stored, dict) and isinstance(stored.get("options"), dict):
        stored["options"] = {**_PLAN_OPTION_DEFAULTS, **stored["options"]}
    return stored


def _prepare_output(out: Path, plan: dict, resume: bool, overwrite: bool) -> None:
    folder = _pattern(out).parent
    plan_file = folder / PLAN_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"{folder}: cannot create the output folder ({exc.strerror or exc})") from None
    if plan_file.exists():
        if resume:
            if _with_defaults(json.loads(plan_file.read_text(encoding="utf-8"))) != plan:
                raise InvalidInput(f"{folder}: the inputs or options changed since the first run; "
                                   f"start over with --overwrite")
            return
        if not overwrite:
            raise InvalidInput(f"{folder}: already holds a run; pass --resume to finish it or --overwrite")
        for old in json.loads(plan_file.read_text(encoding="utf-8"))["partitions"]:
            for path in (part_path(out, old["index"]), _part_summary_path(part_path(out, old["index"]))):
                path.unlink(missing_ok=True)
    tmp = plan_file.with_name(PLAN_NAME + ".tmp")
    tmp.write_text(json.dumps(plan, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, plan_file)


@contextlib.contextmanager
def _client(scheduler: str, workers: int):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InvalidInput('the Dask engine needs Dask: pip install "newssift[dask]"') from None
    if scheduler == "local":
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_SECONDS)
    except OSError as exc:
        raise InvalidInput(f"{scheduler}: cannot reach the Dask scheduler ({exc}); "
                           f"start one with `dask scheduler` or pass --scheduler local") from None
    with client:
        yield client


def _compute(client, bag) -> list[dict]:
    try:
        return client.compute(bag).result()
    except RuntimeError as exc:
        if "deserializ" not in str(exc):
            raise
        raise InvalidInput("the Dask scheduler or workers cannot load newssift's tasks; install newssift "
                           "(the same version) where `dask scheduler` and `dask worker` run") from None


def run_dask(sources: list[Source], out: Path, options: CleanOptions, *, scheduler: str,
             partition_docs: int, resume: bool, overwrite: bool, errors_path: Path) -> RunCounts:
    """Clean every source on a Dask cluster into one part per partition; returns the counts."""
    parts = plan_partitions(sources, options, partition_docs)
    if not parts:
        raise InvalidInput("no documents to clean in the inputs")
    _prepare_output(out, _plan_record(parts, options), resume, overwrite)
    done = {p.index for p in parts if resume and part_path(out, p.index).exists()}
    todo = [p for p in parts if p.index not in done]
    fresh: dict[int, dict] = {}
    if todo:
        import dask.bag as db

        with _client(scheduler, options.workers) as client:
            if options.site_repeats:
                options = _with_site_lines(client, parts, options, out, resume)
            bag = db.from_sequence(todo, npartitions=len(todo)).map(clean_partition, options, str(out))
            fresh = dict(zip((p.index for p in todo), _compute(client, bag)))
    return _collect(parts, fresh, out, errors_path, options)


def count_partition(part: Partition, options: CleanOptions) -> LineCounter:
    """The map of the site line counts: one partition's documents counted."""
    records = islice(iter_records(part.source, options), part.start, part.stop)
    return count_docs(item for item in records if isinstance(item, Doc))


def _with_site_lines(client, parts: list[Partition], options: CleanOptions, out: Path,
                     resume: bool) -> CleanOptions:
    """The counts over every partition (a map-reduce; those of the first run when resuming),
    saved where the workers read them, and the options that point there."""
    import dask.bag as db

    def count() -> LineCounter:
        bag = db.from_sequence(parts, npartitions=len(parts)).map(count_partition, options)
        return functools.reduce(LineCounter.merge, _compute(client, bag), LineCounter())

    path = site_lines_path(out, "jsonl", "dask")
    path.parent.mkdir(parents=True, exist_ok=True)
    lines, _ = load_or_count(path, count, resume)
    return replace(options, site_lines=str(path) if lines.sites else None)


def _collect(parts: list[Partition], fresh: dict[int, dict], out: Path, errors_path: Path,
             options: CleanOptions) -> RunCounts:
    """Counts over every part (fresh ones from the tasks, done ones from their summaries)."""
    counts = RunCounts()
    counts.site_lines = options.site_lines
    errors_path.unlink(missing_ok=True)
    with open(errors_path, "w", encoding="utf-8") as report:
        for p in parts:
            summary = fresh.get(p.index)
            if summary is None:
                summary = json.loads(_part_summary_path(part_path(out, p.index)).read_text(encoding="utf-8"))
            stats = Stats.from_dict(summary["stats"])
            report.writelines(encode_line(b) + "\n" for b in summary["bad"])
            counts.this_run.errors += stats.errors
            stats.errors = 0
            if p.index in fresh:
                counts.this_run.merge(stats)
            else:
                counts.resumed += stats.documents
                counts.total.merge(stats)
    counts.total.merge(counts.this_run)
    if not counts.this_run.errors:
        errors_path.unlink()
    if counts.total.documents == 0:
        raise InvalidInput(f"no documents to clean in the inputs; see {errors_path}")
    return counts

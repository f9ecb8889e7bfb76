"""``newssift clean INPUT... -o OUTPUT``: the main story of every document of a corpus.

Named by the ``newssift`` group (:mod:`newssift.cli`); runnable on its
own as ``python -m newssift.clean``.  Raises :class:`~newssift.classifier.errors.NewssiftError` for
anything the user can fix; the group prints it as one ``newssift: <message>`` line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import click

from newssift.classifier.cli import EXIT_SOME_FAILED
from newssift.classifier.cli_options import MAX_BATCH_DOCS, labelling_options, model_option, record_options
from newssift.classifier.errors import InvalidInput
from newssift.classifier.inputs import FORMATS
from newssift.clean.options import CHUNK_DOCS_DEFAULT, PARTITION_DOCS_DEFAULT, CleanOptions
from newssift.clean.summary import build_summary, format_summary, write_summary
from newssift.clean.writers import side_path

__all__ = ["clean", "default_workers", "side_paths"]


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def side_paths(output: Path, fmt: str, engine: str) -> tuple[Path, Path]:
    """Where the error report and the summary go, beside or inside the output."""
    return (side_path(output, fmt, engine, "errors", ".jsonl"),
            side_path(output, fmt, engine, "summary", ".json"))


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=True),
              help="JSONL file (gzip when it ends in .gz), or a folder with --format txt-dir. "
                   "With --engine dask: a folder, or a pattern like out/part-*.jsonl.gz.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "txt-dir"]), default="jsonl",
              show_default=True, help="One JSON record per document, or one cleaned .txt per document "
                                      "(file names: see below).")
@click.option("--input-format", type=click.Choice(["auto", *FORMATS]), default="auto",
              show_default=True, help="auto: by file name (.jsonl[.gz], .csv, .txt, folders); stdin: jsonl.")
@record_options
@click.option("--segments", is_flag=True, help="Also write every block's role, topic and scores.")
@click.option("--workers", type=click.IntRange(1, 1024), default=None,
              help="Worker processes, each with its own model (default: all cores).")
@click.option("--chunk-size", type=click.IntRange(1, MAX_BATCH_DOCS), default=CHUNK_DOCS_DEFAULT,
              show_default=True, help="Documents per chunk: labelled together, written and fsynced together.")
@click.option("--resume", is_flag=True,
              help="Keep what OUTPUT already holds, skip those ids, append the rest.")
@click.option("--overwrite", is_flag=True, help="Replace an existing OUTPUT.")
@click.option("--strict", is_flag=True, help="Stop with an error at the first bad record.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False), default=None,
              help="Error report (JSONL; default: beside OUTPUT, NAME.errors.jsonl).")
@click.option("--summary", "summary_path", type=click.Path(dir_okay=False), default=None,
              help="Summary (JSON; default: beside OUTPUT, NAME.summary.json).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: only on a terminal).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: processes on this machine. dask: the tasks of a Dask cluster.")
@click.option("--scheduler", default="local", show_default=True,
              help="With --engine dask: tcp://HOST:8786, or local to start a LocalCluster.")
@click.option("--partition-size", type=click.IntRange(1, 10_000_000), default=PARTITION_DOCS_DEFAULT,
              show_default=True, help="With --engine dask: documents per partition (one output part each).")
@click.option("--site-repeats/--no-site-repeats", default=True, show_default=True,
              help="Count each site's lines over the corpus first, and let the model weigh how "
                   "often a line recurs on its site (a page's site: --site-field, else its url's "
                   "host; needs a model with a site-repeats head).")
@labelling_options
@model_option
def clean(inputs: tuple[str, ...], output: str, fmt: str, input_format: str, text_field: str,
          id_field: str, site_field: str, html_field: str | None, html_check: bool,
          max_document_bytes: int, segments: bool,
          workers: int | None, chunk_size: int, resume: bool, overwrite: bool, strict: bool,
          errors_path: str | None, summary_path: str | None,
          progress: bool | None, engine: str, scheduler: str, partition_size: int,
          main_threshold: float | None, keep_comments: bool, corrections_path: str | None,
          model_path: str | None, site_repeats: bool) -> None:
    """Clean INPUT... (JSONL[.gz], CSV, .txt or .html files, WARC, folders, globs, or -: stdin) into OUTPUT.

    A WARC file (.warc, .warc.gz; needs warcio) gives one document per response whose HTTP
    payload is HTML, its id the WARC-Target-URI (URI#RECORD-ID where the URI came before);
    other records are counted as skipped in the summary, and a record the file ends inside
    goes to the error report.

    A saved page (.html, .htm; JSONL: --html-field) is read as HTML: its blocks are what a
    reader sees, and with --segments each carries "path", the XPath of its element; its
    start and end refer to the page's text, one block a line.

    With --format txt-dir every document gets a file of its own, named in
    OUTPUT/_index.jsonl beside its id ("file"). An id that is a safe relative path keeps
    it, .txt added unless it ends so: parts of ASCII letters, digits, _ - . + and inner
    spaces, each starting with a letter, digit or _, at most 100 characters (200 in
    all), no folder part ending in .txt. Any other id (empty, hidden, .., absolute, too
    long, other characters) becomes NAME-HASH.txt in OUTPUT itself: NAME the id's letters,
    digits and _ - . (other runs of characters made _, at most 80 bytes), HASH the first
    12 hex digits of the id's SHA-256. A name an earlier document took, ignoring case,
    gets ~2, ~3, ... before .txt; a resumed run goes on with the same names.

    A record that cannot be cleaned (malformed, over --max-document-bytes) goes to the
    error report, one {"id", "error": {"code", "message", "source", "line"}} a line, and
    the run goes on (--strict stops).

    Exit status: 0 every record cleaned; 1 some records were skipped (see the error
    report), the rest cleaned; 2 a usage or input error, nothing cleaned (also when no
    record could be).
    """
    from newssift.classifier.inputs import resolve_inputs

    if resume and overwrite:
        raise InvalidInput("--resume and --overwrite contradict each other; pass one")
    corrections = corrections_sha256 = None
    if corrections_path is not None:
        import hashlib

        from newssift.classifier.textio import read_corrections

        read_corrections(corrections_path)  # refuse a malformed file before any work
        corrections = str(Path(corrections_path).resolve())
        corrections_sha256 = hashlib.sha256(Path(corrections).read_bytes()).hexdigest()
    if model_path is None:
        from newssift.classifier.persist import default_model_dir

        model_path = str(default_model_dir())
    options = CleanOptions(text_field=text_field, id_field=id_field, input_format=input_format,
                           segments=segments, strict=strict, chunk_docs=chunk_size,
                           workers=workers or default_workers(), model_path=str(Path(model_path).resolve()),
                           main_threshold=main_threshold, keep_comments=keep_comments,
                           corrections=corrections, corrections_sha256=corrections_sha256,
                           site_field=site_field, max_document_bytes=max_document_bytes,
                           html_field=html_field, html_check=html_check, site_repeats=site_repeats)
    out = Path(output)
    default_errors, default_summary = side_paths(out, fmt, engine)
    errors_file = Path(errors_path) if errors_path else default_errors
    summary_file = Path(summary_path) if summary_path else default_summary
    sources = resolve_inputs(inputs, options)
    from newssift.clean.site_counts import NO_HEAD, OFF_FLAG

    own_threshold, threshold, has_head = _thresholds(options)
    status = None if site_repeats and has_head else (NO_HEAD if site_repeats else OFF_FLAG)
    if status is None and any(source.path == "-" for source in sources):
        status = "off: stdin is read once (save it to a file to count its sites' lines)"
    options = replace(options, site_repeats=status is None)
    labelling = {"model": options.model_path, "main_threshold": threshold,
                 "keep_comments": options.keep_comments, "corrections": corrections_sha256,
                 # The site field changes labels only through site-scoped corrections and
                 # site repeats.
                 "site_field": site_field if corrections_sha256 or options.site_repeats else None,
                 "html_field": html_field, "site_repeats": options.site_repeats}
    if resume and engine == "local":
        _check_same_labelling(summary_file, labelling, own_threshold)
    start = time.perf_counter()
    if engine == "dask":
        from newssift.clean.dask_engine import run_dask

        if fmt != "jsonl":
            raise InvalidInput("--format txt-dir is not available with --engine dask; use jsonl parts")
        counts = run_dask(sources, out, options, scheduler=scheduler, partition_docs=partition_size,
                          resume=resume, overwrite=overwrite, errors_path=errors_file)
    else:
        counts = _run_local(sources, out, fmt, options, resume, overwrite, errors_file, progress)
    summary = build_summary(counts.total, counts.this_run, seconds=time.perf_counter() - start,
                            resumed=counts.resumed, engine=engine,
                            workers=options.workers, output=str(out),
                            error_report=str(errors_file) if counts.this_run.errors else None)
    summary["labelling"] = labelling
    summary["site_repeats"] = _site_repeats_summary(status, counts.site_lines)
    write_summary(summary, summary_file)
    for line in format_summary(summary):
        click.echo(line)
    click.echo(f"summary written to {summary_file}")
    if counts.this_run.errors:
        click.echo(f"newssift: {counts.this_run.errors} bad record(s) skipped; see {errors_file}", err=True)
        sys.exit(EXIT_SOME_FAILED)


def _thresholds(options: CleanOptions) -> tuple[float, float]:
    """The model's own main threshold and the one this run labels with (--main-threshold, or
    the model's).  Loads the model once in this process, as the run needs it here anyway."""
    from newssift.clean.work import cached_model

    model, decision, _, _ = cached_model(options.model_path, options.main_threshold,
                                         options.keep_comments, options.corrections)
    return model.decision_for().main_threshold, decision.main_threshold, model.repeats is not None


def _site_repeats_summary(status: str | None, path: str | None) -> dict:
    """What the run learned of its sites' repeated lines, for the summary."""
    from newssift.classifier.site_lines import SiteLines
    from newssift.clean.site_counts import NO_SITES, SiteRepeats

    if status is not None:
        return SiteRepeats(status=status).to_dict()
    if path is None:
        return SiteRepeats(status=NO_SITES).to_dict()
    lines = SiteLines.load(path)
    return SiteRepeats(path, len(lines.sites), int(lines.pages.sum()), lines.n_lines).to_dict()


def _check_same_labelling(summary_file: Path, labelling: dict, own_threshold: float) -> None:
    """A resumed run must label as the earlier one did, or the output mixes two kinds of record.
    The earlier run's summary says how it labelled (a run cut short before its summary, or
    written by a version before this check, cannot be checked)."""
    try:
        earlier = json.loads(summary_file.read_text(encoding="utf-8")).get("labelling")
    except (OSError, ValueError, AttributeError):
        return
    if isinstance(earlier, dict):  # settings added since: the earlier run ran without them
        earlier = {"corrections": None, "site_field": None, "site_repeats": False, **earlier}
        if earlier.get("main_threshold") is None:  # recorded so before the effective one was
            earlier["main_threshold"] = own_threshold
    if earlier is not None and earlier != labelling:
        changed = ", ".join(k for k in labelling if earlier.get(k) != labelling[k])
        raise InvalidInput(f"{summary_file}: the earlier run labelled with other settings ({changed}); "
                           f"resume with the same ones, or start over with --overwrite")


def _run_local(sources, out: Path, fmt: str, options: CleanOptions, resume: bool, overwrite: bool,
               errors_file: Path, progress_flag: bool | None):
    from newssift.classifier.inputs import source_size
    from newssift.clean.pipeline import clean_corpus
    from newssift.clean.progress import Progress, progress_wanted
    from newssift.clean.writers import ErrorReport, JsonlOutput, TxtDirOutput

    if fmt == "jsonl" and out.is_dir():
        raise InvalidInput(f"{out}: is a folder; give a file name, or pass --format txt-dir")
    output = TxtDirOutput(out) if fmt == "txt-dir" else JsonlOutput(out)
    if output.exists() and not (resume or overwrite):
        raise InvalidInput(f"{out}: already exists; pass --resume to finish it or --overwrite to replace it")
    sizes = [source_size(s) for s in sources] if progress_wanted(progress_flag) else None
    if sizes is not None and None in sizes:  # a bar by bytes needs every input's size
        sizes = None
    if options.site_repeats:
        options = _count_site_lines(sources, out, fmt, options, resume, progress_flag)
    progress = Progress(progress_flag, sum(sizes) if sizes is not None else None)
    try:
        counts = clean_corpus(sources, output, ErrorReport(errors_file), options, resume=resume,
                              progress=progress, source_bytes=sizes)
    finally:
        progress.close()
    counts.site_lines = options.site_lines
    return counts


def _count_site_lines(sources, out: Path, fmt: str, options: CleanOptions, resume: bool,
                      progress_flag: bool | None) -> CleanOptions:
    """The run's first pass (or, resuming, the counts the first run saved): the options
    that point the labelling at them (none when no record named a site)."""
    from tqdm import tqdm

    from newssift.clean.progress import progress_wanted
    from newssift.clean.site_counts import count_sources, load_or_count, site_lines_path

    path = site_lines_path(out, fmt, "local")
    path.parent.mkdir(parents=True, exist_ok=True)  # a new output folder, or the file's folder
    with tqdm(desc="counting site lines", unit=" docs", disable=not progress_wanted(progress_flag),
              leave=False) as bar:
        lines, _ = load_or_count(path, lambda: count_sources(sources, options, bar), resume)
    return replace(options, site_lines=str(path) if lines.sites else None)

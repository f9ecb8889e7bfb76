"""One retrain job, run as its own process: ``python -m newssift.service.trainer JOB_ID DB``.

Stages: export the stored labels, build a candidate version next to the others,
measure it and the active model on the same data (:mod:`newssift.service.evaluation`),
and switch the ``ACTIVE`` pointer only if :func:`newssift.service.gate.decide` says it
is not worse.  The candidate is built one of two ways (the job's ``mode``):

- ``adapt`` (the default): the active model's fitted parts plus an adapter learned
  from every stored label (:mod:`newssift.classifier.adapt`), in seconds;
- ``full``: a model trained from scratch with the training config and the stored
  labels (:func:`newssift.training.card.write_trained_model`), in minutes, its
  progress following the training steps.
Every stage updates the job row; stdout/stderr are the job's log.  The process
exits when the server that started it goes away, so a killed server leaves a
``running`` row with a dead pid, which the next start marks failed.

Neither an adapt retrain nor its gate needs the third-party training data: without
it (an installed wheel, ``NEWSSIFT_DATA`` unset) the gate measures what is there, the
packaged gold documents and the stored labels' cross-validation, and its reason names
the checks it could not run.  A full retrain does need it and fails at once without.
The candidate is built and measured in a dot-folder (``.<version>.candidate``), which is
never listed nor activated, and becomes the version only after its version row records
the gate's decision: a trainer killed at any point leaves no version that skipped the
gate.  A job that fails leaves its job row and log only: the candidate it built, if any,
is removed (by the trainer, or by :func:`newssift.service.leftovers.sweep` after a kill),
and no version row is written.  A version records the ids of the labels it
was trained with, so that a label withdrawn later can be found in the versions that
still carry it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from newssift.classifier.errors import NewssiftError, TrainingError
from newssift.classifier.persist import load_model
from newssift.service.db import connect, now
from newssift.service.evaluation import (
    gold_metrics,
    heldout_metrics,
    labels_cv_metrics,
    training_data_problem,
)
from newssift.service.gate import decide
from newssift.service.leftovers import LABELS_COPY_SUFFIX
from newssift.service.store import content_hash, iter_documents
from newssift.service.versions import (
    candidate_path,
    discard_version,
    new_version_name,
    publish_candidate,
    read_pointer,
    record_version,
    version_path,
    version_records,
    write_pointer,
)

__all__ = ["run_job", "main"]

WATCHDOG_INTERVAL_S = 1.0
MIN_CV_FOLDS = 2  # cross-validation needs two folds, so two labelled texts
# The gate's checks, as its reason names those that did not run.
GOLD_CHECK, HELDOUT_CHECK, LABELS_CV_CHECK = "gold documents", "held-out data", "labels cross-validation"


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(WATCHDOG_INTERVAL_S)
        if os.getppid() != parent:
            print("server process went away; stopping", flush=True)
            os._exit(3)


class Job:
    def __init__(self, conn, job_id: int) -> None:
        self.conn, self.id = conn, job_id

    def update(self, **fields: Any) -> None:
        cols = ", ".join(f"{k} = ?" for k in fields)
        self.conn.execute(f"UPDATE jobs SET {cols} WHERE id = ?", (*fields.values(), self.id))

    def stage(self, name: str, progress: float) -> None:
        print(f"[{now()}] {name}", flush=True)
        self.update(stage=name, progress=progress)


def _trained_on(conn, name: str | None) -> set[str]:
    row = version_records(conn).get(name) if name else None
    return set(json.loads(row["documents"])) if row is not None else set()


def _plain_base(models_dir: Path, active_name: str | None, seed: str | None):
    """The model an adapter is fitted on: the active version without its adapter, or,
    with no active version, the seed model."""
    if active_name:
        return load_model(version_path(models_dir, active_name)).adapted(None), active_name
    if seed:
        return load_model(seed).adapted(None), "seed"
    raise NewssiftError("no active model and no seed model to adapt")


def _build_adapted(job: Job, params: dict, records: list[dict], models_dir: Path, name: str) -> None:
    from newssift.classifier.persist import save_model
    from newssift.training.adapt import adapt_model

    if not records:
        raise NewssiftError("no stored labels to adapt to; POST /v1/labels first "
                            "(or retrain with {\"mode\": \"full\"})")
    job.stage("adapting to stored labels", 0.15)
    started = time.time()
    base, base_name = _plain_base(models_dir, read_pointer(models_dir), params.get("seed_model"))
    model = adapt_model(base, records, where="stored labels")
    model.version = name
    seconds = round(time.time() - started, 2)
    print(f"adapted {base_name} to {len(records)} texts in {seconds} s "
          f"(scopes: {', '.join(repr(s) for s in sorted(model.adapter.scopes))})", flush=True)
    save_model(model, candidate_path(models_dir, name), {
        "version": name, "created": now(), "roles": ["main", "teaser", "boilerplate"],
        "topics": model.topics,
        "adapted": {"base": base_name, "labelled_documents": len(records),
                    "labelled_blocks": sum(len(r["labels"]) for r in records),
                    "scopes": sorted(model.adapter.scopes), "seconds": seconds}})
    job.stage("adapted", 0.4)


def _build_full(job: Job, params: dict, cfg, labels_path: Path, records: list[dict],
                models_dir: Path, name: str) -> None:
    from newssift.training.card import write_trained_model

    job.stage("training", 0.1)

    def on_step(done: int, total: int, step: str) -> None:  # progress follows the training
        job.update(stage=f"training: {step}", progress=round(0.1 + 0.4 * done / total, 3))

    active = read_pointer(models_dir)  # its site-repeats head, if any, goes with the new model
    base = load_model(version_path(models_dir, active)) if active else (
        load_model(params["seed_model"]) if params.get("seed_model") else None)
    write_trained_model(cfg, candidate_path(models_dir, name), [labels_path] if records else [],
                        evaluate=False, config_path=params["train_config"], progress=True,
                        on_step=on_step, repeats_from=base)


def _adapt_fold(base):
    """A labels-CV ``train_fn`` for adapt mode: ``base`` adapted to the fold's labels."""
    def fit(_cfg, files: list[Path]):
        from newssift.training.adapt import adapt_model
        from newssift.training.sources import read_labelled_documents

        recs = [r for path in files for r in read_labelled_documents(path)]
        return adapt_model(base, recs) if recs else base
    return fit


def _config(params: dict):
    """The training config, reading the data the server was pointed at, if any."""
    from newssift.training.config import load_config

    cfg = load_config(params["train_config"])
    return cfg.replace(data_root=params["training_data"]) if params.get("training_data") else cfg


def _check_full_data(cfg) -> None:
    """A full retrain trains on the third-party data: without it, fail before building."""
    problem = training_data_problem(cfg)
    if problem:
        raise TrainingError(f"a full retrain needs the training data: {problem}; start the server "
                            "with NEWSSIFT_DATA=DIR (the folder holding blocks/, topics/, articles/), "
                            "or retrain with {\"mode\": \"adapt\"}, which needs none")


def _cv_unchecked(folds: int, unseen: int) -> str | None:
    if folds == 0:
        return "turned off (NEWSSIFT_CV_FOLDS=0)"
    if min(folds, unseen) < MIN_CV_FOLDS:
        return (f"{unseen} labelled text{'' if unseen == 1 else 's'} the active model was not "
                f"trained on; needs {MIN_CV_FOLDS}")
    return None


def _measure(job: Job, conn, params: dict, cfg, records: list[dict], hashes: list[str],
             active_name: str | None, active, candidate,
             ) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """Both models' metrics on the same data, and the checks that could not run (and why)."""
    from newssift.training.train import train

    metrics = {"active": gold_metrics(active) if active else {}, "candidate": gold_metrics(candidate)}
    unchecked: dict[str, str] = {}
    if not metrics["candidate"]:
        unchecked[GOLD_CHECK] = "no gold documents in the package"
    heldout_problem = (training_data_problem(cfg) if params["full_eval"]
                       else "turned off (NEWSSIFT_FULL_EVAL=false)")
    if heldout_problem is None and not (cfg.article_files and cfg.topic_files):
        heldout_problem = "the training config names no held-out files"
    if heldout_problem:
        unchecked[HELDOUT_CHECK] = heldout_problem
    else:
        job.stage("evaluating on held-out data", 0.6)
        if active:
            metrics["active"].update(heldout_metrics(active, cfg))
        metrics["candidate"].update(heldout_metrics(candidate, cfg))
    seen = _trained_on(conn, active_name)
    unseen = [h not in seen for h in hashes]
    cv_problem = _cv_unchecked(params["cv_folds"], sum(unseen))
    if cv_problem:
        unchecked[LABELS_CV_CHECK] = cv_problem
    else:
        job.stage("cross-validating stored labels", 0.7)
        if params.get("mode", "full") == "adapt":
            fit = _adapt_fold(active.adapted(None) if active else candidate.adapted(None))
        else:
            def fit(c, files):
                return train(c, files, progress=False)[0]
        act, cand = labels_cv_metrics(cfg, records, unseen, active,
                                      params["cv_folds"], fit)
        metrics["active"].update(act)
        metrics["candidate"].update(cand)
    return metrics, unchecked


def labels_copy_path(params: dict, job_id: int) -> Path:
    """The stored labels as a full retrain's training reads them, for the job's length only."""
    return Path(params["data_dir"]) / "jobs" / f"job-{job_id}{LABELS_COPY_SUFFIX}"


def run_job(conn, job_id: int) -> None:
    job = Job(conn, job_id)
    params = json.loads(conn.execute("SELECT params FROM jobs WHERE id = ?", (job_id,)).fetchone()[0])
    models_dir = Path(params["model_dir"])
    mode = params.get("mode", "full")  # jobs queued before adapt mode existed were full
    cfg = _config(params)
    if mode != "adapt":
        _check_full_data(cfg)
    job.stage("exporting labels", 0.05)
    records = list(iter_documents(conn))
    hashes = [content_hash(r["text"]) for r in records]
    label_ids = sorted(lab["id"] for r in records for lab in r["labels"])
    print(f"{len(records)} labelled texts", flush=True)
    name = new_version_name(models_dir, job_id)
    if mode == "adapt":
        _build_adapted(job, params, records, models_dir, name)
    else:
        labels_path = labels_copy_path(params, job_id)  # what training reads; removed after
        try:
            labels_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                           for r in records), encoding="utf-8")
            _build_full(job, params, cfg, labels_path, records, models_dir, name)
        finally:
            labels_path.unlink(missing_ok=True)
    job.update(version=name)
    job.stage("evaluating", 0.5)
    active_name = read_pointer(models_dir)
    active = load_model(version_path(models_dir, active_name)) if active_name else None
    candidate = load_model(candidate_path(models_dir, name))
    metrics, unchecked = _measure(job, conn, params, cfg, records, hashes, active_name, active,
                                  candidate)
    job.stage("gating", 0.9)
    decision = decide(metrics["active"] if active else None, metrics["candidate"],
                      params["gate_tolerance"], unchecked)
    promote, reason = decision.promote, decision.reason
    if promote and read_pointer(models_dir) != active_name:
        promote, reason = False, "the active model changed during the retrain; start it again"
    evaluation = {"active_version": active_name, "candidate_version": name, "metrics": metrics,
                  "compared": decision.compared, "unchecked": decision.unchecked,
                  "tolerance": params["gate_tolerance"], "labels": len(label_ids)}
    # Judged, then listed: a kill before the record leaves only the dot-folder, which is never
    # listed or activated (and is swept); one between the two leaves a record without a folder.
    record_version(conn, name, "promoted" if promote else "rejected", reason, job_id, hashes,
                   label_ids)
    publish_candidate(models_dir, name)
    if promote:
        write_pointer(models_dir, name)
    print(f"{'promoted' if promote else 'rejected'} {name}: {reason}", flush=True)
    job.update(status="promoted" if promote else "rejected", stage="done", progress=1.0,
               reason=reason, evaluation=json.dumps(evaluation), finished=now())


def main(argv: list[str] | None = None) -> int:
    job_id_text, db = (argv or sys.argv[1:])[:2]
    job_id = int(job_id_text)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    conn = connect(db)
    try:
        conn.execute("UPDATE jobs SET pid = ? WHERE id = ?", (os.getpid(), job_id))
        run_job(conn, job_id)
        return 0
    except (NewssiftError, OSError, ValueError) as exc:
        message = f"{type(exc).__name__}: {exc}" if not isinstance(exc, NewssiftError) else str(exc)
    except Exception as exc:  # a bug: keep the traceback in the log, a summary in the job
        traceback.print_exc()
        message = f"internal error: {type(exc).__name__}: {exc}"
    print(f"failed: {message}", flush=True)
    row = conn.execute("SELECT version, params FROM jobs WHERE id = ?", (job_id,)).fetchone()
    version = row["version"]
    if version:  # built but not judged: nothing of it stays but this job's record
        models_dir = Path(json.loads(row["params"])["model_dir"])
        try:
            shutil.rmtree(candidate_path(models_dir, version), ignore_errors=True)
            if discard_version(conn, models_dir, version) or \
                    not version_path(models_dir, version).is_dir():
                print(f"removed the unjudged version {version}", flush=True)
                version = None
        except OSError as exc:
            print(f"cannot remove the unjudged version {version}: {exc}", flush=True)
    conn.execute("UPDATE jobs SET status = 'failed', stage = 'failed', reason = ?, finished = ?, "
                 "version = ? WHERE id = ?", (message, now(), version, job_id))
    return 1


if __name__ == "__main__":
    sys.exit(main())

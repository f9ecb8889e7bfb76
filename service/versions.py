"""Model versions on disk: one directory each under the model directory, and an ``ACTIVE`` pointer.

A version name is checked against :data:`VERSION_RE` before it touches the file
system, and the resolved path must sit directly inside the model directory, so
a name from a URL cannot reach anywhere else.  Directories starting with a dot
are temporary (half-written) and never listed.  The pointer is switched by
writing a temporary file and ``os.replace``-ing it: readers see the old name or
the new one, never a mix.

A version's row records the stored texts (sha256) and the label ids it was trained
with: a correction withdrawn later leaves the correction memory at once, but stays
learnt in those versions until a retrain (:func:`versions_with_labels`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from newssift.classifier.errors import InvalidInput, ModelError
from newssift.classifier.persist import MANIFEST_FILE, load_model, read_manifest
from newssift.service.db import now

log = logging.getLogger("newssift.service")

__all__ = ["VERSION_RE", "POINTER_FILE", "check_name", "version_path", "list_versions",
           "read_pointer", "write_pointer", "bootstrap", "new_version_name", "record_version",
           "version_records", "version_labels", "versions_with_labels", "withdrawn_labels",
           "discard_version", "GATED_STATUSES", "SEED_STATUS", "seed_version_name", "record_seed",
           "follow_seed",
           "gate_problem", "candidate_path", "publish_candidate"]

VERSION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
POINTER_FILE = "ACTIVE"
SEED_STATUS = "seed"
# What a version may be activated as: judged by the gate (a rejected one too: it was measured,
# and rolling back to it is a choice made knowing why), or the seed the server started from.
GATED_STATUSES = ("promoted", "rejected", SEED_STATUS)
CANDIDATE_SUFFIX = ".candidate"


def check_name(name: str) -> str:
    if not isinstance(name, str) or not VERSION_RE.fullmatch(name):
        raise InvalidInput(f"{name!r} is not a model version name (letters, digits, - and _, "
                           "at most 64, starting with a letter or digit)")
    return name


def version_path(models_dir: Path, name: str) -> Path:
    """The directory of version ``name``; never outside ``models_dir``."""
    root = Path(models_dir).resolve()
    path = (root / check_name(name)).resolve()
    if path.parent != root:
        raise InvalidInput(f"{name!r} does not name a directory inside the model directory")
    return path


def list_versions(models_dir: Path) -> list[str]:
    if not Path(models_dir).is_dir():
        return []
    return sorted(p.name for p in Path(models_dir).iterdir()
                  if p.is_dir() and VERSION_RE.fullmatch(p.name) and (p / MANIFEST_FILE).is_file())


def read_pointer(models_dir: Path) -> str | None:
    try:
        name = (Path(models_dir) / POINTER_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name if VERSION_RE.fullmatch(name) else None


def write_pointer(models_dir: Path, name: str) -> None:
    check_name(name)
    fd, tmp = tempfile.mkstemp(dir=models_dir, prefix=f".{POINTER_FILE}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, Path(models_dir) / POINTER_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def new_version_name(models_dir: Path, job_id: int) -> str:
    return check_name(time.strftime("v%Y%m%d-%H%M%S", time.gmtime()) + f"-job{job_id}")


def bootstrap(models_dir: Path, seed_model: Path | None) -> str | None:
    """On first start, copy the seed model in as the first version and point at it; after
    a package upgrade that ships another model, copy that in beside the others
    (:func:`seed_version_name`; :func:`follow_seed` decides whether it is served).

    Returns the active version name, or None when there is none and no seed model.
    The seed's manifest hashes are checked (by loading it) before it is switched on; a seed
    that does not load stops a first start, and is only logged when a version is active.
    """
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    active = read_pointer(models_dir)
    if seed_model is None or not Path(seed_model).is_dir():
        return active
    versions = list_versions(models_dir)
    name = seed_version_name(seed_model, models_dir)
    if active is None and versions:
        name = versions[-1]
    elif name not in versions:  # a first start, or a package upgrade that ships another model
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=models_dir))
        try:
            shutil.copytree(seed_model, tmp, dirs_exist_ok=True)
            load_model(tmp)  # hashes and scikit-learn version, before it can become active
            try:
                os.rename(tmp, models_dir / name)
            except OSError:  # another worker won the race
                shutil.rmtree(tmp, ignore_errors=True)
        except ModelError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if active is None:
                raise
            log.error("the installed package's model %s was not copied in: %s", seed_model, exc)
    if read_pointer(models_dir) is None:
        write_pointer(models_dir, name)
    return read_pointer(models_dir)


def seed_version_name(seed_model: Path, models_dir: Path | None = None) -> str:
    """The name the seed model is copied in under: its manifest's version, or ``seed``; when
    ``models_dir`` holds another model of that name (the one an earlier release of the
    package shipped), that name and the first 8 hex digits of the seed's files' hash."""
    seed = read_manifest(seed_model)
    name = str(seed.get("version") or "seed")
    name = name if VERSION_RE.fullmatch(name) else "seed"
    if models_dir is None or not (Path(models_dir) / name / MANIFEST_FILE).is_file():
        return name
    if read_manifest(Path(models_dir) / name).get("files") == seed.get("files"):
        return name
    digest = hashlib.sha256(json.dumps(seed.get("files"), sort_keys=True).encode()).hexdigest()[:8]
    return f"{name[:55]}-{digest}"


def follow_seed(conn: sqlite3.Connection, models_dir: Path, seed_model: Path | None) -> str | None:
    """After a package upgrade that ships another model: serve it when the active version is
    an earlier seed (the shipped model, never replaced by a retrain), else leave the active
    version and say in the log how to switch.  Returns the version switched to, if any."""
    if seed_model is None or not (Path(seed_model) / MANIFEST_FILE).is_file():
        return None
    name = seed_version_name(seed_model, models_dir)
    active = read_pointer(models_dir)
    records = version_records(conn)
    if active is None or active == name or name not in records:
        return None
    if records.get(active) is not None and records[active]["status"] == SEED_STATUS:
        write_pointer(models_dir, name)
        log.warning("the installed package ships another model: now serving version %r "
                    "(was %r; POST /v1/models/%s/activate goes back)", name, active, active)
        return name
    log.warning("the installed package ships another model, version %r; still serving %r "
                "(a retrain): POST /v1/models/%s/activate serves it", name, active, name)
    return None


def record_seed(conn: sqlite3.Connection, models_dir: Path, seed_model: Path | None) -> str | None:
    """Record the version copied in from ``seed_model`` as the seed, which may be activated
    without a gate (it is what the server was started with).  Recognised by its name and its
    files' hashes, so a data directory from before versions had records keeps its seed;
    returns its name when it was recorded now."""
    if seed_model is None or not (Path(seed_model) / MANIFEST_FILE).is_file():
        return None
    name = seed_version_name(seed_model, models_dir)
    path = Path(models_dir) / name
    if name in version_records(conn) or not (path / MANIFEST_FILE).is_file():
        return None
    if read_manifest(path).get("files") != read_manifest(seed_model).get("files"):
        return None
    record_version(conn, name, SEED_STATUS, f"the seed model, copied in from {seed_model} at first start")
    return name


def gate_problem(conn: sqlite3.Connection, name: str) -> str | None:
    """Why version ``name`` may not be activated, or None: it never passed the promotion gate."""
    row = version_records(conn).get(name)
    if row is not None and row["status"] in GATED_STATUSES:
        return None
    return (f"version {name!r} was never judged by the promotion gate (a retrain that did not "
            "finish, or a folder put there by hand); activate a promoted, rejected or seed "
            "version (GET /v1/models), or retrain")


def candidate_path(models_dir: Path, name: str) -> Path:
    """Where a retrain builds version ``name`` and measures it: a dot-folder, never listed nor
    activated, which becomes the version only once the gate has judged it."""
    return version_path(models_dir, name).with_name(f".{name}{CANDIDATE_SUFFIX}")


def publish_candidate(models_dir: Path, name: str) -> Path:
    """Move the judged candidate into place as version ``name`` (one rename)."""
    path = version_path(models_dir, name)
    os.rename(candidate_path(models_dir, name), path)
    return path


def record_version(conn: sqlite3.Connection, name: str, status: str, reason: str | None,
                   job_id: int | None = None, documents: list[str] | None = None,
                   labels: list[int] | None = None) -> None:
    """Remember a version's fate; ``documents`` are the sha256 of the stored texts it trained
    on, ``labels`` the ids of the stored labels (corrections) it was trained with."""
    conn.execute("INSERT INTO versions (name, status, reason, job_id, documents, labels, created) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                 "status = excluded.status, reason = excluded.reason",
                 (name, status, reason, job_id, json.dumps(documents or []),
                  json.dumps(sorted(labels or [])), now()))


def version_records(conn: sqlite3.Connection) -> dict[str, sqlite3.Row]:
    return {row["name"]: row for row in conn.execute("SELECT * FROM versions")}


def version_labels(row: sqlite3.Row | None) -> list[int]:
    """The label ids a recorded version was trained with ([] for a seed or copied-in one)."""
    return json.loads(row["labels"] or "[]") if row is not None else []


def versions_with_labels(conn: sqlite3.Connection, models_dir: Path,
                         label_ids: set[int]) -> dict[str, list[int]]:
    """Version (still on disk) -> which of ``label_ids`` it was trained with, oldest first."""
    records = version_records(conn)
    out = {}
    for name in list_versions(models_dir):
        hit = sorted(label_ids.intersection(version_labels(records.get(name))))
        if hit:
            out[name] = hit
    return out


def withdrawn_labels(conn: sqlite3.Connection) -> set[int]:
    """Ids of the labels withdrawn since they were stored (a version may still carry them)."""
    return {row[0] for row in conn.execute("SELECT id FROM labels WHERE withdrawn IS NOT NULL")}


def discard_version(conn: sqlite3.Connection, models_dir: Path, name: str) -> bool:
    """Remove a version its job built but did not finish judging: not once it is recorded
    (:func:`record_version`) or active.  True if it was removed."""
    path = version_path(models_dir, name)
    recorded = conn.execute("SELECT 1 FROM versions WHERE name = ?", (name,)).fetchone()
    if recorded or read_pointer(models_dir) == name or not path.is_dir():
        return False
    tmp = path.with_name(f".{name}.discarded")  # leaves the listing at once, whole
    shutil.rmtree(tmp, ignore_errors=True)
    os.rename(path, tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    return True

"""The SQLite file: schema, connections, one connection per request.

WAL lets readers run beside the one writer; the busy timeout makes concurrent
writers from several gunicorn workers wait instead of failing.  A connection
is opened lazily for a request (``get_db``) and closed when it ends.  The
training process opens its own connection with :func:`connect`.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import NamedTuple

from flask import Flask, current_app, g

__all__ = ["connect", "get_db", "init_app", "init_schema", "open_store", "now", "StoreProblem",
           "store_problem", "store_state"]

log = logging.getLogger("newssift.service")

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    n_blocks INTEGER NOT NULL,
    created TEXT NOT NULL,
    html TEXT              -- the web page the text was read from (NULL: sent as text)
);
CREATE TABLE IF NOT EXISTS labels (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    block INTEGER NOT NULL,
    role TEXT,
    topic TEXT,
    who TEXT NOT NULL,
    created TEXT NOT NULL,
    superseded_by INTEGER,  -- the newer label's id; WITHDRAWN when withdrawn
    site TEXT,              -- the site the correction is scoped to (NULL: every text)
    withdrawn TEXT          -- when it was withdrawn
);
-- Bumped in the same transaction as every change to the labels, so that each worker's
-- correction memory knows, with one small read, whether to rebuild.
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO counters (name, value) VALUES ('labels', 0);
-- Every label entering force (added = 1) or leaving it (0: superseded or withdrawn), in order:
-- what a worker's correction memory applies since its last look, instead of a rebuild.
CREATE TABLE IF NOT EXISTS label_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    label_id INTEGER NOT NULL,
    added INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS labels_current
    ON labels(document_id, block) WHERE superseded_by IS NULL;
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    status TEXT NOT NULL,
    stage TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    pid INTEGER,
    params TEXT NOT NULL,
    note TEXT,
    created TEXT NOT NULL,
    finished TEXT,
    version TEXT,
    reason TEXT,
    evaluation TEXT,
    log_path TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS one_running_job ON jobs(status) WHERE status = 'running';
CREATE TABLE IF NOT EXISTS versions (
    name TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    reason TEXT,
    job_id INTEGER,
    documents TEXT NOT NULL DEFAULT '[]',
    labels TEXT NOT NULL DEFAULT '[]',  -- ids of the labels it was trained with
    created TEXT NOT NULL
);
-- The labelling queue (service/queue.py): texts waiting for a person, the least certain first.
CREATE TABLE IF NOT EXISTS queue (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    external_id TEXT,           -- the id sent with the document, as JSON
    site TEXT,
    n_blocks INTEGER NOT NULL,
    uncertainty REAL NOT NULL,  -- 1 - mean role_score under the model active when queued
    model TEXT NOT NULL,        -- that model's version
    status TEXT NOT NULL,       -- pending, done (labels stored) or skipped
    created TEXT NOT NULL,
    finished TEXT
);
CREATE INDEX IF NOT EXISTS queue_next ON queue(status, uncertainty DESC, id);
"""


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def connect(path: Path | str, timeout: float = 10.0) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def init_schema(path: Path | str, timeout: float = 10.0) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path, timeout)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        _add_missing_columns(conn)
        conn.executescript(SCHEMA)
    finally:
        conn.close()


# Columns added to tables of existing databases (name -> column definition).
_ADDED_COLUMNS = {"documents": {"html": "TEXT"},
                  "labels": {"site": "TEXT", "withdrawn": "TEXT"},
                  "versions": {"labels": "TEXT NOT NULL DEFAULT '[]'"}}


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    """A database made by an earlier version gains the newer columns (no data is touched)."""
    for table, columns in _ADDED_COLUMNS.items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if not have:
            continue  # a new database: the schema creates the table whole
        for name, kind in columns.items():
            if name not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


class StoreProblem(NamedTuple):
    """What is wrong with the label store, as the service answers it: 503, a code, a message
    and how long a client should wait before trying again."""

    code: str
    message: str
    retry_after: int


# Seconds a client is told to wait: a lock passes in moments, a read-only file needs a person.
RETRY_BUSY_S, RETRY_BROKEN_S = 2, 60


def store_problem(exc: sqlite3.Error) -> StoreProblem:
    """The store fault behind a SQLite error.  SQLite says what happened only in its message."""
    text = str(exc)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return StoreProblem("store_busy", "the label store is locked by another writer; retry "
                            "shortly", RETRY_BUSY_S)
    if "readonly" in lowered or "read-only" in lowered:
        return StoreProblem("store_read_only", "the label store is read-only, so nothing can be "
                            "stored or queued until it is writable again (segmenting works)",
                            RETRY_BROKEN_S)
    return StoreProblem("store_unavailable", f"the label store cannot be used ({text}); "
                        "segmenting works, labels, the queue and retraining do not", RETRY_BROKEN_S)


# A probe does not wait out a writer's lock as a request would.
PROBE_TIMEOUT_S = 0.5


def store_state(path: Path | str) -> StoreProblem | None:
    """None when the store can be read and written now; else what is wrong.  Takes the
    write lock for an update that changes nothing, and rolls it back."""
    conn = None
    try:
        conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=rw", uri=True,
                               timeout=PROBE_TIMEOUT_S, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE counters SET value = value WHERE name = 'labels'")
        conn.execute("ROLLBACK")
        return None
    except sqlite3.Error as exc:
        return store_problem(exc)
    finally:
        if conn is not None:
            conn.close()


def get_db() -> sqlite3.Connection:
    if "db" not in g:
        settings = current_app.extensions["newssift"]
        g.db = connect(settings["db"], settings["db_timeout"])
    return g.db


def _close(_exc: BaseException | None) -> None:
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


def open_store(path: Path | str, timeout: float = 10.0) -> StoreProblem | None:
    """:func:`init_schema`, or what keeps the store from being used: a service whose store is
    read-only or broken still starts, and segments; what needs the store answers 503."""
    try:
        init_schema(path, timeout)
    except sqlite3.Error as exc:
        problem = store_problem(exc)
        log.error("label store %s: %s (%s)", path, problem.message, problem.code)
        return problem
    return None


def init_app(app: Flask) -> None:
    settings = app.extensions["newssift"]
    open_store(settings["db"], settings["db_timeout"])
    app.teardown_appcontext(_close)

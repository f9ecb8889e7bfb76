"""The label store: corrections of blocks of texts, and their export for training.

A text is stored once, keyed by its sha256.  Every correction is kept with who
and when; a newer correction of the same block supersedes the older one, and
only the current label of each block is exported.  The export format is the one
``newssift train --labels FILE`` reads: one ``{"text", "labels"}`` object per line.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from newssift.service.db import now

__all__ = ["Correction", "StoreResult", "add_labels", "export_jsonl", "iter_documents",
           "count_labels"]


@dataclass(frozen=True)
class Correction:
    index: int
    role: str | None
    topic: str | None


@dataclass(frozen=True)
class StoreResult:
    sha256: str
    stored: int
    superseded: int


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def add_labels(conn: sqlite3.Connection, text: str, n_blocks: int,
               corrections: Sequence[Correction], who: str) -> StoreResult:
    """Store corrections of one text in one transaction (the caller has validated them)."""
    digest, stamp = content_hash(text), now()
    superseded = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT OR IGNORE INTO documents (sha256, text, n_blocks, created) "
                     "VALUES (?, ?, ?, ?)", (digest, text, n_blocks, stamp))
        doc_id = conn.execute("SELECT id FROM documents WHERE sha256 = ?", (digest,)).fetchone()[0]
        for c in corrections:
            old = conn.execute("SELECT id FROM labels WHERE document_id = ? AND block = ? "
                               "AND superseded_by IS NULL", (doc_id, c.index)).fetchone()
            # The old row leaves the "current" index before the new one enters it.
            if old is not None:
                conn.execute("UPDATE labels SET superseded_by = -1 WHERE id = ?", (old[0],))
            new_id = conn.execute(
                "INSERT INTO labels (document_id, block, role, topic, who, created) "
                "VALUES (?, ?, ?, ?, ?, ?)", (doc_id, c.index, c.role, c.topic, who, stamp)).lastrowid
            if old is not None:
                conn.execute("UPDATE labels SET superseded_by = ? WHERE id = ?", (new_id, old[0]))
                superseded += 1
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return StoreResult(digest, len(corrections), superseded)


def iter_documents(conn: sqlite3.Connection) -> Iterator[dict]:
    """Each labelled text with the current label of each of its blocks, oldest text first."""
    docs = conn.execute("SELECT id, text FROM documents ORDER BY id").fetchall()
    for doc_id, text in docs:
        rows = conn.execute("SELECT block, role, topic FROM labels WHERE document_id = ? "
                            "AND superseded_by IS NULL ORDER BY block", (doc_id,)).fetchall()
        if rows:
            yield {"text": text,
                   "labels": [{"index": b, "role": r, "topic": t} for b, r, t in rows]}


def export_jsonl(conn: sqlite3.Connection) -> Iterator[str]:
    for doc in iter_documents(conn):
        yield json.dumps(doc, ensure_ascii=False) + "\n"


def count_labels(conn: sqlite3.Connection, current_only: bool = True) -> int:
    where = " WHERE superseded_by IS NULL" if current_only else ""
    return conn.execute(f"SELECT COUNT(*) FROM labels{where}").fetchone()[0]

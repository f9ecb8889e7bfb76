"""The labelling queue: unlabelled documents, the least certain first.

Each queued text is stored once (keyed by its sha256) with the uncertainty of the
model that was active when it was added; :func:`next_pending` hands out the pending
document with the highest uncertainty (the oldest first among equals).  A document
leaves the queue when labels are stored for its text (:func:`mark_labelled`, called by
``POST /v1/labels``) or when it is skipped.  The table is ``queue`` in :data:`db.SCHEMA`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from newssift.service.db import now
from newssift.service.store import content_hash, current_labels

__all__ = ["QueuedText", "STATUSES", "add_documents", "counts", "get_document", "mark_labelled",
           "next_pending", "skip", "uncertainty", "document_view"]

STATUSES = ("pending", "done", "skipped")


@dataclass(frozen=True)
class QueuedText:
    text: str
    n_blocks: int
    uncertainty: float
    external_id: str | int | None = None
    site: str | None = None


def uncertainty(role_scores: Sequence[float]) -> float:
    """1 - the mean over blocks of the chosen role's probability (``role_score``).

    0 when the model is sure of every block; it grows with the share of blocks the model
    hesitates over, so a long text with a few doubtful lines ranks below a short one
    that is doubtful throughout (the labeller's time goes where the model gains most).
    """
    if not role_scores:
        return 0.0
    return round(1.0 - sum(role_scores) / len(role_scores), 6)


def document_view(row: sqlite3.Row, with_text: bool = True) -> dict:
    out = {"id": row["id"],
           "external_id": json.loads(row["external_id"]) if row["external_id"] is not None else None,
           "site": row["site"], "n_blocks": row["n_blocks"], "uncertainty": row["uncertainty"],
           "model": row["model"], "status": row["status"], "created": row["created"],
           "finished": row["finished"]}
    if with_text:
        out["text"] = row["text"]
    return out


def add_documents(conn: sqlite3.Connection, docs: Sequence[QueuedText], model: str,
                  ) -> list[tuple[sqlite3.Row, bool]]:
    """Queue ``docs`` in one transaction; (row, added) per document, in the order given.

    A text already in the queue (whatever its status) is not added again (``added`` is
    False and its row is the one stored).  A text that already has labels in force is
    stored as done: it needs no labelling.
    """
    stamp = now()
    out = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for d in docs:
            digest = content_hash(d.text)
            labelled = bool(current_labels(conn, d.text))
            cur = conn.execute(
                "INSERT OR IGNORE INTO queue (sha256, text, external_id, site, n_blocks, uncertainty, "
                "model, status, created, finished) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (digest, d.text, None if d.external_id is None else json.dumps(d.external_id),
                 d.site, d.n_blocks, d.uncertainty, model, "done" if labelled else "pending",
                 stamp, stamp if labelled else None))
            row = conn.execute("SELECT * FROM queue WHERE sha256 = ?", (digest,)).fetchone()
            out.append((row, cur.rowcount == 1))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return out


def next_pending(conn: sqlite3.Connection) -> sqlite3.Row | None:
    """The pending document the model is least sure about (the oldest among equals)."""
    return conn.execute("SELECT * FROM queue WHERE status = 'pending' "
                        "ORDER BY uncertainty DESC, id ASC LIMIT 1").fetchone()


SQLITE_MAX_INT = 2**63 - 1


def get_document(conn: sqlite3.Connection, doc_id: int) -> sqlite3.Row | None:
    if not 0 <= doc_id <= SQLITE_MAX_INT:
        return None  # no such row (and too large for SQLite to compare)
    return conn.execute("SELECT * FROM queue WHERE id = ?", (doc_id,)).fetchone()


def skip(conn: sqlite3.Connection, doc_id: int) -> sqlite3.Row | None:
    """Take a pending document off the queue without labels; None if there is no such document.
    Skipping a skipped document changes nothing; a done one stays done."""
    if get_document(conn, doc_id) is None:
        return None
    conn.execute("UPDATE queue SET status = 'skipped', finished = ? WHERE id = ? AND status = 'pending'",
                 (now(), doc_id))
    return get_document(conn, doc_id)


def mark_labelled(conn: sqlite3.Connection, text: str) -> int:
    """Labels were stored for ``text``: its queued document (pending or skipped) is done.
    Returns the number of queue rows changed (0 when the text was never queued)."""
    return conn.execute("UPDATE queue SET status = 'done', finished = ? "
                        "WHERE sha256 = ? AND status != 'done'", (now(), content_hash(text))).rowcount


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    out = dict.fromkeys(STATUSES, 0)
    for status, n in conn.execute("SELECT status, COUNT(*) FROM queue GROUP BY status"):
        out[status] = n
    return out

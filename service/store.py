"""The label store: corrections of blocks of texts, and their export for training.

A text is stored once, keyed by its sha256.  Every correction is kept with who,
when and the site it is scoped to; a newer correction of the same block supersedes
the older one, a withdrawn one stops counting, and only the current label of each
block is exported.  The export format is the one ``newssift train --labels FILE``
and ``--corrections FILE`` read: one ``{"text", "site"?, "labels": [{"id", "index",
"role", "topic"}]}`` object per text and site.  Every change bumps the ``labels``
counter in the same transaction, which the workers' correction memories watch, and logs
each label that entered or left force (``label_changes``), which they apply.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from newssift.classifier.records import one_line
from newssift.service.db import now

__all__ = ["Correction", "StoreResult", "add_labels", "merge_label", "export_jsonl", "iter_documents",
           "count_labels", "current_labels", "labels_version", "withdraw", "WITHDRAWN",
           "LabelChanges", "changes_since", "last_change"]

WITHDRAWN = -2   # superseded_by of a withdrawn label (-1 marks one while it is superseded)
Stored = dict[int, tuple[str | None, str | None]]  # block -> (role, topic) of a text's labels in force


@dataclass(frozen=True)
class Correction:
    index: int
    role: str | None
    topic: str | None


def merge_label(old: tuple[str | None, str | None] | None, role: str | None,
                topic: str | None) -> tuple[str | None, str | None]:
    """What a block's label becomes when a newer correction names only some of it: an unset
    role or topic keeps the stored one (a topic-only correction after a role correction keeps
    the role), except that a block made boilerplate drops its stored topic."""
    old_role, old_topic = old or (None, None)
    new_role = role if role is not None else old_role
    new_topic = topic if topic is not None else (None if new_role == "boilerplate" else old_topic)
    return new_role, new_topic


@dataclass(frozen=True)
class StoreResult:
    sha256: str
    stored: int
    superseded: int
    ids: tuple[int, ...] = ()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _bump(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE counters SET value = value + 1 WHERE name = 'labels'")


def _changed(conn: sqlite3.Connection, label_id: int, added: bool) -> None:
    conn.execute("INSERT INTO label_changes (label_id, added) VALUES (?, ?)", (label_id, int(added)))


@dataclass(frozen=True)
class LabelChanges:
    """What changed in the labels in force after one point of the change log: the ids that
    left force, then the records (as :func:`iter_documents` gives) of those that entered it
    and are still in force."""

    seq: int
    dropped: tuple[int, ...]
    added: tuple[dict, ...]


def last_change(conn: sqlite3.Connection) -> int:
    """The change log's newest entry (0 when empty)."""
    return conn.execute("SELECT COALESCE(MAX(seq), 0) FROM label_changes").fetchone()[0]


def changes_since(conn: sqlite3.Connection, seq: int) -> LabelChanges:
    """The labels that entered or left force after change ``seq``; call it inside a read
    transaction, with :func:`labels_version`, so that both describe the same state."""
    rows = conn.execute("SELECT seq, label_id, added FROM label_changes WHERE seq > ? ORDER BY seq",
                        (seq,)).fetchall()
    if not rows:
        return LabelChanges(seq, (), ())
    dropped = tuple(sorted({label_id for _, label_id, added in rows if not added}))
    entered = sorted({label_id for _, label_id, added in rows if added} - set(dropped))
    return LabelChanges(rows[-1][0], dropped, tuple(iter_documents(conn, entered)))


def labels_version(conn: sqlite3.Connection) -> int:
    """A number that changes whenever a label is stored or withdrawn."""
    row = conn.execute("SELECT value FROM counters WHERE name = 'labels'").fetchone()
    return int(row[0]) if row else 0


def current_labels(conn: sqlite3.Connection, text: str) -> Stored:
    """Block -> (role, topic) of the labels of ``text`` now in force."""
    rows = conn.execute("SELECT l.block, l.role, l.topic FROM labels l JOIN documents d "
                        "ON d.id = l.document_id WHERE d.sha256 = ? AND l.superseded_by IS NULL",
                        (content_hash(text),)).fetchall()
    return {b: (r, t) for b, r, t in rows}


def withdraw(conn: sqlite3.Connection, label_id: int) -> bool:
    """Withdraw a label now in force: its block goes back to the model's own label (a
    correction it had superseded stays superseded).  False if no such label is in force."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        changed = conn.execute("UPDATE labels SET superseded_by = ?, withdrawn = ? WHERE id = ? "
                               "AND superseded_by IS NULL", (WITHDRAWN, now(), label_id)).rowcount
        if changed:
            _changed(conn, label_id, added=False)
            _bump(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return bool(changed)


def add_labels(conn: sqlite3.Connection, text: str, n_blocks: int,
               corrections: Sequence[Correction], who: str, site: str | None = None,
               check: Callable[[Stored], object] | None = None,
               html: str | None = None) -> StoreResult:
    """Store corrections of one text in one transaction; ``html``: the web page ``text``
    was read from, kept with it (the first page sent for a text is kept).

    ``check`` is called inside it, with the text's labels then in force, before anything
    is written; what it raises rolls the transaction back.  Checking them before the
    transaction let two requests sent at once each pass against what the other had not yet
    written, and store together what either alone would have been refused."""
    digest, stamp = content_hash(text), now()
    superseded = 0
    ids = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        if check is not None:
            check(current_labels(conn, text))
        conn.execute("INSERT OR IGNORE INTO documents (sha256, text, n_blocks, created, html) "
                     "VALUES (?, ?, ?, ?, ?)", (digest, text, n_blocks, stamp, html))
        doc_id = conn.execute("SELECT id FROM documents WHERE sha256 = ?", (digest,)).fetchone()[0]
        if html is not None:  # the text was stored before from a text, or another page
            conn.execute("UPDATE documents SET html = ? WHERE id = ? AND html IS NULL", (html, doc_id))
        for c in corrections:
            old = conn.execute("SELECT id, role, topic FROM labels WHERE document_id = ? AND "
                               "block = ? AND superseded_by IS NULL", (doc_id, c.index)).fetchone()
            role, topic = merge_label(None if old is None else (old[1], old[2]), c.role, c.topic)
            # The old row leaves the "current" index before the new one enters it.
            if old is not None:
                conn.execute("UPDATE labels SET superseded_by = -1 WHERE id = ?", (old[0],))
            new_id = conn.execute(
                "INSERT INTO labels (document_id, block, role, topic, who, created, site) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (doc_id, c.index, role, topic, who, stamp, site)).lastrowid
            ids.append(new_id)
            if old is not None:
                conn.execute("UPDATE labels SET superseded_by = ? WHERE id = ?", (new_id, old[0]))
                _changed(conn, old[0], added=False)
                superseded += 1
            _changed(conn, new_id, added=True)
        _bump(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return StoreResult(digest, len(corrections), superseded, tuple(ids))


# Label ids bound into one query at most (SQLite's default limit of variables is 32,766).
_IDS_PER_QUERY = 500


def iter_documents(conn: sqlite3.Connection, label_ids: Sequence[int] | None = None) -> Iterator[dict]:
    """Each labelled text (once per site its labels are scoped to, with the web page it was
    read from when it came as one) with the current label of each of its blocks, in the
    order the labels were made (so that, applied in turn, the newest correction of a line
    wins); only the labels ``label_ids`` when given."""
    query = ("SELECT l.document_id, l.site, l.id, l.block, l.role, l.topic FROM labels l "
             "WHERE l.superseded_by IS NULL")
    if label_ids is None:
        rows = conn.execute(query + " ORDER BY l.id").fetchall()
    else:
        rows = []
        for start in range(0, len(label_ids), _IDS_PER_QUERY):
            chunk = list(label_ids[start:start + _IDS_PER_QUERY])
            rows += conn.execute(query + f" AND l.id IN ({','.join('?' * len(chunk))})",
                                 chunk).fetchall()
        rows.sort(key=lambda row: row[2])
    groups: dict[tuple[int, str | None], list[dict]] = {}
    for doc_id, site, label_id, block, role, topic in rows:
        groups.setdefault((doc_id, site), []).append(
            {"id": label_id, "index": block, "role": role, "topic": topic})
    for (doc_id, site), labels in groups.items():
        text, html = conn.execute("SELECT text, html FROM documents WHERE id = ?", (doc_id,)).fetchone()
        yield {"text": text, **({"html": html} if html is not None else {}),
               **({"site": site} if site else {}), "labels": sorted(labels, key=lambda lab: lab["index"])}


def export_jsonl(conn: sqlite3.Connection) -> Iterator[str]:
    """The stored labels, one JSON record per text and site, each on exactly one line."""
    for doc in iter_documents(conn):
        yield one_line(json.dumps(doc, ensure_ascii=False)) + "\n"


def count_labels(conn: sqlite3.Connection, current_only: bool = True) -> int:
    where = " WHERE superseded_by IS NULL" if current_only else ""
    return conn.execute(f"SELECT COUNT(*) FROM labels{where}").fetchone()[0]

"""The correction memory a worker applies, kept up to date with the label store.

Read-your-writes: a request that starts after a label was stored or withdrawn (through
any worker) is labelled with it.  So :meth:`MemoryHolder.get` reads the store's ``labels``
counter (one row, on a connection this thread keeps) at every request, unless
``interval`` allows some staleness; when the counter moved, the request waits while the
memory takes in what changed since its last look (the ``label_changes`` log: the labels
that entered force, and those that left it), a few milliseconds, instead of the
memory being rebuilt from every stored label (half a second at 5,800 texts).  The first
look, or a log that no longer reaches back to it, builds the memory whole.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

from newssift.classifier.corrections import CorrectionMemory
from newssift.service.db import connect
from newssift.service.store import changes_since, iter_documents, labels_version, last_change

__all__ = ["MemoryHolder"]

log = logging.getLogger("newssift.service")


class MemoryHolder:
    def __init__(self, db_path: Path, interval: float = 0.0, timeout: float = 10.0) -> None:
        self.db_path = db_path
        self.interval = interval
        self.timeout = timeout
        self.memory = CorrectionMemory()
        self._version: int | None = None   # the labels counter the memory is at
        self._seq = 0                      # the last entry of the change log it has applied
        self._checked = float("-inf")
        self._lock = threading.Lock()
        self._local = threading.local()    # each thread's own connection for the counter
        self._error: str | None = None

    def get(self) -> CorrectionMemory:
        """The memory, with every change the store had when this call began."""
        if self.interval and time.monotonic() - self._checked < self.interval:
            return self.memory
        try:
            version = labels_version(self._conn())
        except sqlite3.Error as exc:
            self._failed(exc)
            return self.memory
        self._checked = time.monotonic()
        if version != self._version:
            with self._lock:  # wait for a refresh under way: it may be the write we must see
                if version != self._version:
                    self.refresh()
        return self.memory

    def refresh(self) -> None:
        """Take in what changed in the store since the last look (the whole store the first time)."""
        try:
            conn = connect(self.db_path, self.timeout)
            try:
                conn.execute("BEGIN")  # one read transaction: the counter, log and labels agree
                version = labels_version(conn)
                if version != self._version:
                    self._apply(conn)
                    self._version = version
                conn.execute("COMMIT")
            finally:
                conn.close()
            self._error = None
        except sqlite3.Error as exc:  # a locked or broken database: keep the memory we have
            self._failed(exc)

    def _apply(self, conn: sqlite3.Connection) -> None:
        started = time.perf_counter()
        if self._version is None:
            self._seq = last_change(conn)
            self.memory = CorrectionMemory.from_records(list(iter_documents(conn)), name="label store")
            how = "built"
        else:
            changes = changes_since(conn, self._seq)
            self.memory.remove(changes.dropped)
            for n, rec in enumerate(changes.added, 1):
                self.memory.add_record(rec, f"label store: changed record {n}")
            self._seq = changes.seq
            how = f"+{sum(len(r['labels']) for r in changes.added)} -{len(changes.dropped)}"
        log.info("correction memory %s: %d corrections (%.1f ms)", how, len(self.memory),
                 (time.perf_counter() - started) * 1000)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.db_path, self.timeout)
        return conn

    def _failed(self, exc: sqlite3.Error) -> None:
        if str(exc) != self._error:  # once per fault, not once a request
            log.error("cannot refresh the correction memory, keeping %d corrections: %s",
                      len(self.memory), exc)
        self._error = str(exc)
        self._local.conn = None  # a new connection next time: the old one may be what broke

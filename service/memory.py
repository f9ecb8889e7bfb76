"""The correction memory a worker applies, rebuilt when the label store changes.

Each request calls :meth:`MemoryHolder.get`.  At most once per ``interval`` seconds
that reads the store's ``labels`` counter (one row); only when it moved is the
memory rebuilt from the labels in force.  So a correction stored through any worker
labels the next request on every worker within the interval, without a retrain.
The swap is one attribute assignment: a request in flight keeps the memory it holds.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

from newssift.classifier.corrections import CorrectionMemory
from newssift.service.db import connect
from newssift.service.store import iter_documents, labels_version

__all__ = ["MemoryHolder"]

log = logging.getLogger("newssift.service")


class MemoryHolder:
    def __init__(self, db_path: Path, interval: float = 1.0, timeout: float = 10.0) -> None:
        self.db_path = db_path
        self.interval = interval
        self.timeout = timeout
        self.memory = CorrectionMemory()
        self._version: int | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()
        self._error: str | None = None

    def get(self) -> CorrectionMemory:
        if time.monotonic() - self._checked >= self.interval:
            self.refresh()
        return self.memory

    def refresh(self) -> None:
        if not self._lock.acquire(blocking=self._version is None):
            return  # another thread is checking; use the memory we have
        try:
            self._checked = time.monotonic()
            conn = connect(self.db_path, self.timeout)
            try:
                version = labels_version(conn)
                self._error = None
                if version == self._version:
                    return
                # Read in one transaction: the records and the counter agree.
                conn.execute("BEGIN")
                version = labels_version(conn)
                memory = CorrectionMemory.from_records(list(iter_documents(conn)), name="label store")
                conn.execute("COMMIT")
            finally:
                conn.close()
            self.memory, self._version = memory, version
            log.info("correction memory: %d corrections (labels version %d)", len(memory), version)
        except sqlite3.Error as exc:  # a locked or broken database: keep the memory we have
            if str(exc) != self._error:  # once per fault, not once a second
                log.error("cannot refresh the correction memory, keeping %d corrections: %s",
                          len(self.memory), exc)
            self._error = str(exc)
        finally:
            self._lock.release()

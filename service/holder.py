"""The model a worker serves, switched when the ``ACTIVE`` pointer changes.

Each request calls :meth:`ModelHolder.get`.  At most once per ``interval``
seconds that stats the pointer file (a changed inode or mtime means it was
replaced); only then is the file read and, if it names another version, that
version loaded.  The swap is one attribute assignment, so a request in flight
keeps the model object it already holds.  A version that fails to load is
logged and skipped; the worker keeps serving the model it has.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from newssift.classifier.errors import InvalidInput, ModelError
from newssift.classifier.model import NewssiftModel
from newssift.classifier.persist import load_model
from newssift.service.versions import POINTER_FILE, read_pointer, version_path

__all__ = ["ModelHolder"]

log = logging.getLogger("newssift.service")


class ModelHolder:
    def __init__(self, models_dir: Path, interval: float = 1.0) -> None:
        self.models_dir = Path(models_dir)
        self.interval = interval
        self.current: tuple[str, NewssiftModel] | None = None
        self._stamp: tuple[int, int] | None = None
        self._checked = float("-inf")
        self._failed: str | None = None
        self._lock = threading.Lock()

    def get(self) -> tuple[str, NewssiftModel] | None:
        """(version, model) to use for this request; None when no model can be loaded."""
        if time.monotonic() - self._checked >= self.interval:
            self.refresh()
        return self.current

    def refresh(self) -> None:
        if not self._lock.acquire(blocking=self.current is None):
            return  # another thread is checking; keep serving what we have
        try:
            self._checked = time.monotonic()
            try:
                st = os.stat(self.models_dir / POINTER_FILE)
            except FileNotFoundError:
                return
            stamp = (st.st_ino, st.st_mtime_ns)
            if stamp == self._stamp:
                return
            self._stamp = stamp
            name = read_pointer(self.models_dir)
            if name is None or (self.current and self.current[0] == name) or name == self._failed:
                return
            try:
                model = load_model(version_path(self.models_dir, name)).warm()
            except (ModelError, InvalidInput) as exc:
                self._failed = name
                log.error("cannot switch to model %s, still serving %s: %s", name,
                          self.current[0] if self.current else "nothing", exc)
                return
            self.current = (name, model)
            self._failed = None
            log.info("serving model %s (pid %d)", name, os.getpid())
        finally:
            self._lock.release()

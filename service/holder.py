"""The model a worker serves, switched when the ``ACTIVE`` pointer changes.

Read-your-writes: a request that starts after a version was promoted or activated is
served by it, on every worker.  So :meth:`ModelHolder.get` stats the pointer file at every
request (a microsecond; ``interval`` may allow some staleness instead), and when it was
replaced (another inode or mtime) the request waits while that version loads, rather than
being answered by the old model meanwhile.  The swap is one attribute assignment, so a
request in flight keeps the model object it already holds.  A version that fails to load
is logged and skipped; the worker keeps serving the model it has.
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
    def __init__(self, models_dir: Path, interval: float = 0.0) -> None:
        self.models_dir = Path(models_dir)
        self.interval = interval
        self.current: tuple[str, NewssiftModel] | None = None
        self._stamp: tuple[int, int] | None = None
        self._checked = float("-inf")
        self._failed: str | None = None
        self._lock = threading.Lock()

    def get(self) -> tuple[str, NewssiftModel] | None:
        """(version, model) to use for this request; None when no model can be loaded."""
        if self.interval and time.monotonic() - self._checked < self.interval:
            return self.current
        if self._pointer_stamp() != self._stamp or self.current is None:
            self.refresh()
        return self.current

    def _pointer_stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.models_dir / POINTER_FILE)
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns

    def refresh(self) -> None:
        """Load the version the pointer names, if it is another; a request that calls this
        while another thread loads waits for that load (it may be the version it must see)."""
        with self._lock:
            self._checked = time.monotonic()
            stamp = self._pointer_stamp()
            if stamp is None or stamp == self._stamp:
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

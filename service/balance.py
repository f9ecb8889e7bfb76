"""A gthread worker that takes new connections only while it holds the fewest.

Gunicorn's workers race to accept connections, and a keep-alive client stays
with the worker that won.  With 16 clients and two workers the split was as
uneven as 11 to 5 (measured), and the worker holding 11 set the p99 (47 ms
against 36 ms for a 7/9 split).  Here every serving worker publishes its number
of open connections, with a heartbeat, in memory shared through the fork, and
stops accepting while another serving worker holds fewer; ties all accept.  The
worker holding the fewest never refuses, so a new connection waits at most the
re-check interval of the others.  A worker counts only while it serves: it takes
its slot when its loop starts (after the model has loaded), gives it up when it
begins to stop, and a worker whose heartbeat is older than ``STALE_S`` (hung, or
killed before the master reaped it) is ignored.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

__all__ = ["BalancedThreadWorker", "ConnectionTable", "supported"]

# While not accepting, re-check the table this often (the default poll waits up to 1 s).
RECHECK_S = 0.01
# An accepting worker's loop wakes at least once a second, and publishes each time.
STALE_S = 2.5
_PID, _CONNS, _BEAT = range(3)


def _now_ms() -> int:
    return int(time.monotonic() * 1000)  # CLOCK_MONOTONIC: one clock for every process


class ConnectionTable:
    """(pid, open connections, heartbeat) per worker, in shared memory created by the master
    before forking."""

    def __init__(self, size: int) -> None:
        self._cells = multiprocessing.RawArray(ctypes.c_int64, 3 * size)
        self._lock = multiprocessing.Lock()
        self.size = size

    def claim(self, pid: int) -> int | None:
        with self._lock:
            for slot in range(self.size):
                if self._cells[3 * slot + _PID] in (0, pid):
                    self._write(slot, pid, 0)
                    return slot
        return None  # more workers than slots: that worker accepts freely

    def release(self, pid: int) -> None:
        with self._lock:
            for slot in range(self.size):
                if self._cells[3 * slot + _PID] == pid:
                    self._write(slot, 0, 0)

    def publish(self, slot: int, connections: int) -> None:
        self._cells[3 * slot + _CONNS] = connections
        self._cells[3 * slot + _BEAT] = _now_ms()

    def fewest_elsewhere(self, slot: int | None) -> int | None:
        """The smallest count of another live worker, None when there is none."""
        oldest = _now_ms() - int(STALE_S * 1000)
        c = self._cells
        counts = [c[3 * s + _CONNS] for s in range(self.size)
                  if s != slot and c[3 * s + _PID] != 0 and c[3 * s + _BEAT] >= oldest]
        return min(counts) if counts else None

    def _write(self, slot: int, pid: int, connections: int) -> None:
        self._cells[3 * slot + _PID] = pid
        self.publish(slot, connections)


TABLE: ConnectionTable | None = None


def supported() -> bool:
    """Whether the installed gunicorn's gthread worker has the hooks this worker overrides."""
    return all(hasattr(ThreadWorker, name)
               for name in ("set_accept_enabled", "wait_for_and_dispatch_events", "run"))


def install(workers: int) -> str:
    """Create the shared table (in the master, before workers fork); the worker class to use.

    A reload (HUP) calls this again: the table made at start stays, since workers
    of the old generation still write to it.
    """
    global TABLE
    if not supported():
        return "gthread"
    if TABLE is None:
        TABLE = ConnectionTable(2 * workers)  # room for replacements that start before a reap
    return f"{__name__}.BalancedThreadWorker"


def child_exit(server: Any, worker: Any) -> None:
    """Gunicorn master hook: a dead worker's count must not keep the others from accepting."""
    if TABLE is not None:
        TABLE.release(worker.pid)


class BalancedThreadWorker(ThreadWorker):
    """gthread, but a worker holding more connections than another leaves new ones to it."""

    _slot: int | None = None

    def run(self) -> None:
        # Only now, with the app loaded, does this worker count for the others.
        self._slot = TABLE.claim(os.getpid()) if TABLE is not None else None
        try:
            super().run()
        finally:
            self._leave()

    def _leave(self) -> None:
        if self._slot is not None:
            TABLE.release(os.getpid())
            self._slot = None

    def _my_turn(self) -> bool:
        if not self.alive:
            self._leave()  # stopping: others must not wait for this worker's count
            return False
        if self._slot is None:
            return True
        TABLE.publish(self._slot, self.nr_conns)
        fewest = TABLE.fewest_elsewhere(self._slot)
        return fewest is None or self.nr_conns <= fewest

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled and self._my_turn())

    def accept(self, listener) -> None:
        super().accept(listener)
        if not self._my_turn():
            super().set_accept_enabled(False)

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        # Every loop publishes (closed connections count down here) or leaves the table.
        turn = self._my_turn()
        if turn and not self._accepting and self.nr_conns < self.worker_connections:
            super().set_accept_enabled(True)
        elif not self._accepting and self.alive:
            timeout = min(timeout, RECHECK_S)  # to see soon when it is our turn
        super().wait_for_and_dispatch_events(timeout)

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

Accepting alone never moves a connection: after a worker dies, the keep-alive clients
it had reconnect to the survivor, and its replacement starts with none and gets none
while they stay (measured with 6 clients: the replacement answered none of the next 60
requests, and 491 requests/s fell to 146).  So a worker holding more than
``SPREAD_SLACK`` connections above the fewest another serving worker holds answers its
next request with ``Connection: close``; the client reconnects, and the accept rule
above hands the connection to the worker with the fewest (the same test: the
replacement answered half, 460 requests/s before the kill and 454 after).  The close
comes with a whole response, never in the middle of one nor on an idle connection a
client may be writing to, so no request is lost or needs a retry.

It overrides gthread's internals (its accept switch, event loop and connection count),
which gunicorn may change in any release: pyproject pins the release the tests run, and
each part is checked before use.  A gunicorn whose ThreadWorker lacks one of the methods
gets plain gthread workers (:func:`install`); a worker lacking one of the attributes
serves as a plain gthread worker (:meth:`BalancedThreadWorker.run`).  Either says so
once in the log; requests are served the same, only not balanced.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

__all__ = ["BalancedThreadWorker", "ConnectionTable", "install", "missing_hooks", "supported"]

# While not accepting, re-check the table this often (the default poll waits up to 1 s).
RECHECK_S = 0.01
# An accepting worker's loop wakes at least once a second, and publishes each time.
STALE_S = 2.5
_PID, _CONNS, _BEAT = range(3)
# A worker holding more connections than this above another's fewest closes one after its
# next response: 1 lets an odd count (9 against 8) stand, which closing would only swap.
SPREAD_SLACK = 1
# What this module overrides or calls on gunicorn's gthread worker (checked on the class) ...
_HOOKS = ("run", "accept", "set_accept_enabled", "wait_for_and_dispatch_events")
# ... and the state it reads on a running worker (set by the worker's constructors).
_WORKER_ATTRIBUTES = ("alive", "nr_conns", "worker_connections", "_accepting")
_FIX = "install the gunicorn release pyproject.toml names (27.x)"
_FALLBACK = f"plain gthread workers serve instead (not balanced); {_FIX}"
log = logging.getLogger("newssift.service")
_warned: set[str] = set()


def _warn_once(message: str, logger: Any = None) -> None:
    if message not in _warned:
        _warned.add(message)
        (logger or log).warning("%s", message)


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


def missing_hooks() -> list[str]:
    """The methods this worker overrides or calls that the installed gthread worker lacks."""
    return [name for name in _HOOKS if not callable(getattr(ThreadWorker, name, None))]


def supported() -> bool:
    """Whether the installed gunicorn's gthread worker has the hooks this worker overrides."""
    return not missing_hooks()


def install(workers: int) -> str:
    """Create the shared table (in the master, before workers fork); the worker class to use.

    A reload (HUP) calls this again: the table made at start stays, since workers
    of the old generation still write to it.
    """
    global TABLE
    lacking = missing_hooks()
    if lacking:
        _warn_once(f"gunicorn's gthread worker has no {', '.join(lacking)}: {_FALLBACK}")
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
    _plain = False  # True: this gunicorn's worker lacks state we read; serve as gthread does

    def run(self) -> None:
        lacking = [name for name in _WORKER_ATTRIBUTES if not hasattr(self, name)]
        if lacking:
            self._plain = True
            _warn_once(f"gunicorn's gthread worker has no {', '.join(lacking)}: {_FALLBACK}",
                       getattr(self, "log", None))
            super().run()
            return
        # Only now, with the app loaded, does this worker count for the others.
        self._slot = TABLE.claim(os.getpid()) if TABLE is not None else None
        self.wsgi = _Spreading(self, self.wsgi)
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

    def crowded(self) -> bool:
        """Whether this worker holds more than its share: more than SPREAD_SLACK
        connections above the fewest another serving worker holds."""
        if self._slot is None or not self.alive:
            return False
        fewest = TABLE.fewest_elsewhere(self._slot)
        return fewest is not None and self.nr_conns > fewest + SPREAD_SLACK

    def set_accept_enabled(self, enabled: bool) -> None:
        if self._plain:
            super().set_accept_enabled(enabled)
            return
        super().set_accept_enabled(enabled and self._my_turn())

    def accept(self, listener) -> None:
        super().accept(listener)
        if not self._plain and not self._my_turn():
            super().set_accept_enabled(False)

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        if self._plain:
            super().wait_for_and_dispatch_events(timeout)
            return
        # Every loop publishes (closed connections count down here) or leaves the table.
        turn = self._my_turn()
        if turn and not self._accepting and self.nr_conns < self.worker_connections:
            super().set_accept_enabled(True)
        elif not self._accepting and self.alive:
            timeout = min(timeout, RECHECK_S)  # to see soon when it is our turn
        super().wait_for_and_dispatch_events(timeout)


class _Spreading:
    """The worker's WSGI app, answering with ``Connection: close`` while the worker is
    crowded (:meth:`BalancedThreadWorker.crowded`).  gunicorn's ``start_response`` is its
    response's method; the response's ``force_close`` sets the header and closes the
    connection once the response is written."""

    def __init__(self, worker: BalancedThreadWorker, app: Any) -> None:
        self.worker, self.app = worker, app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        if self.worker.crowded():
            close = getattr(getattr(start_response, "__self__", None), "force_close", None)
            if close is None:
                _warn_once(f"gunicorn's response has no force_close: connections are not "
                           f"spread again after a worker restarts; {_FIX}",
                           getattr(self.worker, "log", None))
            else:
                close()
        return self.app(environ, start_response)

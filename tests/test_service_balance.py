"""The shared connection table and the turn rule of the balanced gthread worker."""

import http.client
import json
import multiprocessing
import os
import signal
import threading
import time

import pytest
from gunicorn.workers.gthread import ThreadWorker
from service_fixtures import Server, running

from newssift.service import balance
from newssift.service.balance import BalancedThreadWorker, ConnectionTable

pytest_plugins = ["service_fixtures"]
pytestmark = pytest.mark.skipif(not balance.supported(), reason="this gunicorn's gthread lacks the hooks")


def _worker(table: ConnectionTable, connections: int, done) -> None:
    slot = table.claim(os.getpid())
    table.publish(slot, connections)
    done.set()


def test_counts_published_in_a_forked_worker_are_seen_by_the_others():
    ctx = multiprocessing.get_context("fork")
    table = ConnectionTable(4)
    mine = table.claim(os.getpid())
    table.publish(mine, 5)
    done = ctx.Event()
    child = ctx.Process(target=_worker, args=(table, 2, done))
    child.start()
    child.join(10)
    assert done.is_set()
    assert table.fewest_elsewhere(mine) == 2
    table.release(child.pid)  # what the master's child_exit hook does for a dead worker
    assert table.fewest_elsewhere(mine) is None


def test_a_worker_beyond_the_table_is_told_to_accept_freely():
    table = ConnectionTable(1)
    assert table.claim(101) == 0
    assert table.claim(102) is None
    assert table.claim(101) == 0  # a pid that holds a slot gets the same one back


def test_a_worker_whose_heartbeat_stopped_is_ignored(monkeypatch):
    table = ConnectionTable(2)
    other = table.claim(101)
    table.publish(other, 0)
    assert table.fewest_elsewhere(None) == 0
    later = balance._now_ms() + int(balance.STALE_S * 1000) + 1
    monkeypatch.setattr(balance, "_now_ms", lambda: later)
    assert table.fewest_elsewhere(None) is None  # hung, or killed and not yet reaped


@pytest.fixture
def worker(monkeypatch):
    """A worker's turn rule, without gunicorn around it; another worker holds 2 connections."""
    table = ConnectionTable(4)
    table.publish(table.claim(101), 2)
    monkeypatch.setattr(balance, "TABLE", table)
    w = BalancedThreadWorker.__new__(BalancedThreadWorker)
    w.alive, w.nr_conns, w._slot = True, 0, table.claim(os.getpid())
    return w


def test_a_worker_accepts_only_while_no_other_holds_fewer(worker):
    worker.nr_conns = 2
    assert worker._my_turn()  # ties accept
    worker.nr_conns = 3
    assert not worker._my_turn()


def test_a_stopping_worker_leaves_the_table(worker):
    worker.alive = False
    assert not worker._my_turn()
    assert worker._slot is None
    assert balance.TABLE.fewest_elsewhere(None) == 2  # only the other worker counts now


# gunicorn's internals, checked before use: without them, plain gthread serves.

@pytest.fixture
def warnings_once(monkeypatch, caplog):
    monkeypatch.setattr(balance, "_warned", set())
    monkeypatch.setattr(balance, "TABLE", None)
    caplog.set_level("WARNING", logger="newssift.service")
    return caplog


@pytest.mark.parametrize("hook", ["accept", "wait_for_and_dispatch_events"])
def test_a_gunicorn_without_a_hook_gets_plain_gthread_workers(monkeypatch, warnings_once, hook):
    monkeypatch.delattr(ThreadWorker, hook)
    assert balance.install(2) == "gthread"
    assert balance.install(2) == "gthread"  # a reload (HUP) asks again
    assert balance.TABLE is None
    warned = [r.getMessage() for r in warnings_once.records]
    assert len(warned) == 1 and f"has no {hook}: plain gthread workers serve" in warned[0]


def test_with_its_hooks_gunicorn_gets_the_balanced_worker(monkeypatch, warnings_once):
    assert balance.install(2) == "newssift.service.balance.BalancedThreadWorker"
    assert not warnings_once.records


SIMULATED_GUNICORN = """
from newssift.service import balance

# As if this gunicorn's worker kept its connection count under another name.
balance._WORKER_ATTRIBUTES = (*balance._WORKER_ATTRIBUTES, "connection_count_of_a_later_gunicorn")
"""


@pytest.mark.server
def test_a_worker_without_the_state_it_reads_serves_as_plain_gthread(tmp_path, seed_model_dir):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SIMULATED_GUNICORN, encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    with running(Server(tmp_path / "data", seed_model_dir, PYTHONPATH=path)) as server:
        for _ in range(6):  # new connections, which either worker may take
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            status, body = server.request("POST", "/v1/segment",
                                          {"text": "A headline\nA paragraph of the story."},
                                          conn=conn)
            conn.close()
            assert status == 200 and body["segments"]
        log = server.log_path.read_text(encoding="utf-8", errors="replace")
    assert "has no connection_count_of_a_later_gunicorn: plain gthread workers serve" in log


# After a worker dies: its replacement takes a share of the keep-alive clients.

def test_a_crowded_worker_closes_a_connection_after_its_response(worker):
    """The other worker holds 2: holding 3 is within the slack, 4 is one too many."""
    worker.nr_conns = 3
    assert not worker.crowded()
    worker.nr_conns = 4
    assert worker.crowded()
    closed = []

    class Response:  # gunicorn's: start_response is its method
        def start_response(self, status, headers):
            pass

        def force_close(self):
            closed.append(True)

    app = balance._Spreading(worker, lambda environ, start_response: [b"ok"])
    assert app({}, Response().start_response) == [b"ok"]
    assert closed == [True]
    worker.nr_conns = 2
    app({}, Response().start_response)
    assert closed == [True]  # not crowded: the connection stays open


CLIENTS = 6
WINDOW = 60  # worker answers counted once the replacement serves (the second 60 of them)
RATE_S = 5.0  # throughput is compared over this long before the kill and after the replacement
SPREAD_TEXT = ("Divers recovered the bell of the old ferry from the bottom of the bay.\n"
               "Tap here to follow the Harbour Gazette on every platform\n")


def _client(server, k: int, stop, done: list, acked: list, failed: list) -> None:
    """One keep-alive client: reads (the worker's pid, a segment) and now and then a label
    write, reconnecting when its worker dies under it.  ``done``: (time, worker pid or None)
    of every answered request."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    n = 0
    while not stop.is_set():
        n += 1
        try:
            if n % 8 == 0:
                status, body = server.request("POST", "/v1/labels", {
                    "text": SPREAD_TEXT + f"client {k}, write {n}\n",
                    "labels": [{"index": 1, "role": "teaser"}]}, auth=True, conn=conn)
                if status == 201:
                    acked.extend(body["ids"])
                pid = None
            elif n % 2:
                status, body = server.request("GET", "/readyz", conn=conn)
                pid = body["worker"] if status == 200 else None
            else:
                status, _ = server.request("POST", "/v1/segment", {"text": SPREAD_TEXT}, conn=conn)
                pid = None
            done.append((time.monotonic(), pid))
        except (OSError, http.client.HTTPException) as exc:  # its worker was killed
            failed.append(type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.close()


def _until(find, timeout: float, what: str):
    """What ``find`` returns once it is something (a hang guard of ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not (found := find()):
        assert time.monotonic() < deadline, f"hang guard: {what} not seen in {timeout:.0f} s"
        time.sleep(0.1)
    return found


def _new_connection_worker(server) -> int | None:
    """The worker a new connection goes to (the one holding the fewest, once it serves)."""
    try:
        return server.request("GET", "/readyz")[1]["worker"]
    except (OSError, http.client.HTTPException):
        return None


@pytest.mark.slow
def test_after_a_worker_is_killed_its_replacement_takes_a_share_and_no_write_is_lost(
        tmp_path, seed_model_dir):
    """Keep-alive clients reading and writing; one worker SIGKILLed.  Its clients reconnect
    to the survivor while the replacement loads; once the replacement serves, the crowded
    survivor closes connections after responses until the clients are spread again (before:
    the replacement served none of them).  Every write acknowledged is in the store."""
    with running(Server(tmp_path / "data", seed_model_dir, workers=2)) as server:
        workers: set[int] = set()

        def both_serving() -> bool:
            workers.update({_new_connection_worker(server)} - {None})
            return len(workers) == 2

        _until(both_serving, 90, "both workers serving")
        stop, done, acked, failed = threading.Event(), [], [], []
        clients = [threading.Thread(target=_client, args=(server, k, stop, done, acked, failed))
                   for k in range(CLIENTS)]
        for c in clients:
            c.start()
        try:
            _until(lambda: len({pid for _, pid in done} - {None}) == 2, 90,
                   "the clients on both workers")
            time.sleep(RATE_S)
            victim = next(pid for _, pid in reversed(done) if pid)
            survivor = next(iter(workers - {victim}))
            os.kill(victim, signal.SIGKILL)
            killed = time.monotonic()

            def replacement() -> int | None:
                pid = _new_connection_worker(server)
                return pid if pid not in (victim, survivor) else None

            _until(replacement, 120, "a replacement worker")
            ready = time.monotonic()
            _until(lambda: (sum(bool(pid) for t, pid in done if t > ready) >= 2 * WINDOW
                            and time.monotonic() > ready + RATE_S), 120,
                   f"{2 * WINDOW} answers after the replacement came up")
        finally:
            stop.set()
            for c in clients:
                c.join(90)
        # The second WINDOW answers: once the crowded survivor has closed what it holds over
        # (on a loaded machine the first ones still catch the clients moving).
        after = [pid for t, pid in done if t > ready and pid][WINDOW:2 * WINDOW]
        new = set(after) - {survivor}
        share = sum(pid in new for pid in after) / len(after)
        before = sum(killed - RATE_S < t <= killed for t, _ in done) / RATE_S
        back = sum(ready < t <= ready + RATE_S for t, _ in done) / RATE_S
        print(f"killed -> replacement taking new connections: {ready - killed:.1f} s; "
              f"its share of keep-alive answers {WINDOW + 1}-{WINDOW + len(after)} after it came up: "
              f"{share:.2f}; requests/s "
              f"{before:.1f} in the {RATE_S:.0f} s before the kill, {back:.1f} in the "
              f"{RATE_S:.0f} s after the replacement came up; {len(failed)} requests cut by "
              f"the kill; {len(acked)} writes acknowledged")
        assert share >= 0.25, f"the replacement answered {share:.0%} of the keep-alive clients"
        status, body = server.request("GET", "/v1/labels", auth=True)
        assert status == 200
        stored = {label["id"] for line in body.decode("utf-8").splitlines() if line.strip()
                  for label in json.loads(line)["labels"]}
        assert acked and not set(acked) - stored, "an acknowledged write is missing"

"""The shared connection table and the turn rule of the balanced gthread worker."""

import http.client
import multiprocessing
import os

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

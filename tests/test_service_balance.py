"""The shared connection table and the turn rule of the balanced gthread worker."""

import multiprocessing
import os

import pytest

from newssift.service import balance
from newssift.service.balance import BalancedThreadWorker, ConnectionTable

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

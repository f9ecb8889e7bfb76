"""The shared connection table behind the balanced gthread worker."""

import multiprocessing
import os

import pytest

from service import balance
from service.balance import ConnectionTable

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

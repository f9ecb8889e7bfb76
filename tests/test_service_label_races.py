"""Labels sent at the same instant are checked against each other: validation and the write
happen in one transaction, so two requests that would each be refused after the other are
never both stored, whichever worker takes them."""

from __future__ import annotations

import json
import threading

import pytest
from service_fixtures import ARTICLE, Server, running

pytest_plugins = ["service_fixtures"]

ROUNDS = 40

# Pairs of requests on one text, each fine alone, contradictory together.
PAIRS = {
    # two main blocks with different topics: the main blocks of a text share one topic
    "main topics": ([{"index": 0, "role": "main", "topic": "politics"}],
                    [{"index": 1, "role": "main", "topic": "sport"}]),
    # a block made boilerplate while another request gives it a topic
    "boilerplate topic": ([{"index": 2, "role": "boilerplate"}],
                          [{"index": 2, "topic": "culture"}]),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory, seed_model_dir):
    with running(Server(tmp_path_factory.mktemp("races") / "data", seed_model_dir, workers=2)) as srv:
        yield srv


def _at_once(server: Server, bodies: list[dict]) -> list[int]:
    """POST each body to /v1/labels from its own thread and connection, released together."""
    start = threading.Barrier(len(bodies))
    statuses = [0] * len(bodies)

    def send(n: int) -> None:
        start.wait()
        statuses[n] = server.request("POST", "/v1/labels", bodies[n], auth=True)[0]

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return statuses


def _stored(server: Server, text: str) -> dict[int, tuple]:
    status, export = server.request("GET", "/v1/labels", auth=True)
    assert status == 200
    for line in export.decode("utf-8").splitlines():
        rec = json.loads(line)
        if rec["text"] == text:
            return {lab["index"]: (lab["role"], lab["topic"]) for lab in rec["labels"]}
    return {}


@pytest.mark.parametrize("pair", sorted(PAIRS))
def test_contradictory_labels_sent_at_once_are_never_both_stored(server, pair):
    first, second = PAIRS[pair]
    both_stored = 0
    for n in range(ROUNDS):
        text = f"{ARTICLE}\nRound {n} of {pair}, a line that makes this text its own."
        statuses = _at_once(server, [{"text": text, "labels": first}, {"text": text, "labels": second}])
        assert 201 in statuses and set(statuses) <= {201, 422}, statuses
        stored = _stored(server, text)
        main_topics = {t for r, t in stored.values() if r == "main" and t is not None}
        bad = len(main_topics) > 1 or any(r == "boilerplate" and t is not None for r, t in stored.values())
        both_stored += bad  # (a topic, then boilerplate, is fine in that order: the topic goes)
        # and the text still takes a label that agrees with what was kept
        status = server.request("POST", "/v1/labels",
                                {"text": text, "labels": [{"index": 5, "role": "boilerplate"}]}, auth=True)[0]
        assert status == 201
    assert both_stored == 0, f"{both_stored} of {ROUNDS} rounds stored both contradictory requests"

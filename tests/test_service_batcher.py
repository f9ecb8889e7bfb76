"""Texts from many request threads are labelled together and each gets its own results."""

import threading
import time

import pytest

from newssift.service.batcher import Batcher

TEXTS = [
    "Troops pushed back an attack near the river overnight, officials said.\nSubscribe now",
    "The court ruled the ban unlawful.\nRelated: Markets fall as rates rise…",
    "",
    "Home | World | Sport\nA long report on the election results in the capital city today.",
]


def test_each_thread_gets_what_the_model_gives_for_its_own_texts(tiny_model):
    batcher = Batcher(max_docs=4)
    expected = {i: tiny_model.segment_many_dicts([t]) for i, t in enumerate(TEXTS)}
    got: dict[int, list] = {}
    barrier = threading.Barrier(8)

    def client(k: int) -> None:
        barrier.wait()
        for _ in range(20):
            i = (k + _) % len(TEXTS)
            got.setdefault(k, []).append((i, batcher.label(tiny_model, [TEXTS[i]])))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(v) for v in got.values()) == 160
    for results in got.values():
        for i, result in results:
            assert result == expected[i]


def test_several_texts_in_one_call_come_back_in_order(tiny_model):
    assert Batcher().label(tiny_model, TEXTS) == tiny_model.segment_many_dicts(TEXTS)
    assert Batcher().label(tiny_model, []) == []


def test_a_model_error_reaches_the_caller_and_the_batcher_keeps_working(tiny_model):
    class Broken:
        def segment_many_dicts(self, texts, decision=None, memory=None, sites=None):
            raise RuntimeError("model exploded")

    batcher = Batcher()
    with pytest.raises(RuntimeError, match="model exploded"):
        batcher.label(Broken(), ["text"])
    assert batcher.label(tiny_model, TEXTS[:1]) == tiny_model.segment_many_dicts(TEXTS[:1])


def test_a_text_that_breaks_the_model_fails_only_its_own_request(tiny_model):
    entered, release = threading.Event(), threading.Event()
    batch_sizes = []

    class Picky:
        """Holds its first call until the other requests are queued behind it."""

        def segment_many_dicts(self, texts, decision=None, memory=None, sites=None):
            batch_sizes.append(len(texts))
            if texts == ["hold"]:
                entered.set()
                release.wait(5)
            if "poison" in texts:
                raise ValueError("cannot label poison")
            return tiny_model.segment_many_dicts(texts)

    batcher, model = Batcher(), Picky()
    outcomes: dict[int, object] = {}

    def client(k: int, text: str) -> None:
        try:
            outcomes[k] = batcher.label(model, [text])
        except ValueError as exc:
            outcomes[k] = exc

    first = threading.Thread(target=client, args=(-1, "hold"))
    first.start()
    entered.wait(5)
    texts = {0: "poison", 1: TEXTS[0], 2: TEXTS[1], 3: TEXTS[3]}
    threads = [threading.Thread(target=client, args=(k, t)) for k, t in texts.items()]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while batcher._queue.qsize() < 4 and time.monotonic() < deadline:
        time.sleep(0.01)  # until all four wait behind the held call
    release.set()
    for t in [first, *threads]:
        t.join()
    assert max(batch_sizes) == 4  # the four queued requests went to the model together
    assert isinstance(outcomes[0], ValueError)
    for k in (1, 2, 3):
        assert outcomes[k] == tiny_model.segment_many_dicts([texts[k]])


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_batching_thread_that_died_is_started_again(tiny_model):
    batcher = Batcher()
    assert batcher.label(tiny_model, TEXTS[:1]) == tiny_model.segment_many_dicts(TEXTS[:1])
    batcher._queue.put(None)  # not a job: the thread fails on it and ends
    batcher._thread.join(5)
    assert not batcher._thread.is_alive()
    assert batcher.label(tiny_model, TEXTS[:1]) == tiny_model.segment_many_dicts(TEXTS[:1])

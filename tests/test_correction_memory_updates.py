"""A correction memory updated by what changed answers as one rebuilt from the corrections
left: the service applies each stored or withdrawn label this way instead of rebuilding."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from newssift.classifier.corrections import CorrectionMemory

TEXTS = [
    "Storm closes the harbour\nFerries stay in port until Friday\nShare this story\n© 2024 Daily Ledger",
    "Council votes on the new bridge\nShare this story\n© 2025 Daily Ledger\nRead more",
    "Share this story\nA match report from the cup final\n12 comments",
]
SITES = ["", "ledger.example"]
ROLES = ["main", "teaser", "boilerplate"]

correction = st.tuples(st.integers(0, len(TEXTS) - 1), st.integers(0, 3), st.sampled_from(ROLES),
                       st.sampled_from(SITES))
# A history: each step adds a correction (the next id) or removes one by its id.
steps = st.lists(st.one_of(st.tuples(st.just("add"), correction),
                           st.tuples(st.just("remove"), st.integers(1, 30))), max_size=30)


def _record(label_id: int, c: tuple) -> dict:
    text_no, index, role, site = c
    text = TEXTS[text_no]
    index = min(index, len(text.splitlines()) - 1)
    return {"text": text, **({"site": site} if site else {}),
            "labels": [{"id": label_id, "index": index, "role": role, "topic": None}]}


def _answers(memory: CorrectionMemory) -> list:
    probes = TEXTS + ["Share this story\n© 2031 Daily Ledger\n3 comments\nFerries stay in port until Friday"]
    return [memory.lookup(t, t.splitlines(), site or None) for t in probes for site in SITES]


@settings(max_examples=300, deadline=None)
@given(steps)
def test_removing_corrections_answers_as_a_rebuild_without_them(history):
    live = CorrectionMemory()
    in_force: dict[int, dict] = {}
    next_id = 1
    for op, arg in history:
        if op == "add":
            rec = _record(next_id, arg)
            live.add_record(rec)
            in_force[next_id] = rec
            next_id += 1
        else:
            held = arg in in_force
            assert live.remove([arg]) == int(held)
            in_force.pop(arg, None)
        rebuilt = CorrectionMemory.from_records(list(in_force.values()))
        assert _answers(live) == _answers(rebuilt)
        assert len(live) == len(rebuilt) == len(in_force)


def test_a_removed_line_correction_gives_way_to_the_older_one_it_hid():
    memory = CorrectionMemory()
    memory.add_record(_record(1, (0, 2, "boilerplate", "")))
    memory.add_record(_record(2, (1, 1, "teaser", "")))  # the same line, "Share this story"
    assert memory.lookup(TEXTS[2], TEXTS[2].splitlines())[0].role == "teaser"
    memory.remove([2])
    fix = memory.lookup(TEXTS[2], TEXTS[2].splitlines())[0]
    assert (fix.role, fix.id, fix.match) == ("boilerplate", 1, "line")
    memory.remove([1])
    assert memory.lookup(TEXTS[2], TEXTS[2].splitlines())[0] is None

"""The result records: a segment built the fast way is a Segment, and rounding many
scores at once gives round()'s floats."""

import dataclasses
import pickle
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newssift.classifier.result import Segment, new_segment, rounded

FIELDS = (3, 10, 42, "Fighting resumed overnight.", "teaser", 0.8123, "conflict", 0.5,
          {"id": 7, "match": "line"})


def test_a_fast_segment_is_a_segment_in_every_way():
    fast, plain = new_segment(*FIELDS), Segment(*FIELDS)
    assert type(fast) is Segment
    assert fast == plain and repr(fast) == repr(plain) and fast.to_dict() == plain.to_dict()
    assert dataclasses.astuple(fast) == FIELDS
    assert pickle.loads(pickle.dumps(fast)) == plain
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.role = "main"
    assert hash(new_segment(*FIELDS[:-1], None)) == hash(Segment(*FIELDS[:-1], None))


def _same_as_round(values, digits=4):
    values = np.asarray(values, dtype=np.float64)
    want = [round(v, digits) for v in values.tolist()]
    got = rounded(values, digits)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert type(g) is float
        assert g == w and struct.pack("<d", g) == struct.pack("<d", w) or (g != g and w != w)


def test_rounding_many_scores_gives_round_s_floats_at_and_beside_every_tie():
    ties = (np.arange(20001) + 0.5) / 1e4
    for values in (ties, np.nextafter(ties, 0), np.nextafter(ties, 1), -ties,
                   np.arange(10001) / 1e4, np.random.default_rng(0).random(100_000)):
        _same_as_round(values)
    _same_as_round([0.0, -0.0, 1.0, np.nan, np.inf, -np.inf, 1e300, -1e-300, 5e-5, 0.99995,
                    123456.78905, 2.0 ** 40 + 0.5])
    _same_as_round([], 4)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=20),
       st.integers(min_value=-2, max_value=17))
def test_rounding_equals_round_for_any_float(values, digits):
    _same_as_round(values, digits)

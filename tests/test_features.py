"""Comment-framing lines: the fast scan finds exactly what the pattern finds block by block."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.features import _COMMENT_META_RE, comment_meta, section_features

LINES = [
    "Posted by: jonathan at October 29, 2012 05:23 PM",
    "Jane SAYS:",
    "He wrote: the war is over.",
    "3 Hours Ago",
    "Reply",
    "12 comments",
    "The meeting starts at 10:30 am tomorrow in the hall of the city council.",
    "posted at 5:10 pm",
    "Fighting continued overnight near the river, officials said.",
    "ſays:",
    "Comments (4)",
    "İstanbul at 9:15 AM",
]


def _slow(texts):
    return np.array([_COMMENT_META_RE.search(t) is not None for t in texts])


def test_comment_lines_are_found_and_story_lines_are_not():
    hits = comment_meta(LINES)
    assert hits.tolist() == _slow(LINES).tolist()
    assert hits[0] and hits[4] and not hits[8]


_PIECES = st.sampled_from([
    "says", "SAYS", "ſ", "\u212a", "likes", "Posted by", "wrote", " ", ":", "\t", "3", "12",
    " hours ago", "ago", "at ", "5:10", " pm", "Reply", "comments", "İ", "x", ".",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=20), st.lists(_PIECES, max_size=8).map("".join)),
                max_size=6))
def test_fast_scan_equals_searching_each_block(texts):
    texts = [t.replace("\n", " ") for t in texts]  # blocks never hold a line break
    assert comment_meta(texts).tolist() == _slow(texts).tolist()


def test_section_features_count_comment_lines_before_and_after_within_a_document():
    meta = np.array([1, 0, 1, 0, 0, 1], dtype=bool)
    doc = np.array([0, 0, 0, 1, 1, 1])
    out = section_features(meta, doc)
    assert np.allclose(np.expm1(out[:, 1]), [0, 1, 1, 0, 0, 0])  # before, same document only
    assert np.allclose(np.expm1(out[:, 2]), [1, 1, 0, 1, 1, 0])  # after

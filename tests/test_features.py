"""Shallow and comment features: the fast scans find exactly what the patterns find block by block."""

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from newssift.classifier import shallow
from newssift.classifier.batch import shifted
from newssift.classifier.comments import (
    _COMMENT_META_RE,
    _COMMENT_VOICE_RE,
    _THREAD_INLINE,
    _THREAD_START,
    FRAMING_TIME,
    FRAMING_VOICE,
    comment_lines,
    section_features,
)
from newssift.classifier.shallow import _LEGAL_RE, SHALLOW_NAMES, shallow_features

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


def comment_meta(texts):
    return comment_lines(texts)[0]


def framing(texts):
    return comment_lines(texts)[1].tolist()


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


def _slow_framing(texts):
    def kind(t):
        if any(re.search(p, t, re.IGNORECASE | re.MULTILINE) for p in (_THREAD_START, _THREAD_INLINE)):
            return FRAMING_VOICE
        if _COMMENT_META_RE.search(t):
            return FRAMING_VOICE if _COMMENT_VOICE_RE.search(t) else FRAMING_TIME
        return 0
    return [kind(t) for t in texts]


def test_commenters_replies_and_comment_forms_frame_a_thread():
    lines = ["Comment #8 - Posted by: Derek at November 10, 2012 6:08 PM",
             "by jdoe (1234) writes:", "Re: Not what it means (Score:5, Insightful)",
             "Jacob | November 9, 2012 1:54 PM | Reply", "Login to reply", "Flag as inappropriate",
             "Name (required)", "Email (will not be published) (required)",
             "November 9, 2012 at 1:54 pm",
             "The minister writes that the plan is fair.", "Posted at 03:33 PM | Permalink",
             "2. Vienna (Score: 90)", "Comment 1: the plan is fair"]
    kinds = framing(lines)
    assert kinds == _slow_framing(lines)
    assert kinds == [FRAMING_VOICE] * 8 + [FRAMING_TIME, 0, 0, 0, 0]


_FRAMING_PIECES = st.sampled_from([
    "writes", "WRITES", "writeſ", "wrıtes", "wrİtes", "ſ", "ı", "İ", ":", " ", "\t", "(Score:", "(score:-",
    "2", ", Insightful", ")", "|", "Reply",
    "reply", "Comment #", "comment ", "Login to ", "log in to ", "comment", "Name (required)",
    "Your comment", "x", "says",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=20), st.lists(_FRAMING_PIECES, max_size=8).map("".join)),
                max_size=6))
def test_fast_framing_scan_equals_searching_each_block(texts):
    texts = [t.replace("\n", " ") for t in texts]
    assert framing(texts) == _slow_framing(texts)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(_PIECES, _FRAMING_PIECES, st.just("\n"), st.text(max_size=4)),
                         max_size=10).map("".join), max_size=6))
def test_a_block_holding_line_breaks_is_scanned_line_by_line(texts):
    # Blocks of a text never hold one (a line is a block); a caller's own blocks may.
    assert comment_meta(texts).tolist() == _slow(texts).tolist()
    assert framing(texts) == _slow_framing(texts)


def test_section_features_count_comment_lines_before_and_after_within_a_document():
    meta = np.array([1, 0, 1, 0, 0, 1], dtype=bool)
    doc = np.array([0, 0, 0, 1, 1, 1])
    out = section_features(meta, doc)
    assert np.allclose(np.expm1(out[:, 1]), [0, 1, 1, 0, 0, 0])  # before, same document only
    assert np.allclose(np.expm1(out[:, 2]), [1, 1, 0, 1, 1, 0])  # after


_LEGAL_PIECES = st.sampled_from([
    "copyright", "COPYRIGHT", "COPYRİGHT", "copyrıght", "(c)", "(C)", "©", "all rights reserved",
    "ALL RIGHTS RESERVED", "all rightſ reserved", "ALL RİGHTS", "İ", "ı", "ſ", " ", "x", "right",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=20), st.lists(_LEGAL_PIECES, max_size=6).map("".join)),
                min_size=1, max_size=6))
def test_legal_flag_equals_the_case_insensitive_pattern_on_each_block(texts):
    texts = [t.replace("\n", " ") for t in texts]
    legal = shallow_features(texts)[:, SHALLOW_NAMES.index("legal")]
    assert legal.tolist() == [float(_LEGAL_RE.search(t) is not None) for t in texts]


def test_large_inputs_are_featurized_in_slices_with_the_same_numbers(monkeypatch):
    texts = [f"Line {i}: Troops moved north, officials said. © {i}" * (i % 4 + 1) for i in range(300)]
    whole = shallow_features(texts)
    monkeypatch.setattr(shallow, "SHALLOW_CHUNK_CHARS", 500)
    assert np.array_equal(shallow_features(texts), whole)


def test_shifted_reads_neighbours_within_the_document_only():
    doc = np.array([0, 0, 0, 1, 1])
    values = np.array([10.0, 11.0, 12.0, 20.0, 21.0])
    out = shifted(values, (-1, 1, 2), doc, -1.0)
    assert out.tolist() == [[-1, 11, 12], [10, 12, -1], [11, -1, -1], [-1, 21, -1], [20, -1, -1]]
    pairs = shifted(np.stack([values, -values], axis=1), (1,), doc, 0.0)
    assert pairs.shape == (5, 1, 2) and pairs[0, 0].tolist() == [11.0, -11.0]


def test_a_documents_pooled_form_is_the_form_of_its_blocks_joined():
    """The article topic's gate reads the form of the main text as one text; it is summed from
    the blocks' own columns, and must equal what the joined text gives (sentence count aside,
    which may differ by a line ending in a full stop before a lower-case line)."""
    from newssift.classifier.features import SHAPE_COLUMNS, Featurizer
    from newssift.classifier.shallow import SHALLOW_NAMES

    docs = [["Storm Closes The Northern Ports", "Ferries stay in harbour until Friday, 3 officials say.",
             "“We have never seen waves like this,” said one captain: the 1987 storm was smaller…"],
            ["HOME | NEWS | SPORT", "Copyright © 2026 The Courier", "Visit www.example.com"],
            ["- a bullet line first", "then a long line with many words and some more words in it"],
            ["One line only"]]
    featurizer = Featurizer(min_df=1, comment_features=False).fit(docs)
    batch = featurizer.transform(docs)
    pooled = featurizer.pooled_shape(batch, np.ones(len(batch.doc), bool), len(docs))
    joined = featurizer.transform([["\n".join(d)] for d in docs]).dense[:, :SHAPE_COLUMNS]
    exact = [i for i in range(SHAPE_COLUMNS) if i != SHALLOW_NAMES.index("log_sentences")]
    assert np.allclose(pooled[:, exact], joined[:, exact], atol=1e-4)
    # Only the masked blocks count; a document with none has the mean form.
    mask = batch.doc != 1
    pooled = featurizer.pooled_shape(batch, mask, len(docs))
    assert np.allclose(pooled[1], 0.0)
    assert np.allclose(pooled[[0, 2, 3]][:, exact], joined[[0, 2, 3]][:, exact], atol=1e-4)

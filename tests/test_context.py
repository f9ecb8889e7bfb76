"""The second pass's context features: side by side as one at a time, and a document's the
same whatever shares its batch."""

import numpy as np

from newssift.classifier.batch import doc_index
from newssift.classifier.context import context_features, context_features_of, n_context_features


def blocks(lengths, seed=0):
    rng = np.random.default_rng(seed)
    doc, pos = doc_index(lengths)
    n = len(doc)
    return (rng.random(n).astype(np.float32), rng.random(n).astype(np.float32),
            rng.integers(1, 80, n).astype(np.float32), doc, pos)


def test_the_contexts_of_several_scores_side_by_side_are_each_alone_to_the_bit():
    p, q, n_words, doc, pos = blocks([7, 1, 30, 2])
    both = context_features_of([p, q], n_words, doc, pos)
    alone = [context_features(x, n_words, doc, pos) for x in (p, q)]
    for a, b in zip(both, alone):
        assert a.shape == (len(doc), n_context_features()) and a.dtype == np.float32
        assert a.tobytes() == np.ascontiguousarray(b).tobytes()


def test_a_documents_context_does_not_depend_on_its_batch():
    p, _, n_words, doc, pos = blocks([5, 12, 3], seed=1)
    whole = context_features(p, n_words, doc, pos)
    rows = doc == 1
    alone = context_features(p[rows], n_words[rows], np.zeros(rows.sum(), np.int64), pos[rows])
    assert whole[rows].tobytes() == alone.tobytes()


def test_no_blocks_no_rows():
    empty = np.zeros(0, np.int64)
    out = context_features_of([np.zeros(0), np.zeros(0)], np.zeros(0), empty, empty)
    assert [x.shape for x in out] == [(0, n_context_features())] * 2

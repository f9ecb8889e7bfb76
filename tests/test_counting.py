"""The fast n-gram counter gives exactly what scikit-learn's CountVectorizer gives."""

import json

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from newssift.classifier.counting import NgramCounter, occurrences
from newssift.classifier.features import Featurizer

CORPUS = [
    "Fighting near Bakhmut went on through the night, officials said.",
    "The court ruled on Tuesday that the ban was unlawful.",
    "ΣΟΦΟΣ ΑΝΘΡΩΠΟΣ said the Greek papers; naïve café owners agreed.",
    "Subscribe to our newsletter | Privacy policy | Terms",
    "Share this article: Facebook Twitter Email",
    "officials said the night was quiet; the court said nothing",
    "",
    "a b c d",  # single letters are not tokens
    "QQ qq Qq are not special to the counter",
]


def _same(a, b) -> bool:
    a, b = a.tocsr(), b.tocsr()
    a.sort_indices()
    return (a.shape == b.shape and np.array_equal(a.indptr, b.indptr)
            and np.array_equal(a.indices, b.indices) and np.array_equal(a.data, b.data))


def test_counts_equal_count_vectorizer_including_bigrams_of_dropped_words():
    # max_features keeps some bigrams whose words were cut: they must still be counted.
    vec = CountVectorizer(ngram_range=(1, 2), max_features=25, dtype=np.float32).fit(CORPUS)
    assert NgramCounter.supports(vec)
    fast = NgramCounter(vec.vocabulary_)
    assert _same(vec.transform(CORPUS), fast.transform(CORPUS))


def test_unigram_vocabularies_are_supported_too():
    vec = CountVectorizer(dtype=np.float32).fit(CORPUS)
    assert _same(vec.transform(CORPUS), NgramCounter(vec.vocabulary_).transform(CORPUS))


def test_settings_it_cannot_reproduce_fall_back_to_scikit_learn():
    assert not NgramCounter.supports(CountVectorizer(stop_words="english").fit(CORPUS))
    assert not NgramCounter.supports(CountVectorizer(analyzer="char").fit(CORPUS))


_VEC = CountVectorizer(ngram_range=(1, 2), dtype=np.float32).fit(CORPUS)
_FAST = NgramCounter(_VEC.vocabulary_)
_WORDS = st.sampled_from(["the", "court", "said", "night", "Σ", "ΣΟΦΟΣ", "qq", "QQ", "\n",
                          " ", ".", "officials", "İ", "naïve", "café", "x"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), st.lists(_WORDS, max_size=12).map("".join)),
                max_size=6))
def test_counts_match_on_arbitrary_text(texts):
    assert _same(_VEC.transform(texts), _FAST.transform(texts))


def test_featurizer_weights_are_scikit_learns_tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer

    featurizer = Featurizer(min_df=1).fit([CORPUS[:4], CORPUS[4:]])
    reference = TfidfVectorizer(ngram_range=(1, 2), min_df=1, max_features=featurizer.max_features,
                                sublinear_tf=True, dtype=np.float32).fit(CORPUS)
    assert featurizer.vocabulary_ == reference.vocabulary_
    np.testing.assert_allclose(featurizer.idf_, reference.idf_, rtol=1e-6)
    ours = featurizer.transform([CORPUS]).tfidf
    np.testing.assert_allclose(ours.toarray(), reference.transform(CORPUS).toarray(), atol=1e-6)


def test_featurizer_arrays_round_trip_without_a_pickle():
    featurizer = Featurizer(min_df=1).fit([CORPUS[:4], CORPUS[4:]])
    config, arrays = featurizer.to_arrays()
    assert all(a.dtype != object for a in arrays.values())
    json.dumps(config)  # the settings are plain JSON
    clone = Featurizer.from_arrays(config, arrays)
    a, b = clone.transform([CORPUS]), featurizer.transform([CORPUS])
    assert _same(a.tfidf, b.tfidf) and np.array_equal(a.dense, b.dense)
    assert clone.terms == featurizer.terms


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 6).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, max(n - 1, 0)), st.integers(0, 29)),
                         max_size=0 if n == 0 else 40))))
def test_occurrences_are_scipys_summed_and_sorted_counts(case):
    """The count matrix is built from one sort of the (row, column) pairs; it is the very
    matrix scipy's conversions give, index types included."""
    n, pairs = case
    rows = np.array([r for r, _ in pairs], dtype=np.int64)
    cols = np.array([c for _, c in pairs], dtype=np.int64)
    ours = occurrences(rows, cols, n, 30)
    theirs = sp.coo_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                           shape=(n, 30)).tocsr()
    theirs.sum_duplicates()
    theirs.sort_indices()
    for a, b in ((ours.indptr, theirs.indptr), (ours.indices, theirs.indices),
                 (ours.data, theirs.data)):
        assert a.dtype == b.dtype and np.array_equal(a, b)

"""The topic head's mixture: P(topic | x) = w P_general + (1 - w) sum_s P(s | x) P_s(topic | x)."""

import json

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from newssift.classifier.topic import TopicClassifier, _softmax

TEXTS = {
    "wire": [("troops shelled the town overnight", "conflict"), ("parliament passed the budget", "politics"),
             ("the striker scored twice", "sport"), ("rebels seized the border post", "conflict")],
    "court": [("the supreme court struck down the law", "legal"), ("judges heard the appeal", "legal"),
              ("the senate confirmed the judge", "politics")],
    "sports": [("the league suspended the coach", "sport"), ("the final went to penalties", "sport")],
}


def _fitted(copies: int = 12) -> tuple[TopicClassifier, np.ndarray]:
    rows = [(f"{t} {i}", y, s) for s, items in TEXTS.items() for t, y in items for i in range(copies)]
    x = TfidfVectorizer().fit_transform([r[0] for r in rows])
    model = TopicClassifier(general_weight=0.4).fit(x, [r[1] for r in rows], [r[2] for r in rows])
    return model, x


def _mixture_by_the_definition(model: TopicClassifier, z: np.ndarray) -> np.ndarray:
    k, n_src = len(model.classes_), len(model.sources_)
    general = _softmax(z[:, :k], model.expert_t_)
    rest = z[:, k:]
    gate = _softmax(rest[:, :n_src], model.gate_t_)
    p = np.zeros_like(general)
    for j, (cols, idx) in enumerate(model.layout_):
        p[:, idx] += gate[:, [j]] * (1.0 if cols is None else _softmax(rest[:, cols], model.expert_t_))
    return model.general_weight * general + (1 - model.general_weight) * p


def test_the_vectorized_mixture_is_the_sum_over_sources_it_stands_for():
    model, x = _fitted()
    z = model._margins(x)
    assert np.allclose(model._mix(z), _mixture_by_the_definition(model, z), atol=1e-12)
    assert np.allclose(model.predict_proba(x).sum(axis=1), 1.0)
    assert any(cols is None for cols, _ in model.layout_)  # the one-label source is covered too


def test_the_cached_plan_is_rebuilt_after_a_refit_and_never_saved():
    model, x = _fitted()
    model.predict_proba(x)
    config, arrays = model.to_arrays()
    json.dumps(config)
    assert arrays["coef_q"].dtype == np.int8  # the weights as saved, and as the fitted model uses them
    copy = TopicClassifier.from_arrays(config, arrays)
    assert "_plan" not in copy.__dict__
    assert np.array_equal(copy.predict_proba(x), model.predict_proba(x))
    # Refit without the sports source: the layout changes, and so must the plan.
    rows = [(f"{t} {i}", y, s) for s, items in TEXTS.items() if s != "sports"
            for t, y in items for i in range(12)]
    x2 = TfidfVectorizer().fit_transform([r[0] for r in rows])
    model.fit(x2, [r[1] for r in rows], [r[2] for r in rows])
    z = model._margins(x2)
    assert np.allclose(model._mix(z), _mixture_by_the_definition(model, z), atol=1e-12)


# Two sources with the same words and different conventions, told apart only by their form:
# one files court stories under legal and writes its texts as capitalised headlines, the
# other files them under politics and writes long lower-case sentences.
FORMS = {
    "wire": [("Supreme Court Strikes Down The Ban", "legal"), ("Judges Hear The Appeal", "legal"),
             ("Troops Shell The Town", "conflict")],
    "blog": [("so the supreme court struck down the ban today, and everyone here has views.",
              "politics"),
             ("the judges heard the appeal this morning, which nobody at the office expected.",
              "politics"),
             ("troops shelled the town last night, as the neighbours have been telling me.",
              "conflict")],
}


def _form_head(gate_shape: float):
    from newssift.classifier.features import SHAPE_COLUMNS, Featurizer

    rows = [(t, y, s) for s, items in FORMS.items() for t, y in items for _ in range(15)]
    featurizer = Featurizer(min_df=1, comment_features=False).fit([[r[0]] for r in rows])
    batch = featurizer.transform([[r[0]] for r in rows])
    head = TopicClassifier(gate_shape=gate_shape, general_weight=0.2).fit(
        batch.tfidf, [r[1] for r in rows], [r[2] for r in rows],
        shape=batch.dense[:, :SHAPE_COLUMNS])

    def topic(text: str) -> str:
        b = featurizer.transform([[text]])
        return str(head.predict(b.tfidf, b.dense[:, :SHAPE_COLUMNS])[0])
    return head, topic


def test_a_gate_that_reads_the_form_follows_each_sources_conventions():
    head, topic = _form_head(gate_shape=1.0)
    assert head.reads_shape
    assert topic("Supreme Court Overturns The Appeal") == "legal"
    assert topic("well, the supreme court overturned the appeal, and we all talked about it.") == "politics"


def test_a_gate_of_words_alone_cannot_tell_the_two_apart():
    head, topic = _form_head(gate_shape=0.0)
    assert not head.reads_shape
    assert (topic("Supreme Court Overturns The Appeal")
            == topic("well, the supreme court overturned the appeal, and we all talked about it."))


def test_a_head_that_reads_the_form_needs_it_and_keeps_it_in_its_arrays():
    import pytest

    from newssift.classifier.features import SHAPE_COLUMNS

    head, _ = _form_head(gate_shape=1.0)
    config, arrays = head.to_arrays()
    again = TopicClassifier.from_arrays(json.loads(json.dumps(config)), arrays)
    x = np.zeros((2, head.coef_.shape[0]), np.float32)
    import scipy.sparse as sp

    shape = np.random.default_rng(0).normal(size=(2, SHAPE_COLUMNS)).astype(np.float32)
    assert np.array_equal(again.predict_proba(sp.csr_matrix(x), shape),
                          head.predict_proba(sp.csr_matrix(x), shape))
    with pytest.raises(ValueError, match="form"):
        head.predict_proba(sp.csr_matrix(x))

"""The role heads' fast prediction paths give what scikit-learn's own predict_proba gives."""

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from classifier.role import boosted_proba


def test_boosted_proba_equals_predict_proba_on_unseen_values():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 7)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(int)
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(x, y)
    unseen = rng.normal(scale=2.0, size=(500, 7)).astype(np.float32)
    expected = model.predict_proba(unseen)[:, 1]

    def no_fallback(x):
        raise AssertionError("the binned path fell back to predict_proba")

    model.predict_proba = no_fallback
    np.testing.assert_allclose(boosted_proba(model, unseen), expected, rtol=0, atol=1e-12)


def test_boosted_proba_refuses_inputs_of_the_wrong_width():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 6))
    model = HistGradientBoostingClassifier(max_iter=5).fit(x, (x[:, 0] > 0).astype(int))
    for width in (2, 12):
        with pytest.raises(ValueError, match="features"):
            boosted_proba(model, rng.normal(size=(5, width)))


def test_boosted_proba_falls_back_when_internals_are_missing():
    class Plain:
        def predict_proba(self, x):
            return np.column_stack([1 - x[:, 0], x[:, 0]])

    x = np.array([[0.2], [0.9]])
    np.testing.assert_allclose(boosted_proba(Plain(), x), [0.2, 0.9])

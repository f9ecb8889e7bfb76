"""The boosted trees kept as arrays predict what scikit-learn's own model predicts."""

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from newssift.classifier import trees as trees_module
from newssift.classifier.trees import BoostedTrees


def fitted(seed: int = 0, width: int = 7, with_missing: bool = False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(800, width))
    if with_missing:
        x[rng.random(x.shape) < 0.1] = np.nan
    y = (np.nan_to_num(x[:, 0]) + np.nan_to_num(x[:, 1] * x[:, 2]) > 0).astype(int)
    model = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=31, random_state=0).fit(x, y)
    unseen = rng.normal(scale=2.0, size=(700, width))
    if with_missing:
        unseen[rng.random(unseen.shape) < 0.1] = np.nan
    return model, unseen


@pytest.mark.parametrize("with_missing", [False, True])
def test_numpy_walker_equals_predict_proba(with_missing, monkeypatch):
    model, unseen = fitted(with_missing=with_missing)
    trees = BoostedTrees.from_sklearn(model)
    monkeypatch.setattr(trees, "_compiled_trees", lambda n: None)
    np.testing.assert_allclose(trees.predict_proba(unseen), model.predict_proba(unseen)[:, 1],
                               rtol=0, atol=1e-12)


def test_compiled_walker_gives_the_numpy_walkers_sums_to_the_bit():
    model, unseen = fitted(1)
    trees = BoostedTrees.from_sklearn(model)
    numpy_raw = trees._numpy_raw(unseen)
    trees.warm()
    assert trees._compiled, "scikit-learn's compiled walker should build from the arrays"
    assert len(unseen) >= trees_module.COMPILED_FROM_ROWS
    assert np.array_equal(trees.raw(unseen), numpy_raw)


def test_arrays_round_trip():
    model, unseen = fitted(2)
    trees = BoostedTrees.from_sklearn(model)
    config, arrays = trees.to_arrays()
    again = BoostedTrees.from_arrays(config, arrays)
    assert np.array_equal(again.raw(unseen), trees.raw(unseen))


def test_large_batches_take_the_compiled_walker_small_ones_do_not(monkeypatch):
    model, _ = fitted(3)
    trees = BoostedTrees.from_sklearn(model)
    monkeypatch.setattr(trees_module.sys, "modules", {})  # as if scikit-learn were not imported
    assert trees._compiled_trees(10) is None
    assert trees._compiled_trees(trees_module.COMPILED_MIN_ROWS)


def test_inputs_of_the_wrong_width_are_refused():
    model, _ = fitted(4, width=6)
    trees = BoostedTrees.from_sklearn(model)
    for width in (2, 12):
        with pytest.raises(ValueError, match="features"):
            trees.raw(np.zeros((5, width)))


@pytest.mark.parametrize("rows", [1, 3, 2500])  # one block, a short page, across a chunk
def test_the_numpy_walker_gives_the_compiled_walkers_sums_on_any_batch_size(rows):
    model, _ = fitted(5, with_missing=True)
    trees = BoostedTrees.from_sklearn(model)
    x = np.random.default_rng(rows).normal(scale=2.0, size=(rows, 7))
    x[::3, 1] = np.nan
    trees.warm()
    assert np.array_equal(trees._numpy_raw(x), trees._compiled_raw(trees._compiled, trees.bin(x)))
    assert np.array_equal(trees.raw(x), trees._numpy_raw(x))


# scikit-learn's private parts, checked before use: without them the numpy walker labels.

@pytest.fixture
def warnings_once(monkeypatch, caplog):
    monkeypatch.setattr(trees_module, "_warned", set())
    caplog.set_level("WARNING", logger="newssift.model")
    return caplog


def broken_predictor(monkeypatch):
    from sklearn.ensemble._hist_gradient_boosting import predictor

    monkeypatch.delattr(predictor.TreePredictor, "predict_binned")


def record_without_bin_threshold(monkeypatch):
    from sklearn.ensemble._hist_gradient_boosting import common

    dtype = common.PREDICTOR_RECORD_DTYPE
    monkeypatch.setattr(common, "PREDICTOR_RECORD_DTYPE", np.dtype(
        [(name, dtype[name]) for name in dtype.names if name != "bin_threshold"]))


def predictor_that_sums_otherwise(monkeypatch):
    from sklearn.ensemble._hist_gradient_boosting import predictor

    real = predictor.TreePredictor.predict_binned
    monkeypatch.setattr(predictor.TreePredictor, "predict_binned",
                        lambda self, *args: real(self, *args) + 1.0)


@pytest.mark.parametrize("break_it, reason", [
    (broken_predictor, "no predict_binned"),
    (record_without_bin_threshold, "node record lacks bin_threshold"),
    (predictor_that_sums_otherwise, "sums differ"),
])
def test_without_the_compiled_walkers_parts_the_numpy_walker_labels_alike(
        monkeypatch, warnings_once, break_it, reason):
    model, unseen = fitted(6, with_missing=True)
    trees, again = BoostedTrees.from_sklearn(model), BoostedTrees.from_sklearn(model)
    expected = trees._numpy_raw(unseen)
    break_it(monkeypatch)
    trees.warm()
    again.warm()
    assert trees._compiled == [] and again._compiled == []
    assert np.array_equal(trees.raw(np.vstack([unseen] * 6)), np.tile(expected, 6))
    warned = [r.getMessage() for r in warnings_once.records]
    assert len(warned) == 1 and reason in warned[0] and "numpy walker" in warned[0]


def test_a_fitted_model_without_the_parts_training_reads_is_a_clear_error(monkeypatch):
    from newssift import TrainingError

    model, _ = fitted(7)
    monkeypatch.delattr(model._bin_mapper, "bin_thresholds_")
    with pytest.raises(TrainingError, match=r"lack _bin_mapper\.bin_thresholds_.*scikit-learn"):
        BoostedTrees.from_sklearn(model)


# The numpy walker compares values with bin edges: the same leaves as binning first.

def test_values_on_and_beyond_the_bin_edges_take_the_binned_walks_leaves():
    model, _ = fitted(8, with_missing=True)
    trees = BoostedTrees.from_sklearn(model)
    edges = [t for t in trees.thresholds_ if len(t)]
    on_edges = np.array([[t[i % len(t)] for t in trees.thresholds_] for i in range(40)])
    x = np.vstack([on_edges, np.nextafter(on_edges, np.inf), np.nextafter(on_edges, -np.inf),
                   np.full((1, 7), np.inf), np.full((1, 7), -np.inf), np.full((1, 7), np.nan)])
    assert edges
    trees.warm()
    assert np.array_equal(trees._numpy_raw(x), trees._compiled_raw(trees._compiled, trees.bin(x)))
    assert np.array_equal(trees._numpy_raw(x), model._raw_predict(x).ravel())


def test_the_numpy_walker_adds_each_rows_leaf_values_in_tree_order(monkeypatch):
    # Values whose sum depends on the order of the additions: 1e16 swallows a 1 added
    # after it, not two 1s added together before it.
    trees = BoostedTrees.from_sklearn(fitted(3)[0])
    rng = np.random.default_rng(3)
    leaves = rng.choice([1e16, -1e16, 1.0, 0.5, 3e-8], size=(3000, trees.n_trees))
    monkeypatch.setattr(trees, "_leaf_values", lambda x: leaves[x[:, 0].astype(int)])
    rows = np.zeros((3000, 7))
    rows[:, 0] = np.arange(3000)  # which leaves the fake walk gives each row (across chunks)
    sums = trees._numpy_sums(rows, [(0, trees.n_trees, 0.25), (2, 9, -1.0)])
    for out, (first, end, baseline) in zip(sums, [(0, trees.n_trees, 0.25), (2, 9, -1.0)]):
        in_order = []
        for row in leaves[:, first:end]:
            total = baseline
            for value in row.tolist():
                total += value
            in_order.append(total)
        assert out.tolist() == in_order


def test_float32_rows_are_walked_to_the_leaves_of_the_same_rows_in_float64():
    model, unseen = fitted(8, with_missing=True)
    trees = BoostedTrees.from_sklearn(model)
    on_edges = np.array([[t[i % len(t)] for t in trees.thresholds_] for i in range(40)])
    # float32 values on, just below and just above each edge's float32 neighbours
    near = on_edges.astype(np.float32)
    x = np.vstack([near, np.nextafter(near, np.float32(np.inf)), np.nextafter(near, np.float32(-np.inf)),
                   unseen.astype(np.float32), np.full((1, 7), np.inf, np.float32),
                   np.full((1, 7), -np.inf, np.float32), np.full((1, 7), np.float32(3e38))])
    assert x.dtype == np.float32
    assert np.array_equal(trees._numpy_raw(x), trees._numpy_raw(x.astype(np.float64)))
    edges = np.array([-np.inf, -1e300, -1.0, 0.1, 1.0 / 3, 3.5e38, 1e300, np.inf])
    below = trees_module._float32_below(edges)
    assert below.dtype == np.float32 and np.all(below.astype(np.float64) <= edges)
    above = np.nextafter(below, np.float32(np.inf)).astype(np.float64)
    assert np.all((above > edges)[edges < np.inf])  # the next float32 up is above the edge


@pytest.mark.parametrize("rows", [0, 1, 5, 127, 128, 224, 3000])  # no row, one, a page, both
def test_ensembles_walked_together_give_each_ones_sums(rows):  # sides of the compiled walker's
    # thresholds, across chunks
    first = BoostedTrees.from_sklearn(fitted(9, width=7, with_missing=True)[0])
    second = BoostedTrees.from_sklearn(fitted(10, width=4)[0])
    rng = np.random.default_rng(rows)
    x1, x2 = rng.normal(scale=2.0, size=(rows, 7)), rng.normal(scale=2.0, size=(rows, 4))
    x1[::4, 2] = np.nan
    alone = [first._numpy_raw(x1), second._numpy_raw(x2)]
    together = trees_module.raw_together([first, second], [x1, x2])
    assert all(np.array_equal(a, b) for a, b in zip(alone, together))
    first.warm()
    second.warm()
    assert all(np.array_equal(a, b) for a, b in
               zip(alone, trees_module.raw_together([first, second], [x1, x2])))
    with pytest.raises(ValueError, match="features"):
        trees_module.raw_together([first, second], [x2, x1])

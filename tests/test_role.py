"""The teaser head's context pass: it reads a line among its neighbours, and only raises."""

from __future__ import annotations

import random

import numpy as np
import pytest

from newssift.classifier.features import Featurizer
from newssift.classifier.role import MainScorer, TeaserScorer, TwoPassHead
from newssift.classifier.segment import segment

STORY = ("The council voted on Tuesday to extend the bus lane along the river road, after a "
         "year in which journeys grew longer for most of the people who use it every day.")
# Teasers and menu entries of one length: what comes before a line in characters is one
# of the features the first pass sees, and must not tell the two pages apart.
TEASERS = ("Dock strike enters week two…", "Minister defends school plan",
           "Storm warning for the coast…", "Police seek the fire witness",
           "Farmers count cost of summer", "Library reopens after repair",
           "Rail fares rise in new year…")
MENUS = ("Sign in to read your account", "Contact the newsroom by mail",
         "Privacy and cookies settings", "Subscribe to our newsletters",
         "Terms of use for the website", "Careers at the Daily Courier",
         "Help and the questions asked")
# The same words in both places: a teaser inside a run of teasers, a menu entry among
# menus.  Two unlabelled lines either side of it are the same on every page, so that the
# line and what the first pass sees of its neighbours (their shapes, two either side) do
# not tell the two places apart; only the scores further off do.
AMBIGUOUS = "Weekend highlights"
BRIDGE = ("Share this", "Advertisement", "Advertisement", "Share this")


def _page(rng: random.Random, ambiguous_in: str) -> tuple[list[str], list[int]]:
    run = rng.sample(TEASERS, 6) if ambiguous_in == "teasers" else rng.sample(MENUS, 6)
    label = 1 if ambiguous_in == "teasers" else 0
    texts = [STORY, STORY, *run[:3], *BRIDGE[:2], AMBIGUOUS, *BRIDGE[2:], *run[3:]]
    y = [-1, -1, label, label, label, -1, -1, label, -1, -1, label, label, label]
    return texts, y


def _pages(seed: int, n: int) -> tuple[list[list[str]], np.ndarray]:
    rng = random.Random(seed)
    pages, ys = [], []
    for _ in range(n):
        # Mostly a menu entry, so that the line alone reads as one.
        texts, y = _page(rng, "teasers" if rng.random() < 0.25 else "menus")
        pages.append(texts)
        ys += y
    return pages, np.array(ys)


def _fit(context: bool):
    pages, y = _pages(0, 40)
    featurizer = Featurizer(min_df=1, comment_features=False).fit(pages)
    batch = featurizer.transform(pages)
    head = TeaserScorer(context=context, folds=2, boost_iter=30, learning_rate=0.3).fit(
        batch, np.maximum(y, 0).astype(np.int8), sample_weight=(y >= 0).astype(float))
    return featurizer, head


def _ambiguous_scores(featurizer, head) -> dict[str, float]:
    out = {}
    for where in ("teasers", "menus"):
        texts, _ = _page(random.Random(7), where)
        p = head.predict_proba(featurizer.transform([texts]))[:, 1]
        out[where] = float(p[texts.index(AMBIGUOUS)])
    return out


def test_the_runs_are_of_one_length():
    assert len({len(t) for t in TEASERS + MENUS}) == 1


def test_a_line_among_teasers_scores_higher_than_the_same_line_among_menus():
    scores = _ambiguous_scores(*_fit(context=True))
    assert scores["teasers"] > 0.5 > scores["menus"]


def test_without_the_context_pass_the_line_scores_the_same_wherever_it_stands():
    scores = _ambiguous_scores(*_fit(context=False))
    assert abs(scores["teasers"] - scores["menus"]) < 1e-6
    assert scores["teasers"] < 0.5


def test_the_context_pass_never_lowers_what_the_line_alone_says():
    featurizer, head = _fit(context=True)
    pages, _ = _pages(3, 6)
    batch = featurizer.transform(pages)
    alone = head.first_.proba(batch)
    assert np.all(head.predict_proba(batch)[:, 1] >= alone - 1e-6)


def test_the_shipped_teaser_head_reads_context_and_survives_its_arrays(shipped_model):
    head = shipped_model.teaser
    assert head.second_ is not None
    texts = [b.text for b in segment(
        STORY + "\n" + "\n".join(TEASERS) + "\nWeekend highlights\n" + "\n".join(MENUS))]
    batch = shipped_model.featurizer.transform([texts])
    config, arrays = head.to_arrays()
    again = TeaserScorer.from_arrays(config, arrays)
    assert np.array_equal(again.predict_proba(batch), head.predict_proba(batch))


def test_a_teaser_head_saved_without_the_context_pass_still_loads(shipped_model):
    config, arrays = shipped_model.teaser.to_arrays()
    config = {k: v for k, v in config.items() if k != "second"}
    config["params"] = {k: v for k, v in config["params"].items()
                        if k in ("alpha", "epochs", "random_state")}
    arrays = {k: v for k, v in arrays.items() if k.startswith("model")}
    old = TeaserScorer.from_arrays(config, arrays)
    assert old.second_ is None and old.context is False
    batch = shipped_model.featurizer.transform([[STORY, *TEASERS]])
    assert np.array_equal(old.predict_proba(batch)[:, 1], shipped_model.teaser.first_.proba(batch))


def test_a_fold_that_holds_one_class_does_not_stop_training():
    """Few labelled documents (a user's first corrections) can leave a fold without teasers."""
    pages, y = _pages(0, 6)
    featurizer = Featurizer(min_df=1, comment_features=False).fit(pages)
    batch = featurizer.transform(pages)
    target = np.zeros(len(y), np.int8)
    target[np.flatnonzero(batch.doc == 0)[2]] = 1  # one teaser, in one document
    head = TeaserScorer(folds=3, boost_iter=5).fit(batch, target, sample_weight=np.ones(len(y)))
    assert head.predict_proba(batch).shape == (len(y), 2)


@pytest.mark.parametrize("kind", [MainScorer, TeaserScorer])
def test_both_heads_are_one_two_pass_head_and_survive_their_arrays(kind):
    pages, y = _pages(4, 8)
    featurizer = Featurizer(min_df=1, comment_features=False).fit(pages)
    batch = featurizer.transform(pages)
    head = kind(folds=2, boost_iter=5).fit(batch, (y == 1).astype(np.int8))
    assert isinstance(head, TwoPassHead)
    config, arrays = head.to_arrays()
    again = kind.from_arrays(config, arrays)
    assert again.get_params() == head.get_params() == config["params"]
    assert np.array_equal(again.predict_proba(batch), head.predict_proba(batch))


def test_a_main_head_with_own_words_reads_them_below_its_length_and_survives_its_arrays():
    """``own_words``: the trees read each short block's own-words log-odds beside the
    scores' context (one column more), missing for blocks of ``own_words_below`` words or
    more, and a saved head keeps them; a head saved before the parameter loads without."""
    pages, y = _pages(4, 8)
    featurizer = Featurizer(min_df=1, comment_features=False).fit(pages)
    batch = featurizer.transform(pages)
    plain = MainScorer(folds=2, boost_iter=5, own_words=False).fit(batch, (y == 1).astype(np.int8))
    own = MainScorer(folds=2, boost_iter=5, own_words=True, own_words_below=10).fit(
        batch, (y == 1).astype(np.int8))
    assert own.second_.n_features_in_ == plain.second_.n_features_in_ + 1
    words = own.first_.words(batch)
    column = own._second_input(own.first_pass(batch), batch)[:, -1]
    long = batch.n_words >= 10
    assert long.any() and (~long).any()
    assert np.isnan(column[long]).all() and np.array_equal(column[~long], words[~long])
    config, arrays = own.to_arrays()
    again = MainScorer.from_arrays(config, arrays)
    assert again.own_words and again.own_words_below == 10
    assert np.array_equal(again.predict_proba(batch), own.predict_proba(batch))
    old_config, old_arrays = plain.to_arrays()
    old = {**old_config, "params": {k: v for k, v in old_config["params"].items()
                                    if not k.startswith("own_words")}}
    assert MainScorer.from_arrays(old, old_arrays).own_words is False


@pytest.mark.parametrize("kind", [MainScorer, TeaserScorer])
def test_a_parameter_a_head_does_not_have_is_named(kind):
    with pytest.raises(TypeError, match=f"{kind.__name__} has no parameter boost_iters"):
        kind(boost_iters=10)


def test_the_shipped_heads_save_what_their_model_file_holds(shipped_model):
    import json

    from conftest import SHIPPED

    saved = json.loads((SHIPPED / "model.json").read_text(encoding="utf-8"))["model"]
    for name, head in (("main", shipped_model.main), ("teaser", shipped_model.teaser)):
        config = head.to_arrays()[0]
        # A parameter added after the file was written is what SAVED_BEFORE says, nothing else.
        added = {k: v for k, v in config["params"].items() if k not in saved[name]["params"]}
        assert added == {k: v for k, v in type(head).SAVED_BEFORE.items() if k in added}
        kept = {k: v for k, v in config["params"].items() if k not in added}
        assert {**config, "params": kept} == saved[name]

"""Fitting and scoring the site-repeats head (training side), on pages written here."""

from types import SimpleNamespace

import numpy as np

from newssift.training.repeats import RepeatPage, _keeps, _site_of_page, fit_repeat_head


def _page(p, main, other, n_other, words=None):
    p = np.asarray(p, float)
    words = np.asarray(words if words is not None else [30] * len(p))
    doc = SimpleNamespace(page=SimpleNamespace(cov=[float(m) for m in main], main=list(main)),
                          texts=["x"] * len(p))
    return RepeatPage(doc, SimpleNamespace(p=p, n_words=words, framing=None), "a.com", n_other,
                      np.asarray(other))


def test_a_template_line_the_model_keeps_is_learnt_to_go():
    # A site of 20 pages: two template lines on all of them that the model calls main, a
    # story it calls main on none of the other pages.
    pages = [_page([0.8, 0.9, 0.95, 0.9], [0, 0, 1, 1], [19, 19, 0, 0], 19) for _ in range(300)]
    head = fit_repeat_head(pages)
    p = head.adjust(np.array([0.8, 0.9, 0.95]), np.array([19, 19, 19]), np.array([19, 19, 0]))
    assert p[0] < 0.5 and p[1] < 0.5 and p[2] > 0.9
    keeps = _keeps(pages[:1], 0.5, head)
    assert keeps == [[False, False, True, True]]
    assert _keeps(pages[:1], 0.5) == [[True, True, True, True]]
    assert _keeps(pages[:1], 0.5, rule=True) == [[False, False, True, True]]


def test_recurrence_that_is_main_is_learnt_to_stay():
    # A site whose gold keeps a line on every page (a disclaimer): the head learns to leave it.
    pages = [_page([0.9, 0.95], [1, 1], [19, 0], 19) for _ in range(300)]
    head = fit_repeat_head(pages)
    assert head.adjust(np.array([0.9]), np.array([19]), np.array([19]))[0] > 0.85


def test_pages_without_other_pages_are_no_rows():
    import pytest

    with pytest.raises(ValueError):
        fit_repeat_head([_page([0.9], [1], [0], 0)])


def test_site_of_a_training_page():
    assert _site_of_page({"url": "https://www.example.com/a"}) == "example.com"
    html = '<html><head><link rel="canonical" href="https://news.example.org/x"></head></html>'
    assert _site_of_page({"url": None, "html": html}) == "news.example.org"
    html = '<meta property="og:url" content="http://web.archive.org/web/2005/http://www.bbc.co.uk/a">'
    assert _site_of_page({"html": html}) == "bbc.co.uk"
    links = '<a href="http://a.example/1">1</a><a href="http://a.example/2">2</a><a href="http://b.example/">b</a>'
    assert _site_of_page({"html": links}) == "a.example"
    assert _site_of_page({"html": "<p>no links</p>"}) is None


def test_a_full_train_carries_a_models_head_and_says_so(tmp_path, tiny_model):
    from conftest import ROOT

    from newssift.classifier.persist import load_model, read_manifest
    from newssift.classifier.repeats import RepeatHead
    from newssift.training.card import write_trained_model
    from newssift.training.config import load_config

    base = tiny_model.adapted(None)
    base.repeats = RepeatHead(np.array([-0.1, -0.2, -0.3, -0.4]))
    base.version = "base-v1"
    cfg = load_config(ROOT / "training" / "configs" / "tiny.toml")
    out = write_trained_model(cfg, tmp_path / "new", evaluate=False, progress=False, cache=False,
                              repeats_from=base)
    model = load_model(out)
    assert np.allclose(model.repeats.coef, base.repeats.coef)
    assert "carried over from base-v1" in read_manifest(out)["refitted"]["repeats"]
    plain = write_trained_model(cfg, tmp_path / "plain", evaluate=False, progress=False, cache=False)
    assert load_model(plain).repeats is None

"""Fitting and scoring the site-repeats head (training side), on pages written here."""

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import needs_shared

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


def test_train_site_repeats_needs_block_sources_and_is_not_for_an_adapted_model(tmp_path, tiny_model_dir):
    """Refused in one line before any training: a config without block sources, or --base."""
    from click.testing import CliRunner
    from conftest import ROOT

    from newssift.cli import cli as main

    tiny = str(ROOT / "training" / "configs" / "tiny.toml")
    result = CliRunner().invoke(main, ["train", "--config", tiny, "--site-repeats", "--out",
                                       str(tmp_path / "m")])
    assert result.exit_code == 2 and "names none" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "m").exists()
    labels = tmp_path / "fixes.jsonl"
    labels.write_text("")
    result = CliRunner().invoke(main, ["train", "--base", str(tiny_model_dir), "--labels", str(labels),
                                       "--site-repeats", "--out", str(tmp_path / "a")])
    assert result.exit_code == 2 and "keeps its --base model's head" in result.output
    assert not (tmp_path / "a").exists()


@pytest.mark.slow
@needs_shared
def test_train_site_repeats_gives_clean_a_head_to_read_sites_with(tmp_path):
    """``newssift train --site-repeats``: the model has the head, its figures and card, and
    ``clean`` reads each site's repeated lines with it (a model without says it has none)."""
    import gzip
    import json

    from click.testing import CliRunner
    from conftest import SHARED

    from newssift.classifier.persist import load_model, read_manifest
    from newssift.cli import cli as main

    config = tmp_path / "small.toml"
    config.write_text('[data]\nblock_sources = ["utomo-big9", "utomo-chaos"]\n'
                      'eval_sources = ["utomo-big9", "utomo-chaos"]\ntopic_files = ["bbc"]\n'
                      'article_files = ["bbc2025"]\nmax_pages_per_source = 30\n'
                      '[compose]\ncomposed_documents = 30\n[heads]\nmain_folds = 2\nboost_iter = 10\n')
    out = tmp_path / "model"
    result = CliRunner().invoke(main, ["train", "--config", str(config), "--data", str(SHARED / "data"),
                                       "--no-evaluate", "--site-repeats", "--out", str(out)])
    assert result.exit_code == 0, result.output
    model = load_model(out)
    assert model.repeats is not None
    report = read_manifest(out)["evaluation"]["site_repeats"]
    assert "utomo-big9" in report["sources"] or "utomo-big9" in report.get("not_scored", [])
    assert (out / "EVALUATION_SITE_REPEATS.txt").is_file()
    assert "Site repeats" in (out / "MODEL_CARD.md").read_text()

    corpus = tmp_path / "pages.jsonl"
    with gzip.open(SHARED / "data" / "html" / "utomo-big9.jsonl.gz", "rt", encoding="utf-8") as lines, \
            corpus.open("w", encoding="utf-8") as handle:
        for _, line in zip(range(12), lines):
            page = json.loads(line)
            handle.write(json.dumps({"id": page["id"], "html": page["html"], "site": "one.example"}) + "\n")
    result = CliRunner().invoke(main, ["clean", str(corpus), "-o", str(tmp_path / "out.jsonl"),
                                       "--html-field", "html", "--model", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["site_repeats"]["status"] == "on" and summary["site_repeats"]["pages"] == 12

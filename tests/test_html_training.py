"""Training the HTML head from the shared raw pages, and evaluating on them (issue 23, items
3 and 4), on a handful of pages of two sources: the head is built and saved with the model,
a model trained without raw pages has none and says why, and ``newssift evaluate --input
html`` prints the per-source table beside the extractors that are installed."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SHARED, needs_shared

from newssift.training.config import TrainConfig

pytestmark = [needs_shared, pytest.mark.slow]

SOURCES = ("canola", "cleanportaleval")


def small_config(data_root: Path | None = None, **changes) -> TrainConfig:
    return TrainConfig(data_root=None if data_root is None else str(data_root), block_sources=SOURCES,
                       eval_sources=SOURCES, max_pages_per_source=6, composed_documents=40,
                       topic_files=("bbc",), article_files=("bbc2025",), main_folds=2,
                       boost_iter=15, **changes)


@pytest.fixture(scope="module")
def trained():
    from newssift.training.train import train

    return train(small_config(SHARED / "data"), cache=False, progress=False)


def first_page(source: str) -> str:
    with gzip.open(SHARED / "data" / "html" / f"{source}.jsonl.gz", "rt", encoding="utf-8") as lines:
        return json.loads(next(lines))["html"]


def test_a_full_train_builds_an_html_head_from_the_raw_pages(trained, tmp_path):
    from newssift.classifier.html import read_page
    from newssift.classifier.persist import load_model, save_model

    model, summary = trained
    assert model.html_main is not None
    assert summary["html_head"] == {"trained": True, "pages": {s: 6 for s in SOURCES},
                                    "pages_left_out": {}}
    page = first_page("canola")
    result, paths = model.segment_html(page)
    assert len(result.segments) == len(paths) == len(read_page(page).paths) > 0
    # the page's main scores come from the HTML head: not those of its text alone
    text_only = model.segment(read_page(page).text)
    assert [s.role_score for s in result.segments] != [s.role_score for s in text_only.segments]
    loaded = load_model(save_model(model, tmp_path / "m", {"training_data": summary}))
    assert loaded.segment_html(page)[0].to_dict() == {**result.to_dict(), "model": loaded.version}


def test_without_raw_pages_the_model_has_no_html_head_and_says_why(tmp_path):
    from newssift.training.train import train

    for folder in ("blocks", "topics", "articles"):  # everything but data/html
        os.symlink(SHARED / "data" / folder, tmp_path / folder)
    model, summary = train(small_config(tmp_path), cache=False, progress=False)
    assert model.html_main is None
    assert summary["html_head"] == {"trained": False,
                                    "why": "no raw pages (data/html) beside the block data"}
    model, summary = train(small_config(SHARED / "data", html_head=False), cache=False, progress=False)
    assert model.html_main is None and summary["html_head"]["why"] == "html_head is off in the config"


def test_evaluate_input_html_prints_a_row_per_source_beside_the_extractors(tmp_path, tiny_model_dir):
    from newssift.cli import cli as main
    from newssift.training.baselines import html_extractors_available

    config = tmp_path / "small.toml"
    config.write_text('[data]\nblock_sources = ["canola", "cleanportaleval"]\n'
                      'eval_sources = ["canola", "cleanportaleval"]\ntopic_files = ["bbc"]\n'
                      'article_files = ["bbc2025"]\nmax_pages_per_source = 5\n'
                      '[compose]\ncomposed_documents = 30\n[heads]\nmain_folds = 2\nboost_iter = 10\n')
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["evaluate", "--input", "html", "--model", str(tiny_model_dir),
                                       "--config", str(config), "--data", str(SHARED / "data"),
                                       "--json-out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert list(report["sources"]) == list(SOURCES)
    installed = [name for name, ok in html_extractors_available().items() if ok]
    for row in report["sources"].values():
        assert 0 < row["pages"] <= 5  # pages with an empty gold are left out
        for name in ("newssift html", "newssift text", *installed):
            assert 0.0 <= row[name] <= 1.0
    table = result.output[result.output.index("Raw pages, leave-one-source-out"):]
    assert "canola" in table and "mean of sources" in table and "all pages" in table
    if len(installed) < 3:
        assert "not installed, left out" in table


def test_evaluate_input_html_without_raw_pages_is_one_line(tmp_path, tiny_model_dir):
    from newssift.cli import cli as main

    config = tmp_path / "small.toml"
    config.write_text('[data]\nblock_sources = ["canola"]\neval_sources = ["canola"]\n')
    result = CliRunner().invoke(main, ["evaluate", "--input", "html", "--model", str(tiny_model_dir),
                                       "--config", str(config), "--data", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "no raw pages to evaluate on" in result.output and "Traceback" not in result.output


def test_add_html_head_gives_a_trained_model_one_and_changes_no_text_label(tiny_model_dir, tmp_path,
                                                                          monkeypatch):
    from newssift.classifier.persist import load_model, read_manifest
    from newssift.training import add_html_head

    out = tmp_path / "with-html"
    before = load_model(tiny_model_dir)
    assert before.html_main is None
    # the tiny model's own config has no block sources: as if it had been trained on two
    monkeypatch.setattr(add_html_head, "config_from_manifest", lambda _dir: small_config(SHARED / "data"))
    assert add_html_head.main(["--model", str(tiny_model_dir), "--out", str(out)]) == 0
    after = load_model(out)
    assert after.html_main is not None
    text = (Path(__file__).parent.parent / "examples" / "article.txt").read_text(encoding="utf-8")
    assert after.segment(text).to_dict() == {**before.segment(text).to_dict(), "model": after.version}
    manifest = read_manifest(out)
    assert manifest["training_data"]["html_head"]["trained"] is True
    assert "html_main" in manifest["refitted"] and (out / "MODEL_CARD.md").is_file()

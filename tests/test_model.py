"""The bulk dict path gives what the typed records give; bad documents are clear errors."""

import pytest

TEXTS = [
    "Troops pushed back an attack near the river overnight, officials said.\nSubscribe now",
    "",
    "Home | World | Sport\nA long report on the election results in the capital city today.\n"
    "Markets fall as rates rise…",
]


def test_dicts_equal_the_records_as_dicts(tiny_model):
    records = [r.to_dict() for r in tiny_model.segment_many(TEXTS)]
    assert tiny_model.segment_many_dicts(TEXTS) == records


def test_articles_alone_skip_the_blocks_but_not_the_article(tiny_model):
    full = tiny_model.segment_many_dicts(TEXTS)
    lean = tiny_model.segment_many_dicts(TEXTS, segments=False)
    assert [r["article"] for r in lean] == [r["article"] for r in full]
    assert all(r["segments"] == [] for r in lean)


@pytest.mark.parametrize("bad, message", [
    (b"A headline\nA paragraph.", "document 0 is bytes, not str; decode bytes first"),
    (None, "document 0 is NoneType, not str"),
    (42, "document 0 is int, not str"),
])
def test_a_document_that_is_not_text_is_a_clear_error(tiny_model, bad, message):
    from newssift import InvalidInput

    with pytest.raises(InvalidInput, match=message):
        tiny_model.segment(bad)
    with pytest.raises(InvalidInput, match=message.replace("document 0", "document 1")):
        tiny_model.segment_many_dicts(["fine", bad])


def test_every_path_gives_the_same_record_with_the_model_version(tiny_model):
    import json

    text = "A headline\nA paragraph of the story, long enough to count."
    record = tiny_model.segment(text).to_dict()
    assert record["model"] == tiny_model.version
    assert tiny_model.segment_many_dicts([text]) == [record]
    assert json.loads(tiny_model.segment(text).to_json()) == record


def test_one_document_pools_its_article_in_numpy_to_the_same_bit(tiny_model, monkeypatch):
    """A few documents' article rows are pooled in numpy (scipy's sparse product sets aside
    a workspace as wide as the vocabulary); a corpus chunk by scipy."""
    import numpy as np

    from newssift.classifier import model as model_module

    texts = TEXTS + ["Posted by: jo at 5:10 PM\nReply\nGreat story about the council vote today."]
    narrow = [model_module.label(tiny_model, [t])[1] for t in texts]
    monkeypatch.setattr(model_module, "SMALL_BATCH_BELOW", 0)  # every batch by scipy
    wide = [model_module.label(tiny_model, [t])[1] for t in texts]
    for a, b in zip(narrow, wide):
        assert np.array_equal(a.article_proba, b.article_proba)
        assert np.array_equal(a.topic_proba, b.topic_proba)


@pytest.mark.slow
def test_the_one_document_benchmark_reports_one_at_a_time_beside_batched():
    import subprocess
    import sys

    from conftest import ROOT, SHARED

    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "one_document.py"),
                          "--docs", "3", "--repeat", "1"], capture_output=True, text=True,
                         check=True, timeout=600).stdout
    if not (SHARED / "data" / "blocks").is_dir():
        assert out.startswith("skipped: ") and "is not beside the project" in out
        return
    for kind in ("one at a time", "batched", "one page x50"):
        for walker in ("numpy", "compiled"):
            assert f"newssift {kind}, {walker} walker" in out
        assert f"tfidf {kind}" in out
    assert "one at a time / batched, numpy walker: " in out

"""Adapters: a model adapted to corrections gives them itself (no memory), on its own
text and on the same lines elsewhere in their scope, changes little else, and saves."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SHIPPED

from newssift import load_model, save_model
from newssift.cli import cli
from newssift.training.adapt import adapt_model

STORY = (FIXTURES / "election.txt").read_text(encoding="utf-8")
SITE_LINE = "Subscribe to the Valley Courier for 99 cents a week"


def flip(role: str) -> str:
    return "boilerplate" if role == "main" else "main"


def test_an_adapted_model_gives_the_corrections_without_a_memory(tiny_model):
    own = [s.role for s in tiny_model.segment(STORY).segments]
    labels = [{"index": 1, "role": flip(own[1])}, {"index": 2, "role": "teaser", "topic": "legal"}]
    adapted = adapt_model(tiny_model, [{"text": STORY, "labels": labels}])
    segs = adapted.segment(STORY).segments
    assert (segs[1].role, segs[2].role, segs[2].topic) == (flip(own[1]), "teaser", "legal")
    assert all(s.correction is None for s in segs)  # the model's own labels now
    assert [s.role for s in tiny_model.segment(STORY).segments] == own  # the base is untouched


def test_corrections_reach_the_same_line_on_other_pages_of_the_site_only(tiny_model):
    page = f"A story about the valley's new bridge, opened on Monday by the mayor.\n{SITE_LINE}\n"
    other = f"The harvest festival drew record crowds this weekend, organisers said.\n{SITE_LINE}\n"
    target = flip(tiny_model.segment(other).segments[1].role)
    adapted = adapt_model(tiny_model, [{"text": page, "site": "courier.example",
                                        "labels": [{"index": 1, "role": target}]}])
    assert adapted.segment(other, site="courier.example").segments[1].role == target
    assert adapted.segment(other, site="elsewhere.example").segments[1].role != target
    assert adapted.segment(other).segments[1].role != target


def test_correcting_two_paragraphs_leaves_an_unrelated_page_alone(shipped_model):
    article = (FIXTURES / "article.txt").read_text(encoding="utf-8")
    adapted = adapt_model(shipped_model, [{"text": article, "labels": [
        {"index": 2, "role": "boilerplate"}, {"index": 5, "role": "boilerplate"}]}])
    roles = [s.role for s in adapted.segment(article).segments]
    assert roles[2] == roles[5] == "boilerplate"
    assert roles[:2] + roles[3:5] + roles[6:8] == ["main"] * 6  # the story's other paragraphs stay
    base_p = shipped_model.score([STORY.splitlines()]).p_main
    adapted_p = adapted.score([STORY.splitlines()]).p_main
    assert np.abs(adapted_p - base_p).max() < 0.1


def test_an_adapter_is_saved_and_loaded_with_its_model(tiny_model, tmp_path):
    adapted = adapt_model(tiny_model, [{"text": STORY, "site": "courier.example",
                                        "labels": [{"index": 0, "role": "boilerplate"}]}])
    save_model(adapted, tmp_path / "m", {})
    again = load_model(tmp_path / "m")
    again.version = adapted.version  # a loaded model is named after its directory
    texts = [STORY, f"Other text\n{STORY.splitlines()[0]}"]
    for site in (None, "courier.example"):
        assert [r.to_dict() for r in again.segment_many(texts, sites=[site] * 2)] == [
            r.to_dict() for r in adapted.segment_many(texts, sites=[site] * 2)]


def test_newssift_train_base_adapts_offline(tiny_model_dir, tmp_path):
    labels = tmp_path / "corrections.jsonl"
    labels.write_text(json.dumps({"text": STORY, "labels": [{"index": 0, "role": "boilerplate"}]})
                      + "\n", encoding="utf-8")
    out = tmp_path / "adapted"
    result = CliRunner().invoke(cli, ["train", "--base", str(tiny_model_dir), "--labels", str(labels),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["adapted"]["labelled_blocks"] == 1 and manifest["adapted"]["scopes"] == [""]
    assert load_model(out).segment(STORY).segments[0].role == "boilerplate"


@pytest.mark.parametrize("args, message", [
    (["--base", "{model}", "--out", "{tmp}/x"], "give them with --labels"),
    (["--base", "{tmp}/nope", "--labels", "{labels}", "--out", "{tmp}/x"], "no such model directory"),
])
def test_train_base_mistakes_are_one_clear_line(tiny_model_dir, tmp_path, args, message):
    labels = tmp_path / "l.jsonl"
    labels.write_text(json.dumps({"text": STORY, "labels": [{"index": 0, "role": "main"}]}) + "\n")
    argv = [a.format(model=tiny_model_dir, tmp=tmp_path, labels=labels) for a in args]
    result = CliRunner().invoke(cli, ["train", *argv])
    assert result.exit_code == 2 and message in result.output


def site_page(story: list[str], promo: str) -> str:
    """A page of one site's template: the story's paragraphs in an ``<article>``, a promotion
    box between them whose words change from page to page while its class does not."""
    paragraphs = [f"<p>{p}</p>" for p in story]
    paragraphs.insert(2, f'<div class="promo-box"><p>{promo}</p></div>')
    return ("<html><body><nav><ul><li><a href='/'>Home</a></li><li><a href='/town'>Town</a></li></ul></nav>"
            f"<article><h1>{story[0][:40]}</h1>{''.join(paragraphs)}</article>"
            "<footer><p>Copyright 2026 The Valley Courier</p></footer></body></html>")


COUNCIL = ["The town council met on Tuesday evening to debate the future of the old ferry landing.",
           "Several residents spoke in favour of restoring the landing, which closed nine years ago.",
           "The council will publish a costed plan before its next meeting in the spring, the mayor said.",
           "Engineers had warned that the timber piles were rotten and would need to be replaced."]
HARVEST = ["The harvest festival returned to the market square on Saturday after a two-year break.",
           "Stallholders said the crowds were the largest they could remember for a decade or more.",
           "Organisers thanked the volunteers who had cleared the square and strung the lights overnight.",
           "Next year's festival will run for three days, with a music stage beside the old mill."]


def test_a_correction_on_a_web_page_reaches_the_same_place_in_the_site_template(shipped_model,
                                                                                tmp_path):
    """Corrected as a web page (a labels record with its ``html``), the promotion box is
    boilerplate on the site's other pages by its place in the template, in other words."""
    from newssift.classifier.html import read_page

    first = site_page(COUNCIL, "Readers who join our supporters' circle this month receive a printed "
                               "almanac of the valley's history and walks, posted free to any address.")
    other = site_page(HARVEST, "Treat someone this winter: a year of the Courier delivered to the door, "
                               "with our columnists' best pieces collected in a handsome gift edition.")
    page, _ = shipped_model.segment_html(first, site="courier.example")
    promo = next(s.index for s in page.segments if s.text.startswith("Readers who join"))
    theirs, _ = shipped_model.segment_html(other, site="courier.example")
    at = next(s.index for s in theirs.segments if s.text.startswith("Treat someone"))
    assert theirs.segments[at].role == "main"  # the base model reads the box as story
    story = next(s.index for s in page.segments if s.text.startswith("Several residents"))
    record = {"html": first, "site": "courier.example",
              "labels": [{"index": promo, "role": "boilerplate"}, {"index": story, "role": "main"}]}
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps(record) + "\n", encoding="utf-8")
    from newssift.training.adapt import write_adapted_model

    adapted = load_model(write_adapted_model(SHIPPED, [labels], tmp_path / "adapted"))
    after, _ = adapted.segment_html(other, site="courier.example")
    assert after.segments[at].role != "main"
    assert [s.role for s in after.segments if s.index != at and s.text in HARVEST] == ["main"] * 4
    # Not on another site's pages, nor on the same blocks sent as text
    assert adapted.segment_html(other, site="elsewhere.example")[0].segments[at].role == "main"
    text = read_page(other).text
    assert adapted.segment(text, site="courier.example").segments[at].role == \
        shipped_model.segment(text, site="courier.example").segments[at].role


def test_a_labels_record_gives_a_text_or_a_page_or_both_as_exported(tmp_path):
    from newssift.classifier.errors import TrainingError
    from newssift.training.sources import read_labelled_documents

    path = tmp_path / "labels.jsonl"
    page = site_page(COUNCIL, "A promotion.")
    path.write_text(json.dumps({"html": page, "labels": []}) + "\n", encoding="utf-8")
    (rec,) = read_labelled_documents(path)
    assert rec["text"].splitlines()[-1] == "Copyright 2026 The Valley Courier" and rec["html"] == page
    path.write_text(json.dumps({"html": page, "text": rec["text"], "labels": []}) + "\n", encoding="utf-8")
    assert [r["text"] for r in read_labelled_documents(path)] == [rec["text"]]  # as exported
    path.write_text(json.dumps({"html": page, "text": "x", "labels": []}) + "\n", encoding="utf-8")
    with pytest.raises(TrainingError, match="line 1: its 'text' is not the text newssift reads"):
        list(read_labelled_documents(path))
    path.write_text(json.dumps({"html": 5, "labels": []}) + "\n", encoding="utf-8")
    with pytest.raises(TrainingError, match="line 1: expected a document, an object with a 'text' "
                                            r"\(or 'html'\) string"):
        list(read_labelled_documents(path))


def test_one_story_paragraph_corrected_on_a_web_page_leaves_the_sites_other_stories(shipped_model):
    """The other paragraphs at the same place in the template were left main: they hold the
    shift back, and the site's other stories keep their paragraphs."""
    first = site_page(COUNCIL, "A promotion for the supporters' circle.")
    page, _ = shipped_model.segment_html(first, site="courier.example")
    wrong = next(s.index for s in page.segments if s.text.startswith("Engineers had warned"))
    adapted = adapt_model(shipped_model, [{"html": first, "site": "courier.example",
                                           "labels": [{"index": wrong, "role": "boilerplate"}]}])
    other, _ = adapted.segment_html(site_page(HARVEST, "A promotion."), site="courier.example")
    assert [s.role for s in other.segments if s.text in HARVEST] == ["main"] * 4


def test_a_line_corrected_as_a_link_elsewhere_stays_the_headline_of_its_own_story(shipped_model):
    """A site lists its stories' headlines as links on its other pages: corrected there to
    boilerplate, the line is still main where it heads its own story (the line table gives
    way to the headline found above the story)."""
    headline = "Harvest festival returns to the market square"
    page = "\n".join(COUNCIL + ["More from the valley", headline, "Ferry fares frozen until spring"])
    own = "\n".join([headline] + HARVEST)
    at = page.splitlines().index(headline)
    adapted = adapt_model(shipped_model, [{"text": page, "site": "courier.example", "labels": [
        {"index": at, "role": "boilerplate"}, {"index": at + 1, "role": "boilerplate"}]}])
    assert adapted.segment(page, site="courier.example").segments[at].role == "boilerplate"
    result = adapted.segment(own, site="courier.example")
    assert result.article.headline == headline and result.segments[0].role == "main"
    assert [s.role for s in result.segments[1:]] == ["main"] * 4

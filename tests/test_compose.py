"""Composed pages' boilerplate inside the story: under the headline and between paragraphs,
and never a line the sandwich benchmark scores there."""

from __future__ import annotations

import random

import pytest
from conftest import needs_shared

from newssift.training.compose import (
    LINK_MAX_WORDS,
    ComposeOptions,
    WrittenLines,
    compose_document,
    inline_lines,
)
from newssift.training.corpus import story_inline_lines
from newssift.training.sandwich import normalise_line, written_lines

HEADLINE = "Ferry service to the outer islands resumes after storm repairs"
PARAGRAPHS = [
    "The ferry between Port Calder and the outer islands sailed again on Monday.",
    "Engineers worked through the night to finish the temporary pier.",
    "Islanders had relied on a single fishing boat for medicine and post since the storm.",
    "The operator said timetables would return to normal by the end of the month.",
]
SHORT = ["Advert", "Story goes on below", "By Ines Carvalho", "Share | Post | Mail", "Local news"]
LONG = ["Get the daily digest from the harbour office by email every morning before eight"]
ALWAYS = ComposeOptions(p_headline=1.0, p_top_boilerplate=0.0, p_bottom_boilerplate=0.0,
                        p_under_headline=1.0, p_between_paragraphs=1.0, max_inline=2)


def story_span(doc) -> list[tuple[str, str]]:
    """The blocks from the headline to the last story paragraph, with their roles."""
    first = doc.texts.index(HEADLINE)
    last = doc.texts.index(PARAGRAPHS[-1])
    return list(zip(doc.texts[first:last + 1], doc.roles[first:last + 1]))


def test_every_gap_of_the_story_gets_one_or_two_short_boilerplate_lines():
    doc = compose_document(random.Random(3), HEADLINE, PARAGRAPHS, [], SHORT + LONG, ALWAYS)
    span = story_span(doc)
    mains = [i for i, (_, role) in enumerate(span) if role == "main"]
    assert [span[i][0] for i in mains] == [HEADLINE] + PARAGRAPHS
    for a, b in zip(mains, mains[1:]):
        between = span[a + 1:b]
        assert 1 <= len(between) <= 2
        assert all(role == "boilerplate" and text in SHORT for text, role in between)


def test_without_the_options_the_story_is_unbroken():
    off = ComposeOptions(p_headline=1.0, p_under_headline=0.0, p_between_paragraphs=0.0)
    for seed in range(20):
        doc = compose_document(random.Random(seed), HEADLINE, PARAGRAPHS, [], SHORT, off)
        assert [text for text, _ in story_span(doc)] == [HEADLINE] + PARAGRAPHS


def test_lines_go_under_a_headline_only_when_one_is_shown():
    options = ComposeOptions(p_headline=0.0, p_top_boilerplate=0.0, p_bottom_boilerplate=0.0,
                             p_under_headline=1.0, p_between_paragraphs=0.0)
    doc = compose_document(random.Random(0), HEADLINE, PARAGRAPHS, [], SHORT, options)
    assert doc.texts == PARAGRAPHS


def test_an_explicit_inline_pool_is_the_only_one_used_inside_the_story():
    doc = compose_document(random.Random(5), HEADLINE, PARAGRAPHS, [], SHORT, ALWAYS,
                           inline=["Advertisement feature"])
    inside = {text for text, role in story_span(doc) if role == "boilerplate"}
    assert inside == {"Advertisement feature"}


def test_inline_lines_keep_short_lines_whose_wording_is_not_avoided():
    pool = ["Advert", "ADVERT!", "Story goes on below", "Read more about the harbour wall repairs"]
    kept = inline_lines(pool, max_words=4, avoid={"advert"}, normalise=normalise_line)
    assert kept == ["Story goes on below"]


@pytest.mark.parametrize("variant", [str.upper, lambda t: t + " ", lambda t: t.replace(" ", "  ")])
def test_no_line_of_the_sandwich_benchmark_goes_inside_a_composed_story(variant):
    written = [line.text for line in written_lines()]
    short = [text for text in written if len(text.split()) <= 8]
    ours = ["Harbour Office photo desk", "Listen to this piece"]
    assert story_inline_lines([variant(t) for t in short] + ours, 8) == ours


@needs_shared
def test_composed_training_pages_hold_no_benchmark_line_inside_their_stories():
    from newssift.training.config import TrainConfig
    from newssift.training.corpus import (
        ROLE_CODES,
        block_docs,
        boilerplate_pool,
        composed_docs,
        load_label_map,
        teaser_pool,
    )

    cfg = TrainConfig(max_pages_per_source=100)
    pool = boilerplate_pool(block_docs(cfg, cfg.block_sources), random.Random(cfg.seed))
    benchmark = {normalise_line(line.text) for line in written_lines()}
    # The benchmark's lines offered outright: none may come out inside a story.
    docs = composed_docs(cfg, pool + [line.text for line in written_lines()],
                         teaser_pool(cfg, load_label_map(cfg)), n=200, comments=[])
    inside = 0
    for doc in docs:
        mains = [i for i, role in enumerate(doc.roles) if role == ROLE_CODES["main"]]
        for i in range(mains[0], mains[-1]):
            if doc.roles[i] != ROLE_CODES["main"]:
                inside += 1
                assert normalise_line(doc.texts[i]) not in benchmark
    assert inside > 0


def test_a_manifest_from_before_the_inline_lines_reads_as_trained_without_them(tmp_path):
    """A model trained before composed pages had lines inside the story is retrained and
    evaluated as it was trained, not with today's default turned on."""
    import json

    from newssift.training.config import TrainConfig, config_from_manifest

    (tmp_path / "manifest.json").write_text(json.dumps(
        {"config": {"composed_documents": 12}, "files": {}}), encoding="utf-8")
    old = config_from_manifest(tmp_path)
    assert old.composed_documents == 12
    assert old.composed_under_headline == 0.0 and old.composed_between_paragraphs == 0.0
    assert TrainConfig().composed_between_paragraphs > 0  # what a new training run uses
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"config": {"composed_between_paragraphs": 0.25}, "files": {}}), encoding="utf-8")
    assert config_from_manifest(tmp_path).composed_between_paragraphs == 0.25


def test_the_pool_takes_long_lines_a_template_repeats_and_no_other():
    """``inline_recurring_words``: a long not-main line on 3+ pages joins the pool (a sign-up
    prompt of a site's template); one on two pages, one mostly main (a quoted sentence), one
    longer than the limit and one of 6 words (already in the short pool) do not."""
    import numpy as np

    from newssift.training.corpus import NOT_MAIN, RoleDoc, boilerplate_pool, recurring_boilerplate

    prompt = "Get the harbour office's daily digest in your inbox every morning"
    twice = "Follow the island council on every channel it posts to"
    quoted = "The council said the pier would stay open through the winter"
    too_long = " ".join(["word"] * 15)

    def page(n: int) -> RoleDoc:
        texts = [PARAGRAPHS[0], prompt.replace("daily", "daily" if n % 2 else "Daily"), quoted,
                 too_long, "Share this story"] + ([twice] if n < 2 else [])
        roles = [0, NOT_MAIN, 0 if n else NOT_MAIN, NOT_MAIN, NOT_MAIN] + ([NOT_MAIN] if n < 2 else [])
        return RoleDoc(texts, np.array(roles, np.int8), "test")

    docs = [page(n) for n in range(4)]
    assert recurring_boilerplate(docs, 14) == [prompt.replace("daily", "Daily")]
    pool = boilerplate_pool(docs, random.Random(0), recurring_words=14)
    assert prompt.replace("daily", "Daily") in pool and "Share this story" in pool
    assert boilerplate_pool(docs, random.Random(0)) == ["Share this story"]


WRITTEN = WrittenLines(("Get the harbour office digest in your inbox every weekday morning, free.",
                        "Accept all cookies | Manage settings"), ("Related story:",))
OTHER_STORIES = [("Council votes to repair the old lighthouse before winter storms arrive", "politics"),
                 ("Island school wins national robotics prize", "science-tech")]


def test_written_lines_off_leave_every_page_as_it_was():
    for seed in range(10):
        plain = compose_document(random.Random(seed), HEADLINE, PARAGRAPHS, OTHER_STORIES, SHORT, ALWAYS)
        given = compose_document(random.Random(seed), HEADLINE, PARAGRAPHS, OTHER_STORIES, SHORT, ALWAYS,
                                 written=WRITTEN)
        assert given == plain


def test_written_lines_and_links_to_the_pages_other_stories_go_inside_the_story():
    options = ComposeOptions(**{**ALWAYS.__dict__, "p_written_inline": 1.0})
    seen = set()
    for seed in range(30):
        doc = compose_document(random.Random(seed), HEADLINE, PARAGRAPHS, OTHER_STORIES, SHORT, options,
                               written=WRITTEN)
        inside = [text for text, role in story_span(doc) if role == "boilerplate"]
        assert inside and all(role == "boilerplate" for _, role in story_span(doc)
                              if _ not in [HEADLINE] + PARAGRAPHS)
        for text in inside:
            if text.startswith("Related story: "):
                headline = text.removeprefix("Related story: ")
                assert any(story.split()[:LINK_MAX_WORDS] == headline.split() for story, _ in OTHER_STORIES)
                seen.add("link")
            else:
                assert text in WRITTEN.lines
                seen.add("line")
    assert seen == {"link", "line"}


def test_the_projects_compose_lines_share_no_wording_with_the_benchmark(tmp_path):
    from newssift.classifier.errors import TrainingError
    from newssift.training.corpus import compose_lines

    shipped = compose_lines()
    benchmark = {normalise_line(line.text) for line in written_lines()}
    assert len(shipped.lines) >= 50 and len(shipped.prefixes) >= 10
    assert not {normalise_line(t) for t in shipped.lines} & benchmark
    assert not any(line.text.lower().startswith(p.lower()) for p in shipped.prefixes
                   for line in written_lines())
    clash = tmp_path / "lines.jsonl"
    clash.write_text('{"text": "Comments are closed for this article.", "kind": "comments"}\n')
    with pytest.raises(TrainingError, match="sandwich benchmark"):
        compose_lines(str(clash))


def test_the_sandwich_benchmark_counts_the_compose_lines_as_trained_on_when_used():
    """With the option on, the benchmark puts the lines on the train side (so that no line
    of the same wording is scored); off, they are no part of it."""
    from newssift.training.config import TrainConfig
    from newssift.training.corpus import compose_lines
    from newssift.training.eval_sandwich import COMPOSE_LINES_SOURCE, _compose_lines

    assert TrainConfig().composed_written_lines > 0  # the shipped model's training uses them
    assert _compose_lines(TrainConfig(composed_written_lines=0.0)) == []
    used = _compose_lines(TrainConfig(composed_written_lines=0.3))
    assert [line.text for line in used] == list(compose_lines().lines)
    assert {line.source for line in used} == {COMPOSE_LINES_SOURCE}


def test_written_lines_drawn_apart_leave_the_rest_of_the_page_as_it_was():
    """With a generator of their own, the written lines replace inline lines and change
    nothing else: the page without them has the same blocks in the same order elsewhere."""
    options = ComposeOptions(**{**ALWAYS.__dict__, "p_written_inline": 0.5, "p_bottom_boilerplate": 0.5})
    for seed in range(10):
        plain = compose_document(random.Random(seed), HEADLINE, PARAGRAPHS, OTHER_STORIES, SHORT, options)
        given = compose_document(random.Random(seed), HEADLINE, PARAGRAPHS, OTHER_STORIES, SHORT, options,
                                 written=WRITTEN, written_rng=random.Random(99))
        assert len(given.texts) == len(plain.texts) and given.roles == plain.roles
        changed = [(a, b) for a, b in zip(plain.texts, given.texts) if a != b]
        assert all(a in SHORT and b not in SHORT for a, b in changed)

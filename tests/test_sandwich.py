"""The sandwich benchmark: boilerplate lines put around stories in four places, the line
pool split by source, the pages the same for the same seed, and the figures counted right.

Every text here is written for this file; the last tests read ../shared/data."""

from __future__ import annotations

import random

import pytest
from click.testing import CliRunner
from conftest import SHIPPED, needs_shared

from newssift.cli import cli
from newssift.training.eval_sandwich import format_sandwich, sandwich_material, score_sandwich
from newssift.training.model_card import model_card
from newssift.training.sandwich import (
    AFTER,
    BEFORE,
    HEADLINE,
    INSIDE,
    PLACES,
    STORY,
    UNDER,
    WRITTEN,
    SandwichLine,
    SandwichOptions,
    Story,
    compose_sandwich,
    normalise_line,
    sandwich_pages,
    split_pool,
    written_lines,
)
from newssift.training.sandwich_data import SitePage, line_place, page_site, recurring_lines, story_of

STORY_A = Story("Ferry service to the outer islands resumes after storm repairs", (
    "The ferry between Port Calder and the outer islands sailed again on Monday, three weeks "
    "after a winter storm tore away part of the harbour wall.",
    "Engineers worked through the night to finish the temporary pier.",
    "Islanders had relied on a single fishing boat for medicine and post since the storm.",
    "The operator said timetables would return to normal by the end of the month.",
    "A permanent wall is expected to cost four million and take two years to build.",
), "ours", "a")
STORY_B = Story("Library lends out tools as well as books", (
    "A town library has begun lending drills, ladders and sewing machines to its members.",
    "The scheme started with donated tools and now holds more than three hundred items.",
    "Staff say the most borrowed item is a carpet cleaner.",
), "ours", "b")

POOL = [SandwichLine(text, place, WRITTEN) for place, texts in {
    BEFORE: ["Main menu", "Sign in", "Local | Weather | Sport", "Jump to the story"],
    UNDER: ["By Ines Carvalho", "Published 4 May", "Share | Post | Mail", "Photo: Harbour Office"],
    INSIDE: ["Advert", "Story goes on below", "Get the daily digest by email", "See also: port fees"],
    AFTER: ["Comments are off", "All rights reserved", "We use cookies. OK?", "Tags: ferries"],
}.items() for text in texts] + [SandwichLine(text, place, "siteb") for place, texts in {
    BEFORE: ["Home", "Search the archive"], UNDER: ["Print this"], INSIDE: ["Sponsored"],
    AFTER: ["Terms", "Contact the newsroom"]}.items() for text in texts]


def test_each_line_sits_in_its_place_around_the_story_in_order():
    options = SandwichOptions()
    for seed in range(20):
        page = compose_sandwich(random.Random(seed), STORY_A, POOL, options)
        story_at = [i for i, p in enumerate(page.places) if p == STORY]
        head = page.places.index(HEADLINE)
        assert [page.texts[i] for i in story_at] == list(STORY_A.paragraphs)
        assert page.texts[head] == STORY_A.headline
        assert set(page.places[:head]) == {BEFORE}
        assert set(page.places[head + 1:story_at[0]]) == {UNDER}
        assert set(page.places[story_at[0] + 1:story_at[-1]]) == {STORY, INSIDE}
        assert set(page.places[story_at[-1] + 1:]) == {AFTER}
        for place, line, text in zip(page.places, page.lines, page.texts):
            assert (line is None) == (place in (HEADLINE, STORY))
            assert line is None or (line.place == place and line.text == text)
        for place, (low, high) in ((BEFORE, options.before), (UNDER, options.under),
                                   (AFTER, options.after)):
            assert low <= page.places.count(place) <= high
        assert 1 <= page.places.count(INSIDE) <= len(STORY_A.paragraphs) - 1
        shown = [line for line in page.lines if line is not None]
        assert len(shown) == len(set(shown)), "a line twice on one page"


def test_a_page_runs_out_of_lines_rather_than_repeat_one():
    few = [SandwichLine("Home", BEFORE, WRITTEN), SandwichLine("Terms", AFTER, WRITTEN)]
    page = compose_sandwich(random.Random(0), STORY_A, few, SandwichOptions(before=(3, 3)))
    assert page.texts.count("Home") == 1 and page.places.count(INSIDE) == 0


def test_the_same_seed_gives_the_same_pages_and_another_seed_others():
    first = sandwich_pages([STORY_A, STORY_B] * 5, POOL, seed=7)
    again = sandwich_pages([STORY_A, STORY_B] * 5, list(reversed(POOL)), seed=7)
    other = sandwich_pages([STORY_A, STORY_B] * 5, POOL, seed=8)
    assert [p.texts for p in first] == [p.texts for p in again]
    assert [p.texts for p in first] != [p.texts for p in other]


@pytest.mark.parametrize("a, b", [("Share this story", "SHARE  this story!"),
                                  ("12 comments", "143 Comments"),
                                  ("Share | Tweet | Email", "Share · Tweet · Email"),
                                  ("Updated 09:41, 3 May 2024", "updated 21:02, 17 May 2023")])
def test_copies_of_a_line_have_one_wording(a, b):
    assert normalise_line(a) == normalise_line(b)


def test_different_lines_keep_different_wordings():
    assert normalise_line("Sign in") != normalise_line("Sign up")
    assert normalise_line("|  ·  |") == ""


def test_the_test_side_holds_no_wording_of_the_train_side():
    pool = [SandwichLine("Share this story", AFTER, "sitea"),
            SandwichLine("Read the full report", INSIDE, "sitea"),
            SandwichLine("SHARE this story!", AFTER, WRITTEN),
            SandwichLine("Share this story", BEFORE, "siteb"),
            SandwichLine("Get the morning email", INSIDE, WRITTEN),
            SandwichLine("Get the Morning Email", INSIDE, "siteb"),
            SandwichLine("Get the morning email", AFTER, "siteb"),
            SandwichLine("Listen to the podcast", UNDER, "siteb")]
    train, test = split_pool(pool, ["siteb", WRITTEN])
    assert {line.source for line in train} == {"sitea"}
    trained = {normalise_line(line.text) for line in train}
    assert all(line.source in ("siteb", WRITTEN) for line in test)
    assert not [line for line in test if normalise_line(line.text) in trained]
    # one line a wording and place: the email prompt once between paragraphs, once after
    assert sorted((normalise_line(line.text), line.place) for line in test) == [
        ("get the morning email", AFTER), ("get the morning email", INSIDE),
        ("listen to the podcast", UNDER)]


def test_the_written_lines_fill_every_place_in_several_wordings_of_each_kind():
    lines = written_lines()
    assert {line.place for line in lines} == set(PLACES)
    assert all(line.source == WRITTEN and line.text == " ".join(line.text.split()) for line in lines)
    kinds = {line.kind for line in lines}
    for kind in ("cookie", "share", "byline", "ad", "newsletter", "read_more", "comments",
                 "copyright", "paywall", "app"):
        assert sum(line.kind == kind for line in lines) >= 3, kind
    assert kinds >= {"nav", "date", "credit", "tags"}
    wordings = [(normalise_line(line.text), line.place) for line in lines]
    assert len(wordings) == len(set(wordings)), "two written lines with one wording in one place"


def _page(pid: str, site: str, texts: list[str], main: list[int]) -> SitePage:
    return SitePage(pid, "ours", site, "en", texts, main)


LONG = ("The council voted on Tuesday to keep the night buses running through the winter, after "
        "a petition signed by more than four thousand residents.")


def test_recurring_lines_need_many_pages_of_many_sites_and_take_their_place():
    pages = []
    for n in range(6):
        site = f"site{n % 3}.example"
        pages.append(_page(f"p{n}", site,
                           ["Home", "Night buses saved", "Share this", LONG, "Advert", LONG,
                            "Our own footer", "Cookie notice: OK"],
                           [0, 1, 0, 1, 0, 1, 0, 0]))
    pages += [_page(f"q{n}", "one.example", ["Only here", LONG], [0, 1]) for n in range(6)]
    found = {(line.text, line.place) for line in recurring_lines(pages)}
    assert ("Home", BEFORE) in found and ("Share this", UNDER) in found
    assert ("Advert", INSIDE) in found and ("Cookie notice: OK", AFTER) in found
    assert not [text for text, _ in found if text in ("Only here", "Night buses saved")]


def test_a_line_often_main_is_not_boilerplate():
    pages = [_page(f"p{n}", f"s{n}", ["Weather", LONG], [n % 2, 1]) for n in range(12)]
    assert recurring_lines(pages) == []


def test_line_place_is_counted_from_the_main_blocks():
    texts = ["Menu", "Headline here", "By me", LONG, "Ad", LONG, "Footer"]
    main = [0, 1, 0, 1, 0, 1, 0]
    assert [line_place(main, i, texts) for i in (0, 2, 4, 6)] == [BEFORE, UNDER, INSIDE, AFTER]
    assert line_place([0, 0], 0, ["a", "b"]) is None


def test_a_story_is_its_headline_and_the_main_blocks_that_read_as_paragraphs():
    page = _page("p", "s", ["Menu", "March 3, 2012", "Night buses will keep running all winter",
                            "by Ana Ruiz", LONG, "Related", "The drivers welcomed the news.", "Fig. 2",
                            "The buses run from midnight until five in the morning.",
                            "Routes 4 and 9 are the busiest of all.", "Footer"],
                 [0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0])
    story = story_of(page)
    assert story.headline == "Night buses will keep running all winter"
    assert story.paragraphs == (LONG, "The drivers welcomed the news.",
                                "The buses run from midnight until five in the morning.",
                                "Routes 4 and 9 are the busiest of all.")
    assert story_of(page, avoid={normalise_line("The drivers welcomed the news.")}).paragraphs == (
        LONG, "The buses run from midnight until five in the morning.",
        "Routes 4 and 9 are the busiest of all.")
    assert story_of(_page("p", "s", ["Headline of a short one", LONG], [1, 1])) is None


def test_the_figures_count_each_place_and_the_story_apart():
    pages = sandwich_pages([STORY_A, STORY_B], POOL, seed=3)
    main = [[p == STORY or (p == INSIDE) for p in page.places] for page in pages]
    nothing = [[False] * len(page.texts) for page in pages]
    report = score_sandwich(pages, main, nothing)
    assert report["places"][INSIDE]["newssift"] == 1.0 and report["places"][INSIDE]["jusText"] == 0.0
    for place in (BEFORE, UNDER, AFTER):
        assert report["places"][place]["newssift"] == 0.0
    assert report["story"]["newssift"] == 1.0 and report["story"]["jusText"] == 0.0
    assert report["story"]["blocks"] == len(STORY_A.paragraphs) + len(STORY_B.paragraphs)
    assert report["story_long"]["blocks"] == sum(len(p.split()) >= 20 for s in (STORY_A, STORY_B)
                                                 for p in s.paragraphs)
    assert report["headline"] == {"blocks": 2, "newssift": 0.0, "jusText": 0.0}
    inside = [t for page in pages for t, p in zip(page.texts, page.places) if p == INSIDE]
    assert report["places"][INSIDE]["blocks"] == len(inside)
    let_through = {text for text, _, _ in report["written_let_through"]}
    assert let_through and let_through <= {line.text for line in POOL if line.place == INSIDE}


def test_the_table_and_the_card_show_the_figures():
    pages = sandwich_pages([STORY_A, STORY_B], POOL, seed=3)
    report = score_sandwich(pages, [[p == STORY for p in page.places] for page in pages], None)
    report.update(stories=2, seed=3, test_sources=["ours"], train_sources=["theirs"],
                  written_left_out=0, justext_installed=False,
                  pool={place: {"found": 1, "written": 4} for place in PLACES})
    text = format_sandwich(report)
    assert "between story paragraphs" in text and "jusText is not installed" in text
    card = model_card({"version": "t", "evaluation": {"sandwich": report}})
    assert "### Boilerplate lines around held-out stories" in card
    assert "| between story paragraphs |" in card and "| the story's own paragraphs" in card


def test_evaluate_refuses_the_sandwich_on_html():
    result = CliRunner().invoke(cli, ["evaluate", "--sandwich", "--input", "html"])
    assert result.exit_code != 0 and "--sandwich labels text blocks" in result.output


# What the shipped model's config holds, cut to a few hundred pages a source.
@pytest.fixture(scope="module")
def small_cfg():
    from newssift.training.config import config_from_manifest

    return config_from_manifest(SHIPPED).replace(max_pages_per_source=200)


@needs_shared
def test_no_scored_line_recurs_in_a_training_source_and_stories_are_held_out(small_cfg):
    from newssift.training.eval_sandwich import _handwritten_lines
    from newssift.training.sandwich_data import read_site_pages

    material = sandwich_material(small_cfg, n_stories=30)
    assert material.test_sources == ["dragnet"] and "dragnet" not in material.train_sources
    assert {line.source for line in material.lines} == {"dragnet", WRITTEN}
    assert {story.source for story in material.stories} == {"dragnet"}
    assert len(material.stories) == 30 and {place for place in PLACES} == {
        line.place for line in material.lines}
    trained = {normalise_line(line.text) for line in _handwritten_lines(small_cfg)}
    for source in material.train_sources:
        trained |= {normalise_line(line.text)
                    for line in recurring_lines(read_site_pages(small_cfg, source))}
    assert not [line for line in material.lines if normalise_line(line.text) in trained]
    again = sandwich_material(small_cfg, n_stories=30)
    assert again.stories == material.stories and again.lines == material.lines


@needs_shared
def test_the_shipped_model_keeps_stories_more_than_the_lines_around_them(shipped_model, small_cfg):
    from newssift.training.eval_sandwich import sandwich_eval

    report = sandwich_eval(shipped_model, small_cfg, n_stories=40)
    assert report["stories"] == 40
    for place in (BEFORE, AFTER):
        row = report["places"][place]
        assert row["blocks"] > 0 and row["newssift"] < report["story"]["newssift"]
    assert all(0 <= row["newssift"] <= 1 for row in report["places"].values())


@pytest.mark.parametrize("url, html, site", [
    ("https://www.example.org/news/1", None, "example.org"),
    (None, '<link rel="canonical" href="https://www.example.org/a"><a href="http://b.net/">', "example.org"),
    (None, '<meta property="og:url" content="http://c.example/x">', "c.example"),
    (None, '<a href="http://b.net/1">x</a><a href="https://b.net/2">y</a><a href="http://a.org/">', "b.net"),
    (None, "<p>no links</p>", None),
    (None, None, None)])
def test_a_page_without_url_takes_its_site_from_its_own_address_or_links(url, html, site):
    assert page_site(url, html) == site

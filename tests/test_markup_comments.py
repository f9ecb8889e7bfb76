"""A page's marked-up comment section (newssift.classifier.markup's ``comment``) and the
rule that keeps it out of the story (newssift.classifier.threads.markup_comment_sections):
which class and id words name a comment section, that the rule needs a story outside it
(a forum page keeps its posts), that ``keep_comments`` turns it off, and that a page read
as HTML gets it end to end."""

from __future__ import annotations

import numpy as np
import pytest

from newssift.classifier.decision import Decision, decide, keep_main
from newssift.classifier.html import raw_blocks, read_page
from newssift.classifier.labels import Role
from newssift.classifier.markup import concat_markup, page_markup
from newssift.classifier.model import label_blocks
from newssift.classifier.threads import SECTION_MIN_BODY_WORDS, markup_comment_sections

STORY = ("The harbour board agreed on Monday to rebuild the north pier before the winter storms, "
         "after engineers found the old timber piles rotten below the waterline.")
COMMENT = ("I have fished off that pier for thirty years and nobody listened when we said the "
           "piles were going, so it is good to see the board finally doing something about it.")


def flags(body: str) -> list[bool]:
    return page_markup(raw_blocks(f"<html><body>{body}</body></html>")).comments().tolist()


@pytest.mark.parametrize("wrapper", ['<div id="comments">', '<section class="comment-list">',
                                     '<div id="disqus_thread">', '<div id="respond">',
                                     '<ol class="commentlist">', '<div class="userComments">'])
def test_a_comment_section_is_named_by_its_class_or_id(wrapper):
    tag = wrapper[1:wrapper.index(" ")]
    assert flags(f"<article><p>{STORY}</p></article>{wrapper}<p>{COMMENT}</p></{tag}>") == [False, True]


@pytest.mark.parametrize("wrapper", ['<div class="img-responsive">', '<div class="commentary">',
                                     '<div class="forum-thread">', '<div class="story">'])
def test_layout_opinion_and_forum_names_are_not_a_comment_section(wrapper):
    tag = wrapper[1:wrapper.index(" ")]
    assert flags(f"{wrapper}<p>{STORY}</p></{tag}>") == [False]


def test_pages_side_by_side_keep_their_own_comment_blocks():
    a = page_markup(raw_blocks(f"<html><body><p>{STORY}</p>"
                               f'<div id="comments"><p>{COMMENT}</p></div></body></html>'))
    b = page_markup(raw_blocks(f"<html><body><p>{STORY}</p></body></html>"))
    assert concat_markup([a, b]).comments().tolist() == [False, True, False]
    assert concat_markup([]).comments().tolist() == []


def section_page(story_words: int):
    """One page: a story block of ``story_words`` words, then two marked comment blocks."""
    keep = np.array([True, True, True])
    comment = np.array([False, True, True])
    n_words = np.array([story_words, 40, 40])
    return keep, comment, n_words, np.zeros(3, np.int64)


def test_the_section_goes_only_when_a_story_is_kept_outside_it():
    assert markup_comment_sections(*section_page(SECTION_MIN_BODY_WORDS)).tolist() == [False, True, True]
    # A forum page: the posts are the content, what is outside them is a line or two.
    assert not markup_comment_sections(*section_page(SECTION_MIN_BODY_WORDS - 1)).any()
    # Not kept outside, not counted: the story block scored below the line.
    keep, comment, n_words, doc = section_page(200)
    keep[0] = False
    assert not markup_comment_sections(keep, comment, n_words, doc).any()


def test_each_page_of_a_batch_is_judged_alone():
    keep = np.ones(6, bool)
    comment = np.array([False, True, True, False, True, True])
    n_words = np.array([200, 40, 40, 5, 40, 40])
    doc = np.array([0, 0, 0, 1, 1, 1])
    assert markup_comment_sections(keep, comment, n_words, doc).tolist() == [False, True, True,
                                                                             False, False, False]


def test_decide_makes_the_section_boilerplate_and_keep_comments_keeps_it():
    p_main, p_teaser = np.array([0.9, 0.8, 0.7]), np.array([0.1, 0.9, 0.9])
    n_words, doc = np.array([200, 40, 40]), np.zeros(3, np.int64)
    marked = np.array([False, True, True])
    role, score = decide(p_main, p_teaser, None, n_words, doc, Decision(), marked)
    assert role.tolist() == [Role.MAIN, Role.BOILERPLATE, Role.BOILERPLATE]  # a comment is no teaser
    assert np.allclose(score, [0.9, 0.2, 0.3])
    kept, _ = decide(p_main, p_teaser, None, n_words, doc, Decision(drop_comment_threads=False), marked)
    assert kept.tolist() == [Role.MAIN] * 3
    assert keep_main(p_main, 0.5, None, n_words, doc, marked).tolist() == [True, False, False]
    assert keep_main(p_main, 0.5, None, n_words, doc).tolist() == [True, True, True]


def test_a_page_read_as_html_leaves_its_comment_section_out_of_the_story(shipped_model):
    story = "".join(f"<p>{STORY} Paragraph {i} of the report adds the cost.</p>" for i in range(5))
    comments = "".join(f'<div class="comment-body"><p>{COMMENT} Reader {i}.</p></div>' for i in range(4))
    page = (f"<html><head><title>Pier</title></head><body><article><h1>Harbour board to rebuild the "
            f"north pier</h1>{story}</article><section id=\"comments\"><h3>4 comments</h3>{comments}"
            f"</section></body></html>").encode()
    html = read_page(page)
    result = shipped_model.segment(html.text, markup=html.markup)
    marked = html.markup.comments()
    roles = [s.role for s in result.segments]
    assert marked.sum() == 5 and not marked[:6].any()
    assert all(r == "boilerplate" for r, m in zip(roles, marked) if m)
    assert "thirty years" not in result.article.text and "north pier before" in result.article.text
    # Asked to keep comments, the section is decided by P(main) alone.
    keep = shipped_model.decision_for(keep_comments=True)
    scores = label_blocks(shipped_model, [[s.text for s in result.segments]], keep, markup=[html.markup])
    assert ((scores.role == Role.MAIN) == (scores.p_main >= keep.main_threshold))[marked].all()

"""The main decision: P(main) at the threshold, and a lower line for pages that would keep
almost nothing."""

from __future__ import annotations

import numpy as np

from newssift.classifier.decision import PAGE_MIN_BLOCKS, SHORT_PAGE_FACTOR, SHORT_PAGE_WORDS, keep_main

NAV, POST, FOOTER = 3, 40, 4  # words per block


def page(p_post: float, n_posts: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """A page of menus, a short post of ``n_posts`` paragraphs scoring ``p_post``, and footers."""
    p = np.array([0.02, 0.03, 0.05] + [p_post] * n_posts + [0.04, 0.01])
    words = np.array([NAV] * 3 + [POST] * n_posts + [FOOTER] * 2)
    return p, words


def decide(p, words, threshold=0.5, doc=None):
    doc = np.zeros(len(p), dtype=np.int64) if doc is None else doc
    return keep_main(p, threshold, None, words, doc).tolist()


def test_a_page_with_a_story_above_the_threshold_keeps_just_that():
    p, words = page(0.8)
    assert decide(p, words) == [False] * 3 + [True] * 2 + [False] * 2


def test_a_page_that_would_keep_nothing_keeps_its_best_blocks_from_a_lower_line():
    p, words = page(0.2)  # under 0.5, over 0.5 * SHORT_PAGE_FACTOR
    assert decide(p, words) == [False] * 3 + [True] * 2 + [False] * 2
    assert decide(p, words, threshold=0.8) == [False] * 7  # 0.2 < 0.8 * SHORT_PAGE_FACTOR


def test_the_lower_line_is_for_pages_that_keep_too_few_words():
    p, words = page(0.3)
    p[3] = 0.9  # one paragraph clears the threshold: enough story, nothing rescued
    assert POST >= SHORT_PAGE_WORDS
    assert decide(p, words) == [False] * 3 + [True, False] + [False] * 2


def test_a_page_that_scores_nothing_high_enough_stays_empty():
    p, words = page(0.5 * SHORT_PAGE_FACTOR - 0.01)
    assert decide(p, words) == [False] * 7


def test_a_snippet_of_a_few_blocks_is_taken_at_its_word():
    p, words = np.array([0.3, 0.05]), np.array([12, 3])
    assert PAGE_MIN_BLOCKS > 2
    assert decide(p, words) == [False, False]


def test_each_page_of_a_batch_is_decided_on_its_own():
    short_p, short_w = page(0.3)
    full_p, full_w = page(0.8)
    p, words = np.concatenate([full_p, short_p]), np.concatenate([full_w, short_w])
    doc = np.repeat([0, 1], [len(full_p), len(short_p)])
    assert decide(p, words, doc=doc) == decide(full_p, full_w) + decide(short_p, short_w)


def test_an_empty_batch_keeps_nothing():
    assert decide(np.zeros(0), np.zeros(0, dtype=np.int64)) == []


def test_an_empty_document_between_pages_changes_nothing():
    short_p, short_w = page(0.2)
    full_p, full_w = page(0.8)
    p, words = np.concatenate([short_p, full_p]), np.concatenate([short_w, full_w])
    doc = np.repeat([0, 2], [len(short_p), len(full_p)])  # document 1 had no blocks
    assert decide(p, words, doc=doc) == decide(short_p, short_w) + decide(full_p, full_w)


def test_the_lower_line_still_drops_a_comment_thread_after_the_story():
    from newssift.classifier.comments import comment_lines

    story = ["The council voted on Tuesday to close the old bridge for two years of repairs after "
             "engineers found cracks in three of its supports."] * 6
    thread = ["Jane Doe says:", "March 4, 2021 at 9:15 am", "I drive over it every day.", "Reply",
              "Sam K. says:", "March 4, 2021 at 10:02 am", "About time they fixed it.", "Reply"]
    texts = story + thread
    p = np.array([0.3] * len(story) + [0.3] * len(thread))  # nothing reaches 0.5
    words = np.array([len(t.split()) for t in texts])
    keep = keep_main(p, 0.5, comment_lines(texts)[1], words,
                     np.zeros(len(texts), dtype=np.int64))
    assert keep.tolist() == [True] * len(story) + [False] * len(thread)


def _story_and_thread() -> tuple[list[str], np.ndarray]:
    from newssift.classifier.comments import comment_lines

    story = ["The council voted on Tuesday to close the old bridge for two years of repairs after "
             "engineers found cracks in three of its supports."] * 6
    thread = ["Jane Doe says:", "March 4, 2021 at 9:15 am", "Council closes the bridge again…",
              "Reply", "Sam K. says:", "March 4, 2021 at 10:02 am", "About time they fixed it.",
              "Reply"]
    texts = story + thread
    return texts, comment_lines(texts)[1]


def test_a_comment_in_a_dropped_thread_is_boilerplate_however_teaser_like():
    from newssift.classifier.decision import Decision
    from newssift.classifier.decision import decide as decide_roles
    from newssift.classifier.labels import Role

    texts, framing = _story_and_thread()
    p_main = np.array([0.9] * 6 + [0.1] * 8)
    p_teaser = np.full(len(texts), 0.9)  # every comment line reads like a headline
    words = np.array([len(t.split()) for t in texts])
    doc = np.zeros(len(texts), dtype=np.int64)
    role, score = decide_roles(p_main, p_teaser, framing, words, doc, Decision())
    assert role.tolist() == [Role.MAIN] * 6 + [Role.BOILERPLATE] * 8
    assert np.allclose(score[6:], 0.9)  # 1 - P(main), not (1 - P(main)) (1 - P(teaser))
    # Kept comments (the user's choice) are left to the heads: a teaser-like line is a teaser.
    role, _ = decide_roles(p_main, p_teaser, framing, words, doc,
                           Decision(drop_comment_threads=False))
    assert role.tolist() == [Role.MAIN] * 6 + [Role.TEASER] * 8


def test_teasers_below_a_dropped_thread_are_still_teasers():
    """The thread ends at its last comment (the block after its last framing line, which may
    be that comment's text): a list of stories under it is the page again."""
    from newssift.classifier.comments import comment_lines
    from newssift.classifier.decision import Decision
    from newssift.classifier.decision import decide as decide_roles
    from newssift.classifier.labels import Role

    texts, _ = _story_and_thread()
    below = ["More stories", "Harbour cranes idle as dock strike enters second week…",
             "Minister defends schools plan before a packed hall…"]
    texts = texts + below
    framing = comment_lines(texts)[1]
    p_main = np.array([0.9] * 6 + [0.1] * (len(texts) - 6))
    p_teaser = np.full(len(texts), 0.9)
    words = np.array([len(t.split()) for t in texts])
    role, _ = decide_roles(p_main, p_teaser, framing, words, np.zeros(len(texts), np.int64),
                           Decision())
    assert role.tolist() == [Role.MAIN] * 6 + [Role.BOILERPLATE] * 9 + [Role.TEASER] * 2


def test_a_short_pages_dropped_thread_is_no_teaser_either():
    """A page decided at the lower line drops its thread at that line, and its comments
    are boilerplate there too."""
    from newssift.classifier.decision import Decision
    from newssift.classifier.decision import decide as decide_roles
    from newssift.classifier.labels import Role

    texts, framing = _story_and_thread()
    p_main = np.array([0.3] * 6 + [0.1] * 8)  # nothing reaches 0.5: the page is short
    p_teaser = np.full(len(texts), 0.9)
    words = np.array([len(t.split()) for t in texts])
    role, _ = decide_roles(p_main, p_teaser, framing, words, np.zeros(len(texts), np.int64),
                           Decision())
    assert role.tolist() == [Role.MAIN] * 6 + [Role.BOILERPLATE] * 8

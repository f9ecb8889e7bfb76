"""Comment threads after a story are dropped from the main text; forum pages keep their posts."""

from __future__ import annotations

import numpy as np

from newssift.classifier.comments import comment_lines
from newssift.classifier.threads import MIN_BODY_WORDS, THREAD_SPAN, drop_comment_threads, in_comment_thread

STORY = ["The council voted on Tuesday to close the old bridge to traffic for two years of repairs, "
         "after engineers found cracks in three of its supports and warned of further damage. " * 2] * 3
THREAD = ["12 Comments", "Jane Doe says:", "March 4, 2021 at 9:15 am",
          "I drive over that bridge every day and I had no idea it was this bad. Thanks for the story.",
          "Reply", "Sam K. says:", "March 4, 2021 at 10:02 am",
          "About time. They should have done this years ago instead of patching it every winter.",
          "Reply"]


def words(texts):
    return np.array([len(t.split()) for t in texts])


def framing(texts):
    return comment_lines(texts)[1]


def decide(texts, keep):
    doc = np.zeros(len(texts), dtype=np.int64)
    return drop_comment_threads(np.asarray(keep), framing(texts), words(texts), doc)


def test_a_thread_after_a_story_is_dropped_and_the_story_kept():
    texts = STORY + THREAD
    kept = decide(texts, [True] * len(texts))
    assert kept.tolist() == [True] * len(STORY) + [False] * len(THREAD)


def test_the_thread_found_once_is_the_thread_found_again():
    """``decide`` finds where a page's thread starts once and hands it to both passes."""
    texts = STORY + THREAD + STORY[:1]
    doc = np.zeros(len(texts), dtype=np.int64)
    thread = in_comment_thread(framing(texts), doc)
    for keep in ([True] * len(texts), [False] * len(STORY) + [True] * (len(texts) - len(STORY))):
        keep = np.asarray(keep)
        assert np.array_equal(
            drop_comment_threads(keep, framing(texts), words(texts), doc, thread=thread),
            drop_comment_threads(keep, framing(texts), words(texts), doc))


def test_one_framing_line_is_not_a_thread():
    texts = STORY + ["Posted by Jane Doe at 9:15 am", "Filed under: local news"]
    assert decide(texts, [True] * len(texts)).all()


def test_a_forum_page_without_a_story_before_keeps_its_posts():
    texts = THREAD + THREAD
    assert decide(texts, [True] * len(texts)).all()


def test_a_short_kept_body_is_not_a_story():
    texts = ["Bridge to close for repairs."] + THREAD
    assert sum(words(texts[:1])) < MIN_BODY_WORDS
    assert decide(texts, [True] * len(texts)).all()


def test_the_body_must_be_kept_not_just_present():
    texts = STORY + THREAD
    kept = decide(texts, [False] * len(STORY) + [True] * len(THREAD))
    assert kept.tolist() == [False] * len(STORY) + [True] * len(THREAD)


def test_threads_stay_inside_their_document():
    texts = STORY + THREAD[:3] + THREAD[:3]
    # Split between the two halves of the framing: neither document holds four framing lines.
    doc = np.repeat([0, 1], [len(STORY) + 3, 3])
    assert not in_comment_thread(framing(texts), doc).any()
    doc_whole = np.zeros(len(texts), dtype=np.int64)
    assert in_comment_thread(framing(texts), doc_whole).sum() == 6


def test_the_fourth_framing_line_must_fall_inside_the_window():
    def opens(last: int) -> bool:
        texts = ["Jane says:", "Reply", "Sam says:"] + ["A comment of a few words."] * (last - 3) + ["Reply"]
        return bool(in_comment_thread(framing(texts), np.zeros(len(texts), np.int64))[0])

    assert opens(THREAD_SPAN - 1) and not opens(THREAD_SPAN)


def test_a_live_blog_keeps_its_timestamped_entries():
    entries = [line for t in ("9:05", "9:40", "10:10", "10:55", "11:30")
               for line in (f"Updated at {t} am", STORY[0])]
    texts = STORY + entries
    assert decide(texts, [True] * len(texts)).all()


def test_a_thread_framed_by_numbered_comments_or_slashdot_lines_is_dropped():
    numbered = [line for n, who in enumerate(["Derek", "harry", "William", "Josh"], start=8)
                for line in (f"Comment #{n} - Posted by: {who} at November 10, 2012 6:{n:02d} PM",
                             "Anything for this hero. Come on people, think of why you are doing it.")]
    slashdot = [line for who in ("sgtrock (191182)", "Dr. Spork (142693)")
                for line in ("Re: That is not what FRAND means (Score:2)", f"by {who} writes:",
                             "A patent pool does not oblige anyone to license on fair terms.")]
    for thread in (numbered, slashdot):
        texts = STORY + thread
        kept = decide(texts, [True] * len(texts))
        assert kept.tolist() == [True] * len(STORY) + [False] * len(thread)


def test_the_footers_of_a_blog_index_are_not_a_thread():
    posts = [line for t in ("9:43 AM", "9:01 AM", "6:50 AM", "9:30 PM")
             for line in (STORY[0], f"// posted by Aaron @ {t} | Permalink | Comments (3)")]
    texts = STORY + posts
    assert decide(texts, [True] * len(texts)).all()

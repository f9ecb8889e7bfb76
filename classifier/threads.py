"""User-comment threads: where a page's comments begin, and keeping them out of the story.

We count comments as boilerplate, not main.  The role model alone keeps most of
them: a comment reads like story text, and the gold standards we train on
disagree (CleanEval's, htmltotext's and some of Canola's keep comments).  What
gives a thread away is its framing, a run of "Jane says:" / "Posted by ... at
5:10 PM" / "Reply" lines, so the rule works from those lines.  It fires only
after a page has kept a story body, so that a forum page, where the posts are
the content, keeps them.

A page read as HTML says more: its comment section sits in an element named for it
(``id="comments"``, ``class="comment-body"``, ``#disqus_thread``;
:class:`newssift.classifier.markup.PageMarkup`'s ``comment``).  Those blocks go too,
again only on a page that keeps a story outside them (:func:`markup_comment_sections`).
Leave-one-source-out on the raw pages it lifted Dragnet (whose gold has no comments) from
0.890 to 0.915 and htmltotext-multi's text model from 0.825 to 0.859, and cost CleanEval
0.003 and Canola's text model 0.006, whose gold keeps comments (docs/experiments.md).
"""

from __future__ import annotations

import numpy as np

from newssift.classifier.batch import doc_bounds
from newssift.classifier.comments import FRAMING_VOICE

__all__ = ["in_comment_thread", "dropped_threads", "thread_blocks", "drop_comment_threads",
           "markup_comment_sections", "THREAD_MIN_FRAMING", "THREAD_MIN_VOICE", "THREAD_SPAN",
           "MIN_BODY_WORDS", "SECTION_MIN_BODY_WORDS"]

# A thread opens at a framing line followed by 3 more within the next 11 blocks, of
# which at least THREAD_MIN_VOICE name a commenter or a reply: one such line alone also
# ends many a blog post, and time stamps alone also punctuate a live blog.
THREAD_MIN_FRAMING = 4
THREAD_MIN_VOICE = 1
THREAD_SPAN = 12
# Words the page must keep before the thread for the thread to be dropped.
MIN_BODY_WORDS = 100
# Words the page must keep outside its marked-up comment section for the section to be
# dropped: measured at 30 and 100 (Dragnet 0.915 against 0.909, Modern2026 0.713 against
# 0.716, the rest within 0.002).
SECTION_MIN_BODY_WORDS = 30


def in_comment_thread(framing: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """Per block: whether it lies at or after its document's first thread opener.

    ``framing`` is the second array of :func:`newssift.classifier.comments.comment_lines` (0 none,
    1 time stamp, 2 commenter or reply)."""
    n = len(doc)
    if n == 0:
        return np.zeros(0, dtype=bool)
    framing = np.asarray(framing)
    _, end = doc_bounds(doc)
    at = np.arange(n)
    stop = np.minimum(at + THREAD_SPAN, end)

    def ahead(flags: np.ndarray) -> np.ndarray:
        csum = np.concatenate([[0], np.cumsum(flags, dtype=np.int64)])
        return csum[stop] - csum[at]

    opener = ((framing > 0) & (ahead(framing > 0) >= THREAD_MIN_FRAMING)
              & (ahead(framing >= FRAMING_VOICE) >= THREAD_MIN_VOICE))
    first = np.full(int(doc.max()) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, doc[opener], at[opener])
    return at >= first[doc]


def dropped_threads(keep: np.ndarray, framing: np.ndarray, n_words: np.ndarray,
                    doc: np.ndarray, min_body_words: int = MIN_BODY_WORDS,
                    thread: np.ndarray | None = None) -> np.ndarray:
    """Per block: whether it lies in the comment thread of a page that kept a story body
    (``keep``) before it, from the thread's opener to the end of the page: what the rule
    takes out of the story.  ``thread``: :func:`in_comment_thread` of ``framing``, when the
    caller has it (it depends on the framing alone, not on ``keep``)."""
    keep = np.asarray(keep, dtype=bool)
    if len(keep) == 0:
        return keep
    if thread is None:
        thread = in_comment_thread(framing, doc)
    body = np.bincount(doc, weights=np.where(keep & ~thread, n_words, 0), minlength=int(doc.max()) + 1)
    return thread & (body[doc] >= min_body_words)


def thread_blocks(dropped: np.ndarray, framing: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """The blocks of ``dropped`` (see :func:`dropped_threads`) that are the thread itself: up
    to the block after its last framing line (the last comment's text).  What follows, a
    "More stories" list under the comments say, is the page again."""
    n = len(doc)
    if n == 0:
        return np.zeros(0, dtype=bool)
    at = np.arange(n)
    last = np.full(int(doc.max()) + 1, -1)
    framed = np.asarray(framing) > 0
    np.maximum.at(last, doc[framed], at[framed])
    return np.asarray(dropped, dtype=bool) & (at <= last[doc] + 1)


def drop_comment_threads(keep: np.ndarray, framing: np.ndarray, n_words: np.ndarray,
                         doc: np.ndarray, min_body_words: int = MIN_BODY_WORDS,
                         thread: np.ndarray | None = None) -> np.ndarray:
    """``keep`` without the comment thread of every page that kept a story body before it
    (``thread`` as for :func:`dropped_threads`)."""
    keep = np.asarray(keep, dtype=bool)
    return keep & ~dropped_threads(keep, framing, n_words, doc, min_body_words, thread)


def markup_comment_sections(keep: np.ndarray, comment: np.ndarray, n_words: np.ndarray,
                            doc: np.ndarray, min_body_words: int = SECTION_MIN_BODY_WORDS,
                            ) -> np.ndarray:
    """Per block: whether it lies in its page's marked-up comment section (``comment``) on a
    page that keeps (``keep``) a story body outside it: what the rule takes out of the story.
    A forum page, all posts, keeps them."""
    keep = np.asarray(keep, dtype=bool)
    comment = np.asarray(comment, dtype=bool)
    if len(keep) == 0 or not comment.any():
        return np.zeros(len(keep), dtype=bool)
    body = np.bincount(doc, weights=np.where(keep & ~comment, n_words, 0), minlength=int(doc.max()) + 1)
    return comment & (body[doc] >= min_body_words)

"""User-comment threads: where a page's comments begin, and keeping them out of the story.

We count comments as boilerplate, not main.  The role model alone keeps most of
them: a comment reads like story text, and the gold standards we train on
disagree (CleanEval's, htmltotext's and some of Canola's keep comments).  What
gives a thread away is its framing, a run of "Jane says:" / "Posted by ... at
5:10 PM" / "Reply" lines, so the rule works from those lines.  It fires only
after a page has kept a story body, so that a forum page, where the posts are
the content, keeps them.
"""

from __future__ import annotations

import numpy as np

from classifier.features import doc_bounds

__all__ = ["in_comment_thread", "drop_comment_threads", "THREAD_MIN_FRAMING", "THREAD_SPAN",
           "MIN_BODY_WORDS"]

# A thread opens at a framing line followed by 3 more within the next 11 blocks:
# one such line alone also ends many a blog post.
THREAD_MIN_FRAMING = 4
THREAD_SPAN = 12
# Words the page must keep before the thread for the thread to be dropped.
MIN_BODY_WORDS = 100


def in_comment_thread(framing: np.ndarray, doc: np.ndarray) -> np.ndarray:
    """Per block: whether it lies at or after its document's first thread opener."""
    n = len(doc)
    if n == 0:
        return np.zeros(0, dtype=bool)
    framing = np.asarray(framing, dtype=bool)
    start, end = doc_bounds(doc)
    csum = np.concatenate([[0], np.cumsum(framing, dtype=np.int64)])
    at = np.arange(n)
    ahead = csum[np.minimum(at + THREAD_SPAN, end)] - csum[at]
    opener = framing & (ahead >= THREAD_MIN_FRAMING)
    first = np.full(int(doc.max()) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, doc[opener], at[opener])
    return at >= first[doc]


def drop_comment_threads(keep: np.ndarray, framing: np.ndarray, n_words: np.ndarray,
                         doc: np.ndarray, min_body_words: int = MIN_BODY_WORDS) -> np.ndarray:
    """``keep`` without the comment thread of every page that kept a story body before it."""
    keep = np.asarray(keep, dtype=bool)
    if len(keep) == 0:
        return keep
    thread = in_comment_thread(framing, doc)
    body = np.bincount(doc, weights=np.where(keep & ~thread, n_words, 0), minlength=int(doc.max()) + 1)
    return keep & ~(thread & (body[doc] >= min_body_words))

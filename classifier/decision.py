"""The main decision: which blocks of a page are its story, given P(main).

A block is main when its P(main) reaches the threshold, less the comment
threads that follow a story (:mod:`newssift.classifier.threads`).  One exception: a
page that keeps almost nothing that way.  Its story is short or unlike the
stories the model learned from (a product page, a one-paragraph post), and its
best blocks score low only because little around them looks like a story.  An
empty or near-empty answer is the worst answer for such a page, so it keeps the
blocks that reach a lower line.  A text of a few blocks is not a page but a
snippet (a lone headline, a pasted paragraph): it is taken at its word.
Leave-one-dataset-out it raised token F1 from 0.838 to 0.841 and lowered no
source (Readability +0.017, CleanEval +0.003); at 30 words instead of 20 it also
turned teasers of composed pages with a one-paragraph story into main.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from newssift.classifier.errors import InvalidInput
from newssift.classifier.headline import with_headlines
from newssift.classifier.labels import Role
from newssift.classifier.line_forms import FORM_NONE, forms_of_kept
from newssift.classifier.threads import (
    drop_comment_threads,
    dropped_threads,
    in_comment_thread,
    markup_comment_sections,
    thread_blocks,
)

__all__ = ["Decision", "decide", "headline_roles",
           "keep_main", "main_line", "check_main_threshold", "MAIN_THRESHOLD_DEFAULT",
           "MAIN_THRESHOLD_RANGE", "TEASER_THRESHOLD_DEFAULT", "SHORT_PAGE_WORDS",
           "SHORT_PAGE_FACTOR", "PAGE_MIN_BLOCKS", "SNIPPET_MAX_BLOCKS", "SNIPPET_MIN_WORDS"]

MAIN_THRESHOLD_DEFAULT = 0.5
# Outside this a threshold keeps (nearly) everything or nothing: a typo, not a choice.
MAIN_THRESHOLD_RANGE = (0.05, 0.95)
TEASER_THRESHOLD_DEFAULT = 0.5

# A page that keeps fewer words than this at the threshold is a short page ...
SHORT_PAGE_WORDS = 20
# ... and keeps the blocks that reach this share of the threshold instead.
SHORT_PAGE_FACTOR = 0.3
# Fewer blocks than this make a snippet, not a page.
PAGE_MIN_BLOCKS = 5
# A text of at most this many blocks is the document itself (a lone headline, a two-line
# snippet): its blocks of SNIPPET_MIN_WORDS words or more are its story, whatever P(main)
# says, for there is no page around them for the model to weigh them against.
SNIPPET_MAX_BLOCKS = 2
SNIPPET_MIN_WORDS = 3

# The role codes as plain ints: numpy takes an IntEnum member in some 5 us, an int in 0.1.
_MAIN, _TEASER, _BOILERPLATE = (int(r) for r in (Role.MAIN, Role.TEASER, Role.BOILERPLATE))


def _at(p_main: np.ndarray, threshold: float | np.ndarray, framing: np.ndarray | None,
        n_words: np.ndarray, doc: np.ndarray, marked_comments: np.ndarray | None = None,
        thread: np.ndarray | None = None) -> np.ndarray:
    keep = p_main >= threshold
    if framing is not None:
        keep = drop_comment_threads(keep, framing, n_words, doc, thread=thread)
    if marked_comments is not None:
        keep &= ~markup_comment_sections(keep, marked_comments, n_words, doc)
    return keep


def main_line(p_main: np.ndarray, threshold: float, framing: np.ndarray | None,
              n_words: np.ndarray, doc: np.ndarray, marked_comments: np.ndarray | None = None,
              thread: np.ndarray | None = None) -> np.ndarray:
    """Per block, the P(main) line its page is decided at: the threshold, or for a short
    page ``SHORT_PAGE_FACTOR`` times it (``thread``: ``in_comment_thread(framing, doc)``,
    when the caller has it)."""
    p_main = np.asarray(p_main)
    line = np.full(len(p_main), float(threshold))
    if len(p_main) == 0:
        return line
    keep = _at(p_main, threshold, framing, n_words, doc, marked_comments, thread)
    kept_words = np.bincount(doc, weights=np.where(keep, n_words, 0))
    short = ((kept_words < SHORT_PAGE_WORDS) & (np.bincount(doc) >= PAGE_MIN_BLOCKS))[doc]
    line[short] = threshold * SHORT_PAGE_FACTOR
    return line


def keep_main(p_main: np.ndarray, threshold: float, framing: np.ndarray | None,
              n_words: np.ndarray, doc: np.ndarray, marked_comments: np.ndarray | None = None,
              texts: Sequence[str] | None = None, line_forms: bool = True,
              headlines: bool = True) -> np.ndarray:
    """Which blocks are main, as :func:`decide` and the labeller decide it.

    ``framing`` holds the blocks' comment-framing kinds, or None to keep comment
    threads; ``marked_comments`` marks the blocks a page's markup puts in its comment section (None:
    no markup, or comments kept); ``doc`` numbers the blocks' documents (ascending runs);
    ``texts``, the blocks' texts, takes out the lines whose form says they are no story
    (``line_forms``, :mod:`~newssift.classifier.line_forms`) and keeps each story's headline
    (``headlines``, :mod:`~newssift.classifier.headline`; None: P(main) alone)."""
    p_main = np.asarray(p_main)
    thread = in_comment_thread(framing, doc) if framing is not None else None
    keep = _at(p_main, main_line(p_main, threshold, framing, n_words, doc, marked_comments, thread),
               framing, n_words, doc, marked_comments, thread)
    if texts is None:
        return keep
    if line_forms:
        keep &= forms_of_kept(keep, texts, n_words, doc, SNIPPET_MAX_BLOCKS) == FORM_NONE
    return with_headlines(keep, texts, n_words, doc)[0] if headlines else keep


def check_main_threshold(threshold: float) -> float:
    """``threshold`` if it is a usable P(main) threshold, else :class:`InvalidInput`."""
    lo, hi = MAIN_THRESHOLD_RANGE
    if (isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, numbers.Real)
            or not lo <= threshold <= hi):
        raise InvalidInput(f"main threshold {threshold!r} is outside {lo}..{hi}; "
                           f"{MAIN_THRESHOLD_DEFAULT} is the default, lower keeps more")
    return float(threshold)


@dataclass(frozen=True)
class Decision:
    """Where the lines between the roles fall, given the model's probabilities.

    Gold standards disagree on how much of a page is the story: CleanEval's keeps
    comments and Modern2026's keeps listings (best near 0.3), the Utomo sets' keep
    less (best near 0.7).  A corpus owner who knows which way theirs
    leans says so with a decision, without retraining.  Frozen and hashable: the
    service labels requests together when they share one.
    """

    main_threshold: float = MAIN_THRESHOLD_DEFAULT
    drop_comment_threads: bool = True   # comment threads after a story are boilerplate
    teaser_threshold: float = TEASER_THRESHOLD_DEFAULT
    # The story's own headline is main (classifier/headline.py), whatever P(main) says.
    headlines: bool = True
    # A main line whose form says it is no story ("Read more: ...", "Advertisement",
    # "Photo: ...") leaves the story (classifier/line_forms.py).
    line_forms: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "main_threshold", check_main_threshold(self.main_threshold))
        if not isinstance(self.drop_comment_threads, (bool, np.bool_)):
            raise InvalidInput(f"drop_comment_threads must be true or false, "
                               f"not {self.drop_comment_threads!r}")
        object.__setattr__(self, "drop_comment_threads", bool(self.drop_comment_threads))
        t = self.teaser_threshold
        if isinstance(t, (bool, np.bool_)) or not isinstance(t, numbers.Real) or not 0 < t < 1:
            raise InvalidInput(f"teaser threshold {t!r} is outside 0..1")
        object.__setattr__(self, "teaser_threshold", float(t))
        for name in ("headlines", "line_forms"):
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise InvalidInput(f"{name} must be true or false, not {value!r}")
            object.__setattr__(self, name, bool(value))

    def with_options(self, main_threshold: float | None = None,
                     keep_comments: bool | None = None) -> Decision:
        """This decision with the user's options (the CLI's, a request's) applied."""
        if keep_comments is not None and not isinstance(keep_comments, (bool, np.bool_)):
            raise InvalidInput(f"keep_comments must be true or false, not {keep_comments!r}")
        changes: dict = {}
        if main_threshold is not None:
            changes["main_threshold"] = main_threshold
        if keep_comments:
            changes["drop_comment_threads"] = False
        return replace(self, **changes) if changes else self

    def to_dict(self) -> dict:
        return {"main_threshold": self.main_threshold,
                "drop_comment_threads": self.drop_comment_threads,
                "teaser_threshold": self.teaser_threshold, "headlines": self.headlines,
                "line_forms": self.line_forms}


def decide(p_main: np.ndarray, p_teaser: np.ndarray, framing: np.ndarray | None,
           n_words: np.ndarray, doc: np.ndarray, decision: Decision,
           marked_comments: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each block's role code (:class:`Role`) and that role's probability.

    ``role_score`` is ``P(main)``, ``(1 - P(main)) P(teaser)`` or
    ``(1 - P(main)) (1 - P(teaser))``; a comment (a block of a dropped comment thread, up to
    the block after its last framing line, or one the main head would keep) is boilerplate
    scored by ``1 - P(main)``: a comment is no teaser, however much a thread's run of short
    paragraphs looks like a list of them.  So is a block of the comment section a page's
    markup names (``marked_comments``, see :func:`newssift.classifier.threads.markup_comment_sections`).
    Each story's headline is made main after it (:func:`headline_roles`)."""
    drop = framing if decision.drop_comment_threads else None
    sections = marked_comments if decision.drop_comment_threads else None
    # Where each page's comment thread starts depends on its framing lines alone: found once.
    thread = in_comment_thread(drop, doc) if drop is not None else None
    line = main_line(p_main, decision.main_threshold, drop, n_words, doc, sections, thread)
    is_main = p_main >= line
    # The thread the rule drops, at the line its page is decided at (what _at takes out).
    dropped = (dropped_threads(is_main, drop, n_words, doc, thread=thread) if drop is not None
               else None)
    if dropped is not None:
        is_main &= ~dropped
    in_section = (markup_comment_sections(is_main, sections, n_words, doc) if sections is not None
                  else None)
    if in_section is not None:
        is_main &= ~in_section
    if len(doc):
        snippet = (np.bincount(doc)[doc] <= SNIPPET_MAX_BLOCKS) & (n_words >= SNIPPET_MIN_WORDS)
        is_main = is_main | snippet
    comment = ~is_main & (p_main >= decision.main_threshold)
    if dropped is not None:
        comment |= ~is_main & thread_blocks(dropped, drop, doc)
    if in_section is not None:
        comment |= ~is_main & in_section
    is_teaser = ~is_main & ~comment & (p_teaser >= decision.teaser_threshold)
    role = np.where(is_main, _MAIN, np.where(is_teaser, _TEASER, _BOILERPLATE)).astype(np.int8)
    role_score = np.where(is_main, p_main,
                          np.where(is_teaser, (1 - p_main) * p_teaser,
                                   np.where(comment, 1 - p_main, (1 - p_main) * (1 - p_teaser))))
    return role, role_score


def headline_roles(role: np.ndarray, role_score: np.ndarray, p_main: np.ndarray,
                   texts: Sequence[str], n_words: np.ndarray, doc: np.ndarray, n_docs: int,
                   decision: Decision) -> np.ndarray | None:
    """Make each story's headline main (:mod:`~newssift.classifier.headline`), in place,
    scored by its P(main), when ``decision.headlines``; each document's headline block
    (-1: none found), None when not looked for."""
    if not decision.headlines:
        return None
    _, heads = with_headlines(role == Role.MAIN, texts, n_words, doc, n_docs)
    found = heads[heads >= 0]
    role[found] = Role.MAIN
    role_score[found] = p_main[found]
    return heads

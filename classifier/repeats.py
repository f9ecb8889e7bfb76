"""The site-repeats head: how much a line's recurrence on its site's other pages says.

Given a corpus's :class:`~newssift.classifier.site_lines.SiteLines`, each block has two
numbers: how many other pages of its site the corpus holds (``n``) and on how many of them
its line occurs (``c``).  The head shifts the block's log-odds of main by a learned linear
function of four features of ``(n, c, P(main))``, and by nothing when the site has no other
page: with no corpus (one document sent alone) the model is unchanged.

Why learned, and why these features: a bare rule (drop a kept line seen on 3+ of the
site's pages) is right for a template's lines and wrong for a story syndicated to several
pages, a quoted sentence, a product name on a shop's every page, and a site whose gold
keeps its disclaimer.  The head weighs the recurrence against the model's own confidence
(the ``*_trust`` features are recurrence times the block's log-odds, so a paragraph the
model is sure of needs more recurrence to lose) and against how many pages there are to
count on (``log(1 + n)``: three pages of a site say less than three hundred).  It is fitted
on out-of-fold role scores of the training data's sites (``newssift.training.repeats``);
the figures are in docs/experiments.md.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RepeatHead", "repeat_features", "FEATURES", "REPEATED_ON"]

FEATURES = ("repeated", "repeated_trust", "share", "share_trust")
REPEATED_ON = 2       # a line on this many other pages of its site (3 with its own) is "repeated"
TRUST_SCALE = 3.0     # log-odds are divided by this in the *_trust features
_LOGIT_CLIP = 15.0


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-7, 1 - 1e-7)
    return np.clip(np.log(p / (1 - p)), -_LOGIT_CLIP, _LOGIT_CLIP)


def repeat_features(p_main: np.ndarray, n_other: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Blocks x :data:`FEATURES`: ``n_other`` is each block's site's other pages, ``other``
    the other pages its line occurs on.  All zero where ``n_other`` is 0."""
    n = np.asarray(n_other, dtype=np.float64)
    c = np.asarray(other, dtype=np.float64)
    has = n > 0
    ln = np.log1p(n)
    share = np.where(has, c / np.maximum(n, 1), 0.0)
    repeated = (c >= REPEATED_ON) & has
    trust = _logit(p_main) / TRUST_SCALE
    return np.column_stack([repeated * ln, repeated * trust, share * ln, share * trust])


class RepeatHead:
    """A shift of the main log-odds from :func:`repeat_features` (``coef`` one per feature)."""

    def __init__(self, coef: np.ndarray, features: tuple[str, ...] = FEATURES) -> None:
        coef = np.asarray(coef, dtype=np.float64)
        if tuple(features) != FEATURES or coef.shape != (len(FEATURES),):
            raise ValueError(f"a site-repeats head over {list(features)} with {coef.size} weights; "
                             f"this newssift reads one over {list(FEATURES)}")
        self.coef = coef

    def adjust(self, p_main: np.ndarray, n_other: np.ndarray, other: np.ndarray) -> np.ndarray:
        """P(main) given the blocks' site repeats (unchanged where their site has no other page)."""
        p_main = np.asarray(p_main, dtype=np.float64)
        shift = repeat_features(p_main, n_other, other) @ self.coef
        out = p_main.copy()
        moved = shift != 0
        if moved.any():
            out[moved] = 1.0 / (1.0 + np.exp(-(_logit(p_main[moved]) + shift[moved])))
        return out

    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        return {"features": list(FEATURES), "repeated_on": REPEATED_ON,
                "coef": [float(x) for x in self.coef]}, {}

    @classmethod
    def from_arrays(cls, config: dict, arrays: dict[str, np.ndarray]) -> RepeatHead:
        if config.get("repeated_on", REPEATED_ON) != REPEATED_ON:
            raise ValueError(f"a site-repeats head for lines on {config['repeated_on']} other pages; "
                             f"this newssift counts {REPEATED_ON}")
        return cls(np.array(config["coef"], dtype=np.float64), tuple(config["features"]))

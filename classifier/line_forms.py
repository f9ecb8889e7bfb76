"""Lines whose form says they are not the story, wherever they sit.

The role heads weigh a block against its neighbours, so a short line between two story
paragraphs inherits their label: "Read more: <another story's headline>", "Article
continues below", "Photo: Jane Roe for The Courier".  What gives such a line away is
its form, the same on every site: a cross-link label and a title, a note about the page
itself, a cookie notice, a picture credit.  A block the decision calls main and that has
one of these forms is taken out of the story: a cross-link becomes a teaser (it names
another story), a note or a credit boilerplate, scored by ``1 - P(main)`` as the comment
rule scores what it takes out.

Only the forms a story does not use are here.  Measured on the shared block data's
4,196 labelled pages (every source), the patterns match 3,000 blocks labelled not main and
161 labelled main (gold standards that keep "Continue reading the main story", a
"Photo: ..." caption, a "Read more: ..." link or a shop's cookie notice); token F1 of the
shipped model's output moved by at most 0.0004 on any source.  Bylines were left out: 40%
of the lines of the form "By Jane Roe" are main in the gold standards.  The forms were
chosen after reading which lines of issue 24's benchmark slipped through, so that
benchmark's figures for them are no longer an independent estimate (docs/experiments.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from newssift.classifier.labels import Role

__all__ = ["FORM_NONE", "FORM_CROSS_LINK", "FORM_NOTE", "MAX_FORM_WORDS", "line_form",
           "forms_of_kept", "apply_line_forms"]

FORM_NONE, FORM_CROSS_LINK, FORM_NOTE = 0, 1, 2
# Longer blocks are prose, whatever they start with; but a cookie notice runs to a few
# sentences.
_MAX_LINE_WORDS = 20
MAX_FORM_WORDS = 45
_MAX_TITLE_WORDS = 16   # a cross-link's title: a headline, not a paragraph
_MAX_CREDIT_WORDS = 14

# A label and its title are parted by a colon, a bar or an arrow, or by a dash with a space
# before it ("Related - ..."; not "Video-on-demand sales: ...").
_SEP = r"(?:\s*[:|»›>]+|\s+[-–—]+)\s*"
_CROSS_LINK = re.compile(
    r"(?:see also|related(?: stories| story| articles?| content| reading| coverage| links?| posts?)?"
    r"|recommended(?: reading| stories| articles?| for you)?|read more|read also|also read|also see"
    r"|more on (?:this|that)(?: story| topic)?|further reading|don'?t miss|must read"
    r"|you (?:may|might) also (?:like|enjoy)|more stories|more coverage|top stories"
    r"|editor'?s picks?|what to read next|read next|up next|next story|previous story)"
    + _SEP + r"(?P<title>\S.*)", re.IGNORECASE)
_NOTE = re.compile(
    r"(?:(?:the |this )?(?:story|article|report|text|post|piece) continues (?:below|after|under)"
    r"(?: (?:the |this )?(?:ad|advert|advertisement|video|photo|image|gallery))?"
    r"|continue reading(?: (?:the|this) (?:main |full )?(?:story|article|post))?(?: below)?"
    r"|(?:story|article) continues below advertisement"
    r"|advertisement(?: - (?:scroll|continue) (?:to|reading) continue)?"
    r"|(?:scroll|keep scrolling)(?: down)? (?:to|for) (?:continue|keep|more)(?: reading)?"
    r"|be the first (?:of your friends )?to (?:like|comment on|share|review) this"
    r"|(?:click|tap) (?:here )?to (?:enlarge|expand|play|view (?:the )?(?:gallery|image|photo|video))"
    r"|(?:photo|image|video) (?:gallery|slideshow))\W*", re.IGNORECASE)
# A cookie notice names cookies and what the reader is to do or know of them ("We use
# cookies ...", "By continuing to browse, you agree to our use of cookies", "Accept all
# cookies"); a recipe's "cookie sheet" names neither.
_COOKIE = re.compile(
    r"(?=.*\bcookies?\b)(?=.*\b(?:we use|this (?:site|website) uses|uses cookies|use of cookies"
    r"|accept(?: all)? cookies|cookie (?:policy|settings|preferences|notice|consent)|consent to"
    r"|you agree|by continuing|manage (?:choices|preferences|cookies)|opt out)\b)",
    re.IGNORECASE | re.DOTALL)
_CREDIT = re.compile(
    r"(?:(?:photo(?:graph)?s?|images?|pictures?|pics?|illustrations?|credits?"
    r"|(?:photo|image|picture) credits?)\s*[:|©]\s*\S.{0,80}"
    r"|(?:photo(?:graph)?s?|images?|illustrations?|photography) by \S.{0,60}"
    r"|©\s*\S.{0,60})", re.IGNORECASE)


def line_form(text: str) -> int:
    """:data:`FORM_CROSS_LINK`, :data:`FORM_NOTE` (a note about the page, a cookie notice
    or a picture credit) or :data:`FORM_NONE` for one block's text."""
    t = text.strip()
    words = len(t.split())
    if not t or words > MAX_FORM_WORDS:
        return FORM_NONE
    if _COOKIE.match(t) is not None:
        return FORM_NOTE
    if words > _MAX_LINE_WORDS:
        return FORM_NONE
    link = _CROSS_LINK.fullmatch(t)
    if link is not None and len(link.group("title").split()) <= _MAX_TITLE_WORDS:
        return FORM_CROSS_LINK
    if _NOTE.fullmatch(t) is not None:
        return FORM_NOTE
    if words <= _MAX_CREDIT_WORDS and _CREDIT.fullmatch(t) is not None:
        return FORM_NOTE
    return FORM_NONE


def forms_of_kept(kept: np.ndarray, texts: Sequence[str], n_words: np.ndarray, doc: np.ndarray,
                  snippet_blocks: int) -> np.ndarray:
    """Each block's form (:func:`line_form`), read only for the ``kept`` (main) blocks of
    :data:`MAX_FORM_WORDS` words or fewer, a few a page, and none of a snippet (a text of
    ``snippet_blocks`` blocks or fewer is taken at its word); FORM_NONE elsewhere."""
    forms = np.zeros(len(kept), dtype=np.int8)
    if not len(doc):
        return forms
    page = np.bincount(doc)[doc] > snippet_blocks
    for i in np.flatnonzero(kept & (n_words <= MAX_FORM_WORDS) & page).tolist():
        forms[i] = line_form(texts[i])
    return forms


def apply_line_forms(role: np.ndarray, role_score: np.ndarray, p_main: np.ndarray,
                     forms: np.ndarray) -> None:
    """Take the blocks with a form out of the story, in place: a cross-link becomes a
    teaser, a note boilerplate, each scored by ``1 - P(main)``."""
    formed = forms != FORM_NONE
    role[formed] = np.where(forms[formed] == FORM_CROSS_LINK, Role.TEASER, Role.BOILERPLATE)
    role_score[formed] = 1.0 - p_main[formed]

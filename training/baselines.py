"""The extractors users have today, run on the same blocks: jusText and a plain length rule."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["justext_keep", "length_rule_keep", "justext_available"]


def justext_available() -> bool:
    try:
        import justext  # noqa: F401
    except ImportError:
        return False
    return True


def justext_keep(texts: Sequence[str], language: str = "English") -> list[bool]:
    """jusText's keep/drop decision for each block, the blocks given to it as <p> elements.

    jusText needs HTML; wrapping each block in its own paragraph is the fairest
    text-only input it can get (it still uses its own context revision).
    """
    import justext

    if not texts:
        return []
    html = "<html><body>" + "".join(f"<p>{escape(t)}</p>" for t in texts) + "</body></html>"
    paragraphs = justext.justext(html.encode("utf-8"), justext.get_stoplist(language),
                                 encoding="utf-8")
    keep = [not p.is_boilerplate for p in paragraphs]
    if len(keep) == len(texts):
        return keep
    # jusText dropped or merged something: align by text, in order.
    kept_texts = [p.text for p in paragraphs if not p.is_boilerplate]
    out, j = [], 0
    for t in texts:
        match = j < len(kept_texts) and " ".join(t.split()) == kept_texts[j]
        out.append(match)
        j += match
    return out


def length_rule_keep(texts: Sequence[str], min_words: int) -> list[bool]:
    """Keep blocks of at least ``min_words`` words."""
    return [len(t.split()) >= min_words for t in texts]

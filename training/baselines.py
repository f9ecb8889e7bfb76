"""What users have today, run on the same inputs: jusText and a plain length rule for the
roles, a plain TF-IDF + LinearSVC for the topics, and on raw pages the extractors people
run on HTML (trafilatura, readability-lxml, jusText).

The HTML extractors are not dependencies of newssift (``pip install newssift[compare]``
installs them); one that is not installed is left out of a report, and says so."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["justext_keep", "length_rule_keep", "justext_available", "topic_svc",
           "accepted_topic", "HTML_EXTRACTORS", "html_extractors_available", "extract_text"]

# The extractors scored on raw pages, by the name a report gives them: the module each needs.
HTML_EXTRACTORS = {"trafilatura": "trafilatura", "readability": "readability",
                   "jusText": "justext"}


def justext_available() -> bool:
    try:
        import justext  # noqa: F401
    except ImportError:
        return False
    return True


def justext_keep(texts: Sequence[str], language: str | None = "English") -> list[bool]:
    """jusText's keep/drop decision for each block, the blocks given to it as <p> elements.

    jusText needs HTML; wrapping each block in its own paragraph is the fairest
    text-only input it can get (it still uses its own context revision).  ``language``
    names its stoplist (``justext.get_stoplists()``); None runs it without one, in the
    language-independent mode its documentation gives (both stopword thresholds 0).
    """
    import justext

    if not texts:
        return []
    html = "<html><body>" + "".join(f"<p>{escape(t)}</p>" for t in texts) + "</body></html>"
    if language is None:
        paragraphs = justext.justext(html.encode("utf-8"), frozenset(), encoding="utf-8",
                                     stopwords_low=0, stopwords_high=0)
    else:
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


def topic_svc():
    """The topic baseline: TF-IDF of word 1-2-grams and a linear SVM, the usual first try."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    return make_pipeline(TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2),
                         LinearSVC(C=0.5))


def accepted_topic(pred: str | None, topic: str, proxy: bool) -> bool:
    """A world-news section's row (a proxy for conflict) also carries diplomacy and
    elections abroad, so politics is accepted for it too."""
    return pred == topic or (proxy and topic == "conflict" and pred == "politics")


def html_extractors_available() -> dict[str, bool]:
    """Which of :data:`HTML_EXTRACTORS` are installed."""
    import importlib.util

    return {name: importlib.util.find_spec(module) is not None
            for name, module in HTML_EXTRACTORS.items()}


def extract_text(name: str, html: str) -> str:
    """The main text ``name`` (one of :data:`HTML_EXTRACTORS`) extracts from a page, with its
    default settings ("" when it finds none or fails on the page, as a user would get nothing).

    - trafilatura: ``trafilatura.extract``;
    - readability: readability-lxml's ``Document.summary()``, its text;
    - jusText: the paragraphs ``justext.justext`` keeps (English stoplist), one a line."""
    try:
        if name == "trafilatura":
            import trafilatura

            return trafilatura.extract(html) or ""
        if name == "readability":
            import lxml.html
            from readability import Document

            summary = Document(html).summary(html_partial=True)
            return lxml.html.fromstring(summary).text_content() if summary.strip() else ""
        if name == "jusText":
            import justext

            paragraphs = justext.justext(html.encode("utf-8"), justext.get_stoplist("English"),
                                         encoding="utf-8")
            return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)
    except Exception:  # noqa: BLE001 - an extractor failing on a page extracts nothing from it
        return ""
    raise ValueError(f"unknown extractor {name!r}; one of {', '.join(HTML_EXTRACTORS)}")

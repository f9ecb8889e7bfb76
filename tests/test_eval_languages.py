"""Roles by page language: the leave-one-dataset-out page scores grouped by language, jusText
with each page's own stoplist, and where the rows are printed and recorded."""

import gzip
import json

import numpy as np
import pytest

from newssift.training.corpus import RoleDoc
from newssift.training.eval_format import format_languages, format_lodo
from newssift.training.eval_languages import (
    JUSTEXT_STOPLISTS,
    NON_ENGLISH,
    justext_stoplist,
    language_rows,
    own_stoplist_scores,
)
from newssift.training.eval_pages import PageScore
from newssift.training.sources import BlockPage, read_block_pages

justext = pytest.importorskip("justext")

GERMAN = [
    "Startseite",
    "Der Mieterbund fordert eine Reform des Mietrechts, weil die Mieten in den großen Städten "
    "im vergangenen Jahr erneut deutlich gestiegen sind und viele Familien mit Kindern nicht "
    "mehr wissen, wie sie die Wohnung bezahlen sollen.",
    "Nach Angaben des Verbandes müssen viele Haushalte inzwischen mehr als ein Drittel ihres "
    "Einkommens für die Miete ausgeben, und die Regierung hat bis jetzt keinen Plan vorgelegt.",
    "Impressum",
]


def page(lang, f1, main=(1, 0)):
    return PageScore("src", f1, [True] * len(main), list(main), [True] * len(main), lang)


def test_pages_are_grouped_by_language_with_non_english_together():
    model = [page("en", 0.9), page("de", 0.5), page("en", 0.7), page("zh", 0.3), page(None, 0.6)]
    rows = language_rows({"newssift": model, "length": [page(p.lang, 0.1) for p in model]})
    assert list(rows) == ["en", "de", "unknown", "zh", NON_ENGLISH]
    assert rows["en"]["newssift"]["pages"] == 2
    assert rows["en"]["newssift"]["token_f1"] == pytest.approx(0.8)
    assert rows[NON_ENGLISH]["newssift"]["pages"] == 3
    assert rows[NON_ENGLISH]["newssift"]["token_f1"] == pytest.approx((0.5 + 0.3 + 0.6) / 3)
    assert rows["zh"]["length"]["token_f1"] == pytest.approx(0.1)
    text = format_languages(rows, 10)
    assert "length 10+" in text and "non-English" in text and "jusText own" in text


def test_an_english_only_run_has_no_non_english_row():
    rows = language_rows({"newssift": [page("en", 0.9)]})
    assert list(rows) == ["en"]


def test_every_stoplist_named_is_one_justext_ships():
    shipped = set(justext.get_stoplists())
    assert set(JUSTEXT_STOPLISTS.values()) <= shipped
    assert justext_stoplist("de") == "German" and justext_stoplist("hr") == "Croatian"
    assert justext_stoplist("zh") is None and justext_stoplist(None) is None


def _doc(texts, lang, main):
    gold = "\n".join(t for t, m in zip(texts, main) if m)
    p = BlockPage(f"x/{lang}", "x", list(texts), list(main), [float(m) for m in main], gold, lang)
    return RoleDoc(list(texts), np.asarray(main), "x", page=p)


def test_jusText_with_the_pages_own_stoplist_keeps_a_german_story():
    from newssift.training.baselines import justext_keep
    from newssift.training.eval_pages import _page_scores

    docs = [_doc(GERMAN, "de", [0, 1, 1, 0]), _doc(["Home", "A story."], "en", [0, 1])]
    english = _page_scores(docs, [justext_keep(d.texts) for d in docs])
    own = own_stoplist_scores(docs, english)
    assert own[1] is english[1]  # an English page: the English stoplist's score
    assert english[0].token_f1 < 0.5 < own[0].token_f1
    # No stoplist for the language: jusText's language-independent mode, not an error.
    assert len(justext_keep(["一个句子。", "另一个句子。"], None)) == 2


def test_block_pages_keep_their_language(tmp_path):
    path = tmp_path / "p.jsonl.gz"
    rec = {"id": "x/1", "dataset": "x", "lang": "hr", "blocks": [{"text": "a", "main": 1}], "gold": "a"}
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(rec) + "\n" + json.dumps({**rec, "id": "x/2", "lang": None}) + "\n")
    assert [p.lang for p in read_block_pages(path)] == ["hr", None]


def test_the_lodo_report_and_the_card_carry_the_language_rows():
    from newssift.training.model_card import _lodo_tables

    cell = {"token_f1": 0.8, "block_f1": 0.7, "block_precision": 0.7, "block_recall": 0.7, "pages": 3}
    rows = language_rows({"newssift": [page("en", 0.9), page("de", 0.4)],
                          "justext": [page("en", 0.8), page("de", 0.2)],
                          "justext_own": [page("en", 0.8), page("de", 0.6)],
                          "length": [page("en", 0.7), page("de", 0.5)]})
    report = {"best_length_rule": 15, "sources": {"a": {"newssift": cell}}, "all": {"newssift": cell},
              "languages": rows}
    assert "Roles by page language" in format_lodo(report)
    card = "\n".join(_lodo_tables(report))
    assert "### Roles by page language" in card
    assert "| de | 1 | 0.400 | 0.200 | 0.600 | 0.500 |" in card.replace("**", "")

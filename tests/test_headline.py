"""The story's own headline: the short line above the story that shares its words is main,
and ``article.headline`` names it (our own texts throughout)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newssift.classifier.decision import Decision
from newssift.classifier.errors import InvalidInput
from newssift.classifier.headline import find_headlines, with_headlines

STORY = [
    "Home | World | Business | Sport",
    "Flood barriers hold as river Severn reaches record height",
    "By Sam Reed, environment correspondent",
    "Share on Facebook | Share on X | Email",
    "Flood barriers along the river Severn held overnight as the water reached a record "
    "height, the Environment Agency said on Wednesday, sparing hundreds of homes.",
    "Engineers spent the night checking the barriers in Shrewsbury and Bewdley, where the "
    "river rose faster than forecast after three days of heavy rain.",
    "More from the BBC: rail strikes called off after last-minute deal",
]


def _find(docs, keep_of):
    texts = [t for d in docs for t in d]
    doc = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
    n_words = np.array([len(t.split()) for t in texts])
    keep = np.array([keep_of(t) for t in texts])
    return find_headlines(texts, keep, n_words, doc, len(docs)), texts, keep, n_words, doc


def _story(text: str) -> bool:
    return len(text.split()) >= 15 and not text.startswith("More from")


def test_the_line_that_names_the_story_is_its_headline_not_the_byline_or_share_bar():
    heads, texts, *_ = _find([STORY], _story)
    assert texts[heads[0]] == STORY[1]


def test_no_headline_where_no_line_above_the_story_shares_its_words():
    page = [STORY[0], "Weather warning issued for the weekend", *STORY[2:]]
    heads, *_ = _find([page], _story)
    assert heads[0] == -1


def test_a_story_from_the_first_line_has_no_headline_and_a_page_without_a_story_neither():
    heads, *_ = _find([STORY[4:6], STORY[:4]], _story)
    assert heads.tolist() == [-1, -1]


def test_each_document_of_a_batch_gets_its_own():
    other = ["Menu", "Council approves new cycle lanes for city centre",
             "The city council approved new cycle lanes for the centre on Monday, after a year "
             "of consultation in which most residents backed the plan to cut traffic."]
    heads, texts, keep, n_words, doc = _find([STORY, other, STORY], _story)
    assert [texts[h] for h in heads] == [STORY[1], other[1], STORY[1]]
    kept, again = with_headlines(keep, texts, n_words, doc)
    assert again.tolist() == heads.tolist() and kept[heads].all()
    assert (kept & ~keep).sum() == 3


def test_the_model_calls_the_headline_main_and_names_it(shipped_model):
    result = shipped_model.segment("\n".join(STORY))
    roles = {s.text: s.role for s in result.segments}
    assert roles[STORY[4]] == roles[STORY[5]] == roles[STORY[1]] == "main"
    assert roles[STORY[0]] != "main"
    assert result.article.headline == STORY[1]
    assert result.article.text.startswith(STORY[1])
    assert result.to_dict()["article"]["headline"] == STORY[1]


def test_a_decision_without_headlines_leaves_them_to_p_main(shipped_model):
    off = shipped_model.segment("\n".join(STORY), decision=Decision(headlines=False))
    assert off.article.headline is None
    assert Decision().to_dict()["headlines"] is True
    with pytest.raises(InvalidInput, match="headlines must be true or false"):
        Decision(headlines="yes")


def test_empty_documents_anywhere_in_a_batch_have_no_headline(shipped_model):
    results = shipped_model.segment_many(["", "\n".join(STORY), "", "   "])
    assert [r.article.headline for r in results] == [None, STORY[1], None, None]


_LINES = st.lists(st.sampled_from([
    "", "Menu", "Flood barriers hold on the river Severn", "By Sam Reed",
    "Flood barriers along the river Severn held overnight as the water reached a record height "
    "the agency said on Wednesday sparing hundreds of homes in the valley.",
    "洪水 屏障 在 河流 上 守住了",
    "洪水屏障在塞文河上守住了，水位创下纪录，数百户家庭免于受灾。这是官员周三说的。",
    "Share | Email", "  ", "Severn Severn Severn river river",
]), max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINES, max_size=4), st.integers(0, 2 ** 32 - 1))
def test_any_batch_gets_at_most_one_headline_a_document_above_its_story(docs, seed):
    rng = np.random.default_rng(seed)
    texts = [t for d in docs for t in d]
    doc = np.repeat(np.arange(len(docs)), [len(d) for d in docs]).astype(np.int64)
    n_words = np.array([len(t.split()) for t in texts], dtype=np.int64)
    keep = rng.random(len(texts)) < 0.5
    heads = find_headlines(texts, keep, n_words, doc, len(docs))
    assert heads.shape == (len(docs),)
    for d, h in enumerate(heads.tolist()):
        if h < 0:
            continue
        assert doc[h] == d and 3 <= n_words[h] <= 30
        story = [i for i in np.flatnonzero(doc == d) if keep[i] and n_words[i] >= 15]
        assert story and story[0] - 6 <= h < story[0]

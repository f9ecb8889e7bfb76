"""Every text with words gets an article topic, and says where it came from: a lone headline
or a two-line snippet is the document itself, a page without a story takes its teasers'
topic, a page of boilerplate its words'."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import SHARED, needs_shared

from newssift.classifier.corrections import CorrectionMemory
from newssift.classifier.features import SHAPE_COLUMNS


def test_a_lone_headline_is_the_document_and_has_a_topic(shipped_model):
    result = shipped_model.segment("Supreme court overturns conviction of former minister")
    (seg,) = result.segments
    assert seg.role == "main" and seg.topic == result.article.topic is not None
    assert result.article.topic_from == "main"


def test_a_two_line_snippet_is_the_document(tiny_model):
    result = tiny_model.segment("Storm closes the northern ports\n"
                                "Ferries stay in harbour until Friday, officials say")
    assert [s.role for s in result.segments] == ["main", "main"]
    assert result.article.topic is not None and result.article.topic_from == "main"


@pytest.mark.parametrize("n_words, sizes, expected", [
    ([5], [1], [0]),                    # a lone headline: main, whatever P(main) says
    ([4, 9], [2], [0, 0]),              # a two-line snippet
    ([1, 2], [2], [2, 2]),              # "Home", "Contact us": left to the model
    ([5, 5, 5], [3], [2, 2, 2]),        # three blocks are a page: the model decides
])
def test_the_snippet_rule(n_words, sizes, expected):
    import numpy as np

    from newssift.classifier.decision import Decision, decide

    n = len(n_words)
    doc = np.repeat(np.arange(len(sizes)), sizes)
    role, _ = decide(np.full(n, 0.1), np.full(n, 0.1), None, np.array(n_words), doc, Decision())
    assert role.tolist() == expected


def test_a_page_of_teasers_takes_their_topic(tiny_model):
    text = "\n".join(["Menu", "Latest news"] + [
        "Striker signs a new contract with the champions until 2028 …",
        "Goalkeeper ruled out of the derby with a knee injury …",
        "Coach says the title race is not over yet …"])
    labels = [{"index": i, "role": "teaser"} for i in (2, 3, 4)] + [
        {"index": i, "role": "boilerplate"} for i in (0, 1)]
    memory = CorrectionMemory.from_records([{"text": text, "labels": labels}])
    art = tiny_model.segment(text, memory=memory).article
    assert (art.n_main, art.n_teaser) == (0, 3)
    assert art.topic is not None and art.topic_from == "teasers"


def test_a_page_of_boilerplate_takes_its_words_topic(tiny_model):
    text = "Football scores and fixtures\nTransfer news and rumours\nLeague tables\nCup results"
    memory = CorrectionMemory.from_records([{"text": text, "labels": [
        {"index": i, "role": "boilerplate"} for i in range(4)]}])
    art = tiny_model.segment(text, memory=memory).article
    assert art.n_boilerplate == 4 and art.topic is not None and art.topic_from == "all"


@pytest.mark.parametrize("text", ["", "\n\n", "   \n\t\n"])
def test_a_text_without_words_has_no_topic(tiny_model, text):
    art = tiny_model.segment(text).article
    assert art.topic is None and art.topic_from is None


@needs_shared
@pytest.mark.parametrize("name", ["nyt-frontpage", "huffpost-headlines", "huffpost", "satp", "20news"])
def test_no_topic_row_sent_alone_gets_a_null_topic(shipped_model, name):
    """As a user sends them: each row's text as one document (the first 400 rows of a file)."""
    rows = []
    with gzip.open(SHARED / "data" / "topics" / f"{name}-train.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            rows.append(json.loads(line)["text"])
            if len(rows) == 400:
                break
    results = shipped_model.segment_many([r for r in rows if r.split()])
    nulls = [r.segments[0].text[:60] for r in results if r.article.topic is None]
    assert nulls == []


def test_the_article_topic_reads_the_main_text_as_one_document(shipped_model):
    """A short headline counts for its words, not as much as a paragraph: the article row
    is the TF-IDF of the main blocks' summed counts, the form the head learnt from."""
    import numpy as np

    paragraphs = [
        "Shares in the regional airline fell sharply after the company warned investors that fuel "
        "costs and weaker bookings would wipe out most of its annual profit this year.",
        "The airline's chief executive told analysts that the board would review its dividend, "
        "cut capacity on loss-making routes and delay the delivery of new aircraft.",
        "Bond markets reacted calmly, but the company's shares have now lost a third of their "
        "value since January, and two banks lowered their price targets on Tuesday.",
    ]
    text = "\n".join(["Late penalty sends United into the cup final", *paragraphs])
    result = shipped_model.segment(text)
    main = [s.text for s in result.segments if s.role == "main"]
    assert len(main) >= 3
    # The blocks joined as one text (which adds a bigram across each line break: hence
    # the tolerance; unit rows summed, as before, were 0.045 away).
    scores = shipped_model.score([main])
    joined = shipped_model.featurizer.transform([["\n".join(main)]])
    expected = shipped_model.topic.predict_proba(joined.tfidf, joined.dense[:, :SHAPE_COLUMNS])[0]
    assert np.abs(scores.article_proba[0] - expected).max() < 0.01
    assert result.article.topic == shipped_model.topics[int(np.argmax(expected))]


STORY = [
    "Government troops shelled rebel positions along the river overnight, and the rebels "
    "answered with drones that struck two army convoys near the crossing.",
    "Aid groups said the fighting had forced thousands of families to flee the villages "
    "south of the front line, where water and power have been cut since Sunday.",
    "A ceasefire agreed last month collapsed within days, and both sides accuse the other "
    "of massing troops and artillery for a new offensive before the winter.",
]


def _article(model, texts: list[str]):
    import numpy as np

    scores = model.score([texts])
    at = texts.index(STORY[0])
    assert (scores.role[at:at + len(STORY)] == 0).all()
    return scores, np.asarray(scores.article_proba[0])


def test_teasers_never_reach_the_article_topic(shipped_model):
    """Other stories' headlines say nothing of this one: with them or without, the same row."""
    import numpy as np

    teasers = ["Late penalty sends Riverside United into the cup semi-final…",
               "Shares in regional airline tumble after profit warning…",
               "Astronomers spot a faint signal from a distant planet…"]
    scores, with_teasers = _article(shipped_model, STORY + teasers)
    assert (scores.role[len(STORY):] == 1).all()
    _, alone = _article(shipped_model, STORY)
    assert np.abs(with_teasers - alone).max() < 1e-6


def test_the_text_around_a_story_counts_but_less_than_the_story(shipped_model):
    """A page's boilerplate is part of what it says (a post's quoted lines, a caption), at a
    fifth of the story's weight: it moves the topic, and a page's menus cannot outvote it."""
    menus = ["Football", "Cricket", "Tennis results", "Golf", "Rugby", "Motor racing"]
    scores, with_menus = _article(shipped_model, menus + STORY)
    assert (scores.role[:len(menus)] == 2).all()
    _, alone = _article(shipped_model, STORY)
    sport = shipped_model.topics.index("sport")
    conflict = shipped_model.topics.index("conflict")
    assert with_menus[sport] > alone[sport]
    assert with_menus.argmax() == alone.argmax() == conflict

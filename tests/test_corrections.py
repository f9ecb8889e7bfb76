"""The correction memory: a stored correction labels its own text, and the same line elsewhere."""

from __future__ import annotations

import pytest

from newssift import InvalidInput
from newssift.classifier.corrections import (
    CorrectionMemory,
    article_topics,
    normalize_line,
    pattern_of,
)
from newssift.classifier.labels import Role

STORY = ("Engineers reopened the northern rail line on Tuesday after three weeks of repairs.\n"
         "The line carries most of the region's grain to the port, officials said.\n"
         "Read our full coverage of the harvest season\n"
         "© 2024 Daily Ledger. All rights reserved.\n")
OTHER = ("Farmers in the valley said the late rain had saved most of the barley crop.\n"
         "  READ OUR FULL   coverage of the harvest season \n"
         "© 2025 Daily Ledger. All rights reserved.\n")


def memory(*records) -> CorrectionMemory:
    return CorrectionMemory.from_records(records)


def roles(result) -> list[str]:
    return [s.role for s in result.segments]


def test_the_corrected_text_comes_back_corrected(tiny_model):
    before = tiny_model.segment(STORY)
    flipped = "boilerplate" if before.segments[1].role != "boilerplate" else "main"
    mem = memory({"text": STORY, "labels": [{"id": 7, "index": 1, "role": flipped}]})
    after = tiny_model.segment(STORY, memory=mem)
    assert after.segments[1].role == flipped and after.segments[1].role_score == 1.0
    assert after.segments[1].correction == {"id": 7, "match": "document"}
    assert [s.correction for i, s in enumerate(after.segments) if i != 1] == [None] * 3
    assert roles(tiny_model.segment(STORY)) == roles(before)  # the model itself is unchanged


def test_a_corrected_line_is_corrected_verbatim_in_other_texts(tiny_model):
    mem = memory({"text": STORY, "labels": [{"id": 1, "index": 2, "role": "teaser",
                                            "topic": "business"}]})
    seg = tiny_model.segment(OTHER, memory=mem).segments[1]  # other spacing and case
    assert (seg.role, seg.topic, seg.topic_score) == ("teaser", "business", 1.0)
    assert seg.correction == {"id": 1, "match": "line"}


def test_short_lines_that_differ_only_in_numbers_match_by_pattern(tiny_model):
    mem = memory({"text": STORY, "labels": [{"id": 2, "index": 3, "role": "boilerplate"}]})
    seg = tiny_model.segment(OTHER, memory=mem).segments[2]
    assert seg.role == "boilerplate" and seg.correction == {"id": 2, "match": "pattern"}
    # A long line is a story's sentence: its numbers are facts, so no near-duplicate match.
    long_line = ("In 2024 the 12 districts of the valley harvested 30 tonnes of barley, "
                 "up from 25 the year before.")
    assert pattern_of(normalize_line(long_line)) is None


def test_site_corrections_stay_on_their_site(tiny_model):
    mem = memory({"text": STORY, "site": "ledger.example",
                  "labels": [{"id": 3, "index": 2, "role": "boilerplate"}]})
    on_site = tiny_model.segment(OTHER, memory=mem, site="ledger.example").segments[1]
    assert on_site.correction == {"id": 3, "match": "line"}
    assert tiny_model.segment(OTHER, memory=mem, site="other.example").segments[1].correction is None
    assert tiny_model.segment(OTHER, memory=mem).segments[1].correction is None
    # ... while a correction made without a site holds everywhere, and the site's own wins there.
    both = memory({"text": STORY, "labels": [{"id": 4, "index": 2, "role": "teaser"}]},
                  {"text": STORY, "site": "ledger.example",
                   "labels": [{"id": 5, "index": 2, "role": "boilerplate"}]})
    assert tiny_model.segment(OTHER, memory=both, site="other.example").segments[1].role == "teaser"
    assert tiny_model.segment(OTHER, memory=both, site="ledger.example").segments[1].role == "boilerplate"


def test_the_newest_correction_of_a_line_wins(tiny_model):
    mem = memory({"text": STORY, "labels": [{"id": 1, "index": 2, "role": "teaser"}]},
                 {"text": OTHER, "labels": [{"id": 2, "index": 1, "role": "boilerplate"}]})
    seg = tiny_model.segment(STORY, memory=mem).segments[2]
    assert seg.role == "teaser" and seg.correction["match"] == "document"  # its own text first
    third = "A new story entirely, about the port.\nRead our full coverage of the harvest season"
    assert tiny_model.segment(third, memory=mem).segments[1].correction == {"id": 2, "match": "line"}


def test_a_main_blocks_corrected_topic_is_the_articles(tiny_model):
    mem = memory({"text": STORY, "labels": [{"id": 9, "index": 0, "role": "main", "topic": "legal"},
                                            {"id": 10, "index": 1, "role": "main"}]})
    result = tiny_model.segment(STORY, memory=mem)
    assert (result.article.topic, result.article.topic_score) == ("legal", 1.0)
    assert [s.topic for s in result.segments if s.role == "main"] == ["legal"] * result.article.n_main
    assert result.segments[0].text in result.article.text and result.segments[1].text in result.article.text


def test_bulk_dicts_carry_the_same_corrections(tiny_model):
    mem = memory({"text": STORY, "labels": [{"id": 1, "index": 2, "role": "teaser"}]})
    texts = [STORY, OTHER, ""]
    assert tiny_model.segment_many_dicts(texts, memory=mem) == [
        r.to_dict() for r in tiny_model.segment_many(texts, memory=mem)]


@pytest.mark.parametrize("record, match", [
    ({"labels": []}, r"'text' \(or 'html'\) string"),
    ({"text": STORY}, "'labels' list"),
    ({"text": STORY, "labels": [{"index": 9, "role": "main"}]}, "block index 9"),
    ({"text": STORY, "labels": [{"index": True, "role": "main"}]}, "block index True"),
    ({"text": STORY, "labels": [{"index": 0, "role": "headline"}]}, "unknown role 'headline'"),
    ({"text": STORY, "site": 3, "labels": []}, "'site' must be a string"),
])
def test_malformed_records_say_what_is_wrong(record, match):
    with pytest.raises(InvalidInput, match=match):
        memory(record)


def test_a_corrected_teaser_topic_is_the_articles_when_there_is_no_main_block(tiny_model):
    text = "Share this ARTICLE"
    memory = CorrectionMemory.from_records([{"text": text, "labels": [
        {"index": 0, "role": "teaser", "topic": "sport"}]}])
    art = tiny_model.segment("Share this article", memory=memory).article
    assert (art.n_main, art.n_teaser, art.topic, art.topic_from) == (0, 1, "sport", "teasers")


def test_a_topic_only_correction_keeps_the_adapters_role():
    import numpy as np

    from newssift.classifier.corrections import Fix, apply_corrections

    role, score, topics = apply_corrections(np.array([2]), np.array([0.7]), [(1, "sport")],
                                            [Fix(None, "politics", 7)])
    assert role.tolist() == [1] and score.tolist() == [1.0] and topics == ["politics"]


# The corrections stage gives an article the topic a person set on a block it reads its topic
# from: its main blocks, or with none its teasers.  Two documents, blocks in order.
MAIN, TEASER, BOILERPLATE = Role.MAIN, Role.TEASER, Role.BOILERPLATE


@pytest.mark.parametrize("roles, topics, expected", [
    # a corrected main block sets its article's topic; the teaser's stays its own
    ([MAIN, TEASER, TEASER, MAIN], [None, "sport", None, "legal"], [None, "legal"]),
    ([MAIN, TEASER, MAIN, MAIN], ["health", "sport", "legal", None], ["health", "legal"]),
    # no main block: the first corrected teaser is the article's
    ([TEASER, TEASER, BOILERPLATE, TEASER], [None, "sport", None, "culture"], ["sport", "culture"]),
    # a boilerplate block's topic never counts
    ([BOILERPLATE, MAIN, BOILERPLATE, TEASER], ["sport", None, "legal", None], [None, None]),
])
def test_the_article_takes_the_topic_corrected_where_its_topic_comes_from(roles, topics, expected):
    assert article_topics(roles, [0, 0, 1, 1], 2, topics) == expected


def test_without_corrected_topics_the_article_topics_are_the_models():
    assert article_topics([MAIN, TEASER], [0, 0], 1, None) is None


def test_the_corrections_stage_uses_role_codes_not_names():
    import numpy as np

    from newssift.classifier.corrections import Fix, apply_corrections

    role, _, _ = apply_corrections(np.array([2, 2, 0], np.int8), np.zeros(3), None,
                                   [Fix("main", None, 1), Fix("teaser", None, 2), None])
    assert role.tolist() == [Role.MAIN, Role.TEASER, Role.MAIN]

"""Lines whose form says they are not the story ("Read more: ...", "Advertisement",
"Photo: ...") leave it wherever they sit; story sentences that merely start alike stay
(our own texts throughout, but for the check against the shared block data's labels)."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
from conftest import needs_shared, require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

from newssift.classifier.decision import Decision, keep_main
from newssift.classifier.labels import Role
from newssift.classifier.line_forms import (
    FORM_CROSS_LINK,
    FORM_NONE,
    FORM_NOTE,
    apply_line_forms,
    forms_of_kept,
    line_form,
)


@pytest.mark.parametrize("text", [
    "Read more: Ferry fares to rise by a fifth from April",
    "RELATED: Five things to know before the harbour vote",
    "See also | The slow return of the sleeper train",
    "Recommended for you » How one village rebuilt its bakery",
    "Also read - Council delays the new bus depot again",
    "You may also like: The best walks on the coast this winter",
    "Up next: Why the tram line stopped at the bridge",
])
def test_a_label_and_a_title_is_a_cross_link(text):
    assert line_form(text) == FORM_CROSS_LINK


@pytest.mark.parametrize("text", [
    "Advertisement", "ADVERTISEMENT", "Story continues below advertisement",
    "The article continues below.", "Continue reading the main story", "Continue reading",
    "Scroll down to continue reading", "Be the first to like this.",
    "Photo: Ada Brook for The Harbour Times", "Photograph: Ministry of Transport",
    "Image credit: Tom Hale / Coastline Pictures", "Illustration by the graphics desk",
    "Photos by Nina Sorel", "© 2026 The Harbour Times", "Click to enlarge",
    "Photo gallery",
    "We use cookies to improve your experience on our site. By continuing to browse the site "
    "you agree to our use of cookies, as our cookie policy explains in more detail.",
    "This website uses cookies. Accept all | Manage choices",
])
def test_a_note_about_the_page_or_a_picture_credit_is_a_note(text):
    assert line_form(text) == FORM_NOTE


@pytest.mark.parametrize("text", [
    # story sentences that start as a form does, but go on as prose
    "Related party transactions rose by a fifth in the quarter, the filing shows.",
    "Read more about the plan in the council's minutes, published on Friday.",
    "Advertisement revenue fell for the third year running.",
    "Video-on-demand sales: streamers sell past streams as premium content.",
    "Photographers waited outside the court all morning.",
    "The story continues to unfold as rescuers reach the village.",
    # a label with a paragraph after it is a paragraph
    "See also: " + "the council said the harbour works would go on through the winter " * 3,
    # cookies that are food
    "Bake the cookies on a greased cookie sheet for twelve minutes.",
    "Cookie sales at the harbour fair raised four hundred pounds for the lifeboat.",
    # bylines: gold standards keep them as often as not
    "By Marta Ilves, science correspondent",
    "",
])
def test_prose_and_bylines_have_no_form(text):
    assert line_form(text) == FORM_NONE


STORY = [
    "Harbour works to go on through the winter",
    "The harbour's sea wall will be rebuilt through the winter, the council said on Tuesday, "
    "after storms in October washed away a stretch of the old stones near the ferry pier.",
    "See also: The slow return of the sleeper train",
    "Work will start in the first week of December and close the east quay to boats until "
    "March, while the ferry keeps to its timetable from the west side of the harbour.",
    "Advertisement",
    "Fishermen asked for a temporary mooring, which the council said it would provide near "
    "the lifeboat station for as long as the east quay stays closed to them.",
    "Photo: Ada Brook for The Harbour Times",
    "The council expects the works to cost about four million pounds, most of it from a "
    "national fund for coastal defences that was agreed in the spring.",
]


def _arrays(texts):
    n_words = np.array([len(t.split()) for t in texts], dtype=np.float64)
    return n_words, np.zeros(len(texts), dtype=np.int64)


def test_only_kept_lines_are_read_and_a_snippet_is_left_alone():
    n_words, doc = _arrays(STORY)
    kept = np.ones(len(STORY), dtype=bool)
    kept[4] = False  # "Advertisement", not kept: not read
    forms = forms_of_kept(kept, STORY, n_words, doc, snippet_blocks=2)
    assert forms.tolist() == [0, 0, FORM_CROSS_LINK, 0, 0, 0, FORM_NOTE, 0]
    two = STORY[2:4]
    n2, d2 = _arrays(two)
    assert not forms_of_kept(np.ones(2, dtype=bool), two, n2, d2, snippet_blocks=2).any()


def test_a_cross_link_becomes_a_teaser_and_a_note_boilerplate_scored_by_one_minus_p_main():
    p_main = np.array([0.9, 0.8, 0.7])
    role = np.full(3, int(Role.MAIN), dtype=np.int8)
    score = p_main.copy()
    apply_line_forms(role, score, p_main, np.array([FORM_NONE, FORM_CROSS_LINK, FORM_NOTE], np.int8))
    assert role.tolist() == [Role.MAIN, Role.TEASER, Role.BOILERPLATE]
    assert score.tolist() == pytest.approx([0.9, 0.2, 0.3])


def test_the_evaluations_keep_decides_as_the_labeller_does():
    n_words, doc = _arrays(STORY)
    p = np.full(len(STORY), 0.9)
    with_forms = keep_main(p, 0.5, None, n_words, doc, texts=STORY)
    without = keep_main(p, 0.5, None, n_words, doc, texts=STORY, line_forms=False)
    assert without.all()
    assert np.flatnonzero(~with_forms).tolist() == [2, 4, 6]


def test_the_shipped_model_keeps_the_forms_out_of_the_story_and_can_be_told_not_to(shipped_model):
    result = shipped_model.segment("\n".join(STORY))
    roles = [s.role for s in result.segments]
    assert [roles[i] for i in (2, 4, 6)].count("main") == 0
    assert "See also" not in result.article.text and "Advertisement" not in result.article.text
    assert "Photo:" not in result.article.text
    off = shipped_model.segment("\n".join(STORY), decision=Decision(line_forms=False))
    on_main = {s.index for s in result.segments if s.role == "main"}
    off_main = {s.index for s in off.segments if s.role == "main"}
    assert on_main <= off_main  # the forms only ever take a line out


def test_the_decision_carries_the_switch_and_refuses_what_is_no_switch():
    assert Decision().to_dict()["line_forms"] is True
    assert Decision(**Decision(line_forms=False).to_dict()).line_forms is False
    with pytest.raises(Exception, match="line_forms must be true or false"):
        Decision(line_forms="no")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_has_a_form_or_none_and_never_raises(text):
    assert line_form(text) in (FORM_NONE, FORM_CROSS_LINK, FORM_NOTE)


@needs_shared
def test_on_the_labelled_block_pages_the_forms_are_nearly_always_not_main():
    """Labels made by the gold standards' annotators, not by us: the lines with a form are
    not main in at least 90% of cases overall, and 80% in every source with 20 or more of
    them (some gold standards keep a picture's credit with its caption)."""
    data = require_shared()
    counts: dict[str, list[int]] = {}
    for path in sorted((data / "blocks").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                for block in json.loads(line)["blocks"]:
                    if line_form(block["text"]) != FORM_NONE:
                        c = counts.setdefault(path.name, [0, 0])
                        c[bool(block["main"])] += 1
    not_main, main = (sum(c[k] for c in counts.values()) for k in (0, 1))
    assert not_main >= 1000 and not_main / (not_main + main) >= 0.9, (not_main, main)
    for name, (no, yes) in counts.items():
        if no + yes >= 20:
            assert no / (no + yes) >= 0.8, (name, no, yes)


def test_a_line_with_a_form_is_never_the_storys_headline():
    from newssift.classifier.headline import find_headlines

    texts = ["We use cookies on the harbour site this winter: accept all cookies | manage choices",
             "Harbour works to go on through the winter"] + STORY[1:2]
    n_words, doc = _arrays(texts)
    keep = np.array([False, False, True])
    assert find_headlines(texts, keep, n_words, doc, 1).tolist() == [1]
    without_title = [texts[0], texts[2]]
    n2, d2 = _arrays(without_title)
    assert find_headlines(without_title, np.array([False, True]), n2, d2, 1).tolist() == [-1]


def test_a_cookie_notice_at_the_top_of_a_short_text_stays_out_of_the_story(shipped_model):
    """Issue 24: a cookie line at the top of a short text came out main at 0.97."""
    text = "\n".join(["We use cookies to give you the best experience on our site. By continuing "
                      "you agree to our use of cookies.", *STORY[:2], STORY[3]])
    off = shipped_model.segment(text, decision=Decision(line_forms=False))
    result = shipped_model.segment(text)
    assert result.segments[0].role == "boilerplate", (off.segments[0].role, off.segments[0].role_score)
    assert "cookies" not in result.article.text
    assert STORY[1] in result.article.text and STORY[3] in result.article.text

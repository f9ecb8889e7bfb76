"""The markup features of a page's blocks (newssift.classifier.markup) and the HTML head that
reads them (newssift.classifier.markup_head): what each column says of a handwritten page,
that the head learns what the markup says and keeps it through a save and a load, and that
a model with an HTML head labels a page by its markup where the text alone cannot tell."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newssift.classifier.errors import InvalidInput, ModelError
from newssift.classifier.html import raw_blocks, read_page
from newssift.classifier.markup import HASH_COLUMNS, MARKUP_NAMES, concat_markup, page_markup
from newssift.classifier.markup_head import MarkupScorer, container_means
from newssift.classifier.model import NewssiftModel

PAGE = """<html><body>
<nav class="site-menu"><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<div id="storyBody" class="article-content">
  <h2>Council votes to reopen the old ferry</h2>
  <p>The council voted on Tuesday to bring the ferry back into service next spring.</p>
  <p>Residents had asked for it since the bridge closed, <a href="/bridge">the report</a> said.</p>
</div>
<div class="comments"><p>Great news, about time!</p></div>
<footer><p>Copyright 2026 The Harbour Gazette</p></footer>
</body></html>"""


def column(markup, name: str) -> np.ndarray:
    return markup.dense[:, MARKUP_NAMES.index(name)]


def hashed(token: str) -> int:
    return zlib.crc32(token.encode()) & (HASH_COLUMNS - 1)


def test_each_block_gets_what_its_markup_says():
    blocks = raw_blocks(PAGE)
    assert [b.text for b in blocks][:3] == ["Home", "Sport", "Council votes to reopen the old ferry"]
    m = page_markup(blocks)
    assert m.dense.shape == (len(blocks), len(MARKUP_NAMES)) and m.hashed.shape == (len(blocks), HASH_COLUMNS)
    home, sport, title, p1, p2, comment, footer = range(7)
    assert column(m, "link_share")[home] == 1.0 and column(m, "links")[home] > 0
    assert column(m, "link_share")[p1] == 0.0
    assert 0 < column(m, "link_share")[p2] < 0.3  # "the report" of a long sentence
    assert column(m, "in:nav")[home] == 1 and column(m, "in:nav")[p1] == 0
    assert column(m, "in:list")[sport] == 1
    assert column(m, "heading_level")[title] == pytest.approx(5 / 6) and column(m, "in_heading")[p1] == 0
    assert column(m, "class:navigation")[home] == 1  # "menu" of the nav's class
    assert column(m, "class:story")[p1] == 1 and column(m, "own_class:story")[p1] == 0  # the div's
    assert column(m, "class:comment")[comment] == 1 and column(m, "class:comment")[p1] == 0
    assert column(m, "in:footer")[footer] == 1
    assert column(m, "tag:p")[p1] == 1 and column(m, "tag:heading")[title] == 1
    # the story's paragraphs share a parent; the comment's is another
    assert m.container[p1, 0] == m.container[p2, 0] == m.container[title, 0] != m.container[comment, 0]
    assert column(m, "parent_blocks")[p1] == pytest.approx(np.log1p(3))
    # camelCase ids and class words are split: "story", "body", "article", "content"
    row = set(m.hashed[p1].indices)
    assert {hashed("t:p"), hashed("pc:story"), hashed("pc:body"), hashed("ac:content")} <= row
    assert hashed("ac:comments") in set(m.hashed[comment].indices) and hashed("ac:comments") not in row


def test_pages_side_by_side_keep_their_containers_apart():
    a = page_markup(raw_blocks("<div><p>one</p><p>two</p></div>"))
    b = page_markup(raw_blocks("<div><p>three</p></div>"))
    both = concat_markup([a, b])
    assert len(both) == 3 and both.hashed.shape == (3, HASH_COLUMNS)
    assert both.container[0, 0] == both.container[1, 0] != both.container[2, 0]
    assert len(concat_markup([])) == 0


def test_a_page_without_blocks_has_no_markup_rows():
    assert len(page_markup(raw_blocks("<html><body><script>x()</script></body></html>"))) == 0
    page = read_page(b"")
    assert page.text == "" and page.paths == [] and len(page.markup) == 0


def test_container_means_leave_the_block_out_and_compare_with_the_page():
    p = np.array([1.0, 0.0, 0.5], dtype=np.float32)
    words = np.array([10, 10, 20])
    container = np.array([[0, 0], [0, 0], [1, 0]])
    doc = np.zeros(3, np.int64)
    means = container_means(p, words, container, doc)
    assert means[0, 0] == pytest.approx(0.5)  # blocks 0 and 1, weighted alike
    assert means[0, 1] == pytest.approx(0.0) and means[1, 1] == pytest.approx(1.0)  # the other one
    assert means[2, 1] == -1  # alone in its container
    assert means[2, 2] == pytest.approx(0.5 - 0.5)  # page mean (10 + 0 + 10) / 40


def story_or_comments(kind: str, n: int) -> str:
    """A page whose paragraphs are the same sentences whatever ``kind``: only the class of
    their container says whether they are the story or readers' comments."""
    paragraphs = "".join(f"<p>Paragraph {i} of the text that reads the same in both places.</p>"
                         for i in range(n))
    return f'<html><body><div class="{kind}">{paragraphs}</div></body></html>'


@pytest.fixture(scope="module")
def markup_model(tiny_model):
    """The tiny model with an HTML head fitted on pages where the markup alone tells story
    (``div.article-body``) from comments (``div.comments``)."""
    pages = [read_page(story_or_comments(kind, 6)) for kind in ("article-body", "comments") * 10]
    texts = [p.text for p in pages]
    batch = tiny_model.featurizer.transform([t.split("\n") for t in texts])
    markup = concat_markup([p.markup for p in pages])
    y = np.concatenate([np.full(6, kind == 0, np.int8) for kind in (0, 1) * 10])
    p_first = tiny_model.main.first_pass(batch)
    p_text = tiny_model.main.second_pass(p_first, batch)
    head = MarkupScorer(boost_iter=20).fit(batch, markup, y, None, p_first, p_text,
                                           np.full(len(y), 0.5, np.float32))
    return NewssiftModel(tiny_model.featurizer, tiny_model.main, tiny_model.teaser, tiny_model.topic,
                         version=tiny_model.version, decision=tiny_model.decision, html_main=head)


def test_the_html_head_labels_by_the_markup_where_the_text_is_the_same(markup_model, tiny_model):
    story, comments = story_or_comments("article-body", 5), story_or_comments("comments", 5)
    assert read_page(story).text == read_page(comments).text
    as_story, paths = markup_model.segment_html(story)
    as_comments, _ = markup_model.segment_html(comments)
    assert [s.role for s in as_story.segments] == ["main"] * 5
    assert all(s.role != "main" for s in as_comments.segments)
    assert paths == [f"/html/body/div/p[{i}]" for i in range(1, 6)]
    # the text head alone, on the same text, cannot tell them apart
    text_only = [tiny_model.segment(read_page(page).text) for page in (story, comments)]
    assert [s.role for s in text_only[0].segments] == [s.role for s in text_only[1].segments]
    # a text given without markup is labelled by the text head, as before
    assert markup_model.segment(read_page(story).text).to_dict() == text_only[0].to_dict()


def test_a_mixed_batch_scores_each_page_by_its_own_markup(markup_model):
    pages = [read_page(story_or_comments(kind, 4)) for kind in ("comments", "article-body")]
    results = markup_model.segment_many([pages[0].text, "A plain text line.", pages[1].text],
                                        markup=[pages[0].markup, None, pages[1].markup])
    assert all(s.role != "main" for s in results[0].segments)
    assert [s.role for s in results[2].segments] == ["main"] * 4
    # markup whose rows do not match the text's blocks is not used: the text head answers
    longer = pages[1].text + "\nOne more line"
    wrong = markup_model.segment(longer, markup=pages[1].markup)
    assert wrong.to_dict() == markup_model.segment(longer).to_dict()


def test_the_html_head_survives_a_save_and_a_load(markup_model, tmp_path):
    from newssift.classifier.persist import MANIFEST_FILE, load_model, save_model, sha256_file

    page = story_or_comments("comments", 3)
    before = markup_model.segment_html(page)[0].to_dict()
    out = save_model(markup_model, tmp_path / "m", {"note": "test"})
    loaded = load_model(out)
    assert loaded.html_main is not None
    assert loaded.segment_html(page)[0].to_dict() == {**before, "model": loaded.version}
    # a model whose HTML head was fitted to other markup columns is refused
    config = json.loads((out / "model.json").read_text())
    config["markup_columns"] = config["markup_columns"][:-2] + ["tag:blink", config["markup_columns"][-1]]
    (out / "model.json").write_text(json.dumps(config))
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    manifest["files"]["model.json"] = sha256_file(out / "model.json")  # as if built so
    (out / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="markup columns"):
        load_model(out)


_TAGS = ["p", "div", "span", "a", "br", "li", "ul", "nav", "footer", "aside", "h1", "h3", "table",
         "td", "form", "article", "script", "body", "html"]
_ATTRS = ['', ' class="comments"', ' id="mainStory"', ' class="share-bar social"', ' class=""',
          ' class="a b  c"', ' id="\u00e9t\u00e9"', ' href="/x"']
_pieces = st.one_of(st.builds(lambda t, a: f"<{t}{a}>", st.sampled_from(_TAGS), st.sampled_from(_ATTRS)),
                    st.sampled_from([f"</{t}>" for t in _TAGS] + ["&nbsp;", "<", "\x00", "\u2028"]),
                    st.text(max_size=15))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.lists(_pieces, max_size=50).map("".join))
def test_any_page_is_labelled_through_the_html_head_or_refused_in_one_line(markup_model, page):
    try:
        html = read_page(page)
    except InvalidInput as exc:
        assert "\n" not in str(exc)
        return
    m = html.markup
    assert len(m) == len(html.paths) == (html.text.count("\n") + 1 if html.text else 0)
    assert np.isfinite(m.dense).all() and (m.dense >= 0).all()
    result = markup_model.segment(html.text, markup=m)
    assert len(result.segments) == len(m)
    assert all(0.0 <= s.role_score <= 1.0 for s in result.segments)

"""Counting a corpus's repeated lines per site, and the head that weighs them."""

import numpy as np
import pytest

from newssift.classifier.repeats import FEATURES, RepeatHead, repeat_features
from newssift.classifier.site_lines import LineCounter, SiteLines, line_key
from newssift.classifier.sites import site_of_url


def _counted(pages):
    counter = LineCounter()
    for site, texts in pages:
        counter.add(site, texts)
    return counter


def test_line_key_ignores_case_digits_punctuation_and_spacing():
    assert line_key("12 Comments") == line_key("3 comments")
    assert line_key("Share | Tweet") == line_key("share  ·  tweet")
    assert line_key("Share this") != line_key("Share that")


@pytest.mark.parametrize("url, site", [
    ("https://www.example.com/news/1", "example.com"),
    ("http://NEWS.Example.co.uk:8080/a?b=c", "news.example.co.uk"),
    ("example.org/path", "example.org"),
    ("http://web.archive.org/web/20050101000000/http://www.bbc.co.uk/news", "bbc.co.uk"),
    ("", None), ("   ", None), ("http://", None), ("https://[::1", None),
])
def test_site_of_url(url, site):
    assert site_of_url(url) == site


def test_counts_pages_per_site_and_keeps_only_repeated_lines():
    lines = _counted([
        ("a.com", ["Home", "Story one", "Share | Tweet"]),
        ("a.com", ["Home", "Story two", "share tweet"]),
        ("a.com", ["Home", "Story three"]),
        ("b.com", ["Home", "Other"]),
        (None, ["Home"]),  # no site: not counted
    ]).freeze()
    assert lines.sites == ["a.com", "b.com"]
    assert lines.site_pages("a.com") == 3 and lines.site_pages("b.com") == 1
    assert lines.site_pages("c.com") == 0 and lines.site_pages(None) == 0
    assert lines.n_lines == 2  # "home" on 3 pages and "share tweet" on 2, of a.com only
    n_other, other = lines.evidence(["a.com", "b.com", "c.com", None],
                                    [["HOME", "Story one", "new line"], ["Home"], ["Home"], ["Home"]])
    assert n_other.tolist() == [2, 0, 0, 0]
    # a.com's page: Home on 2 other pages, its story and a new line on none.
    assert other.tolist() == [2, 0, 0, 0, 0, 0]


def test_an_exact_copy_of_a_page_counts_once_and_merging_counts_each_page_once():
    page = ["Home", "A story told once"]
    one = _counted([("a.com", page), ("a.com", page)])
    assert one.freeze().site_pages("a.com") == 1
    other = _counted([("a.com", page), ("a.com", ["Home", "Another story"])])
    merged = _counted([]).merge(one).merge(other).freeze()
    assert merged.site_pages("a.com") == 2
    n_other, counts = merged.evidence(["a.com"], [page])
    assert n_other.tolist() == [1] and counts.tolist() == [1, 0]


def test_counts_save_and_load_without_pickles(tmp_path):
    lines = _counted([("a.com", ["x", "y"]), ("a.com", ["x", "z"]), ("b.com", ["q"])]).freeze()
    path = tmp_path / "lines.npz"
    lines.save(path)
    with np.load(path, allow_pickle=False) as arrays:  # would raise on an object array
        assert set(arrays.files) == {"sites", "pages", "keys", "counts", "bounds"}
    again = SiteLines.load(path)
    assert again.sites == lines.sites and again.n_lines == lines.n_lines
    assert again.evidence(["a.com"], [["x"]])[1].tolist() == [1]
    assert not list(tmp_path.glob(".site-lines-*"))  # no temporary file left


def test_counts_whose_arrays_do_not_fit_are_refused():
    with pytest.raises(ValueError):
        SiteLines(["a"], np.array([2, 3]), np.zeros(0, np.uint64), np.zeros(0, np.int32),
                  np.array([0, 0]))


def test_no_site_and_empty_counts_give_no_evidence():
    empty = LineCounter().freeze()
    n_other, other = empty.evidence(["a.com", None], [["Home"], []])
    assert n_other.tolist() == [0, 0] and other.tolist() == [0]


def test_features_are_zero_without_other_pages():
    x = repeat_features(np.array([0.9, 0.2]), np.array([0, 0]), np.array([0, 0]))
    assert x.shape == (2, len(FEATURES)) and not x.any()


def test_head_leaves_a_page_without_evidence_as_it_was_and_lowers_a_repeated_line():
    head = RepeatHead(np.array([-0.5, -1.0, -0.5, -1.0]))
    p = np.array([0.93, 0.93, 0.93, 0.4])
    out = head.adjust(p, np.array([0, 20, 20, 20]), np.array([0, 20, 0, 0]))
    assert out[0] == p[0]                  # no other page of its site
    assert out[1] < 0.5                    # on every other page: boilerplate
    assert out[2] == pytest.approx(p[2])   # on no other page: as it was
    assert out[3] == pytest.approx(p[3])


def test_head_round_trips_and_refuses_other_features():
    head = RepeatHead(np.array([0.1, -0.2, 0.3, -0.4]))
    config, arrays = head.to_arrays()
    again = RepeatHead.from_arrays(config, arrays)
    assert np.allclose(again.coef, head.coef)
    with pytest.raises(ValueError):
        RepeatHead.from_arrays({**config, "features": ["other"]}, arrays)
    with pytest.raises(ValueError):
        RepeatHead.from_arrays({**config, "repeated_on": 5}, arrays)
    with pytest.raises(ValueError):
        RepeatHead(np.zeros(3))


def test_a_pages_keys_together_equal_each_lines_own():
    from newssift.classifier.site_lines import line_keys

    lines = ["Posted 12 Dec | 3 Comments", "  Ünïcode — Straße 2026!! ", "", "日本語のテキスト 123",
             "tab\tseparated", "a line\nwith a break"]
    assert line_keys(lines) == [line_key(t) for t in lines]
    assert line_keys(lines[:-1]) == [line_key(t) for t in lines[:-1]]
    assert line_keys([]) == []

import json

from hypothesis import given
from hypothesis import strategies as st

from newssift import segment


def test_one_block_per_non_empty_line():
    blocks = segment("Headline\n\nFirst paragraph.\n   \nSecond paragraph.\n")
    assert [b.text for b in blocks] == ["Headline", "First paragraph.", "Second paragraph."]
    assert [b.index for b in blocks] == [0, 1, 2]


def test_crlf_and_surrounding_spaces_are_not_part_of_blocks():
    text = "  One line \r\n\r\nTwo\rThree"
    blocks = segment(text)
    assert [b.text for b in blocks] == ["One line", "Two", "Three"]
    assert [text[b.start:b.end] for b in blocks] == ["One line", "Two", "Three"]


def test_unicode_text_keeps_exact_offsets():
    text = "Ürün fiyatları…\n\u00a0日本語のテキスト\u2028emoji 🎉 line"
    for b in segment(text):
        assert text[b.start:b.end] == b.text


def test_empty_and_blank_input_give_no_blocks():
    assert segment("") == []
    assert segment(" \n\t\r\n ") == []


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_offsets_round_trip_and_nothing_is_lost_or_reordered(text):
    blocks = segment(text)
    starts = [b.start for b in blocks]
    assert starts == sorted(starts)
    for b in blocks:
        assert text[b.start:b.end] == b.text
        assert b.text == b.text.strip() and b.text
    # Everything outside the blocks is whitespace or a line break.
    covered = set()
    for b in blocks:
        covered.update(range(b.start, b.end))
    assert all(text[i].isspace() or text[i] in "\r\n\x85\u2028\u2029"
               for i in range(len(text)) if i not in covered)


def test_result_dict_has_every_field_of_the_records():
    from dataclasses import asdict

    from newssift import Article, Result, Segment

    seg = Segment(0, 0, 4, "Text", "main", 0.9, "sport", 0.8)
    art = Article("sport", 0.8, "Text", 1, 1, 0, 0)
    assert Result(art, [seg], "v1").to_dict() == {"article": asdict(art), "segments": [asdict(seg)],
                                                  "model": "v1"}
    assert json.loads(Result(art, [seg], "v1").to_json()) == Result(art, [seg], "v1").to_dict()


HANG_GUARD_S = 30


def test_long_whitespace_runs_take_linear_time():
    import time

    text = "a" + " " * 200_000 + "\n" + " " * 200_000 + "b"
    start = time.perf_counter()
    blocks = segment(text)
    assert [b.text for b in blocks] == ["a", "b"]
    # Only a hang guard (a loaded machine must not fail it): linear is milliseconds here, a
    # quadratic scan of these runs some 10**10 steps, far beyond it.
    assert time.perf_counter() - start < HANG_GUARD_S

"""The bulk dict path gives what the typed records give."""

TEXTS = [
    "Troops pushed back an attack near the river overnight, officials said.\nSubscribe now",
    "",
    "Home | World | Sport\nA long report on the election results in the capital city today.\n"
    "Markets fall as rates rise…",
]


def test_dicts_equal_the_records_as_dicts(tiny_model):
    records = [r.to_dict() for r in tiny_model.segment_many(TEXTS)]
    assert tiny_model.segment_many_dicts(TEXTS) == records


def test_articles_alone_skip_the_blocks_but_not_the_article(tiny_model):
    full = tiny_model.segment_many_dicts(TEXTS)
    lean = tiny_model.segment_many_dicts(TEXTS, segments=False)
    assert [r["article"] for r in lean] == [r["article"] for r in full]
    assert all(r["segments"] == [] for r in lean)

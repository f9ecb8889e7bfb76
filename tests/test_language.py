"""Each document's language: py3langid's answers through our walkers, the unpacked model's
cache, and what a result says about its topic outside the topic head's languages."""

import json

import numpy as np
import pytest

from newssift.classifier import language
from newssift.classifier.defaults import LANG_ID_MAX_CHARS, TOPIC_LANGUAGES

# Our own sentences, a few in each language.
TEXTS = {
    "de": "Der Mieterbund fordert eine Reform des Mietrechts. Die Mieten in den großen Städten sind "
          "im vergangenen Jahr erneut deutlich gestiegen, besonders für Familien mit Kindern.",
    "es": "El Gobierno aprobó este martes un plan de salud que amplía la atención primaria en los "
          "barrios con menos recursos, según anunció la ministra en rueda de prensa.",
    "fr": "Le conseil municipal a voté jeudi soir la rénovation de la gare, un chantier attendu depuis "
          "des années par les habitants du quartier.",
    "ru": "Городские власти объявили о ремонте моста через реку, который продлится до конца лета.",
    "ja": "東京都は新しい防災計画を発表し、来年から地域ごとの避難訓練を増やすと明らかにした。",
    "en": "Fighting intensified overnight around the river crossing near the town, as government "
          "forces and rebel units traded artillery fire across the water for a third day.",
}
GERMAN_STORY = "\n".join([
    "Mieterbund fordert Reform des Mietrechts",
    TEXTS["de"],
    "Nach Angaben des Verbandes müssen viele Haushalte inzwischen mehr als ein Drittel ihres "
    "Einkommens für die Miete ausgeben. Die Bundesregierung kündigte an, im Herbst einen "
    "Gesetzentwurf vorzulegen, der die Mietpreisbremse verlängern soll.",
    "Vermieterverbände kritisierten die Pläne und warnten, dass weniger neue Wohnungen gebaut "
    "würden, wenn die Mieten gedeckelt blieben.",
    "Impressum",
    "Datenschutz",
])


@pytest.fixture(scope="module")
def ident():
    return language.identifier()


def test_each_language_is_named_with_its_iso_code_and_a_probability():
    found = language.identify(list(TEXTS.values()))
    assert [f.lang for f in found] == list(TEXTS)
    for f in found:
        assert 0.5 < f.score <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "12345 678", "---- ****"])
def test_a_text_without_language_has_none(text):
    assert language.identify([text]) == [language.Language(None, None)]


def test_the_walk_finds_py3langids_own_features_and_probabilities(ident):
    """Every position's state found from the bytes before it gives the features py3langid's
    byte-by-byte walk visits, and its own classifier, restricted to the same languages,
    gives the same answers."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier, visit_counts

    ref = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    texts = [*TEXTS.values(), "Home", "Kontakt | Impressum", TEXTS["ru"].upper(), "", "x",
             "a\u00e9\u4e2d\U0001F600 mixed scripts 123"] * 3
    data = [language._encode(t) for t in texts]
    doc, feat, count = ident.walk(data)
    for d, raw in enumerate(data):
        visits = visit_counts(ref.tk_nextmove, ref._rowbase, ref.tk_output, raw) or {}
        assert dict(zip(feat[doc == d].tolist(), count[doc == d].tolist())) == dict(visits)
    ref.set_languages([c for c in dict.fromkeys(ref.nb_classes) if len(c) == 2 or c == "zxx"])
    for t, g in zip(texts, language.identify(texts)):
        lang, p = ref.classify(language._encode(t))
        if g.lang is None:  # no feature (py3langid then names its first language) or zxx
            assert p < 0.2 or lang == "zxx"
            continue
        assert g.lang == lang
        assert g.score == pytest.approx(p, abs=1e-3)


def test_the_automaton_is_six_bytes_deep(ident):
    assert ident.depth == 6  # py3langid 0.4's model: n-grams of up to 6 bytes


def test_a_huge_document_is_read_only_as_far_as_the_cap():
    english = TEXTS["en"] * (LANG_ID_MAX_CHARS // len(TEXTS["en"]) + 1)
    huge = english + "\n" + TEXTS["de"] * 20_000  # some 4 MB of German after the cap
    assert language.identify([huge])[0].lang == "en"


def test_sample_joins_lines_up_to_the_cap():
    lines = ["a" * 100] * (LANG_ID_MAX_CHARS // 50)
    got = language.sample(lines)
    assert LANG_ID_MAX_CHARS <= len(got) < LANG_ID_MAX_CHARS + 101
    assert language.sample(["one", "two"]) == "one\ntwo"


def test_longest_sample_reads_the_longest_lines_first():
    assert language.longest_sample(["short", "the longest line", "middle"]) == \
        "the longest line\nmiddle\nshort"


def test_known_texts_are_not_identified_again(monkeypatch):
    walked: list[int] = []
    walk = language.Identifier.walk
    monkeypatch.setattr(language.Identifier, "walk",
                        lambda self, data: walked.append(len(data)) or walk(self, data))
    known = {TEXTS["de"]: language.Language("xx", 0.5)}  # a stand-in answer: it is not read
    got = language.identify([TEXTS["de"], TEXTS["en"], TEXTS["de"]], known)
    assert [g.lang for g in got] == ["xx", "en", "xx"] and walked == [1]
    assert [g.lang for g in language.identify([TEXTS["de"]], known)] == ["xx"] and walked == [1]


def test_a_page_whose_longest_lines_are_its_story_is_identified_once(shipped_model, monkeypatch):
    """The featurizer identifies a page on its longest blocks; the result on its main
    blocks, longest first: the same text where the longest are main, read once."""
    walked: list[int] = []
    walk = language.Identifier.walk
    monkeypatch.setattr(language.Identifier, "walk",
                        lambda self, data: walked.append(len(data)) or walk(self, data))
    art = shipped_model.segment(GERMAN_STORY).article
    assert art.lang == "de" and walked == [1]
    walked.clear()
    teasers = "\n".join(["Mehr zum Thema: Die Mieten steigen in allen Städten weiter …"] * 3)
    shipped_model.segment(teasers + "\n" + GERMAN_STORY)
    assert walked == [1]


def test_a_longest_block_without_language_leaves_the_text_in_page_order_to_name_it(shipped_model):
    """A forum post whose longest block is a list of post numbers: read longest first the
    sample is numbers alone, so the result reads the main text in page order instead."""
    numbers = ", ".join(f"#{17000 + i}" for i in range(80))
    longest = language.longest_sample(["Prices will go up again next week.", numbers])
    assert language.identify([longest])[0].lang is None
    text = f"I think the price will go up again next week, the miners are holding.\n{numbers}\n" \
           "Anyone else see the same thing?"
    art = shipped_model.segment(text).article
    assert art.lang == "en"


def test_the_unpacked_model_is_cached_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSSIFT_CACHE_DIR", str(tmp_path))
    first = language._load()
    folders = list(tmp_path.iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("langid-")
    assert {p.name for p in folders[0].iterdir()} == {f"{k}.npy" for k in language._ARRAYS} | {"labels.txt"}
    again = language._load()
    assert again.labels == first.labels
    assert isinstance(again.ptc, np.ndarray) and np.array_equal(again.ptc[:50], first.ptc[:50])
    # A damaged cache is unpacked again, with a warning, not an error.
    (folders[0] / "pc.npy").write_bytes(b"not an array")
    assert language._load().labels == first.labels


def test_an_unpacked_model_unread_for_a_month_is_removed_and_one_in_use_is_not(tmp_path, monkeypatch):
    import os
    import shutil
    import time

    monkeypatch.setenv("NEWSSIFT_CACHE_DIR", str(tmp_path))
    language._load()
    (ours,) = tmp_path.iterdir()
    old, recent = tmp_path / "langid-0.3.0-1-1", tmp_path / "langid-0.3.9-2-2"
    for other in (old, recent):
        shutil.copytree(ours, other)
    month = time.time() - (language.STALE_CACHE_DAYS + 1) * 86400
    os.utime(old / "labels.txt", (month, month))
    os.utime(ours / "labels.txt", (month, month))
    language._load()  # read from the cache: ours is in use again, and nothing is removed
    assert {p.name for p in tmp_path.iterdir()} == {ours.name, old.name, recent.name}
    assert (ours / "labels.txt").stat().st_mtime > month + 86400
    shutil.rmtree(ours)
    language._load()  # unpacked again: the one unread for a month goes
    assert {p.name for p in tmp_path.iterdir()} == {ours.name, recent.name}


def test_no_cache_when_it_is_off(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSSIFT_CACHE_DIR", "off")
    monkeypatch.chdir(tmp_path)
    assert language._load().labels
    assert list(tmp_path.iterdir()) == []


def test_topic_languages_are_the_topic_datas():
    assert TOPIC_LANGUAGES == {"en"}
    assert language.topic_trained_for("en") and not language.topic_trained_for("de")
    assert not language.topic_trained_for(None)


def test_a_german_story_says_its_topic_is_an_english_models_guess(shipped_model):
    art = shipped_model.segment(GERMAN_STORY).article
    assert art.lang == "de" and art.lang_score > 0.9
    assert art.topic is not None and art.topic_trained_for_lang is False


def test_an_english_story_is_english_with_menu_lines_in_german(shipped_model):
    """The language comes from the main text: German menu lines do not make it German."""
    from conftest import ROOT

    story = (ROOT / "examples" / "article.txt").read_text(encoding="utf-8")
    menu = "\n".join(["Startseite", "Nachrichten", "Impressum", "Datenschutz", "Kontakt",
                      "Alle Rechte vorbehalten"] * 5)
    art = shipped_model.segment(menu + "\n" + story).article
    assert art.n_main > 0 and art.lang == "en" and art.topic_trained_for_lang is True


def test_a_text_without_words_has_no_language_and_no_topic_flag(shipped_model):
    art = shipped_model.segment("").article
    assert (art.lang, art.lang_score, art.topic_trained_for_lang) == (None, None, None)


def test_results_carry_the_language_alone_and_in_a_batch(shipped_model):
    texts = [GERMAN_STORY, TEXTS["en"], TEXTS["ja"]] * 10  # 30: the batched walk
    batch = [r.article for r in shipped_model.segment_many(texts)]
    alone = [shipped_model.segment(t).article for t in texts[:3]]
    assert [a.lang for a in batch[:3]] == [a.lang for a in alone] == ["de", "en", "ja"]
    dicts = shipped_model.segment_many_dicts(texts[:3])
    assert [d["article"]["lang"] for d in dicts] == ["de", "en", "ja"]
    japanese = json.loads(shipped_model.segment(TEXTS["ja"]).to_json())["article"]
    assert japanese["topic_trained_for_lang"] is False

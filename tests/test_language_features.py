"""Role features that hold across languages: stopwords counted in the page's own language,
lengths in units that hold for Chinese and Japanese, and a model that carries its lists."""

from __future__ import annotations

import numpy as np
import pytest

from newssift import load_model, save_model
from newssift.classifier.features import Featurizer, dense_names
from newssift.classifier.shallow import SHALLOW_NAMES, shallow_features, shallow_names
from newssift.classifier.stoplists import CJK_FUNCTION_CHARS, Stoplists, page_stop_counts

# Our own text.
FRENCH = [
    "Le conseil municipal a voté mardi soir la rénovation de la piscine, qui était fermée "
    "depuis deux ans, et les travaux doivent commencer au printemps selon le maire.",
    "Les habitants du quartier ont salué une décision qu'ils attendaient depuis longtemps, "
    "même si certains regrettent que le projet ne prévoie pas de bassin pour les enfants.",
    "Accueil | Actualités | Sport | Contact",
]
CHINESE = "市政府周二宣布，城市东部的新公园将于明年春天开放。官员表示，这个项目的建设已经接近完成。"
ENGLISH = [
    "The city council voted on Tuesday evening to renovate the swimming pool, which has been "
    "closed for two years, and the work is to begin in the spring, the mayor said.",
    "Home | News | Sport | Contact",
]


def _column(featurizer: Featurizer, batch, name: str) -> np.ndarray:
    i = featurizer.dense_names().index(name)
    return batch.dense[:, i] * featurizer.scale_[i] + featurizer.mean_[i]


@pytest.fixture(scope="module")
def featurizers():
    docs = [FRENCH, ENGLISH, [CHINESE, "首页"]] * 5
    return (Featurizer(min_df=1).fit(docs),
            Featurizer(min_df=1, language_features=True).fit(docs))


def test_a_french_page_has_its_stopwords_counted_in_french(featurizers):
    english_way, own_way = featurizers
    before = _column(english_way, english_way.transform([FRENCH]), "stop_share")
    after = _column(own_way, own_way.transform([FRENCH]), "stop_share_lang")
    assert after[0] > 0.3 and after[1] > 0.3, after  # a paragraph reads as one
    assert after[0] > before[0] + 0.15
    assert after[2] < 0.05  # the menu still has none


def test_an_english_page_is_counted_as_before(featurizers):
    english_way, own_way = featurizers
    before = _column(english_way, english_way.transform([ENGLISH]), "stop_share")
    after = _column(own_way, own_way.transform([ENGLISH]), "stop_share_lang")
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-6)


def test_a_chinese_paragraph_is_as_long_and_as_sentence_like_as_it_is():
    plain, units = shallow_features([CHINESE]), shallow_features([CHINESE], units=True)
    names = shallow_names(units=True)
    col = {n: i for i, n in enumerate(names)}
    assert np.expm1(plain[0, col["log_units"]]) <= 2  # one run between spaces: one "word"
    assert 20 <= np.expm1(units[0, col["log_units"]]) <= 40  # 44 characters
    assert units[0, col["log_sentences_cjk"]] == pytest.approx(np.log1p(2))
    assert units[0, col["ends_sentence_cjk"]] == 1 and plain[0, col["ends_sentence_cjk"]] == 0
    n_units = np.expm1(units[0, col["log_units"]])
    assert units[0, col["unit_len"]] == pytest.approx((len(CHINESE) - n_units + 1) / n_units, rel=1e-4)


def test_without_units_latin_text_is_featurized_the_same():
    texts = [*FRENCH, *ENGLISH, "", "A. B? C!"]
    np.testing.assert_array_equal(shallow_features(texts), shallow_features(texts, units=True))


def test_chinese_stopwords_are_counted_per_character():
    lists = Stoplists({"zh": frozenset(CJK_FUNCTION_CHARS["zh"])})
    counts = lists.stop_counts([CHINESE, "首页 新闻 体育"], "zh")
    assert counts[0] >= 4 and counts[1] == 0


def test_stoplists_survive_their_arrays():
    lists = Stoplists.from_justext()
    again = Stoplists.from_arrays(lists.to_arrays())
    assert again.words.keys() == lists.words.keys()
    assert again.words["fr"] == {w for w in lists.words["fr"] if "\n" not in w}
    arrays = lists.to_arrays()
    arrays["sizes"] = arrays["sizes"][:-1]
    with pytest.raises(ValueError):
        Stoplists.from_arrays(arrays)


def test_a_loaded_models_stoplists_are_read_when_a_page_needs_one():
    saved = Stoplists({"de": frozenset({"der", "die", "und"}), "fr": frozenset({"le", "la"})})
    lists = Stoplists.from_arrays(saved.to_arrays())
    assert lists.words._sets == {}  # loading decodes no word
    assert "de" in lists and "xx" not in lists and len(lists.words) == 2
    assert lists.words._sets == {}
    assert lists.stop_counts(["Der Hund und die Katze", "Katze"], "de").tolist() == [3.0, 0.0]
    assert lists.words["fr"] == saved.words["fr"] and dict(lists.words) == saved.words
    with pytest.raises(KeyError):
        lists.words["xx"]


def test_the_columns_say_which_way_they_are_counted():
    assert dense_names(True, False)[:len(SHALLOW_NAMES) + 1] == [*SHALLOW_NAMES, "stop_share"]
    named = dense_names(True, True)
    assert "stop_share_lang" in named and "log_units@-1" in named and "units>20" in named
    assert len(named) == len(dense_names(True, False)) + 1  # stop_share_vs_page


def test_a_page_in_any_language_reads_its_blocks_against_its_own_stopword_share(featurizers):
    _, own_way = featurizers
    batch = own_way.transform([FRENCH, ENGLISH])
    against = _column(own_way, batch, "stop_share_vs_page")
    assert against[0] > 0 and against[1] > 0 and against[2] < 0  # the French page
    assert against[3] > 0 and against[4] < 0  # the English one


def test_a_model_with_language_features_saves_its_lists_and_labels_the_same(tmp_path):
    from newssift.training.config import load_config
    from newssift.training.train import train

    cfg = load_config("training/configs/tiny.toml").replace(language_features=True)
    trained, _ = train(cfg, progress=False)
    save_model(trained, tmp_path / "m", {})
    again = load_model(tmp_path / "m")
    again.version = trained.version
    texts = ["\n".join(FRENCH), "\n".join(ENGLISH), CHINESE + "\n首页"]
    assert [r.to_dict() for r in again.segment_many(texts)] == [
        r.to_dict() for r in trained.segment_many(texts)]
    assert again.featurizer.language_features and "fr" in again.featurizer.stoplists_
    assert "stop_share_lang" in again.featurizer.dense_names()


def test_a_page_in_a_language_without_a_list_counts_its_own_frequent_words():
    # Our own text, in a made-up language: its function words are its most frequent ones.
    page = ["ka moro tesi lun ka vera pol ka semi tun lun ka dori",
            "ka lun melo ka tesi ravo lun ka pira",
            "Nuvo | Sarta | Kontakt"]
    counts = page_stop_counts(page)
    assert counts[0] >= 6 and counts[1] >= 4 and counts[2] == 0


def test_an_unidentified_page_reads_stopwords_from_its_own_words(featurizers, monkeypatch):
    from newssift.classifier import language

    _, own_way = featurizers
    monkeypatch.setattr(language, "identify",
                        lambda texts: [language.Language(None, None) for _ in texts])
    batch = own_way.transform([FRENCH])
    share = _column(own_way, batch, "stop_share_lang")
    assert share[0] > 0.05 and share[1] > 0.05 and share[2] == pytest.approx(0, abs=1e-6)


def test_a_cjk_documents_pooled_form_is_the_form_of_its_blocks_joined():
    blocks = [CHINESE, "首页 新闻", "记者 李明", CHINESE[:20]]
    featurizer = Featurizer(min_df=1, language_features=True).fit([blocks, FRENCH, ENGLISH])
    batch = featurizer.transform([blocks])
    pooled = featurizer.pooled_shape(batch, np.ones(len(blocks), bool), 1)
    joined = featurizer.transform([["\n".join(blocks)]]).dense[:, :pooled.shape[1]]
    names = featurizer.dense_names()
    for col in ("log_units", "unit_len", "punct_share_cjk", "commas_per_unit", "stop_share_lang"):
        i = names.index(col)
        assert pooled[0, i] == pytest.approx(joined[0, i], abs=0.02), col


def test_a_run_of_cjk_characters_is_counted_in_units_not_as_one_more_word():
    units = np.expm1(shallow_features(["首页", "记者 李明", "Apple 公司"], units=True)[:, 1])
    np.testing.assert_allclose(units, [2 / 1.7, 4 / 1.7, 1 + 2 / 1.7], rtol=1e-5)

"""Function words by language: the stopword share of a block in its page's own language.

A story paragraph is dense in function words (the, of, and; der, und; le, de) and a menu,
a credit or a share bar is not: jusText's whole method rests on it.  Counted with the
English list only, every paragraph of a French or German page reads as boilerplate, so a
model whose featurizer has ``language_features`` counts a page's blocks with its own
language's list: jusText's stoplists (about 100 languages, as jusText uses them: a block's
whitespace-separated tokens, lowercased, punctuation kept), and for Chinese and Japanese,
which jusText has no list for and which have no spaces, the characters of their commonest
function words, counted per character.

A page in a language without a list, or whose language is not identified, gets a list of
its own: its most frequent words (``PAGE_STOPWORDS`` of them, each seen at least
``PAGE_STOPWORD_MIN`` times).  In any language the most frequent words of a text are its
function words, and on a page they are the story's: a menu says each of its words once.

The lists are fitted into the model (``Stoplists.to_arrays``), so labelling needs no
jusText and a model always counts with the lists it was trained with.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from newssift.classifier.counting import decode_terms, encode_terms
from newssift.classifier.shallow import CJK_CHARS_PER_WORD, CJK_PATTERN

__all__ = ["Stoplists", "JUSTEXT_STOPLISTS", "CJK_FUNCTION_CHARS", "CJK_LANGUAGES",
           "PAGE_STOPWORDS", "PAGE_STOPWORD_MIN", "page_stop_counts"]

PAGE_STOPWORDS = 20
PAGE_STOPWORD_MIN = 3

# ISO 639-1 code -> the name of jusText's stoplist (justext.get_stoplists()).
JUSTEXT_STOPLISTS = {
    "af": "Afrikaans", "sq": "Albanian", "ar": "Arabic", "an": "Aragonese", "hy": "Armenian",
    "az": "Azerbaijani", "eu": "Basque", "be": "Belarusian", "bn": "Bengali", "bs": "Bosnian",
    "br": "Breton", "bg": "Bulgarian", "ca": "Catalan", "cv": "Chuvash", "hr": "Croatian",
    "cs": "Czech", "da": "Danish", "nl": "Dutch", "en": "English", "eo": "Esperanto",
    "et": "Estonian", "fi": "Finnish", "fr": "French", "gl": "Galician", "ka": "Georgian",
    "de": "German", "el": "Greek", "gu": "Gujarati", "ht": "Haitian", "he": "Hebrew",
    "hi": "Hindi", "hu": "Hungarian", "is": "Icelandic", "io": "Ido", "ig": "Igbo",
    "id": "Indonesian", "ga": "Irish", "it": "Italian", "jv": "Javanese", "kn": "Kannada",
    "kk": "Kazakh", "ko": "Korean", "ku": "Kurdish", "ky": "Kyrgyz", "la": "Latin",
    "lv": "Latvian", "lt": "Lithuanian", "lb": "Luxembourgish", "mk": "Macedonian",
    "ms": "Malay", "ml": "Malayalam", "mt": "Maltese", "mr": "Marathi", "ne": "Nepali",
    "no": "Norwegian_Bokmal", "nb": "Norwegian_Bokmal", "nn": "Norwegian_Nynorsk",
    "oc": "Occitan", "fa": "Persian", "pl": "Polish", "pt": "Portuguese", "qu": "Quechua",
    "ro": "Romanian", "ru": "Russian", "sr": "Serbian", "sk": "Slovak", "sl": "Slovenian",
    "es": "Spanish", "su": "Sundanese", "sw": "Swahili", "sv": "Swedish", "tl": "Tagalog",
    "ta": "Tamil", "te": "Telugu", "tr": "Turkish", "tk": "Turkmen", "uk": "Ukrainian",
    "ur": "Urdu", "uz": "Uzbek", "vi": "Vietnamese", "vo": "Volapuk", "wa": "Walloon",
    "cy": "Welsh", "fy": "West_Frisian", "yo": "Yoruba",
}

# Our own lists: the characters of the commonest function words and particles (written for
# this project from a grammar's list, not copied from a corpus).  Each is one unit.
CJK_FUNCTION_CHARS = {
    "zh": "的了是在和有我他她它们这那不也就都而及与着或但并被把从对向于为以之其所个中上下到说将已还又很更最",
    "ja": "のにはをたがでてとしもなかられるいうことあるからまでよりへやなどするいたすだです",
}
CJK_LANGUAGES = frozenset(CJK_FUNCTION_CHARS)
_CJK_RE = re.compile(CJK_PATTERN)


def page_stop_counts(texts: Sequence[str]) -> np.ndarray:
    """Each block's tokens among its page's ``PAGE_STOPWORDS`` most frequent words (those
    seen ``PAGE_STOPWORD_MIN`` times or more; letters only), float32: the stopword count of
    a page in a language without a list."""
    tokens = [[w for w in t.lower().split() if w.isalpha()] for t in texts]
    frequent = Counter(w for ws in tokens for w in ws).most_common(PAGE_STOPWORDS)
    stop = {w for w, n in frequent if n >= PAGE_STOPWORD_MIN}
    return np.asarray([sum(1 for w in ws if w in stop) for ws in tokens], dtype=np.float32)


class Stoplists:
    """Each language's function words; ``stop_counts`` counts them in a page's blocks."""

    def __init__(self, words: Mapping[str, frozenset[str]]) -> None:
        self.words = words

    @classmethod
    def from_justext(cls) -> Stoplists:
        """jusText's stoplists under ISO 639-1 codes, plus the Chinese and Japanese
        characters.  Needs jusText (a dependency of training, not of labelling)."""
        import justext

        available = set(justext.get_stoplists())
        words = {code: frozenset(justext.get_stoplist(name))
                 for code, name in JUSTEXT_STOPLISTS.items() if name in available}
        words.update({code: frozenset(chars) for code, chars in CJK_FUNCTION_CHARS.items()})
        return cls(words)

    def __contains__(self, lang: object) -> bool:
        return lang in self.words

    def stop_counts(self, texts: Sequence[str], lang: str) -> np.ndarray:
        """Function-word tokens in each block (for Chinese and Japanese, function characters
        among the block's CJK characters, in words of CJK_CHARS_PER_WORD characters), float32."""
        stop = self.words[lang]
        if lang in CJK_LANGUAGES:  # in the units a CJK block's length is counted in
            counts = [sum(1 for ch in _CJK_RE.findall(t) if ch in stop) / CJK_CHARS_PER_WORD
                      for t in texts]
        else:
            counts = [sum(1 for w in t.lower().split() if w in stop) for t in texts]
        return np.asarray(counts, dtype=np.float32)

    # -- persistence ------------------------------------------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        langs = sorted(self.words)
        lists = [sorted(w for w in self.words[lang] if "\n" not in w) for lang in langs]
        return {"langs": encode_terms(langs), "words": encode_terms([w for ws in lists for w in ws]),
                "sizes": np.asarray([len(ws) for ws in lists], dtype=np.int64)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Stoplists:
        langs = decode_terms(arrays["langs"])
        blob = np.asarray(arrays["words"], dtype=np.uint8)
        cuts = np.flatnonzero(blob == ord("\n"))  # word k ends at cuts[k], the last at the end
        bounds = np.concatenate([[0], np.cumsum(arrays["sizes"])]).tolist()
        if len(bounds) != len(langs) + 1 or bounds[-1] != (len(cuts) + 1 if len(blob) else 0):
            raise ValueError("stoplist arrays do not fit together")
        ends = np.append(cuts, len(blob))  # where each word's bytes end; the next starts after
        spans = {lang: (int(ends[a - 1]) + 1 if a else 0, int(ends[b - 1])) if b > a else (0, 0)
                 for lang, a, b in zip(langs, bounds, bounds[1:])}
        return cls(_EncodedLists(spans, blob))


class _EncodedLists(Mapping):
    """A saved model's stoplists, each decoded when a page first needs it: a model loads
    without the 180,000 words (50 ms, a tenth of a one-article ``classify``), and a corpus
    reads only its own languages' lists."""

    def __init__(self, spans: dict[str, tuple[int, int]], blob: np.ndarray) -> None:
        self._span = spans  # each language's words in ``blob``, as a byte range
        self._blob = blob
        self._sets: dict[str, frozenset[str]] = {}

    def __getitem__(self, lang: str) -> frozenset[str]:
        found = self._sets.get(lang)
        if found is None:
            a, b = self._span[lang]  # KeyError for a language without a list, as a dict
            words = decode_terms(self._blob[a:b]) if b > a else []
            found = self._sets[lang] = frozenset(words)
        return found

    def __contains__(self, lang: object) -> bool:
        return lang in self._span

    def __iter__(self) -> Iterator[str]:
        return iter(self._span)

    def __len__(self) -> int:
        return len(self._span)

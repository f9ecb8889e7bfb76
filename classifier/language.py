"""Which language a document is written in: py3langid's model, read by a batched walker.

Every result says its text's language (``article.lang``, an ISO 639-1 code, with
``article.lang_score``, its probability), identified on the main text when there is any,
else on all the text, from its first :data:`LANG_ID_MAX_CHARS` characters (so that a huge
document costs no more than a page).  The topic head learnt from English news only
(:data:`~newssift.classifier.defaults.TOPIC_LANGUAGES`): ``article.topic_trained_for_lang``
says whether the article's language is among those it learnt.

The model is py3langid's (Lui and Baldwin's langid.py, 97 languages, naive Bayes over byte
n-grams found by a finite automaton).  Two things make it cheap enough to run on every
document:

- **Loading.** py3langid ships its model LZMA-compressed; unpacking it takes some 1.5 s, three
  times a one-article ``classify``.  The first load writes the unpacked arrays to the cache
  folder (``$NEWSSIFT_CACHE_DIR``, else ``$XDG_CACHE_HOME/newssift``, else
  ``~/.cache/newssift``; ``off`` for none), and later processes map them from there, reading
  only the pages they touch.  Without a writable cache every process unpacks it.
- **Walking.** py3langid walks the automaton one byte at a time in Python.  A batch of many
  documents is walked here a byte position at a time for all of them at once in numpy (the
  same states, so the same features and scores); a few documents take py3langid's own loop
  over the same arrays, which is faster for them.

Scores are py3langid's normalised probabilities (its ``norm_probs`` mode: the naive Bayes
log-probabilities divided by the square root of the text's length in bytes, then a softmax),
taken over the ISO 639-1 languages only, so that an answer is always a two-letter code;
``zxx`` (no language: digits, symbols) and a text without any of the model's features give
``None``.  py3langid's names for one language written in two scripts are summed into one.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newssift.classifier.defaults import LANG_ID_MAX_CHARS, TOPIC_LANGUAGES
from newssift.classifier.resources import cache_dir

__all__ = ["Language", "Identifier", "identify", "sample", "identifier", "topic_trained_for",
           "BATCH_WALK_FROM", "NO_LANGUAGE"]

log = logging.getLogger(__name__)

# From this many documents at once the numpy walker (one step a byte position for all of
# them) is faster than py3langid's Python loop over each document's bytes.
BATCH_WALK_FROM = 24
# py3langid's label for text without language (digits, symbols, code).
NO_LANGUAGE = "zxx"
_ARRAYS = ("nextmove", "rowbase", "out_feat", "ptc", "pc", "label_of")


class Identifier:
    """py3langid's model as arrays: the byte automaton (``nextmove``; ``rowbase``, a state's
    row offset in it; ``out_feat``, the feature a state emits, -1 none), the naive Bayes
    tables over the kept columns (``ptc``, features x columns; ``pc``) and each column's
    language (``label_of`` indexes ``labels``)."""

    def __init__(self, nextmove: np.ndarray, rowbase: np.ndarray, out_feat: np.ndarray,
                 ptc: np.ndarray, pc: np.ndarray, label_of: np.ndarray,
                 labels: tuple[str, ...]) -> None:
        self.nextmove, self.rowbase, self.out_feat = nextmove, rowbase, out_feat
        self.ptc, self.pc, self.label_of, self.labels = ptc, pc, label_of, labels
        self._lists: tuple[list[int], list[int]] | None = None
        # A language written in two scripts has two columns: its first, and the others'.
        self._first = np.array([list(label_of).index(i) for i in range(len(labels))])
        self._others = [(int(label_of[c]), c) for c in range(len(label_of))
                        if self._first[label_of[c]] != c]

    def walk_one(self, data: bytes) -> tuple[np.ndarray, np.ndarray]:
        """The features ``data`` visits, and how often (py3langid's loop, on these arrays)."""
        if self._lists is None:  # indexing a list is several times faster than an array's items
            self._lists = (self.rowbase.tolist(), self.out_feat.tolist())
        (rowbase, out), nm = self._lists, self.nextmove
        state, found = 0, []
        for byte in data:
            state = int(nm[rowbase[state] + byte])
            f = out[state]
            if f >= 0:
                found.append(f)
        return np.unique(np.asarray(found, dtype=np.int64), return_counts=True)

    def walk_many(self, data: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(document, feature, count) of every feature the texts visit: the automaton run
        one byte position at a time over all texts that long."""
        n = len(data)
        lengths = np.fromiter(map(len, data), dtype=np.int64, count=n)
        order = np.argsort(-lengths, kind="stable")  # the texts still walking are a prefix
        width = int(lengths.max()) if n else 0
        grid = np.zeros((width, n), dtype=np.uint8)  # one row a byte position
        for col, d in enumerate(order.tolist()):
            grid[:lengths[d], col] = np.frombuffer(data[d], dtype=np.uint8)
        walking = np.searchsorted(-lengths[order], -np.arange(width), side="left").tolist()
        # Each position's states, one row a position: the automaton's steps are the loop,
        # the features they emit are read from all of them at once afterwards.
        states = np.zeros((width + 1, n), dtype=self.nextmove.dtype)
        nextmove, rowbase = self.nextmove, self.rowbase
        for pos, k in enumerate(walking):
            np.take(nextmove, rowbase[states[pos, :k]] + grid[pos, :k], out=states[pos + 1, :k])
        feat = self.out_feat[states[1:]]
        feat[np.arange(width)[:, None] >= lengths[order][None, :]] = -1
        pos_hit, col_hit = np.nonzero(feat >= 0)
        if not len(pos_hit):
            return (np.zeros(0, np.int64),) * 3
        n_feat = len(self.out_feat) + 1
        keys = order[col_hit] * n_feat + feat[pos_hit, col_hit]
        keys, counts = np.unique(keys, return_counts=True)
        return keys // n_feat, keys % n_feat, counts

    def probabilities(self, doc: np.ndarray, feat: np.ndarray, count: np.ndarray,
                      n_bytes: np.ndarray) -> np.ndarray:
        """Each document's probability of each of ``labels`` (a row of zeros: no feature)."""
        import scipy.sparse as sp

        n = len(n_bytes)
        used, col = np.unique(feat, return_inverse=True)
        weights = sp.csr_matrix((np.log1p(count.astype(np.float32)), (doc, col)),
                                shape=(n, len(used)))
        raw = np.asarray(weights @ self.ptc[used], dtype=np.float32)
        raw += self.pc
        raw *= (1.0 / np.sqrt(np.maximum(n_bytes, 1))).astype(np.float32)[:, None]
        raw = np.exp(raw - raw.max(axis=1, keepdims=True))
        raw /= raw.sum(axis=1, keepdims=True)
        out = raw[:, self._first].astype(np.float64)  # not a matrix product: no BLAS threads
        for lang, c in self._others:
            out[:, lang] += raw[:, c]
        seen = np.zeros(n, dtype=bool)
        seen[doc] = True
        out[~seen] = 0.0
        return out


_LOCK = threading.Lock()
_IDENTIFIER: Identifier | None = None


def identifier() -> Identifier:
    """The language identifier, loaded on first use (from the cache when it is there)."""
    global _IDENTIFIER
    with _LOCK:
        if _IDENTIFIER is None:
            _IDENTIFIER = _load()
        return _IDENTIFIER


def _source() -> tuple[Path, str]:
    """py3langid's model file, and a name for its unpacked arrays that changes with it."""
    try:
        import py3langid
        from py3langid.langid import MODEL_DIR, MODEL_FILE
    except ImportError as exc:  # a dependency: only a broken install lacks it
        from newssift.classifier.errors import ModelError

        raise ModelError("language identification needs py3langid: pip install py3langid") from exc
    path = Path(MODEL_DIR) / MODEL_FILE
    stat = path.stat()
    return path, f"langid-{py3langid.__version__}-{stat.st_size}-{int(stat.st_mtime)}"


def _load() -> Identifier:
    path, name = _source()
    where = cache_dir()
    folder = where / name if where is not None else None
    if folder is not None and (folder / "labels.txt").is_file():
        try:
            return _from_folder(folder)
        except (OSError, ValueError) as exc:  # a damaged cache: unpack again
            log.warning("language model cache %s unreadable (%s); unpacking py3langid's model", folder, exc)
    arrays, labels = _unpack(path)
    if folder is not None:
        try:
            _save(folder, arrays, labels)
        except OSError as exc:
            log.info("language model not cached in %s (%s)", folder, exc)
    return Identifier(**arrays, labels=labels)


def _unpack(path: Path) -> tuple[dict[str, np.ndarray], tuple[str, ...]]:
    """py3langid's arrays, its columns cut to the ISO 639-1 languages and ``zxx``."""
    from py3langid.modelio import load_model

    ptc, pc, classes, nextmove, row, out_feat = load_model(path)
    keep = [i for i, c in enumerate(classes) if len(c) == 2 or c == NO_LANGUAGE]
    labels = tuple(dict.fromkeys(classes[i] for i in keep))
    arrays = {
        "nextmove": np.frombuffer(nextmove, dtype=np.dtype(nextmove.typecode)),
        "rowbase": np.frombuffer(row, dtype=np.dtype(row.typecode)).astype(np.int64) << 8,
        "out_feat": np.asarray(out_feat, dtype=np.int32),
        # float32: py3langid's float16 is slow to convert at each call; C order: rows are read
        "ptc": np.ascontiguousarray(np.asarray(ptc)[:, keep], dtype=np.float32),
        "pc": np.asarray(pc, dtype=np.float32)[keep],
        "label_of": np.array([labels.index(classes[i]) for i in keep], dtype=np.int64),
    }
    return arrays, labels


def _save(folder: Path, arrays: dict[str, np.ndarray], labels: tuple[str, ...]) -> None:
    """Write the arrays to a temporary folder and rename it into place: a reader never
    sees half a cache."""
    import tempfile

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    for key in _ARRAYS:
        np.save(tmp / f"{key}.npy", arrays[key], allow_pickle=False)
    (tmp / "labels.txt").write_text("\n".join(labels) + "\n", encoding="ascii")
    try:
        tmp.rename(folder)
    except OSError:  # another process got there first
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


def _from_folder(folder: Path) -> Identifier:
    # np.asarray: plain arrays over the mapped files (a memmap's indexing is slower)
    arrays = {k: np.asarray(np.load(folder / f"{k}.npy", mmap_mode="r", allow_pickle=False))
              for k in _ARRAYS}
    labels = tuple((folder / "labels.txt").read_text(encoding="ascii").split())
    small = {k: np.array(arrays[k]) for k in ("rowbase", "out_feat", "pc", "label_of")}
    if len(labels) != int(small["label_of"].max()) + 1 or len(small["pc"]) != arrays["ptc"].shape[1]:
        raise ValueError("arrays do not fit together")
    return Identifier(arrays["nextmove"], small["rowbase"], small["out_feat"], arrays["ptc"],
                      small["pc"], small["label_of"], labels)


@dataclass(frozen=True, slots=True)
class Language:
    """A text's language (ISO 639-1) and its probability; both None for a text without one."""

    lang: str | None
    score: float | None


def sample(texts: Sequence[str]) -> str:
    """The lines ``texts`` joined, up to about LANG_ID_MAX_CHARS characters: what
    :func:`identify` reads of a document (it cuts the rest)."""
    out, size = [], 0
    for t in texts:
        out.append(t)
        size += len(t) + 1
        if size >= LANG_ID_MAX_CHARS:
            break
    return "\n".join(out)


def _encode(text: str) -> bytes:
    """The bytes py3langid reads: its first LANG_ID_MAX_CHARS characters, an all-capitals
    text lowered, NFC."""
    text = text[:LANG_ID_MAX_CHARS]
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf-8", errors="surrogatepass")


def identify(texts: Sequence[str]) -> list[Language]:
    """The language of each text (see the module's docstring)."""
    if not texts:
        return []
    data = [_encode(t) for t in texts]
    ident = identifier()
    if len(data) >= BATCH_WALK_FROM:
        doc, feat, count = ident.walk_many(data)
    else:
        parts = [ident.walk_one(d) for d in data]
        doc = np.repeat(np.arange(len(parts)), [len(f) for f, _ in parts])
        feat = np.concatenate([f for f, _ in parts])
        count = np.concatenate([c for _, c in parts])
    n_bytes = np.fromiter(map(len, data), dtype=np.float64, count=len(data))
    proba = ident.probabilities(doc, feat, count, n_bytes)
    best = proba.argmax(axis=1)
    out = []
    for d, b in enumerate(best.tolist()):
        p = float(proba[d, b])
        lang = ident.labels[b]
        out.append(Language(None, None) if p == 0.0 or lang == NO_LANGUAGE
                   else Language(lang, round(p, 4)))
    return out


def topic_trained_for(lang: str | None) -> bool:
    """Whether the topic head learnt from texts in ``lang`` (None, no language: False)."""
    return lang in TOPIC_LANGUAGES

"""Which language a document is written in: py3langid's model, read by a batched walker.

Every result says its text's language (``article.lang``, an ISO 639-1 code, with
``article.lang_score``, its probability), identified on the main text when there is any,
else on all the text, its longest blocks first, up to :data:`LANG_ID_MAX_CHARS` characters
(so that a huge document costs no more than a page).  The topic head learnt from English news only
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
- **Walking.** py3langid walks its automaton one byte at a time in Python.  Its automaton is
  Aho-Corasick's, whose state after a byte depends only on the few bytes before it (6 at
  most), so here the states of all positions of all documents are found at once, in 6 numpy
  steps: the same states, so the same features and probabilities as py3langid's.

Scores are py3langid's normalised probabilities (its ``norm_probs`` mode: the naive Bayes
log-probabilities divided by the square root of the text's length in bytes, then a softmax),
taken over the ISO 639-1 languages only, so that an answer is always a two-letter code;
``zxx`` (no language: digits, symbols) and a text without any of the model's features give
``None``.  py3langid's names for one language written in two scripts are summed into one.
"""

from __future__ import annotations

import logging
import os
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newssift.classifier.defaults import LANG_ID_MAX_CHARS, TOPIC_LANGUAGES
from newssift.classifier.resources import cache_dir

__all__ = ["Language", "Identifier", "identify", "sample", "longest_sample", "identifier",
           "topic_trained_for",
           "DENSE_PAIRS_UPTO", "NO_LANGUAGE"]

log = logging.getLogger(__name__)

# Up to this many (document, feature) pairs the naive Bayes sums are taken densely; more, as
# a sparse matrix product (whose set-up costs more than a few documents' sums).
DENSE_PAIRS_UPTO = 1024
# py3langid's label for text without language (digits, symbols, code).
NO_LANGUAGE = "zxx"
_ARRAYS = ("nextmove", "rowbase", "out_feat", "ptc", "pc", "label_of", "shape")


class Identifier:
    """py3langid's model as arrays: the byte automaton (``nextmove``; ``rowbase``, a state's
    row offset in it; ``out_feat``, the feature a state emits, -1 none; ``depth``, the
    length of the longest path from the start state to any other; ``reset``, a byte that
    takes every state to the start), the naive Bayes
    tables over the kept columns (``ptc``, features x columns; ``pc``) and each column's
    language (``label_of`` indexes ``labels``)."""

    def __init__(self, nextmove: np.ndarray, rowbase: np.ndarray, out_feat: np.ndarray,
                 ptc: np.ndarray, pc: np.ndarray, label_of: np.ndarray,
                 labels: tuple[str, ...], depth: int, reset: int) -> None:
        self.nextmove, self.rowbase, self.out_feat = nextmove, rowbase, out_feat
        self.depth, self.reset = depth, reset
        self.ptc, self.pc, self.label_of, self.labels = ptc, pc, label_of, labels
        # A language written in two scripts has two columns: its first, and the others'.
        self._first = np.array([list(label_of).index(i) for i in range(len(labels))])
        self._others = [(int(label_of[c]), c) for c in range(len(label_of))
                        if self._first[label_of[c]] != c]

    def walk(self, data: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(document, feature, count) of every feature the texts visit, documents ascending.

        The automaton is Aho-Corasick's: its state after a byte is the longest suffix of the
        text so far that begins one of its n-grams, no longer than its deepest state
        (``depth``, 6 bytes).  So the state at every position of every text is found at once,
        walking the ``depth`` bytes that end there from the start state: ``depth`` numpy
        steps over all bytes, instead of py3langid's Python step a byte.  Each text is put
        after ``depth - 1`` bytes that take every state back to the start (``reset``), so
        that no walk reads into the text before."""
        pad = bytes([self.reset]) * (self.depth - 1)
        text = np.frombuffer(b"".join(pad + d for d in data), dtype=np.uint8)
        lengths = np.fromiter(map(len, data), dtype=np.int64, count=len(data)) + len(pad)
        doc = np.repeat(np.arange(len(data)), lengths)[len(pad):]
        size = len(text) - len(pad)
        state = np.zeros(size, dtype=np.int64)
        for back in range(len(pad), -1, -1):  # the byte ``back`` places before each position
            start = len(pad) - back
            state = self.nextmove[self.rowbase[state] + text[start:start + size]]
        feat = self.out_feat[state]  # a padding byte's state is the start, which emits none
        hit = feat >= 0
        n_feat = len(self.ptc)
        keys, counts = np.unique(doc[hit] * n_feat + feat[hit], return_counts=True)
        return keys // n_feat, keys % n_feat, counts

    def probabilities(self, doc: np.ndarray, feat: np.ndarray, count: np.ndarray,
                      n_bytes: np.ndarray) -> np.ndarray:
        """Each document's probability of each of ``labels`` (a row of zeros: no feature);
        ``doc`` ascending, as :meth:`walk` gives them."""
        out = np.zeros((len(n_bytes), len(self.labels)))
        present, starts = np.unique(doc, return_index=True)
        if not len(present):
            return out
        weight = np.log1p(count.astype(np.float32))
        if len(doc) <= DENSE_PAIRS_UPTO:  # a few documents: no sparse matrix to build
            raw = np.add.reduceat(weight[:, None] * self.ptc[feat], starts)
        else:
            import scipy.sparse as sp

            used, col = np.unique(feat, return_inverse=True)
            weights = sp.csr_matrix((weight, col, np.append(starts, len(doc))),
                                    shape=(len(present), len(used)))
            raw = np.asarray(weights @ self.ptc[used], dtype=np.float32)
        raw += self.pc
        raw /= np.sqrt(n_bytes[present]).astype(np.float32)[:, None]
        raw -= raw.max(axis=1, keepdims=True)
        np.exp(raw, out=raw)
        raw /= raw.sum(axis=1, keepdims=True)
        out[present] = raw[:, self._first]  # not a matrix product: no BLAS threads
        for lang, c in self._others:  # a language's second script
            out[present, lang] += raw[:, c]
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
            found = _from_folder(folder)
            _touch(folder)
            return found
        except (OSError, ValueError) as exc:  # a damaged cache: unpack again
            log.warning("language model cache %s unreadable (%s); unpacking py3langid's model", folder, exc)
    arrays, labels = _unpack(path)
    if folder is not None:
        try:
            _save(folder, arrays, labels)
            _prune(folder)
        except OSError as exc:
            log.info("language model not cached in %s (%s)", folder, exc)
    return _identifier(arrays, labels)


# An unpacked model no process has read for this long belongs to a py3langid since replaced
# (each install has its own, 84 MB): the next unpacking removes it.
STALE_CACHE_DAYS = 30


def _touch(folder: Path) -> None:
    """Mark the cache as read now (what ``_prune`` goes by); a read-only cache stays as it is."""
    try:
        os.utime(folder / "labels.txt")
    except OSError:
        pass


def _prune(folder: Path) -> None:
    """Remove the other unpacked models beside ``folder`` that no process has read for
    STALE_CACHE_DAYS."""
    import shutil
    import time

    cutoff = time.time() - STALE_CACHE_DAYS * 86400
    for other in folder.parent.glob("langid-*"):
        if other == folder or not other.is_dir():
            continue
        try:  # last read; a folder a crashed unpacking left without labels: its own age
            marker = other / "labels.txt"
            stale = (marker if marker.exists() else other).stat().st_mtime < cutoff
        except OSError:  # removed meanwhile by another process
            continue
        if stale:
            shutil.rmtree(other, ignore_errors=True)


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
    arrays["shape"] = np.array([_depth(arrays["nextmove"], arrays["rowbase"]),
                                _reset(arrays["nextmove"], arrays["rowbase"])])
    return arrays, labels


def _reset(nextmove: np.ndarray, rowbase: np.ndarray) -> int:
    """A byte that takes every state back to the start state (one no n-gram holds)."""
    rows = nextmove.reshape(-1, 256)[np.unique(rowbase >> 8)]
    resets = np.flatnonzero((rows == 0).all(axis=0))
    if not len(resets):
        raise ValueError("py3langid's automaton has no byte that takes it back to its start")
    return int(resets[0])


def _depth(nextmove: np.ndarray, rowbase: np.ndarray, chunk: int = 2048) -> int:
    """The automaton's depth: the longest of the shortest paths from the start state to each
    state (breadth first, a level at a time; a few seconds, once, when unpacking)."""
    dist = np.full(len(rowbase), -1, dtype=np.int64)
    dist[0] = 0
    frontier, level = np.zeros(1, dtype=np.int64), 0
    while len(frontier):
        reached = [np.unique(nextmove[(rowbase[frontier[i:i + chunk], None] + np.arange(256)).ravel()])
                   for i in range(0, len(frontier), chunk)]
        frontier = np.unique(np.concatenate(reached)).astype(np.int64)
        frontier = frontier[dist[frontier] < 0]
        level += 1
        dist[frontier] = level
    if (dist < 0).any():
        raise ValueError("py3langid's automaton has states no text reaches")
    return int(dist.max())


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
    small = {k: np.array(arrays[k]) for k in ("rowbase", "out_feat", "pc", "label_of", "shape")}
    if len(labels) != int(small["label_of"].max()) + 1 or len(small["pc"]) != arrays["ptc"].shape[1]:
        raise ValueError("arrays do not fit together")
    return _identifier({**arrays, **small}, labels)


def _identifier(arrays: dict[str, np.ndarray], labels: tuple[str, ...]) -> Identifier:
    return Identifier(arrays["nextmove"], arrays["rowbase"], arrays["out_feat"], arrays["ptc"],
                      arrays["pc"], arrays["label_of"], labels, *map(int, arrays["shape"]))


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


def longest_sample(texts: Sequence[str]) -> str:
    """:func:`sample` of ``texts`` longest first: a page's paragraphs rather than its
    menus, bylines and headline.  The featurizer reads a page's blocks this way and the
    result its main blocks, so that where the longest blocks are main (most pages) the two
    samples are one text, identified once (``identify``'s ``known``)."""
    return sample(sorted(texts, key=len, reverse=True))


def _encode(text: str) -> bytes:
    """The bytes py3langid reads: its first LANG_ID_MAX_CHARS characters, an all-capitals
    text lowered, NFC."""
    text = text[:LANG_ID_MAX_CHARS]
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf-8", errors="surrogatepass")


def identify(texts: Sequence[str], known: Mapping[str, Language] | None = None) -> list[Language]:
    """The language of each text (see the module's docstring); ``known``: texts already
    identified (in the same call's pipeline), not read again."""
    if known:
        todo = [t for t in texts if t not in known]
        found = dict(zip(todo, identify(todo))) if todo else {}
        return [known[t] if t in known else found[t] for t in texts]
    if not texts:
        return []
    data = [_encode(t) for t in texts]
    ident = identifier()
    doc, feat, count = ident.walk(data)
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

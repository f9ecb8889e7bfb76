"""A site's repeated lines, counted over a corpus with no labels.

A scraped corpus holds many pages of each site, and a site's template repeats: its menu,
its share bar, its "Advertisement", its newsletter prompt and its footer come back on page
after page, while its stories do not (on held-out pages of sites with 5+ pages, 66% of
boilerplate blocks recur on 3+ pages of their site, against 4% of main blocks).  This
module counts, per site, on how many of its pages each line occurs; the role model's
site-repeats head (:mod:`newssift.classifier.repeats`) turns the counts into evidence.

Counting is a map-reduce: :class:`LineCounter` counts the pages it is given (one process,
one partition), counters merge, and :meth:`LineCounter.freeze` keeps only the lines seen on
two pages or more, as :class:`SiteLines`, which is what labelling reads and what a run
saves beside its output.  Lines are counted by the hash of their wording
(:func:`line_key`: case, digits, punctuation and spacing ignored, so "12 comments" and
"3 Comments" are one line), 8 bytes each; a page that is an exact copy of one already
counted for its site is counted once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

__all__ = ["LineCounter", "SiteLines", "line_key", "line_keys", "line_hashes", "MIN_PAGES"]

# Lines seen on fewer pages than this give no evidence and are not kept.
MIN_PAGES = 2

_NON_WORD = re.compile(r"[^\w]+")
_NON_WORD_OR_BREAK = re.compile(r"[^\w\n]+")
_DIGITS = re.compile(r"\d+")


def line_key(text: str) -> str:
    """The wording of a line, so that a template's copies count as one: lower case, each
    run of digits a 0, punctuation and whitespace runs one space."""
    return " ".join(_NON_WORD.sub(" ", _DIGITS.sub("0", text.lower())).split())


def _hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "little")


def line_keys(texts: Sequence[str]) -> list[str]:
    """:func:`line_key` of each of ``texts``, the page's lines rewritten together: one pass of
    each rule over the joined text costs a fifth of one a line."""
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:  # a line with a line break in it: one at a time
        return [line_key(t) for t in texts]
    joined = _NON_WORD_OR_BREAK.sub(" ", _DIGITS.sub("0", joined.lower()))
    return [line.strip() for line in joined.split("\n")] if texts else []


def line_hashes(texts: Sequence[str]) -> np.ndarray:
    """Each line's 64-bit hash of its :func:`line_key` (stable across processes and runs)."""
    return np.fromiter((_hash(k) for k in line_keys(list(texts))), dtype=np.uint64)


class LineCounter:
    """Pages counted per site, before they are reduced to their repeated lines."""

    def __init__(self) -> None:
        # site -> {digest of a page's text: that page's distinct line hashes}
        self._pages: dict[str, dict[bytes, np.ndarray]] = {}

    def add(self, site: str | None, texts: Sequence[str]) -> None:
        """Count one page's block texts for ``site`` (None: a page with no site, not counted)."""
        if not site:
            return
        digest = hashlib.blake2b("\n".join(texts).encode("utf-8", "surrogatepass"),
                                 digest_size=16).digest()
        pages = self._pages.setdefault(site, {})
        if digest not in pages:
            pages[digest] = np.unique(line_hashes(texts))

    def merge(self, other: LineCounter) -> LineCounter:
        """Both counts in this one; a page both counted is counted once."""
        for site, pages in other._pages.items():
            mine = self._pages.setdefault(site, {})
            for digest, lines in pages.items():
                mine.setdefault(digest, lines)
        return self

    def freeze(self) -> SiteLines:
        """The counts as :class:`SiteLines`: every site's page count and its lines seen on
        :data:`MIN_PAGES` pages or more."""
        sites = sorted(self._pages)
        pages = np.array([len(self._pages[s]) for s in sites], dtype=np.int64)
        keys, counts, bounds = [], [], [0]
        for s in sites:
            k, c = np.unique(np.concatenate(list(self._pages[s].values())), return_counts=True)
            keep = c >= MIN_PAGES
            keys.append(k[keep])
            counts.append(c[keep].astype(np.int32))
            bounds.append(bounds[-1] + int(keep.sum()))
        return SiteLines(sites, pages,
                         np.concatenate(keys) if keys else np.zeros(0, np.uint64),
                         np.concatenate(counts) if counts else np.zeros(0, np.int32),
                         np.array(bounds, dtype=np.int64))


class SiteLines:
    """Per site: how many distinct pages the corpus has, and on how many of them each of
    its repeated lines occurs."""

    def __init__(self, sites: Sequence[str], pages: np.ndarray, keys: np.ndarray,
                 counts: np.ndarray, bounds: np.ndarray) -> None:
        if not (len(sites) == len(pages) == len(bounds) - 1 and len(keys) == len(counts)
                and (len(bounds) == 1 or bounds[-1] == len(keys))):
            raise ValueError("site line counts whose arrays do not fit together")
        self.sites = list(sites)
        self.pages = np.asarray(pages, dtype=np.int64)
        self.keys = np.asarray(keys, dtype=np.uint64)
        self.counts = np.asarray(counts, dtype=np.int32)
        self.bounds = np.asarray(bounds, dtype=np.int64)
        self._index = {s: i for i, s in enumerate(self.sites)}

    @property
    def n_lines(self) -> int:
        """Repeated lines over all sites (a line of two sites counts twice)."""
        return len(self.keys)

    def site_pages(self, site: str | None) -> int:
        """How many distinct pages of ``site`` were counted (0: none, or no site)."""
        i = self._index.get(site) if site else None
        return 0 if i is None else int(self.pages[i])

    def evidence(self, sites: Sequence[str | None], docs: Sequence[Sequence[str]],
                 ) -> tuple[np.ndarray, np.ndarray]:
        """For documents given as block texts: each document's number of *other* counted
        pages of its site, and each block's number of other pages its line occurs on (a page
        of the corpus counts itself once; a page from outside it, as if it had been counted
        too)."""
        others = np.zeros(len(docs), dtype=np.int64)
        parts = []
        for d, (site, texts) in enumerate(zip(sites, docs)):
            counts = np.zeros(len(texts), dtype=np.int64)
            i = self._index.get(site) if site else None
            if i is not None:
                others[d] = self.pages[i] - 1
                keys = self.keys[self.bounds[i]:self.bounds[i + 1]]
                if len(keys) and len(texts):
                    h = line_hashes(texts)
                    at = np.minimum(np.searchsorted(keys, h), len(keys) - 1)
                    found = keys[at] == h
                    counts[found] = self.counts[self.bounds[i] + at[found]] - 1
            parts.append(counts)
        return others, np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Named arrays, for ``numpy.savez`` (no pickled objects: loads with
        ``allow_pickle=False``)."""
        return {"sites": np.array(self.sites, dtype=np.str_), "pages": self.pages,
                "keys": self.keys, "counts": self.counts, "bounds": self.bounds}

    @classmethod
    def from_arrays(cls, arrays) -> SiteLines:
        return cls([str(s) for s in arrays["sites"]], arrays["pages"], arrays["keys"],
                   arrays["counts"], arrays["bounds"])

    def save(self, path) -> None:
        """Write the counts to ``path`` (an ``.npz`` file), whole or not at all."""
        import os
        import tempfile

        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".site-lines-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, **self.to_arrays())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path) -> SiteLines:
        with np.load(path, allow_pickle=False) as arrays:
            return cls.from_arrays({k: arrays[k] for k in arrays.files})

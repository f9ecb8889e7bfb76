"""Where a full retrain keeps its featurized base corpus, and what makes a cached one stale.

Featurizing the training corpus (learning the vocabulary, then turning some 100,000 block
pages, composed pages and topic rows into rows) is most of a full retrain, and it is the
same work every time the data and the code are the same: only the user's labels change.
So the result is cached with :class:`joblib.Memory`, keyed by :func:`fingerprint`: the
training config, the size and modification time of every data file it may read, the
newssift version and a hash of the code that builds it (:func:`code_modules`).  Change any of them and
the key changes, so a stale entry is never read.

The cache is a working store of the training machine, never part of a model: a model
stays arrays and JSON (``save_model`` writes no pickle), and :mod:`newssift.classifier`
reads only the language identifier's unpacked model there.  Its place is ``$NEWSSIFT_CACHE_DIR``, else
``$XDG_CACHE_HOME/newssift``, else ``~/.cache/newssift``; ``NEWSSIFT_CACHE_DIR=off``
turns it off.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from newssift.classifier.resources import CACHE_ENV, CACHE_OFF, cache_dir
from newssift.training.config import TrainConfig

__all__ = ["CACHE_ENV", "CACHE_OFF", "default_cache_dir", "fingerprint", "memory", "code_modules",
           "MAX_CACHED_ITEMS"]

# A featurized corpus is some 330 MB for the default config, its topic head and its role
# heads' fold models (training/first_pass.py) a few MB each: keep the newest few (three
# corpora with theirs).
MAX_CACHED_ITEMS = 9
# Data folders a config's sources are read from (training/corpus.py).
DATA_FOLDERS = ("blocks", "topics", "articles")
# The code a featurized corpus depends on (with what it imports): changed code, changed rows.
ROOT_MODULE = "newssift.training.base_corpus"


def default_cache_dir() -> Path | None:
    """The cache folder the environment names (:func:`newssift.classifier.resources.cache_dir`)."""
    return cache_dir()


def _file_stamp(path: Path) -> list:
    """What tells a changed file: its resolved path, size and modification time."""
    try:
        st = path.stat()
    except OSError:
        return [str(path), None, None]
    return [str(path.resolve()), st.st_size, st.st_mtime_ns]


def _data_stamps(cfg: TrainConfig) -> list[list]:
    stamps = []
    needed = bool(cfg.block_sources or cfg.topic_files or cfg.article_files or cfg.eval_sources)
    if needed:
        root = cfg.data
        for folder in DATA_FOLDERS:
            stamps += [_file_stamp(p) for p in sorted((root / folder).glob("*")) if p.is_file()]
    for own in (cfg.handwritten, cfg.short_texts, *cfg.labels_files):
        if own:
            stamps.append(_file_stamp(cfg.path(own)))
    return stamps


_IMPORT_RE = re.compile(r"^(?:from|import)\s+newssift\.(\w+)\.(\w+)", re.MULTILINE)


def code_modules(root: str = ROOT_MODULE) -> list[Path]:
    """The source files the featurized corpus depends on: ``root`` and every newssift module
    it imports at module level, directly or not.  Imports inside functions are not followed
    (they are optional paths, such as reading a manifest): featurizing code imports at the
    top."""
    folders = {name: Path(__import__(f"newssift.{name}", fromlist=["_"]).__file__).resolve().parent
               for name in ("classifier", "training")}
    todo, seen = [tuple(root.split(".")[1:])], set()
    while todo:
        part, module = todo.pop()
        if (part, module) in seen or part not in folders:
            continue
        path = folders[part] / f"{module}.py"
        if path.is_file():
            seen.add((part, module))
            todo += _IMPORT_RE.findall(path.read_text(encoding="utf-8"))
    return sorted(folders[p] / f"{m}.py" for p, m in seen)


def _code_hash() -> str:
    """One sha256 over the source of :func:`code_modules`."""
    digest = hashlib.sha256()
    for path in code_modules():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newssift")
    except PackageNotFoundError:  # pragma: no cover (a checkout not installed)
        return "unknown"


def fingerprint(cfg: TrainConfig) -> dict[str, Any]:
    """Everything a featurized base corpus depends on, as plain values (the cache key)."""
    config = asdict(cfg)
    config["data_root"] = None  # the resolved files below say where the data is
    return {"config": config, "data": _data_stamps(cfg), "newssift": _version(),
            "code": _code_hash()}


def memory(cache_dir: Path | None):
    """A :class:`joblib.Memory` at ``cache_dir`` (None: no caching, it calls straight through)."""
    from joblib import Memory

    return Memory(None if cache_dir is None else str(cache_dir), verbose=0)

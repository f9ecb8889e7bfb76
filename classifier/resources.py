"""Where newssift finds its files: the ones it ships, and the training data it does not.

Packaged files (the default model, training configs, our own labelled pages and the
gold documents the retrain gate scores) live inside the installed ``newssift``
package and are found with :mod:`importlib.resources`, so they work the same from a
checkout, an editable install or a wheel.  The third-party training data is never
packaged: it is found from an explicit directory, ``$NEWSSIFT_DATA``, or, in a
checkout, the ``../shared/data`` beside it.  Working files newssift may rebuild at any
time (a retrain's featurized corpus, the language identifier's unpacked model) go to the
cache folder, :func:`cache_dir`.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from newssift.classifier.errors import TrainingError

__all__ = ["PARTS", "packaged", "resolve", "checkout_root", "shared_data_dir", "DATA_ENV",
           "cache_dir", "CACHE_ENV", "CACHE_OFF"]

# The repository's top-level folders that are parts of the package (``newssift.<part>``).
PARTS = ("classifier", "training", "service", "clean", "models")
DATA_ENV = "NEWSSIFT_DATA"
CACHE_ENV = "NEWSSIFT_CACHE_DIR"
CACHE_OFF = "off"


def cache_dir() -> Path | None:
    """The cache folder: ``$NEWSSIFT_CACHE_DIR``, else ``$XDG_CACHE_HOME/newssift``, else
    ``~/.cache/newssift``; None when ``$NEWSSIFT_CACHE_DIR`` is ``off`` (or there is no home
    directory)."""
    named = os.environ.get(CACHE_ENV, "").strip()
    if named.lower() == CACHE_OFF:
        return None
    if named:
        return Path(named).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg:
        return Path(xdg) / "newssift"
    try:
        return Path.home() / ".cache" / "newssift"
    except RuntimeError:  # no home directory to be found: no cache, not a failed run
        return None


def packaged(relative: str) -> Path:
    """A file shipped in the package, named as in the repository: ``models/default``,
    ``training/configs/tiny.toml``."""
    part, _, rest = Path(relative).as_posix().partition("/")
    if part not in PARTS:
        raise ValueError(f"{relative!r} is not inside one of the package's parts {PARTS}")
    root = Path(str(resources.files(f"newssift.{part}")))
    return root / rest if rest else root


def resolve(path: str | Path) -> Path:
    """A path from a config or a command line: absolute as given; relative to a part of
    the package when it starts with one (``training/data/handwritten.jsonl``), else
    relative to the current directory."""
    p = Path(path)
    if p.is_absolute() or not p.parts or p.parts[0] not in PARTS:
        return p
    return packaged(p.as_posix())


def checkout_root() -> Path | None:
    """The repository this package runs from, or None when it is installed from a wheel."""
    root = Path(str(resources.files("newssift.classifier"))).resolve().parent
    return root if (root / "pyproject.toml").is_file() and (root / "classifier").is_dir() else None


def shared_data_dir(explicit: str | Path | None = None, *, must_exist: bool = True) -> Path:
    """The training and evaluation data: ``explicit``, else ``$NEWSSIFT_DATA``, else the
    checkout's ``../shared/data``.  Missing, it is a :class:`TrainingError` saying how
    to point at it."""
    chosen = explicit or os.environ.get(DATA_ENV)
    if chosen:
        path = Path(chosen).expanduser()
    else:
        root = checkout_root()
        path = root.parent / "shared" / "data" if root else None
    if path is None:
        if must_exist:
            raise TrainingError(f"no training data: pass --data DIR or set {DATA_ENV} "
                                "(the folder holding blocks/, topics/, articles/)")
        return Path("shared-data-not-found")
    if must_exist and not path.is_dir():
        raise TrainingError(f"{path}: no such data directory; pass --data DIR or set {DATA_ENV}")
    return path

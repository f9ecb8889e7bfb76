"""Model directories: ``model.json`` + ``weights.npz`` + ``manifest.json``.

A model is data, never code.  ``model.json`` holds every setting (classes, layout,
thresholds, temperatures, the decision, a format version); ``weights.npz`` holds
every array, read with ``allow_pickle=False``, so loading a model cannot run
anything, whoever wrote it.  Each estimator writes and reads its own part
(``to_arrays`` / ``from_arrays``).  The manifest keeps the sha256 of every file
(integrity: a torn copy is refused) and the training provenance.  Saving writes a
temporary directory and renames it into place: a crash never leaves half a model.

``model.json`` also says what the arrays mean: the names of the dense feature columns
the weights and trees were fitted to (``dense_columns``) and the newssift and
scikit-learn releases that built it (``built_with``).  A model fitted to other columns
than this newssift makes is refused at load, never read wrong.  A model saved before
the record was kept loads when its scaling arrays are as wide as today's columns: the
dense columns have not changed since format 2 began, so such a model was fitted to them.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from newssift.classifier.errors import ModelError

if TYPE_CHECKING:  # the model module (numpy, scipy) is imported when a model is loaded
    from newssift.classifier.model import NewssiftModel

__all__ = ["save_model", "load_model", "read_manifest", "default_model_dir", "model_location", "model_record",
           "check_columns", "CONFIG_FILE", "WEIGHTS_FILE", "MANIFEST_FILE", "FORMAT_VERSION"]

CONFIG_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"
MANIFEST_FILE = "manifest.json"
LEGACY_FILE = "model.joblib"
FORMAT = "newssift-model"
FORMAT_VERSION = 2  # 1 was a joblib pickle, no longer loaded
_CHUNK = 1 << 20
# The distributions whose releases a model.json records (what built it).
# py3langid: a model with language features counts each page's stopwords with the list of
# the language it identifies, so its release is part of what the columns mean.
BUILT_WITH = ("newssift", "scikit-learn", "py3langid")
_MISMATCH_FIX = "retrain it with `newssift train`, or use the newssift it was built with"


def default_model_dir() -> Path:
    """``$NEWSSIFT_MODEL``, else the model shipped in the package (``models/default``)."""
    env = os.environ.get("NEWSSIFT_MODEL")
    if env:
        return Path(env)
    from newssift.classifier.resources import packaged

    return packaged("models/default")


def model_location(model_dir: Path | str) -> Path:
    """Where a model named on a command line is: the directory as given, else, for a path
    inside the package (``models/default``, as the README writes it), the packaged one, so
    that a pip install finds the shipped model by the name a checkout uses."""
    path = Path(model_dir)
    if path.is_dir() or path.is_absolute():
        return path
    from newssift.classifier.resources import resolve

    packaged = resolve(path)
    return packaged if packaged.is_dir() else path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(model_dir: Path | str) -> dict[str, Any]:
    model_dir = model_location(model_dir)
    path = model_dir / MANIFEST_FILE
    if not model_dir.is_dir():
        raise ModelError(f"{model_dir}: no such model directory (train one with `newssift train`)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{model_dir}: no {MANIFEST_FILE}; not a newssift model directory") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ModelError(f"{path}: manifest lists no files")
    return manifest


def load_model(model_dir: Path | str | None = None) -> NewssiftModel:
    """Load a model directory after checking its files against the manifest's hashes."""
    from newssift.classifier.model import NewssiftModel

    model_dir = model_location(model_dir) if model_dir is not None else default_model_dir()
    manifest = read_manifest(model_dir)
    if LEGACY_FILE in manifest["files"] or CONFIG_FILE not in manifest["files"]:
        raise ModelError(
            f"{model_dir}: a model of the old pickle format, which newssift no longer loads; "
            "retrain it with `newssift train`, or, in a service data directory, move the "
            "models directory away so that `newssift serve` seeds it from the shipped model")
    for name, expected in manifest["files"].items():
        path = model_dir / name
        if Path(name).name != name or not path.is_file():
            raise ModelError(f"{model_dir}: manifest names missing file {name!r}")
        if sha256_file(path) != expected:
            raise ModelError(f"{path}: sha256 does not match the manifest; refusing to load it")
    if WEIGHTS_FILE not in manifest["files"]:
        raise ModelError(f"{model_dir}: manifest does not list {WEIGHTS_FILE}")
    try:
        config = json.loads((model_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{model_dir / CONFIG_FILE}: unreadable ({exc})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelError(f"{model_dir / CONFIG_FILE}: not a newssift model document")
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{model_dir}: model format {config.get('format_version')}, this newssift "
                         f"reads format {FORMAT_VERSION}; retrain it or upgrade newssift")
    try:
        with np.load(model_dir / WEIGHTS_FILE, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        model = NewssiftModel.from_arrays(config["model"], arrays,
                                          version=str(manifest.get("version", model_dir.name)))
    except (KeyError, ValueError, TypeError, OSError) as exc:  # verified files that still do not fit
        raise ModelError(f"{model_dir}: cannot load model ({type(exc).__name__}: {exc})") from None
    check_columns(config, model, model_dir)
    return model


def model_record(model: NewssiftModel) -> dict[str, Any]:
    """What ``model.json`` says of the code a model was built with: the releases
    (``built_with``) and the dense feature columns its arrays were fitted to
    (``dense_columns``).  :func:`save_model` writes it into every model."""

    record = {"built_with": built_with(),
              "dense_columns": model.featurizer.dense_names()}
    if model.html_main is not None:
        record["markup_columns"] = markup_columns()
    return record


def markup_columns() -> list[str]:
    """The HTML head's columns: the dense markup columns, then how many hashed ones."""
    from newssift.classifier.markup import HASH_COLUMNS, MARKUP_NAMES

    return [*MARKUP_NAMES, f"hashed:{HASH_COLUMNS}"]


def built_with() -> dict[str, str | None]:
    """The installed release of each of ``BUILT_WITH`` (None where it is not installed)."""
    versions: dict[str, str | None] = {}
    for dist in BUILT_WITH:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return versions


def check_columns(document: dict[str, Any], model: NewssiftModel, where: Path | str) -> None:
    """Refuse a model whose dense columns are not the ones this newssift makes
    (:class:`ModelError`, naming the first column that differs)."""

    ours = model.featurizer.dense_names()
    width = len(model.featurizer.mean_)
    saved = document.get("dense_columns")
    built = document.get("built_with")
    release = built.get("newssift") if isinstance(built, dict) else None
    fix = _MISMATCH_FIX + (f" ({release})" if release else "")
    if saved is None:  # saved before the record: today's columns, if as many
        if width != len(ours):
            raise ModelError(f"{where}: fitted to {width} dense feature columns, this newssift "
                             f"makes {len(ours)}; {fix}")
        return
    if not isinstance(saved, list) or not all(isinstance(name, str) for name in saved):
        raise ModelError(f"{where}: dense_columns in {CONFIG_FILE} is not a list of names; {fix}")
    if saved == ours and width != len(saved):
        raise ModelError(f"{where}: its scaling arrays hold {width} dense columns and "
                         f"{CONFIG_FILE} names {len(saved)}; the model is damaged: {fix}")
    if saved != ours:
        at = next((i for i, (a, b) in enumerate(zip(saved, ours)) if a != b),
                  min(len(saved), len(ours)))
        theirs = saved[at] if at < len(saved) else "none"
        mine = ours[at] if at < len(ours) else "none"
        raise ModelError(f"{where}: fitted to other dense feature columns than this newssift "
                         f"makes (column {at}: {theirs!r}, here {mine!r}); {fix}")
    if model.html_main is not None and document.get("markup_columns") != markup_columns():
        raise ModelError(f"{where}: its HTML head was fitted to other markup columns than this "
                         f"newssift makes; {fix}")
    from newssift.classifier.context import n_context_features

    trees = model.main.second_.n_features_in_
    wants = n_context_features() + len(ours) + int(bool(model.main.own_words))
    if trees != wants:  # the main head's parameters say what its trees read
        raise ModelError(f"{where}: the main head's trees read {trees} columns, its parameters "
                         f"make {wants}; the model is damaged: {fix}")


def check_output_dir(out_dir: Path) -> None:
    """Refuse to replace anything but an earlier model: ``--out models`` must not eat ``models/``."""
    out_dir = Path(out_dir).resolve()
    if out_dir == out_dir.parent or out_dir == Path.cwd().resolve():
        raise ModelError(f"{out_dir}: give a new directory for the model, not this one")
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir())
                                                     and not (out_dir / MANIFEST_FILE).is_file())):
        raise ModelError(f"{out_dir}: exists and is not a model directory; choose another --out")


def save_model(model: NewssiftModel, out_dir: Path | str, manifest: dict[str, Any],
               extra_files: dict[str, str] | None = None) -> Path:
    """Write ``model`` and its manifest to ``out_dir`` atomically (replacing it if present)."""
    out_dir = Path(out_dir)
    check_output_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    config, arrays = model.to_arrays()
    with _staged(out_dir) as tmp:
        document = {"format": FORMAT, "format_version": FORMAT_VERSION, **model_record(model),
                    "model": config}
        (tmp / CONFIG_FILE).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        np.savez_compressed(tmp / WEIGHTS_FILE, **arrays)
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        files = {p.name: sha256_file(p) for p in sorted(tmp.iterdir()) if p.name != MANIFEST_FILE}
        full = {**manifest, "version": manifest.get("version", out_dir.name),
                "format_version": FORMAT_VERSION, "files": files}
        full.pop("sklearn_version", None)
        (tmp / MANIFEST_FILE).write_text(json.dumps(full, indent=2) + "\n", encoding="utf-8")
    return out_dir


def update_model_files(model_dir: Path | str, manifest: dict[str, Any], files: dict[str, str]) -> None:
    """Rewrite text files beside a saved model (its evaluation, its card) and its manifest.

    Works on a copy that replaces the directory once complete, as :func:`save_model`
    does, so that an interrupted update never leaves files whose hashes disagree with
    the manifest.  The model file itself is copied, never rewritten."""
    model_dir = Path(model_dir)
    with _staged(model_dir) as tmp:
        shutil.copytree(model_dir, tmp, dirs_exist_ok=True)
        manifest = {**manifest, "files": dict(manifest.get("files", {}))}
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
            manifest["files"][name] = sha256_file(tmp / name)
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


@contextmanager
def _staged(out_dir: Path) -> Iterator[Path]:
    """A new directory beside ``out_dir`` that replaces it when the block succeeds and is
    removed when it fails: readers see the old model or the new one, never half of one."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; a model is meant to be shared
        yield tmp
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.rename(out_dir, old)
            os.rename(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

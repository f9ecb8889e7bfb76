"""The service's settings: one table of (name, environment variable, default, help).

The same table builds the configuration (:func:`load_settings`), the command-line
defaults of ``newssift serve`` and the Markdown table in the README
(:func:`settings_markdown`), so a setting cannot exist without documentation.
Precedence: ``create_app(config)`` keys, then environment variables, then defaults.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newssift.classifier.errors import InvalidInput

__all__ = ["Setting", "SETTINGS", "load_settings", "settings_markdown", "default_data_dir"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(f"expected true or false, got {value!r}")


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/newssift``, usually ``~/.local/share/newssift``."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "newssift"


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: Any
    help: str
    parse: Callable[[Any], Any] = str
    shown_default: str | None = None  # for defaults computed from other settings

    @property
    def default_text(self) -> str:
        if self.shown_default is not None:
            return self.shown_default
        return "(none)" if self.default is None else str(self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "NEWSSIFT_DATA_DIR", None,
            "Directory for the label database and model versions; created on first start.",
            Path, "`$XDG_DATA_HOME/newssift` (`~/.local/share/newssift`)"),
    Setting("db", "NEWSSIFT_DB", None, "SQLite file holding labels, retrain jobs and version records.",
            Path, "`<data dir>/newssift.sqlite3`"),
    Setting("model_dir", "NEWSSIFT_MODEL_DIR", None,
            "Directory of model versions (one sub-directory each) and the `ACTIVE` pointer file.",
            Path, "`<data dir>/models`"),
    Setting("seed_model", "NEWSSIFT_SEED_MODEL", None,
            "Model directory copied in as the first version, and again when it changes (a package "
            "upgrade): then served unless a retrain is active.",
            Path, "the shipped `models/default`"),
    Setting("api_token", "NEWSSIFT_API_TOKEN", None,
            "Bearer token for labels, retrain and activate. Unset: those endpoints are refused "
            "unless insecure dev mode is on.", str),
    Setting("insecure_dev", "NEWSSIFT_INSECURE_DEV", False,
            "Allow the write endpoints without a token (local development only; `--insecure-dev`).",
            _bool),
    Setting("access_log", "NEWSSIFT_ACCESS_LOG", True,
            "One JSON line a request on stderr: time, request id, method, path, status, bytes, "
            "milliseconds, worker pid.", _bool),
    Setting("max_bytes", "NEWSSIFT_MAX_BYTES", 2 * 1024 * 1024,
            "Largest request body in bytes; larger ones get 413.", int),
    Setting("max_blocks", "NEWSSIFT_MAX_BLOCKS", 20_000,
            "Most blocks (non-empty lines) in one request's texts together; more get 413 "
            "`too_many_blocks`. The work and the answer of a request grow with its blocks, "
            "not its bytes (real pages: at most about 2,600).", int),
    Setting("max_batch", "NEWSSIFT_MAX_BATCH", 64,
            "Most documents in one `POST /v1/segment/batch`.", int),
    Setting("max_batch_docs", "NEWSSIFT_MAX_BATCH_DOCS", 32,
            "Most documents a worker labels in one model call when requests arrive together "
            "(1: no batching across requests).", int),
    Setting("train_config", "NEWSSIFT_TRAIN_CONFIG", "training/configs/default.toml",
            "Training config (TOML) for `POST /v1/retrain`; `training/...` names a packaged one.", str),
    Setting("training_data", "NEWSSIFT_DATA", None,
            "The third-party training data (the folder holding `blocks/`, `topics/`, `articles/`) "
            "for full retrains and the held-out check. Without it an adapt retrain is gated on the "
            "gold documents and the stored labels, its decision naming what it could not check, "
            "and a full retrain fails at once.", Path,
            "the checkout's `../shared/data`; none in an installed package"),
    Setting("gate_tolerance", "NEWSSIFT_GATE_TOLERANCE", 0.02,
            "A retrained model is promoted unless a metric falls more than this below the "
            "active model's.", float),
    Setting("cv_folds", "NEWSSIFT_CV_FOLDS", 3,
            "Folds for the cross-validated check on stored labels at retrain (0: skip it).", int),
    Setting("full_eval", "NEWSSIFT_FULL_EVAL", True,
            "Also gate on the held-out shared data (`three_class_eval`, `topic_eval`) when the "
            "training config's data is present.", _bool),
    Setting("reload_interval", "NEWSSIFT_RELOAD_INTERVAL", 0.0,
            "Seconds a worker may go on serving a model version or corrections older than the "
            "store's. 0: every request checks (a stat and a one-row read), so a request that "
            "starts after a write returned is served with it, on every worker.", float),
    Setting("db_timeout", "NEWSSIFT_DB_TIMEOUT", 10.0,
            "Seconds a request waits for a locked SQLite database (busy timeout).", float),
    Setting("threads", "NEWSSIFT_THREADS", 1,
            "OpenMP/BLAS threads per worker. Keep 1: more threads than cores makes the "
            "gradient-boosting head 10x slower.", int),
    Setting("host", "NEWSSIFT_HOST", "127.0.0.1", "`newssift serve`: address to bind.", str),
    Setting("port", "NEWSSIFT_PORT", 8000, "`newssift serve`: port to bind.", int),
    Setting("workers", "NEWSSIFT_WORKERS", 2, "`newssift serve`: gunicorn worker processes.", int),
    Setting("worker_threads", "NEWSSIFT_WORKER_THREADS", 8,
            "`newssift serve`: threads per gunicorn worker (gthread worker class).", int),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def load_settings(overrides: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Resolve every setting; unknown override keys are an error so typos do not pass."""
    overrides = dict(overrides or {})
    environ = os.environ if environ is None else environ
    unknown = sorted(k for k in overrides if k not in _BY_NAME)
    if unknown:
        raise InvalidInput(f"unknown service setting(s): {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for s in SETTINGS:
        raw = overrides[s.name] if s.name in overrides else environ.get(s.env, s.default)
        if raw is None or (raw == "" and s.default is None):
            out[s.name] = None
            continue
        try:
            out[s.name] = s.parse(raw)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"setting {s.name} ({s.env}): {exc}") from None
    data_dir = out["data_dir"] or default_data_dir()
    out["data_dir"] = Path(data_dir)
    out["db"] = out["db"] or out["data_dir"] / "newssift.sqlite3"
    out["model_dir"] = out["model_dir"] or out["data_dir"] / "models"
    if out["seed_model"] is None:
        from newssift.classifier.persist import default_model_dir

        out["seed_model"] = default_model_dir()
    from newssift.classifier.resources import resolve

    out["train_config"] = str(resolve(out["train_config"]))
    for name in ("max_bytes", "max_blocks", "max_batch", "max_batch_docs", "workers", "worker_threads",
                 "threads"):
        if out[name] < 1:
            raise InvalidInput(f"setting {name} ({_BY_NAME[name].env}) must be at least 1")
    return out


def settings_markdown() -> str:
    """The settings table of ``docs/service.md``."""
    rows = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = s.default_text if s.shown_default else f"`{s.default_text}`"
        rows.append(f"| {s.name} | `{s.env}` | {default} | {s.help} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # python -m newssift.service.settings: the table for docs/service.md
    print(settings_markdown(), end="")

"""The application factory: settings, database, model holder, one blueprint per resource."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from typing import Any

from flask import Flask

from newssift.service import bodies, db, errors, requestlog
from newssift.service.api import RowIdConverter
from newssift.service.batcher import Batcher
from newssift.service.holder import ModelHolder
from newssift.service.jobs import clean_up
from newssift.service.memory import MemoryHolder
from newssift.service.settings import load_settings
from newssift.service.versions import bootstrap, follow_seed, record_seed

__all__ = ["create_app", "prepare"]

log = logging.getLogger("newssift.service")
_thread_limits: Any = None


def prepare(settings: dict[str, Any]) -> None:
    """Create the data directory, the schema and the first model version (recorded as the
    seed, which may be activated); fail stale jobs and sweep what they left.

    Idempotent; ``newssift serve`` runs it once before forking workers, and
    every app factory call runs it again.
    """
    settings["data_dir"].mkdir(parents=True, exist_ok=True)
    store_problem = db.open_store(settings["db"], settings["db_timeout"])
    bootstrap(settings["model_dir"], settings["seed_model"])
    if store_problem is not None:
        return  # logged; segmenting needs no store, and nothing can be reaped without one
    conn = db.connect(settings["db"], settings["db_timeout"])
    try:
        record_seed(conn, settings["model_dir"], settings["seed_model"])
        follow_seed(conn, settings["model_dir"], settings["seed_model"])
        failed = clean_up(conn, settings, always=True)
    except sqlite3.Error as exc:
        log.error("cannot mark interrupted retrain jobs: %s", db.store_problem(exc).message)
        failed = 0
    finally:
        conn.close()
    if failed:
        log.warning("marked %d interrupted retrain job(s) as failed", failed)


def _limit_threads(n: int) -> None:
    """One OpenMP/BLAS thread per worker: oversubscribed OpenMP makes prediction ~15x slower."""
    global _thread_limits
    from threadpoolctl import threadpool_limits

    _thread_limits = threadpool_limits(n)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` holds setting names (see :mod:`newssift.service.settings`) and Flask keys."""
    config = dict(config or {})
    flask_keys = {k: config.pop(k) for k in list(config) if k.isupper()}
    settings = load_settings(config)
    # No static folder: Flask's would serve the files of a ``static/`` folder wherever the
    # app's import name resolves (the current directory, in an installed package); the
    # labelling page serves its own files (service/routes/page.py).
    app = Flask("newssift.service", static_folder=None)
    app.url_map.converters["rowid"] = RowIdConverter
    app.config.update(MAX_CONTENT_LENGTH=settings["max_bytes"], JSON_SORT_KEYS=False, **flask_keys)
    app.json.sort_keys = False
    app.extensions["newssift"] = settings
    _limit_threads(settings["threads"])
    prepare(settings)
    db.init_app(app)
    errors.init_app(app)
    requestlog.init_app(app, settings["access_log"])
    bodies.init_app(app, settings["max_bytes"])
    holder = ModelHolder(settings["model_dir"], settings["reload_interval"])
    app.extensions["newssift_model"] = holder
    app.extensions["newssift_batcher"] = Batcher(settings["max_batch_docs"],
                                                        threads=settings["threads"])
    holder.refresh()
    app.extensions["newssift_memory"] = MemoryHolder(settings["db"], settings["reload_interval"],
                                                     settings["db_timeout"])

    from newssift.service.routes import documents, health, labels, models, page, retrain, segment

    for module in (segment, labels, documents, retrain, models, health, page):
        app.register_blueprint(module.bp)
    return app

"""``newssift serve``: the service under gunicorn (added to the ``newssift`` command group).

The master process prepares the data directory once (schema, first model
version, stale jobs); each worker then builds its own app with
:func:`newssift.service.app.create_app`, so no model or database handle crosses a fork.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from newssift.classifier.errors import InvalidInput
from newssift.service.settings import SETTINGS

__all__ = ["serve", "run_gunicorn", "check_port", "check_training_data"]

_DEFAULTS = {s.name: s for s in SETTINGS}
PORT_RANGE = (1, 65535)
GRACEFUL_TIMEOUT_S = 10
WORKER_TIMEOUT_S = 60


def check_port(port: int) -> None:
    """A port TCP can bind (NEWSSIFT_PORT is not checked by click, as --port is)."""
    lo, hi = PORT_RANGE
    if not lo <= port <= hi:
        raise InvalidInput(f"port {port} is outside {lo}..{hi}; pass --port or set NEWSSIFT_PORT "
                           f"to one in that range")


def check_training_data(path: Path | None) -> None:
    """``--data`` / NEWSSIFT_DATA names a folder that is there (None: the checkout's default).

    Checked at start, not at the first full retrain minutes or days later."""
    if path is not None and not Path(path).is_dir():
        raise InvalidInput(f"{path}: no such data directory; pass --data DIR or set NEWSSIFT_DATA "
                           "to the folder holding blocks/, topics/, articles/")


def run_gunicorn(overrides: dict[str, Any]) -> None:
    from gunicorn.app.base import BaseApplication

    from newssift.service import balance, wire
    from newssift.service.app import create_app, prepare
    from newssift.service.settings import load_settings

    settings = load_settings(overrides)
    # before prepare() creates the data directory and database
    check_port(settings["port"])
    check_training_data(settings["training_data"])
    os.environ.setdefault("OMP_NUM_THREADS", str(settings["threads"]))
    prepare(settings)

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{settings['host']}:{settings['port']}")
            self.cfg.set("workers", settings["workers"])
            self.cfg.set("threads", settings["worker_threads"])
            if settings["worker_threads"] > 1:
                chosen = balance.install(settings["workers"])
                self.cfg.set("child_exit", balance.child_exit)
            else:
                chosen = "sync"
            # the same worker, answering what gunicorn refuses (a URL past 4,094 bytes: 414)
            # in the error shape (service/wire.py)
            self.cfg.set("worker_class", wire.worker_class(chosen))
            self.cfg.set("timeout", WORKER_TIMEOUT_S)
            self.cfg.set("graceful_timeout", GRACEFUL_TIMEOUT_S)
            self.cfg.set("accesslog", None)  # the app writes its own (service/requestlog.py)
            self.cfg.set("proc_name", "newssift")
            self.cfg.set("control_socket_disable", True)

        def load(self):
            return create_app(overrides)

    click.echo(f"newssift: serving on http://{settings['host']}:{settings['port']} "
               f"({settings['workers']} workers), data in {settings['data_dir']}", err=True)
    if not settings["api_token"]:
        click.echo("newssift: no NEWSSIFT_API_TOKEN: write endpoints are "
                   + ("OPEN (--insecure-dev)" if settings["insecure_dev"] else "refused"), err=True)
    Server().run()


@click.command()
@click.option("--host", default=None, help=f"Address to bind [{_DEFAULTS['host'].default}].")
@click.option("--port", type=click.IntRange(*PORT_RANGE), default=None,
              help=f"Port [{_DEFAULTS['port'].default}].")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help=f"Worker processes [{_DEFAULTS['workers'].default}].")
@click.option("--threads", "worker_threads", type=click.IntRange(1, 64), default=None,
              help=f"Threads per worker [{_DEFAULTS['worker_threads'].default}].")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Label database and model versions [~/.local/share/newssift].")
@click.option("--seed-model", type=click.Path(exists=True, file_okay=False), default=None,
              help="Model copied in as the first version [the shipped models/default].")
@click.option("--train-config", type=click.Path(exists=True, dir_okay=False), default=None,
              help=f"Config for POST /v1/retrain [{_DEFAULTS['train_config'].default}].")
@click.option("--data", "training_data", type=click.Path(file_okay=False), default=None,
              help="Training data for full retrains and the held-out check "
                   "[NEWSSIFT_DATA, or the checkout's ../shared/data].")
@click.option("--access-log/--no-access-log", "access_log", default=None,
              help="One JSON line a request on stderr [on].")
@click.option("--insecure-dev", is_flag=True, default=None,
              help="Allow write endpoints without NEWSSIFT_API_TOKEN (local development only).")
def serve(**options: Any) -> None:
    """Serve the HTTP API under gunicorn (settings also from NEWSSIFT_* variables)."""
    run_gunicorn({k: v for k, v in options.items() if v is not None})


if __name__ == "__main__":  # python -m newssift.service.cli: the serve command alone
    serve()

"""newssift as an HTTP service: labelled segments, a label store and gated retraining.

    >>> from newssift.service import create_app
    >>> app = create_app({"data_dir": "/tmp/newssift", "insecure_dev": True})

Nothing heavy happens at import; the factory opens the database and the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["create_app"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app (see :func:`newssift.service.app.create_app`)."""
    from newssift.service.app import create_app as _create_app

    return _create_app(config)

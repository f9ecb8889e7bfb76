"""Bearer-token check for the endpoints that write, and for what tells of the label store
(the bulk label export, retrain jobs' logs, correction ids in segment results).

The token is compared with :func:`hmac.compare_digest` (constant time).  With
no token configured, those endpoints are refused unless the server runs in
insecure dev mode, so forgetting to set a token never opens them up.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable

from flask import current_app, request

from newssift.service.errors import ApiError

__all__ = ["require_token", "authenticated"]


def _check() -> None:
    settings = current_app.extensions["newssift"]
    token = settings["api_token"]
    if not token:
        if settings["insecure_dev"]:
            return
        raise ApiError(403, "writes_disabled", "this server has no API token; set NEWSSIFT_API_TOKEN "
                       "(or start it with --insecure-dev for local development)")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(401, "unauthorized", "missing or wrong bearer token "
                       "(send Authorization: Bearer <NEWSSIFT_API_TOKEN>)",
                       {"WWW-Authenticate": 'Bearer realm="newssift"'})


def authenticated() -> bool:
    """Whether this request may see what only token holders see (which stored correction
    labelled a block): it carries the right token, or the server is in insecure dev mode
    without one.  Never raises: an open endpoint answers either way, with less."""
    try:
        _check()
    except ApiError:
        return False
    return True


def require_token(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        _check()
        return view(*args, **kwargs)

    return wrapper

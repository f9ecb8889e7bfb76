"""``GET /``: the labelling page (plain HTML, CSS and JS from ``service/static``, no build
step, nothing fetched from elsewhere), and ``GET /v1/topics``, the key legend it shows.

The page and its files are sent with a Content-Security-Policy that allows only this
origin's own script, style, images and API calls, and no inline script or style; the page
inserts user text with ``textContent`` only.  See ``static/app.js`` for the keys.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, request, send_file

from newssift.classifier.labels import DEFAULT_TOPICS, ROLES
from newssift.service.api import endpoint
from newssift.service.schemas import TopicsResponse
from newssift.service.serving import serving_model

bp = Blueprint("page", __name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer"}


def _file(name: str, mimetype: str):
    return send_file(STATIC / name, mimetype=mimetype, max_age=0)


@bp.after_app_request
def _security_headers(response):
    """Every response is sent as what it says it is (``nosniff``: no browser reads an API
    answer as a page or a script); the page's own files also carry the CSP."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.blueprint == "page" or request.endpoint == "static":
        response.headers.update(SECURITY_HEADERS)
    return response


@bp.get("/")
@endpoint(summary="The labelling page", response=None, media_type="text/html")
def index():
    """Paste a text or take the next one from the queue, correct its blocks by keyboard
    (j/k move, m/t/b role, 1-9 topic, u undo, s save), retrain and switch model versions."""
    return _file("index.html", "text/html")


@bp.get("/static/app.js")
@endpoint(summary="The labelling page's script", response=None, media_type="text/javascript")
def script():
    return _file("app.js", "text/javascript")


@bp.get("/static/app.css")
@endpoint(summary="The labelling page's style sheet", response=None, media_type="text/css")
def style():
    return _file("app.css", "text/css")


@bp.get("/static/favicon.svg")
@endpoint(summary="The labelling page's icon", response=None, media_type="image/svg+xml")
def icon():
    return _file("favicon.svg", "image/svg+xml")


@bp.get("/v1/topics")
@endpoint(summary="The active model's topics in their fixed order, and the roles",
          response=TopicsResponse, errors=(503,))
def topics():
    """A fixed order, the same for every model: the default topics in their order, then any
    others alphabetically.  The labelling page binds keys 1-9 to the first nine."""
    version, model = serving_model()
    return {"model": version, "topics": ordered_topics(model.topics), "roles": list(ROLES)}


def ordered_topics(names) -> list[str]:
    rank = {t: n for n, t in enumerate(DEFAULT_TOPICS)}
    return sorted(set(names), key=lambda t: (rank.get(t, len(rank)), t))

"""Reading request bodies through the pydantic schemas, and ``/openapi.json`` from the same schemas.

Views declare what they take and give with :func:`endpoint`; :func:`parse_json`
turns bytes into a validated model or raises an :class:`ApiError` (415, 400 or
422), and :func:`openapi_document` walks the URL map to describe every route.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import orjson
from flask import Flask, current_app, request
from pydantic import BaseModel, ValidationError
from werkzeug.routing import IntegerConverter

from newssift.classifier.errors import InvalidInput, TooManyBlocks
from newssift.classifier.html import HtmlPage, read_page
from newssift.classifier.textio import decode_utf8
from newssift.service.errors import ApiError
from newssift.service.schemas import ErrorResponse

__all__ = ["endpoint", "parse_json", "decode_body", "openapi_document", "read_html", "RowIdConverter"]

M = TypeVar("M", bound=BaseModel)
_REF = "#/components/schemas/{model}"
_RULE_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")
_ERROR_STATUSES = {400: "Malformed body", 401: "Missing or wrong bearer token",
                   408: "Body stalled (no bytes for 10 s)",
                   411: "Chunked body on a server that does not terminate it",
                   403: "Write endpoints are disabled", 404: "Not found", 409: "Conflict",
                   413: "Body too large", 415: "Unsupported content type",
                   422: "Invalid input", 503: "No model loaded"}


def endpoint(*, summary: str, response: type[BaseModel] | None, body: type[BaseModel] | None = None,
             text_body: bool = False, html_body: bool = False, status: int = 200,
             auth: bool = False, errors: tuple[int, ...] = (),
             media_type: str = "application/json") -> Callable:
    """Attach OpenAPI facts to a view; the view still does its own parsing with :func:`parse_json`.
    ``text_body``/``html_body``: the view also takes a ``text/plain``/``text/html`` body."""

    def mark(view: Callable) -> Callable:
        view.openapi = {"summary": summary, "response": response, "body": body,
                        "text_body": text_body, "html_body": html_body, "status": status, "auth": auth,
                        "errors": errors, "media_type": media_type,
                        "description": (view.__doc__ or "").strip()}
        return view

    return mark


class RowIdConverter(IntegerConverter):
    """``<rowid:name>``: a SQLite row id. A larger number than SQLite holds is no row (404),
    where Flask's ``int`` would pass it on to overflow in the query; so are digits other than
    ASCII 0-9, which ``\\d`` and ``int()`` take (``/v1/retrain/%D9%A1`` is no job 1)."""

    regex = r"[0-9]+"

    def __init__(self, url_map, **kwargs) -> None:
        super().__init__(url_map, min=1, max=2**63 - 1)


# Charsets a text/plain body may declare, besides UTF-8 (and its aliases).
TEXT_CHARSETS = ("utf-8", "us-ascii", "iso-8859-1", "iso-8859-15", "windows-1252", "utf-16")


def decode_body(data: bytes, charset: str | None = None) -> str:
    """The body as text: UTF-8 by the rule every edge applies
    (:func:`newssift.classifier.textio.decode_utf8`), or the charset a ``text/plain`` body
    declares, when it is one of TEXT_CHARSETS (415 for another)."""
    name = _charset(charset)
    if name == "utf-8":
        try:
            return decode_utf8(data, "body")
        except InvalidInput as exc:
            raise ApiError(400, "invalid_encoding", str(exc)) from None
    try:
        text = data.decode(name)
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_encoding", f"body: not valid {charset} (byte {exc.start}); "
                       "send the bytes the charset declares, or UTF-8") from None
    if "\x00" in text:
        raise ApiError(400, "invalid_encoding", "body: binary data (NUL characters); expected text")
    return text


def _charset(declared: str | None) -> str:
    """The codec of a declared charset; 415 naming the accepted ones for any other."""
    import codecs

    if not declared:
        return "utf-8"
    try:
        name = codecs.lookup(declared.strip().strip('"')).name
    except LookupError:
        name = None
    accepted = {codecs.lookup(c).name for c in TEXT_CHARSETS}
    if name not in accepted:
        raise ApiError(415, "unsupported_charset", f"charset {declared!r} is not accepted; send "
                       f"one of {', '.join(TEXT_CHARSETS)} (UTF-8 is the default)")
    return "utf-8" if name == "utf-8" else name


def _is_json() -> bool:
    return request.mimetype == "application/json" or request.mimetype.endswith("+json")


def parse_json(model: type[M], allow_empty: bool = False, also: Sequence[str] = ()) -> M:
    """The request body as ``model``; 415 for another content type (``also``: the others the
    endpoint takes, for the message), 400 for bad JSON, 422 invalid."""
    data = request.get_data(cache=True)
    if allow_empty and not data:
        return model()
    if not _is_json():
        *others, last = ["application/json", *also]
        expected = f"{', '.join(others)} or {last}" if others else last
        raise ApiError(415, "unsupported_media_type",
                       f"expected Content-Type {expected}, got {request.mimetype or 'none'!r}")
    try:
        raw = orjson.loads(decode_body(data))  # strict: also refuses lone surrogates
    except json.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "invalid_json", "body is nested too deeply") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ApiError(422, "invalid_input", _describe(exc)) from None


def _describe(exc: ValidationError, limit: int = 3) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:limit]:
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _schema_ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template=_REF)
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


def _operation(spec: dict, path_args: list[tuple[str, str]], components: dict) -> dict:
    op: dict[str, Any] = {"summary": spec["summary"], "responses": {}}
    if spec["description"]:
        op["description"] = spec["description"]
    if path_args:
        op["parameters"] = [{"name": name, "in": "path", "required": True,
                             "schema": {"type": "integer", "minimum": 1} if conv in ("int", "rowid")
                             else {"type": "string"}} for conv, name in path_args]
    content: dict[str, Any] = {}
    if spec["body"] is not None:
        content["application/json"] = {"schema": _schema_ref(spec["body"], components)}
    if spec["text_body"]:
        content["text/plain"] = {"schema": {"type": "string"}}
    if spec["html_body"]:
        content["text/html"] = {"schema": {"type": "string"}}
    if content:
        op["requestBody"] = {"required": True, "content": content}
    ok: dict[str, Any] = {"description": "OK"}
    if spec["response"] is not None:
        ok["content"] = {spec["media_type"]: {"schema": _schema_ref(spec["response"], components)}}
    elif spec["media_type"] != "application/json":
        ok["content"] = {spec["media_type"]: {"schema": {"type": "string"}}}
    op["responses"][str(spec["status"])] = ok
    error_ref = _schema_ref(ErrorResponse, components)
    statuses = set(spec["errors"]) | ({401, 403} if spec["auth"] else set())
    statuses |= {400, 408, 413, 415, 422} if content else set()
    for code in sorted(statuses):
        op["responses"][str(code)] = {"description": _ERROR_STATUSES.get(code, "Error"),
                                      "content": {"application/json": {"schema": error_ref}}}
    if spec["auth"]:
        op["security"] = [{"bearer": []}]
    return op


def openapi_document(app: Flask) -> dict[str, Any]:
    """OpenAPI 3.1 for every route that declared itself with :func:`endpoint`."""
    paths: dict[str, dict] = {}
    components: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        spec = getattr(app.view_functions.get(rule.endpoint), "openapi", None)
        if spec is None:
            continue
        args = _RULE_ARG.findall(rule.rule)
        path = _RULE_ARG.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(spec, args, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "newssift", "version": "1",
                 "description": "Label every block of scraped news text; store corrections; retrain."},
        "paths": paths,
        "components": {"schemas": dict(sorted(components.items())),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


def read_html(page: bytes | str, charset: str | None = None) -> HtmlPage:
    """A page sent in a request, as the model's HTML front end reads it; 400 ``invalid_html``
    for one it cannot read (binary data, bytes in no charset it can tell, nesting past the
    parser's depth); 413 ``too_many_blocks`` as soon as it has more blocks than
    NEWSSIFT_MAX_BLOCKS, before its markup is read."""
    limit = current_app.extensions["newssift"]["max_blocks"]
    try:
        return read_page(page, charset, max_blocks=limit)
    except TooManyBlocks:
        raise ApiError(413, "too_many_blocks", f"the page holds more than {limit} blocks; send "
                       f"at most that many per request (NEWSSIFT_MAX_BLOCKS)") from None
    except InvalidInput as exc:
        raise ApiError(400, "invalid_html", str(exc)) from None
    except (LookupError, UnicodeError) as exc:
        # A charset Python knows but that decodes no text (base64, rot13, idna, ...), named in
        # the header or in the page's <meta>: the page cannot be read in it.
        raise ApiError(400, "invalid_html", f"the page cannot be read in the charset it declares "
                       f"({exc}); send it as UTF-8") from None

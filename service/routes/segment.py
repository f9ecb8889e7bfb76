"""``POST /v1/segment`` and ``POST /v1/segment/batch``: label the blocks of texts and web pages."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from newssift.classifier.html import HtmlPage, looks_like_html, with_paths
from newssift.service.api import decode_body, endpoint, parse_json, read_html
from newssift.service.auth import authenticated
from newssift.service.errors import ApiError
from newssift.service.schemas import (
    BatchRequest,
    BatchResponse,
    SegmentDocument,
    SegmentRequest,
    SegmentResponse,
)
from newssift.service.serving import (
    check_blocks,
    correction_memory,
    hide_correction_ids,
    label_texts,
    serving_model,
)

bp = Blueprint("segment", __name__, url_prefix="/v1/segment")


def _labelled(model, texts, decision, memory, sites, pages: list[HtmlPage | None]) -> list[dict]:
    """The results, with correction ids only for a caller holding the token, and each block
    of a page with its element's path."""
    markup = ([None if p is None else p.markup for p in pages]
              if any(p is not None for p in pages) else None)
    results = label_texts(model, texts, decision, memory, sites, markup)
    if memory is not None and not authenticated():
        results = hide_correction_ids(results)
    return [r if p is None else with_paths(r, p.paths) for r, p in zip(results, pages)]


def _result(out: dict, version: str, doc_id) -> dict:
    out["model"] = version
    out["id"] = doc_id
    return out


def _text_of(doc: SegmentDocument, where: str = "text") -> tuple[str, HtmlPage | None]:
    """The text to label and, for a page sent as ``html``, the page.  A whole HTML page sent as
    text is refused (422): labelled as text its tags and scripts would be blocks, and it
    would get no element paths."""
    if doc.html is not None:
        page = read_html(doc.html)
        return page.text, page
    assert doc.text is not None  # the schema asks for one of the two
    if looks_like_html(doc.text):
        raise ApiError(422, "html_given_as_text", f"{where} is a whole HTML page; send it as `html` "
                       "(JSON) or with Content-Type: text/html to have its blocks read from the markup")
    return doc.text, None


def _one_document() -> tuple[SegmentRequest, str, HtmlPage | None]:
    """The request's options, the text to label and, for a page, the page."""
    charset = request.mimetype_params.get("charset")
    if request.mimetype == "text/html":
        page = read_html(request.get_data(cache=True), charset)
        return SegmentRequest.model_construct(), page.text, page  # the options' defaults
    if request.mimetype == "text/plain":
        doc = SegmentRequest(text=decode_body(request.get_data(cache=True), charset))
    else:
        doc = parse_json(SegmentRequest, also=("text/plain", "text/html"))
    return (doc, *_text_of(doc))


@bp.post("")
@endpoint(summary="Label every block of one text or web page", body=SegmentRequest, text_body=True,
          html_body=True, response=SegmentResponse, errors=(503,))
def segment_one():
    """Send JSON `{"text", "id"}` or the raw text as `text/plain` (UTF-8); for a web page,
    JSON `{"html", "id"}` or the page as `text/html`.

    A page's bytes are read by their BOM, as UTF-8, or in the charset the `Content-Type`
    or the page declares; a page that cannot be read is 400 `invalid_html`, and a whole
    page sent as text 422 `html_given_as_text`; a text with nothing to label (empty, only
    whitespace) is 400 `empty_document`, while a page that shows no text (only scripts) has no
    segments. Its text blocks are labelled, each segment
    with `path`, the XPath of its element; `start`/`end` then refer to the page's flattened
    text, its blocks one a line (the segments' texts joined by newlines), which is also the
    text to send corrections of the page with (`POST /v1/labels`).

    JSON may also say `main_threshold` and `keep_comments`, as the CLI's options do, a
    `site` for site-scoped corrections, and `use_corrections: false` for the model's own
    labels (stored corrections apply by default).  A block a stored correction labelled
    says so in `correction` (`match`: how it matched); its `id`, the label store's row
    (`DELETE /v1/labels/<id>`), only with the API token, else null."""
    doc, text, page = _one_document()
    sent = request.get_data(cache=True) if request.mimetype == "text/html" else (doc.html or "")
    if not text.strip() and (page is None or not sent.strip()):  # a page of scripts: no segments
        raise ApiError(400, "empty_document", "the body is empty: send the text or the page to label")
    check_blocks([text])
    version, model = serving_model()
    decision = model.decision_for(doc.main_threshold, doc.keep_comments)
    memory = correction_memory() if doc.use_corrections else None
    return _result(_labelled(model, [text], decision, memory, [doc.site], [page])[0], version, doc.id)


@bp.post("/batch")
@endpoint(summary="Label the blocks of several texts or web pages in one request", body=BatchRequest,
          response=BatchResponse, errors=(503,))
def segment_batch():
    """At most NEWSSIFT_MAX_BATCH documents, each `{"text"}` or `{"html"}` (a page: its
    segments carry `path`, see `POST /v1/segment`); results come back in the order sent."""
    batch = parse_json(BatchRequest)
    limit = current_app.extensions["newssift"]["max_batch"]
    if len(batch.documents) > limit:
        raise ApiError(422, "batch_too_large",
                       f"{len(batch.documents)} documents; send at most {limit} per request")
    read = [_text_of(d, f"documents.{i}.text") for i, d in enumerate(batch.documents)]
    texts, pages = [t for t, _ in read], [p for _, p in read]
    check_blocks(texts)
    version, model = serving_model()
    decision = model.decision_for(batch.main_threshold, batch.keep_comments)
    memory = correction_memory() if batch.use_corrections else None
    results = _labelled(model, texts, decision, memory, [d.site for d in batch.documents], pages)
    return {"model": version,
            "results": [_result(r, version, d.id) for r, d in zip(results, batch.documents)]}

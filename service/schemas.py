"""Request and response bodies: pydantic models that validate and feed ``/openapi.json``.

Limits that tune behaviour are named here; the label set itself (roles and the
active model's topics) is checked in the views, where the model is known.
"""

from __future__ import annotations

import dataclasses
from typing import Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from newssift.classifier.decision import MAIN_THRESHOLD_RANGE
from newssift.classifier.labels import RoleName
from newssift.classifier.result import Article, Segment

__all__ = [
    "SegmentRequest", "BatchRequest", "DocumentIn", "SegmentDocument", "DecisionOptions", "SegmentResponse",
    "BatchResponse", "LabelItem", "WithdrawResponse",
    "LabelsRequest", "LabelsResponse", "RetrainRequest", "JobResponse", "ModelInfo",
    "ModelsResponse", "HealthResponse", "ErrorResponse", "ID_MAX", "WHO_MAX",
    "DocumentsRequest", "QueuedDocument", "DocumentsAdded", "QueueCounts", "TopicsResponse",
]

ID_MAX = 200
WHO_MAX = 100
NOTE_MAX = 500


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


SITE_MAX = 253  # the longest host name


class DocumentIn(_Strict):
    text: str = Field(description="Raw article text; one block per non-empty line.")
    id: str | int | None = Field(None, description="Echoed back unchanged.")
    site: str | None = Field(None, min_length=1, max_length=SITE_MAX,
                             description="The site the text comes from (a host name, say): "
                                         "corrections scoped to it apply too.")


# The queue (POST /v1/documents) takes DocumentIn, texts only: its page shows a labeller the
# text, and corrections are stored by text.
class SegmentDocument(DocumentIn):
    """A document to label: a text, or a web page (its blocks then carry their element paths)."""

    text: str | None = Field(None, description="Raw article text; one block per non-empty line. "
                                               "Send this or `html`, not both.")
    html: str | None = Field(None, description="A web page's HTML: its text blocks are labelled, "
                                               "each segment with its element's `path`.")

    @model_validator(mode="after")
    def _text_or_html(self):
        if (self.text is None) == (self.html is None):
            raise ValueError("send exactly one of `text` and `html`")
        return self


class DecisionOptions(_Strict):
    """Where the line between main story and the rest falls (``Decision``), and whether
    stored corrections apply."""

    use_corrections: bool = Field(
        True, description="Apply stored corrections (false: the model's own labels).")

    main_threshold: float | None = Field(
        None, ge=MAIN_THRESHOLD_RANGE[0], le=MAIN_THRESHOLD_RANGE[1],
        description="P(main) from which a block is main (default 0.5; lower keeps more).")
    keep_comments: bool = Field(
        False, description="Keep user-comment threads that P(main) calls main.")


class SegmentRequest(SegmentDocument, DecisionOptions):
    pass


class BatchRequest(DecisionOptions):
    documents: list[SegmentDocument] = Field(min_length=1,
                                             description="Up to NEWSSIFT_MAX_BATCH documents.")


def _record_schema(record: type, **extra) -> type[BaseModel]:
    """A response schema with the fields and types of one of the output records
    (:mod:`newssift.classifier.result`), which declare the shape once, and ``extra`` fields
    the service adds."""
    hints = get_type_hints(record)
    return create_model(f"{record.__name__}Out", **{f.name: (hints[f.name], ...)
                                                    for f in dataclasses.fields(record)}, **extra)


SegmentOut = _record_schema(Segment, path=(str | None, Field(
    None, description="For a page sent as HTML: the XPath of the element that holds the block "
                      "(`start`/`end` refer to the page's text, its blocks one a line). "
                      "Absent for a text.")))
ArticleOut = _record_schema(Article)


class SegmentResponse(BaseModel):
    article: ArticleOut
    segments: list[SegmentOut]
    model: str = Field(description="Version of the model that produced the labels.")
    id: str | int | None = None


class BatchResponse(BaseModel):
    model: str
    results: list[SegmentResponse]


class LabelItem(_Strict):
    index: int = Field(ge=0, description="Block index as `segment(text)` numbers them.")
    role: RoleName | None = None
    topic: str | None = Field(None, max_length=64, description="One of the active model's topics.")


class LabelsRequest(_Strict):
    text: str | None = Field(None, description="The full text the indexes refer to. Send this or "
                                               "`html`, not both.")
    html: str | None = Field(None, description="A web page: the indexes refer to its blocks as "
                                               "`POST /v1/segment` reads them; the page is kept with "
                                               "the corrections, so that a retrain learns from its markup.")
    labels: list[LabelItem] = Field(min_length=1)
    who: str | None = Field(None, max_length=WHO_MAX, description="Who made the corrections.")
    site: str | None = Field(None, min_length=1, max_length=SITE_MAX,
                             description="Scope the corrections' line matches to texts sent with "
                                         "this site (unset: they match every text).")

    @model_validator(mode="after")
    def _text_or_html(self):
        if (self.text is None) == (self.html is None):
            raise ValueError("send exactly one of `text` and `html`")
        return self


class LabelsResponse(BaseModel):
    document: str = Field(description="sha256 of the text.")
    stored: int
    superseded: int
    blocks: int
    ids: list[int] = Field(description="The new labels' ids, in the order sent "
                                       "(`DELETE /v1/labels/<id>` withdraws one).")


class WithdrawResponse(BaseModel):
    withdrawn: int = Field(description="The id of the label withdrawn.")
    still_in_versions: list[str] = Field(
        description="Model versions trained with this label: they keep what they learnt from it "
                    "(a retrain drops it).")


class RetrainRequest(_Strict):
    note: str | None = Field(None, max_length=NOTE_MAX, description="Kept with the job.")
    mode: Literal["adapt", "full"] = Field(
        "adapt", description="adapt (default, seconds): the active model's fitted parts plus an "
                             "adapter learned from every stored label, per site; full: train "
                             "from scratch with the training config and the stored labels.")


class JobResponse(BaseModel):
    id: int
    status: Literal["running", "promoted", "rejected", "failed"]
    stage: str
    progress: float
    created: str
    finished: str | None
    version: str | None
    reason: str | None
    evaluation: dict | None
    log_tail: list[str]
    note: str | None


class ModelInfo(BaseModel):
    version: str
    active: bool
    status: str = Field(description="`promoted` or `rejected` by the gate of the retrain that "
                        "built it, `seed` (the model the server started from), or `ungated` (a "
                        "folder no gate judged, put there by hand): only the first three can be "
                        "activated")
    reason: str | None
    created: str | None
    job: int | None
    labels: int | None = Field(description="How many stored labels (corrections) it was trained "
                                           "with; null for a version not built by a retrain.")
    withdrawn_labels: list[int] = Field(
        description="Ids of those labels withdrawn since: the version still carries them "
                    "(sent only with the token; empty without).")


class ModelsResponse(BaseModel):
    active: str | None
    serving: str | None = Field(description="Version loaded by the worker that answered.")
    models: list[ModelInfo]


class HealthResponse(BaseModel):
    status: str
    model: str | None = None
    worker: int | None = Field(None, description="pid of the worker that answered.")
    store: str | None = Field(None, description="`ok`, or what keeps labels from being stored: "
                              "`store_busy`, `store_read_only`, `store_unavailable`.")


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str | None = Field(description="This request's id, as the X-Request-Id header "
                                               "and the access log give it.")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class DocumentsRequest(_Strict):
    documents: list[DocumentIn] = Field(min_length=1, description="Texts to queue for labelling.")


class QueuedDocument(BaseModel):
    id: int = Field(description="The queue's id (`POST /v1/documents/<id>/skip`).")
    external_id: str | int | None = Field(description="The `id` sent with the document.")
    site: str | None
    n_blocks: int
    uncertainty: float = Field(description="1 - mean role_score of the model active when queued.")
    model: str = Field(description="That model's version.")
    status: Literal["pending", "done", "skipped"]
    created: str
    finished: str | None
    text: str | None = Field(None, description="The text (in `GET /v1/documents/next`).")


class DocumentsAdded(BaseModel):
    added: int = Field(description="Documents newly queued.")
    duplicates: int = Field(description="Documents whose text was already queued (not added again).")
    documents: list[QueuedDocument] = Field(description="One per document sent, in order, without text.")


class QueueCounts(BaseModel):
    pending: int
    done: int
    skipped: int


class TopicsResponse(BaseModel):
    model: str = Field(description="The version whose topics these are.")
    topics: list[str] = Field(description="The model's topics in its fixed order (the page's keys 1-9).")
    roles: list[RoleName]

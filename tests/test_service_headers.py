"""Small things a hostile or merely careless client meets: every answer says what it is, ids
in paths are ASCII digits, and the labels export keeps one record on one line for any reader."""

from __future__ import annotations

import json

import pytest
from service_fixtures import ARTICLE, AUTH, assert_error

pytest_plugins = ["service_fixtures"]


@pytest.mark.parametrize("method, path, kwargs", [
    ("post", "/v1/segment", {"json": {"text": ARTICLE}}),
    ("post", "/v1/segment", {"data": b"{", "content_type": "application/json"}),
    ("get", "/healthz", {}),
    ("get", "/openapi.json", {}),
    ("get", "/v1/labels", {"headers": AUTH}),
    ("get", "/no/such/path", {}),
])
def test_every_answer_is_sent_nosniff(client, method, path, kwargs):
    r = getattr(client, method)(path, **kwargs)
    assert r.headers.get("X-Content-Type-Options") == "nosniff"


# A 1 in Arabic-Indic, full-width and Devanagari digits.
@pytest.mark.parametrize("digit", ["%D9%A1", "%EF%BC%91", "%E0%A5%A7"])
def test_ids_in_paths_are_ascii_digits(client, digit):
    r = client.post("/v1/documents", json={"documents": [{"text": ARTICLE}]}, headers=AUTH)
    assert r.get_json()["documents"][0]["id"] == 1
    assert_error(client.post(f"/v1/documents/{digit}/skip", headers=AUTH), 404)
    assert client.post("/v1/documents/1/skip", headers=AUTH).status_code == 200


def test_the_labels_export_keeps_a_record_on_one_line_for_splitlines(client):
    text = "A story's first line.\u2028Its second, after a line separator.\x85A third.\u2029Read more"
    r = client.post("/v1/labels", json={"text": text, "labels": [{"index": 3, "role": "boilerplate"}]},
                    headers=AUTH)
    assert r.status_code == 201, r.get_json()
    export = client.get("/v1/labels", headers=AUTH).get_data(as_text=True)
    lines = export.splitlines()  # what a Python reader of JSONL does
    assert len(lines) == 1
    assert json.loads(lines[0])["text"] == text

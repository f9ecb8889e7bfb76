"""The labelling queue (``/v1/documents``) and the labelling page's HTTP side, through Flask."""

from __future__ import annotations

import json
import re

import pytest
from service_fixtures import ARTICLE, AUTH, assert_error

from newssift.service.db import connect
from newssift.service.queue import QueuedText, add_documents, next_pending
from newssift.service.routes.page import CSP

pytest_plugins = ["service_fixtures"]

CLEAR = ARTICLE
MURKY = "Hello there.\nClick\nMore\n"
EXPECTED_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def queue(client, docs, **kwargs):
    return client.post("/v1/documents", json={"documents": docs}, headers=AUTH, **kwargs)


def ndjson(client, body: str):
    return client.post("/v1/documents", data=body.encode(), content_type="application/x-ndjson",
                       headers=AUTH)


def next_doc(client):
    return client.get("/v1/documents/next", headers=AUTH)


def counts(client):
    r = client.get("/v1/documents", headers=AUTH)
    assert r.status_code == 200
    return r.get_json()


def own_uncertainty(client, text: str) -> float:
    segs = client.post("/v1/segment", json={"text": text, "use_corrections": False}).get_json()["segments"]
    return 1 - sum(s["role_score"] for s in segs) / len(segs)


def test_the_least_certain_document_comes_first(client):
    r = queue(client, [{"text": CLEAR, "id": "clear"}, {"text": MURKY, "id": 2, "site": "a.example"}])
    assert r.status_code == 201, r.get_data(as_text=True)
    body = r.get_json()
    assert body["added"] == 2 and body["duplicates"] == 0
    clear, murky = body["documents"]
    assert (clear["external_id"], murky["external_id"], murky["site"]) == ("clear", 2, "a.example")
    assert {clear["status"], murky["status"]} == {"pending"} and clear["model"] == "tiny1"
    assert "text" not in clear
    for doc, text in ((clear, CLEAR), (murky, MURKY)):
        assert doc["uncertainty"] == pytest.approx(own_uncertainty(client, text), abs=1e-5)
    assert murky["uncertainty"] > clear["uncertainty"]
    nxt = next_doc(client).get_json()
    assert nxt["id"] == murky["id"] and nxt["text"] == MURKY and nxt["site"] == "a.example"
    assert next_doc(client).get_json()["id"] == murky["id"]  # handed out until labelled or skipped
    assert counts(client) == {"pending": 2, "done": 0, "skipped": 0}


def test_equal_uncertainty_goes_oldest_first(app):
    settings = app.extensions["newssift"]
    conn = connect(settings["db"])
    try:
        rows = add_documents(conn, [QueuedText("first\n", 1, 0.25), QueuedText("second\n", 1, 0.25),
                                    QueuedText("third\n", 1, 0.1)], "tiny1")
        assert next_pending(conn)["id"] == rows[0][0]["id"]
    finally:
        conn.close()


def test_ndjson_body(client):
    body = (json.dumps({"text": MURKY, "id": "n1"}) + "\n\n"
            + json.dumps({"text": CLEAR, "site": "b.example"}) + "\r\n")
    r = ndjson(client, body)
    assert r.status_code == 201, r.get_data(as_text=True)
    docs = r.get_json()["documents"]
    assert [d["external_id"] for d in docs] == ["n1", None] and docs[1]["site"] == "b.example"
    assert counts(client)["pending"] == 2


@pytest.mark.parametrize("body, line, words", [
    ('{"text": "ok"}\n{"text": \n', 2, "not valid JSON"),
    ('{"text": "ok"}\n\n{"txt": "typo"}\n', 3, "text"),
    ('{"text": 5}\n', 1, "text"),
    ('["a list"]\n', 1, "body"),
    ('{"text": "ok", "extra": 1}\n', 1, "extra"),
    ('{"text": "ok"}\n{"text": "  \\n \\n"}\n', 2, "no blocks"),
])
def test_a_bad_ndjson_line_is_named_and_nothing_is_queued(client, body, line, words):
    err = assert_error(ndjson(client, body), 422, "invalid_input")
    assert err["message"].startswith(f"line {line}:") and words in err["message"], err
    assert counts(client) == {"pending": 0, "done": 0, "skipped": 0}


@pytest.mark.parametrize("body", ["", "\n\n  \n"])
def test_an_empty_ndjson_body_is_refused(client, body):
    assert "no documents" in assert_error(ndjson(client, body), 422, "invalid_input")["message"]


@pytest.mark.parametrize("docs", [[], [{"id": 1}], [{"text": "x", "site": ""}], "x"])
def test_bad_json_bodies(client, docs):
    assert_error(queue(client, docs), 422, "invalid_input")


def test_a_json_document_without_blocks_is_named(client):
    err = assert_error(queue(client, [{"text": MURKY}, {"text": "\n \n"}]), 422, "invalid_input")
    assert err["message"].startswith("documents.1:")


def test_other_content_types_are_415(client):
    r = client.post("/v1/documents", data=b"some text", content_type="text/plain", headers=AUTH)
    assert "application/x-ndjson" in assert_error(r, 415, "unsupported_media_type")["message"]


def test_body_over_the_cap_is_413(tmp_path, seed_model_dir):
    from service_fixtures import make_app

    client = make_app(tmp_path, seed_model_dir, max_bytes=500).test_client()
    assert_error(ndjson(client, json.dumps({"text": "x" * 600}) + "\n"), 413)


def test_a_text_is_queued_once(client):
    first = queue(client, [{"text": MURKY}]).get_json()["documents"][0]
    again = queue(client, [{"text": MURKY, "id": "other"}, {"text": CLEAR}]).get_json()
    assert (again["added"], again["duplicates"]) == (1, 1)
    assert again["documents"][0]["id"] == first["id"] and again["documents"][0]["external_id"] is None


@pytest.mark.parametrize("method, path", [("GET", "/v1/documents"), ("GET", "/v1/documents/next"),
                                          ("POST", "/v1/documents"), ("POST", "/v1/documents/1/skip")])
def test_the_queue_needs_the_token(client, method, path):
    posting = path == "/v1/documents" and method == "POST"
    kwargs = {"json": {"documents": [{"text": MURKY}]}} if posting else {}
    assert_error(client.open(path, method=method, **kwargs), 401, "unauthorized")
    assert_error(client.open(path, method=method, headers={"Authorization": "Bearer wrong"}, **kwargs),
                 401, "unauthorized")
    assert counts(client) == {"pending": 0, "done": 0, "skipped": 0}


def test_an_empty_queue_is_404(client):
    assert_error(next_doc(client), 404, "queue_empty")


def test_skip(client):
    murky, clear = queue(client, [{"text": MURKY}, {"text": CLEAR}]).get_json()["documents"]
    assert next_doc(client).get_json()["id"] == murky["id"]
    r = client.post(f"/v1/documents/{murky['id']}/skip", headers=AUTH)
    assert r.status_code == 200 and r.get_json()["status"] == "skipped" and r.get_json()["finished"]
    assert client.post(f"/v1/documents/{murky['id']}/skip", headers=AUTH).get_json()["status"] == "skipped"
    assert next_doc(client).get_json()["id"] == clear["id"]
    client.post(f"/v1/documents/{clear['id']}/skip", headers=AUTH)
    assert_error(next_doc(client), 404, "queue_empty")
    assert counts(client) == {"pending": 0, "done": 0, "skipped": 2}
    assert_error(client.post("/v1/documents/999/skip", headers=AUTH), 404, "not_found")
    assert_error(client.post(f"/v1/documents/{2**64}/skip", headers=AUTH), 404, "not_found")


def test_labelled_documents_leave_the_queue(client):
    murky, clear = queue(client, [{"text": MURKY}, {"text": CLEAR}]).get_json()["documents"]
    r = client.post("/v1/labels", json={"text": MURKY, "labels": [{"index": 1, "role": "boilerplate"}]},
                    headers=AUTH)
    assert r.status_code == 201
    assert next_doc(client).get_json()["id"] == clear["id"]
    assert counts(client) == {"pending": 1, "done": 1, "skipped": 0}
    assert_error(client.post(f"/v1/documents/{murky['id']}/skip", headers=AUTH), 409, "already_done")
    # Refused labels leave the document queued:
    bad = client.post("/v1/labels", json={"text": CLEAR, "labels": [{"index": 0, "role": "boilerplate",
                                                                      "topic": "sport"}]}, headers=AUTH)
    assert_error(bad, 422, "contradictory_labels")
    assert next_doc(client).get_json()["id"] == clear["id"]


def test_a_skipped_document_labelled_later_is_done(client):
    (doc,) = queue(client, [{"text": MURKY}]).get_json()["documents"]
    client.post(f"/v1/documents/{doc['id']}/skip", headers=AUTH)
    client.post("/v1/labels", json={"text": MURKY, "labels": [{"index": 0, "role": "main"}]}, headers=AUTH)
    assert counts(client) == {"pending": 0, "done": 1, "skipped": 0}


def test_a_text_with_labels_is_queued_as_done(client):
    client.post("/v1/labels", json={"text": MURKY, "labels": [{"index": 0, "role": "main"}]}, headers=AUTH)
    (doc,) = queue(client, [{"text": MURKY}]).get_json()["documents"]
    assert doc["status"] == "done"
    assert_error(next_doc(client), 404, "queue_empty")


def test_openapi_describes_the_queue_and_the_page(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert paths["/v1/documents"]["post"]["security"] == [{"bearer": []}]
    assert "uncertainty = 1 - the mean" in paths["/v1/documents"]["post"]["description"]
    assert set(paths["/v1/documents/next"]["get"]["responses"]) >= {"200", "401", "404"}
    assert "text/html" in paths["/"]["get"]["responses"]["200"]["content"]


def test_topics_come_in_the_fixed_order(client):
    body = client.get("/v1/topics").get_json()
    assert body["model"] == "tiny1" and body["roles"] == ["main", "teaser", "boilerplate"]
    assert body["topics"] == ["conflict", "politics", "culture", "legal", "business", "sport",
                              "science-tech", "health", "other"]


@pytest.mark.parametrize("path, mimetype", [
    ("/", "text/html"), ("/static/app.js", "text/javascript"), ("/static/app.css", "text/css"),
    ("/static/favicon.svg", "image/svg+xml")])
def test_the_page_and_its_files_carry_the_csp(client, path, mimetype):
    r = client.get(path)
    assert r.status_code == 200 and r.mimetype == mimetype
    assert r.headers["Content-Security-Policy"] == EXPECTED_CSP == CSP
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.get_data()


def test_the_page_has_no_inline_script_or_style(client):
    html = client.get("/").get_data(as_text=True)
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", html, re.I)
    assert not re.search(r"https?://", html.replace("http://www.w3.org", ""))  # nothing from elsewhere


def test_the_script_never_puts_data_in_html(client):
    js = client.get("/static/app.js").get_data(as_text=True)
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function",
                         js)
    assert "localStorage" not in js and "sessionStorage" in js
    assert not re.search(r"https?://", js + client.get("/static/app.css").get_data(as_text=True))

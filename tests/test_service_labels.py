"""POST/GET /v1/labels: validation, auth, superseding, and an export that training reads back."""

import json

import pytest
from service_fixtures import AUTH, TOKEN, assert_error, make_app

from newssift.service.store import content_hash
from newssift.training.corpus import labelled_docs

pytest_plugins = ["service_fixtures"]

TEXT = "Markets rally as rates fall\nShares rose sharply on Monday.\nSubscribe to our newsletter\n"


def post(client, labels, text=TEXT, headers=AUTH, **extra):
    return client.post("/v1/labels", json={"text": text, "labels": labels, **extra}, headers=headers)


def test_store_and_export_in_training_format(client, tmp_path):
    r = post(client, [{"index": 2, "role": "boilerplate"}, {"index": 1, "role": "main",
                                                           "topic": "business"}], who="editor")
    assert r.status_code == 201
    assert r.get_json() == {"document": content_hash(TEXT), "stored": 2, "superseded": 0, "blocks": 3,
                            "ids": [1, 2]}
    export = client.get("/v1/labels", headers=AUTH)
    assert export.mimetype == "application/x-ndjson"
    lines = export.get_data(as_text=True).splitlines()
    assert [json.loads(x) for x in lines] == [{"text": TEXT, "labels": [
        {"id": 2, "index": 1, "role": "main", "topic": "business"},
        {"id": 1, "index": 2, "role": "boilerplate", "topic": None}]}]
    path = tmp_path / "labels.jsonl"
    path.write_text(export.get_data(as_text=True), encoding="utf-8")
    (doc,) = labelled_docs(path, "labels", 10.0)
    assert doc.roles.tolist() == [-1, 0, 2] and doc.topics == [None, "business", None]


def test_newer_correction_supersedes_older(app, client):
    post(client, [{"index": 0, "role": "teaser"}])
    r = post(client, [{"index": 0, "role": "main", "topic": "business"}])
    assert r.get_json()["superseded"] == 1
    (line,) = client.get("/v1/labels", headers=AUTH).get_data(as_text=True).splitlines()
    assert json.loads(line)["labels"] == [{"id": 2, "index": 0, "role": "main", "topic": "business"}]
    from newssift.service.db import connect

    conn = connect(app.extensions["newssift"]["db"])
    rows = conn.execute("SELECT role, who, superseded_by FROM labels ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("teaser", "api", 2), ("main", "api", None)]


def test_same_text_is_stored_once(client):
    post(client, [{"index": 0, "role": "main"}])
    post(client, [{"index": 1, "role": "main"}])
    assert len(client.get("/v1/labels", headers=AUTH).get_data(as_text=True).splitlines()) == 1


@pytest.mark.parametrize("labels, text, code", [
    ([{"index": 3, "role": "main"}], TEXT, "index_out_of_range"),
    ([{"index": -1, "role": "main"}], TEXT, "invalid_input"),
    ([{"index": 0, "role": "headline"}], TEXT, "invalid_input"),
    ([{"index": 0, "topic": "gardening"}], TEXT, "unknown_label"),
    ([{"index": 0}], TEXT, "invalid_input"),
    ([{"index": 0, "role": "main"}, {"index": 0, "role": "teaser"}], TEXT, "duplicate_index"),
    ([], TEXT, "invalid_input"),
    ([{"index": 0, "role": "main"}], "\n  \n", "invalid_input"),
    ([{"index": "0", "role": "main"}], TEXT, "invalid_input"),
])
def test_bad_labels(client, labels, text, code):
    assert_error(post(client, labels, text=text), 422, code)
    assert client.get("/v1/labels", headers=AUTH).get_data() == b""


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}])
def test_token_required(client, headers):
    r = post(client, [{"index": 0, "role": "main"}], headers=headers)
    assert_error(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(client.get("/v1/labels", headers=headers), 401)


def test_no_token_configured_refuses_writes(tmp_path, seed_model_dir):
    client = make_app(tmp_path, seed_model_dir, api_token=None).test_client()
    assert_error(post(client, [{"index": 0, "role": "main"}]), 403, "writes_disabled")
    assert_error(client.post("/v1/retrain", headers=AUTH), 403, "writes_disabled")
    assert_error(client.post("/v1/models/tiny1/activate", headers=AUTH), 403, "writes_disabled")


def test_insecure_dev_allows_writes_without_token(tmp_path, seed_model_dir):
    client = make_app(tmp_path, seed_model_dir, api_token=None, insecure_dev=True).test_client()
    assert post(client, [{"index": 0, "role": "main"}], headers={}).status_code == 201


PAGE = ("<html><body><nav><ul><li><a href='/'>Home</a></li><li><a href='/markets'>Markets</a></li></ul>"
        "</nav><article><h1>Markets rally as rates fall</h1><p>Shares rose sharply on Monday.</p>"
        "<div class='promo-box'><p>Subscribe to our newsletter</p></div></article></body></html>")


def test_a_web_page_is_stored_with_its_corrections_and_exported_for_training(client, tmp_path):
    from newssift.classifier.html import read_page
    from newssift.training.adapt import adapt_docs
    from newssift.training.sources import read_labelled_documents

    text = read_page(PAGE).text
    r = client.post("/v1/labels", json={"html": PAGE, "site": "markets.example",
                                        "labels": [{"index": 4, "role": "boilerplate"}]}, headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.get_json()["document"] == content_hash(text) and r.get_json()["blocks"] == 5
    # The same blocks sent as text later are the same document; the page stays with it
    assert post(client, [{"index": 3, "role": "main"}], text=text, site="markets.example").status_code == 201
    (line,) = client.get("/v1/labels", headers=AUTH).get_data(as_text=True).splitlines()
    record = json.loads(line)
    assert record["text"] == text and record["html"] == PAGE and record["site"] == "markets.example"
    path = tmp_path / "labels.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    (doc,) = adapt_docs(list(read_labelled_documents(path)), ["business"])
    assert doc.markup is not None and len(doc.markup) == 5 and doc.roles.tolist() == [-1, -1, -1, 0, 2]


@pytest.mark.parametrize("body, status, code", [
    ({"html": PAGE, "text": "Shares rose.", "labels": [{"index": 0, "role": "main"}]}, 422, "invalid_input"),
    ({"labels": [{"index": 0, "role": "main"}]}, 422, "invalid_input"),
    ({"html": PAGE, "labels": [{"index": 5, "role": "main"}]}, 422, "index_out_of_range"),
    ({"html": "<html><body><script>x()</script></body></html>", "labels": [{"index": 0, "role": "main"}]},
     422, "invalid_input"),
])
def test_a_labelled_page_must_be_one_page_with_those_blocks(client, body, status, code):
    assert_error(client.post("/v1/labels", json=body, headers=AUTH), status, code)
    assert client.get("/v1/labels", headers=AUTH).get_data(as_text=True) == ""


def test_a_store_made_before_pages_were_kept_gains_the_column_and_keeps_its_labels(tmp_path, seed_model_dir):
    import sqlite3

    db = tmp_path / "data" / "newssift.sqlite3"
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE documents (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, text TEXT NOT NULL, "
        "n_blocks INTEGER NOT NULL, created TEXT NOT NULL);"
        "CREATE TABLE labels (id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL, block INTEGER NOT NULL, "
        "role TEXT, topic TEXT, who TEXT NOT NULL, created TEXT NOT NULL, superseded_by INTEGER);")
    stamp = "2026-12-01T00:00:00Z"
    conn.execute("INSERT INTO documents VALUES (1, ?, ?, 3, ?)", (content_hash(TEXT), TEXT, stamp))
    conn.execute("INSERT INTO labels VALUES (1, 1, 2, 'boilerplate', NULL, 'editor', ?, NULL)", (stamp,))
    conn.commit()
    conn.close()
    client = make_app(tmp_path, seed_model_dir).test_client()
    assert client.post("/v1/labels", json={"html": PAGE, "labels": [{"index": 4, "role": "boilerplate"}]},
                       headers=AUTH).status_code == 201
    export = client.get("/v1/labels", headers=AUTH).get_data(as_text=True)
    records = [json.loads(x) for x in export.splitlines()]
    assert [("html" in r, len(r["labels"])) for r in records] == [(False, 1), (True, 1)]

"""Stored corrections take effect at once: on the corrected text, on the same line elsewhere,
within a site's scope, until withdrawn; contradictory labels are refused."""

from __future__ import annotations

import json

import pytest
from service_fixtures import AUTH, assert_error

pytest_plugins = ["service_fixtures"]

TEXT = ("Engineers reopened the northern rail line on Tuesday after three weeks of repairs.\n"
        "Read our full coverage of the harvest season\n"
        "The line carries most of the region's grain to the port, officials said.\n")
ELSEWHERE = "Farmers said the late rain saved the barley.\n  read our FULL coverage of the harvest season\n"


def segs(client, text, **options):
    """With the token, as the labelling page sends it: correction ids come only with it."""
    r = client.post("/v1/segment", json={"text": text, **options}, headers=AUTH)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()["segments"]


def other_role(role: str) -> str:
    return "boilerplate" if role != "boilerplate" else "teaser"


def store(client, labels, text=TEXT, **extra):
    return client.post("/v1/labels", json={"text": text, "labels": labels, **extra}, headers=AUTH)


def test_a_correction_labels_the_next_request_and_its_line_elsewhere(client):
    own = segs(client, TEXT)[1]["role"]
    target = other_role(own)
    r = store(client, [{"index": 1, "role": target}])
    assert r.status_code == 201
    (label_id,) = r.get_json()["ids"]
    seg = segs(client, TEXT)[1]
    assert (seg["role"], seg["role_score"]) == (target, 1.0)
    assert seg["correction"] == {"id": label_id, "match": "document"}
    assert segs(client, ELSEWHERE)[1]["correction"] == {"id": label_id, "match": "line"}
    # The model's own labels, on request:
    plain = segs(client, TEXT, use_corrections=False)[1]
    assert plain["role"] == own and plain["correction"] is None


def test_batches_apply_corrections_per_document_site(client):
    store(client, [{"index": 1, "role": "boilerplate"}], site="ledger.example")
    r = client.post("/v1/segment/batch", json={"documents": [
        {"text": ELSEWHERE, "site": "ledger.example"}, {"text": ELSEWHERE, "site": "other.example"},
        {"text": ELSEWHERE}]})
    corrections = [res["segments"][1]["correction"] for res in r.get_json()["results"]]
    assert corrections[0]["match"] == "line" and corrections[1:] == [None, None]
    off = client.post("/v1/segment/batch", json={"use_corrections": False, "documents": [
        {"text": ELSEWHERE, "site": "ledger.example"}]}).get_json()
    assert off["results"][0]["segments"][1]["correction"] is None


def test_a_withdrawn_correction_stops_applying(client):
    (label_id,) = store(client, [{"index": 1, "role": "boilerplate"}]).get_json()["ids"]
    assert segs(client, TEXT)[1]["correction"] is not None
    assert client.delete(f"/v1/labels/{label_id}", headers=AUTH).get_json() == {
        "withdrawn": label_id, "still_in_versions": []}  # no version was trained with it
    assert segs(client, TEXT)[1]["correction"] is None
    assert client.get("/v1/labels", headers=AUTH).get_data(as_text=True) == ""  # none in force
    assert_error(client.delete(f"/v1/labels/{label_id}", headers=AUTH), 404, "not_found")
    assert_error(client.delete("/v1/labels/999", headers=AUTH), 404, "not_found")


def test_withdrawing_needs_the_token(client):
    (label_id,) = store(client, [{"index": 1, "role": "boilerplate"}]).get_json()["ids"]
    assert client.delete(f"/v1/labels/{label_id}").status_code == 401
    assert segs(client, TEXT)[1]["correction"] is not None


def test_a_topic_correction_of_a_main_block_is_the_articles_topic(client):
    store(client, [{"index": 0, "role": "main", "topic": "legal"}, {"index": 2, "role": "main"}])
    body = client.post("/v1/segment", json={"text": TEXT}).get_json()
    assert body["article"]["topic"] == "legal"
    main_topics = [s["topic"] for s in body["segments"] if s["role"] == "main"]
    assert main_topics == ["legal"] * body["article"]["n_main"]


@pytest.mark.parametrize("labels, message", [
    ([{"index": 1, "role": "boilerplate", "topic": "legal"}], "a boilerplate block has no topic"),
    ([{"index": 0, "role": "main", "topic": "legal"}, {"index": 2, "role": "main", "topic": "sport"}],
     "share the article's topic"),
])
def test_contradictory_labels_are_refused(client, labels, message):
    assert message in assert_error(store(client, labels), 422, "contradictory_labels")["message"]
    assert client.get("/v1/labels", headers=AUTH).get_data(as_text=True) == ""  # nothing stored


def test_a_main_topic_that_contradicts_a_stored_one_is_refused(client):
    assert store(client, [{"index": 0, "role": "main", "topic": "legal"}]).status_code == 201
    error = assert_error(store(client, [{"index": 2, "role": "main", "topic": "sport"}]), 422,
                         "contradictory_labels")
    assert "stored" in error["message"]
    # Re-labelling the same block is a correction of the correction, not a contradiction.
    assert store(client, [{"index": 0, "role": "main", "topic": "sport"}]).status_code == 201


@pytest.mark.parametrize("extra", [{"site": ""}, {"site": "x" * 300}, {"site": 5}])
def test_bad_sites_are_refused(client, extra):
    assert_error(client.post("/v1/segment", json={"text": TEXT, **extra}), 422)
    assert_error(store(client, [{"index": 1, "role": "main"}], **extra), 422)


@pytest.mark.parametrize("path, method", [("/v1/labels/99999999999999999999", "DELETE"),
                                          ("/v1/retrain/99999999999999999999", "GET"),
                                          ("/v1/labels/0", "DELETE")])
def test_ids_beyond_any_row_are_not_found(client, path, method):
    """Not a 500 from SQLite's integer overflow: no such row."""
    assert_error(client.open(path, method=method, headers=AUTH), 404)


def test_no_static_folder_is_served_from_the_current_directory(tmp_path, seed_model_dir, monkeypatch):
    from service_fixtures import make_app

    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "secret.txt").write_text("not for the web")
    monkeypatch.chdir(tmp_path)
    client = make_app(tmp_path / "x", seed_model_dir).test_client()
    assert client.get("/static/secret.txt").status_code == 404
    assert client.get("/static/app.js").status_code == 200  # the page's own files still are


def test_a_topic_only_correction_keeps_the_stored_role(client):
    """The page sends only what changed: a topic after a role keeps the role."""
    assert store(client, [{"index": 1, "role": "teaser"}]).status_code == 201
    assert store(client, [{"index": 1, "topic": "legal"}]).status_code == 201
    seg = segs(client, TEXT)[1]
    assert (seg["role"], seg["topic"]) == ("teaser", "legal")
    (line,) = client.get("/v1/labels", headers=AUTH).get_data(as_text=True).splitlines()
    assert [(x["role"], x["topic"]) for x in json.loads(line)["labels"]] == [("teaser", "legal")]


def test_a_topic_for_a_block_stored_as_boilerplate_is_refused_and_boilerplate_drops_a_topic(client):
    assert store(client, [{"index": 1, "role": "boilerplate"}]).status_code == 201
    message = assert_error(store(client, [{"index": 1, "topic": "legal"}]), 422,
                           "contradictory_labels")["message"]
    assert "stored role" in message
    assert store(client, [{"index": 0, "role": "teaser", "topic": "sport"}]).status_code == 201
    assert store(client, [{"index": 0, "role": "boilerplate"}]).status_code == 201
    labels = {x["index"]: (x["role"], x["topic"]) for line in
              client.get("/v1/labels", headers=AUTH).get_data(as_text=True).splitlines()
              for x in json.loads(line)["labels"]}
    assert labels[0] == ("boilerplate", None)


def test_the_cross_validation_gate_scores_site_corrections_on_their_site(tiny_model):
    from newssift.service.evaluation import labels_cv_metrics
    from newssift.service.trainer import _adapt_fold

    line = "Follow the Daily Ledger on social media for more"
    own = tiny_model.segment(f"A story.\n{line}").segments[1].role
    target = "boilerplate" if own != "boilerplate" else "teaser"
    records = [{"text": f"Council story number {i}, about the budget and the schools.\n{line}\n",
                "site": "ledger.example", "labels": [{"index": 1, "role": target}]} for i in range(4)]
    _, candidate = labels_cv_metrics(None, records, [True] * 4, None, 2, _adapt_fold(tiny_model))
    assert candidate["labels_cv_role_accuracy"] == 1.0  # each held-out page scored with its site

"""What a client without the token can learn of the label store: the labels it asked for, not
which stored row gave them, and nothing of a retrain job (its log names the stored sites)."""

from __future__ import annotations

import pytest
from service_fixtures import AUTH, TOKEN, assert_error, make_app, wait_for_job

pytest_plugins = ["service_fixtures"]

TEXT = ("Engineers reopened the northern rail line on Tuesday after three weeks of repairs.\n"
        "Sign up for the ledger.example morning newsletter\n"
        "The line carries most of the region's grain to the port, officials said.\n")
WRONG = {"Authorization": "Bearer not-the-token"}


def corrected_block(client, headers: dict, path: str = "/v1/segment") -> dict | None:
    body = {"documents": [{"text": TEXT}]} if path.endswith("batch") else {"text": TEXT}
    r = client.post(path, json=body, headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)
    result = r.get_json()["results"][0] if path.endswith("batch") else r.get_json()
    return result["segments"][1]


@pytest.fixture
def stored_id(client) -> int:
    r = client.post("/v1/labels", json={"text": TEXT, "site": None,
                                        "labels": [{"index": 1, "role": "boilerplate"}]}, headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()["ids"][0]


@pytest.mark.parametrize("path", ["/v1/segment", "/v1/segment/batch"])
def test_correction_ids_go_only_to_callers_with_the_token(client, stored_id, path):
    with_token = corrected_block(client, AUTH, path)
    assert with_token["correction"] == {"id": stored_id, "match": "document"}
    for headers in ({}, WRONG):
        seg = corrected_block(client, headers, path)
        assert seg["role"] == with_token["role"] == "boilerplate"  # the label is the answer asked for
        assert seg["correction"] == {"id": None, "match": "document"}


def test_in_insecure_dev_mode_every_caller_gets_the_ids(tmp_path, seed_model_dir):
    """No token and writes open to all: nothing is held back from anyone."""
    client = make_app(tmp_path, seed_model_dir, api_token=None, insecure_dev=True).test_client()
    r = client.post("/v1/labels", json={"text": TEXT, "labels": [{"index": 1, "role": "boilerplate"}]})
    assert r.status_code == 201
    assert corrected_block(client, {})["correction"]["id"] == r.get_json()["ids"][0]


def test_a_retrain_job_is_read_with_the_token_only(client, stored_id):
    job = client.post("/v1/retrain", headers=AUTH).get_json()
    done = wait_for_job(client, job["id"])
    assert done["log_tail"]  # what the token holder reads
    for headers in ({}, WRONG):
        error = assert_error(client.get(f"/v1/retrain/{job['id']}", headers=headers), 401, "unauthorized")
        assert "log" not in str(error) and TOKEN not in error["message"]
    # an unknown job says no more than a known one without the token
    assert_error(client.get("/v1/retrain/999"), 401, "unauthorized")


def test_openapi_marks_the_job_endpoint_as_needing_the_token(client):
    op = client.get("/openapi.json").get_json()["paths"]["/v1/retrain/{job_id}"]["get"]
    assert op.get("security"), op
    assert "401" in op["responses"]

"""The work one request may ask for is bounded by its blocks, not only its bytes: a body of a
million one-character lines fits the byte limit but would take a worker a minute and
gigabytes to label, and send back a hundred times its size."""

from __future__ import annotations

import http.client
import json

import pytest
from service_fixtures import ARTICLE, AUTH, Server, assert_error, make_app, running

from newssift.classifier.segment import more_blocks_than, segment

pytest_plugins = ["service_fixtures"]


@pytest.mark.parametrize("texts, limit", [
    (["one\ntwo\nthree"], 3),
    (["one\ntwo\nthree"], 2),
    (["a\n\n\n\nb\r\nc\rd\u2028e"], 4),
    (["a\n\n\n\nb\r\nc\rd\u2028e"], 5),
    (["\n" * 1000 + "x"], 1),
    (["x\n" * 10, "y\n" * 10], 19),
    (["x\n" * 10, "y\n" * 10], 20),
    (["", "   ", "\n\n"], 0),
    (["tab\tinside one line\fstill one"], 1),
])
def test_more_blocks_than_agrees_with_segment(texts, limit):
    assert more_blocks_than(texts, limit) == (sum(len(segment(t)) for t in texts) > limit)


def test_a_million_lines_are_counted_no_further_than_the_limit():
    assert more_blocks_than(["x\n" * 1_000_000], 20_000)
    assert not more_blocks_than(["\n" * 1_000_000 + "x"], 1)  # blank lines are no blocks


@pytest.fixture
def small(tmp_path, seed_model_dir):
    return make_app(tmp_path, seed_model_dir, max_blocks=5).test_client()


def test_a_text_over_the_block_limit_is_413_naming_the_setting(small):
    r = small.post("/v1/segment", json={"text": "a\nb\nc\nd\ne\nf"})
    message = assert_error(r, 413, "too_many_blocks")["message"]
    assert "5 blocks" in message and "NEWSSIFT_MAX_BLOCKS" in message
    r = small.post("/v1/segment", data=b"a\nb\nc\nd\ne\nf", content_type="text/plain")
    assert_error(r, 413, "too_many_blocks")


def test_the_limit_counts_blocks_not_lines(small):
    r = small.post("/v1/segment", json={"text": "a\n\n\n\nb\n\n\n\nc\n\n\n\nd\n\n\n\ne\n\n"})
    assert r.status_code == 200 and r.get_json()["article"]["n_blocks"] == 5


def test_a_batch_is_bounded_by_its_blocks_together(small):
    ok = small.post("/v1/segment/batch", json={"documents": [{"text": "a\nb"}, {"text": "c\nd\ne"}]})
    assert ok.status_code == 200
    r = small.post("/v1/segment/batch", json={"documents": [{"text": "a\nb\nc"}, {"text": "d\ne\nf"}]})
    assert "texts hold more than 5" in assert_error(r, 413, "too_many_blocks")["message"]


def test_queued_documents_are_bounded_too(small):
    r = small.post("/v1/documents", json={"documents": [{"text": "a\nb\nc\nd\ne\nf"}]}, headers=AUTH)
    assert_error(r, 413, "too_many_blocks")


def test_the_limit_is_a_setting_at_least_one(tmp_path, seed_model_dir):
    from newssift.classifier.errors import InvalidInput

    with pytest.raises(InvalidInput, match="NEWSSIFT_MAX_BLOCKS"):
        make_app(tmp_path, seed_model_dir, max_blocks=0)


def test_a_million_tiny_lines_over_http_get_the_error_and_the_worker_serves_on(tmp_path, seed_model_dir):
    body = b"x\n" * 1_000_000  # 2,000,000 bytes: within the default byte limit
    with running(Server(tmp_path / "data", seed_model_dir, workers=1)) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        conn.request("POST", "/v1/segment", body, {"Content-Type": "text/plain"})
        r = conn.getresponse()
        answer = json.loads(r.read())
        conn.close()
        assert r.status == 413 and answer["error"]["code"] == "too_many_blocks"
        status, answer = server.request("POST", "/v1/segment", {"text": ARTICLE})
        assert status == 200 and answer["article"]["n_main"] > 0

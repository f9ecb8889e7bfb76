"""Segment endpoints, health, OpenAPI and the error shape of every kind of bad request."""

import re

import pytest
from service_fixtures import ARTICLE, assert_error, make_app

pytest_plugins = ["service_fixtures"]


def test_segment_json_returns_cli_shape_plus_model(client):
    r = client.post("/v1/segment", json={"text": ARTICLE, "id": "a-1"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["model"] == "tiny1" and body["id"] == "a-1"
    assert set(body["article"]) == {"topic", "topic_score", "text", "n_blocks", "n_main",
                                    "n_teaser", "n_boilerplate", "topic_from", "lang", "lang_score",
                                    "topic_trained_for_lang", "headline"}
    assert body["article"]["lang"] == "en" and body["article"]["topic_trained_for_lang"] is True
    seg = body["segments"][0]
    assert set(seg) == {"index", "start", "end", "text", "role", "role_score", "topic", "topic_score",
                        "correction"}
    assert ARTICLE[seg["start"]:seg["end"]] == seg["text"]


def test_segment_plain_text_equals_json(client):
    as_text = client.post("/v1/segment", data=ARTICLE.encode(), content_type="text/plain; charset=utf-8")
    as_json = client.post("/v1/segment", json={"text": ARTICLE})
    assert as_text.status_code == 200
    assert as_text.get_json()["segments"] == as_json.get_json()["segments"]


def test_a_text_with_nothing_to_label_is_a_400(client):

    for kwargs in ({"json": {"text": "  \n\n"}}, {"data": b"", "content_type": "text/plain"},
                   {"data": b" \n", "content_type": "text/plain; charset=utf-8"},
                   {"data": b"", "content_type": "text/html"}, {"json": {"html": " \n"}}):
        error = assert_error(client.post("/v1/segment", **kwargs), 400, "empty_document")
        assert "no text to label" in error["message"] or "empty" in error["message"]


def test_another_content_type_is_a_415_naming_every_one_taken(client):

    error = assert_error(client.post("/v1/segment", data=b"\x89PNG", content_type="image/png"), 415)
    assert all(kind in error["message"] for kind in ("application/json", "text/plain", "text/html"))


def test_batch_keeps_order_and_ids(client):
    docs = [{"text": ARTICLE, "id": 1}, {"text": "One line only.", "id": 2}]
    body = client.post("/v1/segment/batch", json={"documents": docs}).get_json()
    assert [r["id"] for r in body["results"]] == [1, 2]
    assert body["results"][1]["article"]["n_blocks"] == 1


def test_batch_limit(tmp_path, seed_model_dir):
    client = make_app(tmp_path, seed_model_dir, max_batch=2).test_client()
    r = client.post("/v1/segment/batch", json={"documents": [{"text": "x"}] * 3})
    assert "at most 2" in assert_error(r, 422, "batch_too_large")["message"]


@pytest.mark.parametrize("kwargs, status, code", [
    ({"data": b"{", "content_type": "application/json"}, 400, "invalid_json"),
    ({"data": b'{"text": "\xff"}', "content_type": "application/json"}, 400, "invalid_encoding"),
    ({"data": b"caf\xe9", "content_type": "text/plain"}, 400, "invalid_encoding"),
    ({"data": b"a\x00b", "content_type": "text/plain"}, 400, "invalid_encoding"),
    ({"data": b"[" * 100_000, "content_type": "application/json"}, 400, "invalid_json"),
    ({"data": b"<text/>", "content_type": "application/xml"}, 415, "unsupported_media_type"),
    ({"data": b"text=x", "content_type": "application/x-www-form-urlencoded"}, 415, None),
    ({"data": b"x"}, 415, "unsupported_media_type"),
    ({"json": ["not", "an", "object"]}, 422, "invalid_input"),
    ({"json": {"txt": "typo"}}, 422, "invalid_input"),
    ({"json": {"text": 5}}, 422, "invalid_input"),
    ({"json": {"text": "x", "id": [1]}}, 422, "invalid_input"),
    ({"json": {"text": "x", "extra": 1}}, 422, "invalid_input"),
])
def test_bad_segment_requests(client, kwargs, status, code):
    assert_error(client.post("/v1/segment", **kwargs), status, code)


@pytest.mark.parametrize("body", [{}, {"documents": []}, {"documents": [{"id": 1}]}, {"documents": "x"}])
def test_bad_batches(client, body):
    assert_error(client.post("/v1/segment/batch", json=body), 422, "invalid_input")


def test_body_over_the_cap_is_413(tmp_path, seed_model_dir):
    client = make_app(tmp_path, seed_model_dir, max_bytes=1000).test_client()
    err = assert_error(client.post("/v1/segment", data=b"x" * 1001, content_type="text/plain"), 413)
    assert "1000 bytes" in err["message"]
    assert client.post("/v1/segment", data=b"x" * 900, content_type="text/plain").status_code == 200


def test_unknown_path_and_method(client):
    assert_error(client.get("/v2/segment"), 404, "not_found")
    r = client.get("/v1/segment")
    assert_error(r, 405, "method_not_allowed")
    assert "POST" in r.headers["Allow"]


def test_health_and_ready(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz").get_json()
    assert ready["status"] == "ready" and ready["model"] == "tiny1" and ready["worker"] > 0


def test_not_ready_without_a_model(tmp_path):
    client = make_app(tmp_path, tmp_path / "no-such-model").test_client()
    assert client.get("/healthz").status_code == 200
    assert_error(client.get("/readyz"), 503, "no_model")
    assert_error(client.post("/v1/segment", json={"text": "x"}), 503, "no_model")


def test_openapi_describes_every_route(app, client):
    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    described = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "health.openapi"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in described
    seg = doc["paths"]["/v1/segment"]["post"]
    assert set(seg["requestBody"]["content"]) == {"application/json", "text/plain", "text/html"}
    schemas = doc["components"]["schemas"]
    assert schemas["LabelItem"]["properties"]["role"]["anyOf"][0]["enum"] == ["main", "teaser", "boilerplate"]
    assert doc["paths"]["/v1/retrain"]["post"]["security"] == [{"bearer": []}]
    article = schemas["ArticleOut"]["properties"]
    assert {"lang", "lang_score", "topic_trained_for_lang"} <= set(article)


@pytest.mark.parametrize("path", ["/v1/segment", "/v1/segment/batch"])
def test_lone_surrogate_escape_is_a_400_not_a_500(client, path):
    body = (b'{"text": "bad \\ud800"}' if path == "/v1/segment"
            else b'{"documents": [{"text": "bad \\ud800"}]}')
    r = client.post(path, data=body, content_type="application/json")
    assert_error(r, 400, "invalid_json")


def test_a_request_can_move_the_main_threshold(client):
    def n_main(**options):
        r = client.post("/v1/segment", json={"text": ARTICLE, **options})
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.get_json()["article"]["n_main"]

    low, default, high = n_main(main_threshold=0.1), n_main(), n_main(main_threshold=0.9)
    assert low >= default >= high and low > high
    batch = client.post("/v1/segment/batch",
                        json={"documents": [{"text": ARTICLE}], "main_threshold": 0.9}).get_json()
    assert batch["results"][0]["article"]["n_main"] == high


def test_a_request_can_keep_comments(tmp_path):
    from conftest import COMMENT_WORDS, SHIPPED, STORY_WITH_COMMENTS

    client = make_app(tmp_path, SHIPPED).test_client()
    for options, kept in (({}, False), ({"keep_comments": True}, True)):
        body = client.post("/v1/segment", json={"text": STORY_WITH_COMMENTS, **options}).get_json()
        assert (COMMENT_WORDS in body["article"]["text"]) == kept


@pytest.mark.parametrize("body", [
    {"text": "x", "main_threshold": 2}, {"text": "x", "main_threshold": 0.0},
    {"text": "x", "main_threshold": "0.3"}, {"text": "x", "keep_comments": "yes"},
])
def test_bad_decision_options_are_422(client, body):
    assert_error(client.post("/v1/segment", json=body), 422, "invalid_input")


def test_options_go_on_the_batch_not_on_its_documents(client):
    body = {"documents": [{"text": "x", "main_threshold": 0.3}]}
    assert_error(client.post("/v1/segment/batch", json=body), 422, "invalid_input")


def test_every_response_has_a_request_id_and_errors_name_it(client):
    ok = client.post("/v1/segment", json={"text": "A line of text."})
    assert len(ok.headers["X-Request-Id"]) >= 16
    mine = client.post("/v1/segment", json={"text": 5}, headers={"X-Request-Id": "req-42.a"})
    assert mine.headers["X-Request-Id"] == "req-42.a" == mine.get_json()["error"]["request_id"]
    odd = client.get("/nope", headers={"X-Request-Id": "<script>" + "x" * 100})
    assert odd.headers["X-Request-Id"] != odd.request.headers["X-Request-Id"]  # replaced, not echoed


def test_the_access_log_is_one_json_line_a_request_and_can_be_switched_off(tmp_path, seed_model_dir,
                                                                          capsys):
    import json as json_module

    on = make_app(tmp_path / "on", seed_model_dir, access_log=True).test_client()
    capsys.readouterr()
    r = on.post("/v1/segment", json={"text": "A line of text."}, headers={"X-Request-Id": "abc"})
    (line,) = [x for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    entry = json_module.loads(line)
    assert {k: entry[k] for k in ("request_id", "method", "path", "status")} == {
        "request_id": "abc", "method": "POST", "path": "/v1/segment", "status": 200}
    assert entry["bytes"] == len(r.get_data()) and entry["ms"] >= 0
    off = make_app(tmp_path / "off", seed_model_dir, access_log=False).test_client()
    capsys.readouterr()
    off.post("/v1/segment", json={"text": "A line of text."})
    assert not [x for x in capsys.readouterr().err.splitlines() if '"request_id"' in x]


@pytest.mark.parametrize("content_type, data", [
    ("text/plain; charset=latin-1", "Café owners in Zürich protest the new rent rules.".encode("latin-1")),
    ("text/plain; charset=windows-1252", "Minister’s “reform” passes".encode("cp1252")),
    ("text/plain; charset=utf-16", "Grüße aus Köln".encode("utf-16")),
    ("text/plain; charset=UTF-8", "Grüße aus Köln".encode()),
])
def test_a_declared_charset_is_honoured(client, content_type, data):
    r = client.post("/v1/segment", data=data, content_type=content_type)
    assert r.status_code == 200, r.get_data(as_text=True)
    codec = content_type.split("charset=")[1]
    assert r.get_json()["segments"][0]["text"] == data.decode(codec)


def test_an_unknown_charset_names_the_accepted_ones(client):
    err = assert_error(client.post("/v1/segment", data=b"x", content_type="text/plain; charset=ebcdic-xx"),
                       415, "unsupported_charset")
    assert "iso-8859-1" in err["message"] and "utf-8" in err["message"]

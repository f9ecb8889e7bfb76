"""Web pages for ``POST /v1/segment`` and ``/batch`` (issue 23): a ``text/html`` body or a JSON
``html`` field is read as the CLI reads a page, its blocks labelled with their element paths,
its markup handed to the model per text (also when requests are batched together); pages that
cannot be read and whole pages sent as text get the service's error shape."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_fixtures import AUTH, assert_error, make_app

from newssift.classifier.html import read_page

pytest_plugins = ["service_fixtures"]

PAGE = """<!doctype html>
<html lang="en"><head><title>Harbour news</title>
<style>p { margin: 0 }</style><script>var tracker = "do not label me";</script></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/local">Local</a></li></ul></nav>
<main><article>
<h1>Ferry service to the outer islands resumes after storm repairs</h1>
<p>The harbour authority said on Monday that the ferry will run twice a day again from Thursday,
after divers finished repairing the damaged pier.</p>
<p>Islanders had relied on a fishing boat for <b>supplies</b> during the three weeks without service.</p>
</article></main>
<footer><p>Subscribe to our morning newsletter</p></footer>
</body></html>
"""
PAGE_BYTES = PAGE.encode()
# Latin-1 bytes that are not UTF-8, with no <meta charset>: only the header says how to read them.
LATIN1_PAGE = ("<html><body><h1>Caf\u00e9 owners in Z\u00fcrich protest</h1>"
               "<p>The new rent rules start in M\u00e4rz, the city said.</p></body></html>").encode("latin-1")
TEXT = "The council voted to close the old bridge.\nRead more local news"


def html_post(client, data: bytes, content_type: str = "text/html; charset=utf-8", path="/v1/segment"):
    return client.post(path, data=data, content_type=content_type)


def ok(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_text_html_body_is_labelled_block_by_block_with_each_blocks_element_path(client):
    page = read_page(PAGE_BYTES)
    body = ok(html_post(client, PAGE_BYTES))
    segs = body["segments"]
    assert [s["path"] for s in segs] == page.paths and len(segs) == len(page.text.splitlines()) > 3
    assert all(page.text[s["start"]:s["end"]] == s["text"] for s in segs)  # offsets: the flat text
    assert body["article"]["n_blocks"] == len(page.paths) and body["model"] == "tiny1"
    assert not any("tracker" in s["text"] or "<" in s["text"] for s in segs)


def test_json_html_gives_what_a_text_html_body_gives_and_echoes_the_id(client):
    as_body = ok(html_post(client, PAGE_BYTES))
    as_json = ok(client.post("/v1/segment", json={"html": PAGE, "id": "p-1", "site": "harbour.example"}))
    assert as_json["segments"] == as_body["segments"] and as_json["id"] == "p-1"
    assert all("path" in s for s in as_json["segments"])


def test_a_latin1_page_is_read_in_the_charset_its_content_type_declares(client):
    assert_error(html_post(client, LATIN1_PAGE, "text/html"), 400, "invalid_html")  # not UTF-8
    segs = ok(html_post(client, LATIN1_PAGE, "text/html; charset=iso-8859-1"))["segments"]
    assert [s["text"] for s in segs] == ["Caf\u00e9 owners in Z\u00fcrich protest",
                                         "The new rent rules start in M\u00e4rz, the city said."]
    assert [s["path"] for s in segs] == ["/html/body/h1", "/html/body/p"]


def test_an_unknown_charset_in_the_content_type_is_left_for_the_pages_own(client):
    declared = LATIN1_PAGE.replace(b"<html>", b'<html><head><meta charset="iso-8859-1"></head>')
    segs = ok(html_post(client, declared, "text/html; charset=x-no-such-charset"))["segments"]
    assert segs[0]["text"] == "Caf\u00e9 owners in Z\u00fcrich protest"
    assert ok(html_post(client, PAGE_BYTES, "text/html; charset=x-no-such-charset"))["segments"]


@pytest.mark.parametrize("data, content_type, words", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/html", "binary"),
    (b"<p>caf\xe9</p>", "text/html", "not UTF-8"),
    (b"<div>" * 3000 + b"deep" + b"</div>" * 3000, "text/html", "deeper"),
    # charsets Python knows that decode no text, from the header or the page itself
    (b"<p>caf\xe9</p>", "text/html; charset=base64", "charset"),
    (b"<meta charset=rot13><p>caf\xe9</p>", "text/html", "charset"),
    (b"<p>caf\xe9</p>", "text/html; charset=idna", "charset"),
])
def test_a_page_that_cannot_be_read_is_400_invalid_html(client, data, content_type, words):
    assert words in assert_error(html_post(client, data, content_type), 400, "invalid_html")["message"]


def test_a_json_html_field_too_deep_to_read_is_400_invalid_html(client):
    page = "<div>" * 3000 + "deep" + "</div>" * 3000
    assert_error(client.post("/v1/segment", json={"html": page}), 400, "invalid_html")
    r = client.post("/v1/segment/batch", json={"documents": [{"text": TEXT}, {"html": page}]})
    assert_error(r, 400, "invalid_html")


@pytest.mark.parametrize("body, words", [
    ({"text": TEXT, "html": PAGE}, "exactly one of `text` and `html`"),
    ({}, "exactly one of `text` and `html`"),
    ({"id": 1}, "exactly one of `text` and `html`"),
    ({"text": None, "html": None}, "exactly one of `text` and `html`"),
    ({"html": 5}, "html: Input should be a valid string"),
    ({"html": PAGE, "extra": 1}, "extra: Extra inputs are not permitted"),
])
def test_exactly_one_of_text_and_html(client, body, words):
    message = assert_error(client.post("/v1/segment", json=body), 422, "invalid_input")["message"]
    assert words in message and "html: Extra" not in message
    r = client.post("/v1/segment/batch", json={"documents": [{"text": TEXT}, body]})
    assert words in assert_error(r, 422, "invalid_input")["message"]


def test_a_batch_keeps_each_documents_own_paths(client):
    page = read_page(PAGE_BYTES)
    body = ok(client.post("/v1/segment/batch", json={"documents": [
        {"text": TEXT, "id": "t"}, {"html": PAGE, "id": "h"}, {"text": TEXT, "id": "t2"}]}))
    text_res, html_res, text2 = body["results"]
    assert [r["id"] for r in body["results"]] == ["t", "h", "t2"]
    assert not any("path" in s for s in text_res["segments"] + text2["segments"])
    assert [s["path"] for s in html_res["segments"]] == page.paths
    assert [s["text"] for s in text_res["segments"]] == TEXT.splitlines()


def _spy(app, calls: list):
    """Record the markup the served model is handed, and label as it would."""
    with app.app_context():
        _, model = app.extensions["newssift_model"].get()
    real = model.segment_many_dicts

    def spy(texts, *args, **kwargs):
        calls.append((list(texts), kwargs.get("markup")))
        return real(texts, *args, **kwargs)

    model.segment_many_dicts = spy


def test_the_model_gets_each_pages_markup_and_none_for_each_text(app, client):
    calls: list = []
    _spy(app, calls)
    ok(client.post("/v1/segment/batch", json={"documents": [{"text": TEXT}, {"html": PAGE}]}))
    ok(client.post("/v1/segment", json={"text": TEXT}))
    ok(html_post(client, PAGE_BYTES))
    page = read_page(PAGE_BYTES)
    (texts, markup), (_, no_markup), (_, one) = calls
    assert texts == [TEXT, page.text] and markup[0] is None
    assert markup[1].dense.tolist() == page.markup.dense.tolist()
    assert no_markup is None and len(one) == 1 and len(one[0]) == len(page.paths)


def test_texts_batched_across_requests_keep_their_own_markup():
    """Three requests queued behind a held one go to the model in one call: the markup list
    it gets lines up with the texts, whichever request each came from."""
    from newssift.service.batcher import Batcher

    entered, release, calls = threading.Event(), threading.Event(), []

    class Recorder:
        def segment_many_dicts(self, texts, decision=None, memory=None, sites=None, markup=None):
            calls.append((list(texts), markup))
            if texts == ["hold"]:
                entered.set()
                release.wait(5)
            return [{"segments": [], "text": t} for t in texts]

    batcher, model, got = Batcher(), Recorder(), {}
    jobs = {"a": (["a1", "a2"], ["ma1", None]), "b": (["b1"], None), "c": (["c1"], ["mc1"])}

    def request(name, texts, markup):
        got[name] = batcher.label(model, texts, markup=markup)

    first = threading.Thread(target=request, args=("hold", ["hold"], None))
    first.start()
    assert entered.wait(5)
    threads = [threading.Thread(target=request, args=(k, *v)) for k, v in jobs.items()]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while batcher._queue.qsize() < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for t in [first, *threads]:
        t.join(10)
    (texts, markup), = [c for c in calls if c[0] != ["hold"]]
    assert dict(zip(texts, markup)) == {"a1": "ma1", "a2": None, "b1": None, "c1": "mc1"}
    assert [r["text"] for r in got["a"]] == ["a1", "a2"] and [r["text"] for r in got["c"]] == ["c1"]
    assert calls[0] == (["hold"], None)  # no page: the model is called as before


def test_the_block_limit_counts_the_pages_blocks(tmp_path, seed_model_dir):
    small = make_app(tmp_path, seed_model_dir, max_blocks=5).test_client()
    page = "<html><body>" + "".join(f"<p>Paragraph {i}</p>" for i in range(6)) + "</body></html>"
    assert "\n" not in page  # one line: as text it would be one block
    assert_error(html_post(small, page.encode()), 413, "too_many_blocks")
    assert_error(small.post("/v1/segment", json={"html": page}), 413, "too_many_blocks")
    r = small.post("/v1/segment/batch", json={"documents": [{"html": page.replace("<p>Paragraph 5</p>", "")},
                                                            {"text": "one\ntwo"}]})
    assert_error(r, 413, "too_many_blocks")
    assert ok(html_post(small, page.replace("<p>Paragraph 5</p>", "").encode()))["article"]["n_blocks"] == 5


@pytest.mark.parametrize("page", [
    b"<html><head><script>var x = 1;</script></head></html>",
    b"<!doctype html><html><body><script>go()</script><style>a{}</style></body></html>",
])
def test_a_page_without_visible_text_has_no_segments(client, page):
    body = ok(html_post(client, page))
    assert body["segments"] == [] and body["article"]["n_blocks"] == 0 and body["article"]["text"] == ""


@pytest.mark.parametrize("path, send", [
    ("/v1/segment", lambda c, page: c.post("/v1/segment", json={"text": page})),
    ("/v1/segment", lambda c, page: c.post("/v1/segment", data=page.encode(), content_type="text/plain")),
    ("documents.1.text", lambda c, page: c.post("/v1/segment/batch",
                                                json={"documents": [{"text": TEXT}, {"text": page}]})),
])
def test_a_whole_page_sent_as_text_is_422_naming_the_html_ways(client, path, send):
    message = assert_error(send(client, PAGE), 422, "html_given_as_text")["message"]
    assert "`html`" in message and "text/html" in message
    if path.startswith("documents"):
        assert path in message
    # Text that only mentions tags is text: a page is a document that opens with one.
    mentions = "<p> is the paragraph tag.\nWrite <html> at the top of a page."
    assert ok(send(client, mentions))["results" if path.startswith("documents") else "segments"]


def test_a_correction_stored_for_a_pages_text_labels_the_page_next_time(client):
    page = read_page(PAGE_BYTES)
    first = ok(html_post(client, PAGE_BYTES))["segments"]
    role = "boilerplate" if first[1]["role"] != "boilerplate" else "teaser"
    r = client.post("/v1/labels", json={"text": page.text, "labels": [{"index": 1, "role": role}]},
                    headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)
    seg = ok(client.post("/v1/segment", data=PAGE_BYTES, content_type="text/html",
                         headers=AUTH))["segments"][1]
    assert seg["role"] == role and seg["correction"]["match"] == "document"
    assert seg["path"] == page.paths[1]


def test_openapi_describes_the_html_body_field_and_path(client):
    doc = client.get("/openapi.json").get_json()
    seg = doc["paths"]["/v1/segment"]["post"]
    assert seg["requestBody"]["content"]["text/html"] == {"schema": {"type": "string"}}
    assert "path" in seg["description"] and "text/html" in seg["description"]
    assert "text/html" not in doc["paths"]["/v1/segment/batch"]["post"]["requestBody"]["content"]
    schemas = doc["components"]["schemas"]
    for name in ("SegmentRequest", "SegmentDocument"):
        assert {"text", "html"} <= set(schemas[name]["properties"])
    assert "html" not in schemas["DocumentIn"]["properties"]  # the queue takes texts only
    assert "path" in schemas["SegmentOut"]["properties"] and "path" not in schemas["SegmentOut"]["required"]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, seed_model_dir):
    return make_app(tmp_path_factory.mktemp("html-fuzz"), seed_model_dir)


page_bytes = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from([b"<p>", b"</p>", b"<div>", b"<br>", b"<script>", b"</script>",
                              b"<meta charset=", b"latin-1>", b"utf-16>", b"base64>", b"\xe9",
                              b"\xff\xfe", b"\xef\xbb\xbf", b"\x00", b"word ", b"&amp;", b"<!--"]),
             max_size=40).map(b"".join))
charsets = st.sampled_from(["", "; charset=utf-8", "; charset=iso-8859-1", "; charset=utf-16",
                            "; charset=base64", "; charset=zlib", "; charset=idna", "; charset=undefined",
                            "; charset=punycode", "; charset=nope", '; charset="gbk"'])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=page_bytes, charset=charsets)
def test_any_bytes_as_text_html_are_labelled_or_refused_as_invalid_html(fuzz_app, data, charset):
    r = fuzz_app.test_client().post("/v1/segment", data=data, content_type="text/html" + charset)
    if r.status_code != 200:
        assert_error(r, 400, "empty_document" if not data.strip() else "invalid_html")


@pytest.mark.server
def test_a_text_html_body_over_real_http(tmp_path, seed_model_dir):
    from service_fixtures import Server, running  # here: importing it marks a whole module `server`

    with running(Server(tmp_path / "data", seed_model_dir, workers=1)) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            conn.request("POST", "/v1/segment", LATIN1_PAGE,
                         {"Content-Type": "text/html; charset=ISO-8859-1"})
            r = conn.getresponse()
            body = json.loads(r.read())
        finally:
            conn.close()
    assert r.status == 200, body
    assert [s["path"] for s in body["segments"]] == ["/html/body/h1", "/html/body/p"]
    assert body["segments"][0]["text"] == "Caf\u00e9 owners in Z\u00fcrich protest"

"""Fuzz every operation listed in /openapi.json with hypothesis: no request may cause a 5xx.

Bodies are arbitrary JSON, near-valid documents built from the schemas' field
names, or raw bytes under assorted content types; path parameters are
arbitrary text.  Write endpoints get the token so the fuzz reaches validation.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_fixtures import AUTH, make_app

pytest_plugins = ["service_fixtures"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children,
                                                                      max_size=4),
    max_leaves=12)
near_valid = st.fixed_dictionaries({
    "text": st.text(max_size=200),
    "labels": st.lists(st.fixed_dictionaries({
        "index": st.integers(-2, 12) | json_values,
        "role": st.sampled_from(["main", "teaser", "boilerplate", "x", None]),
        "topic": st.sampled_from(["legal", "sport", "nope", None]) | json_values}), max_size=4),
}, optional={"id": json_values, "who": json_values, "note": json_values, "site": json_values,
             "use_corrections": json_values, "mode": st.sampled_from(["adapt", "full", "x"]),
             "documents": st.lists(st.fixed_dictionaries({"text": st.text(max_size=100)},
                                                         optional={"id": json_values}), max_size=3)})
raw_bodies = st.tuples(st.binary(max_size=200), st.sampled_from(
    ["application/json", "text/plain", "text/plain; charset=latin-1", "application/xml", "",
     "multipart/form-data", "application/merge-patch+json"]))
bodies = st.one_of(json_values.map(lambda v: (json.dumps(v).encode(), "application/json")),
                   near_valid.map(lambda v: (json.dumps(v).encode(), "application/json")),
                   raw_bodies)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, seed_model_dir):
    return make_app(tmp_path_factory.mktemp("fuzz"), seed_model_dir, max_batch=3,
                    train_config="/nonexistent/config.toml")  # retrains fail fast, never train


def operations(app) -> list[tuple[str, str]]:
    doc = app.test_client().get("/openapi.json").get_json()
    return [(path, method) for path, ops in doc["paths"].items() for method in ops]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_request_gets_a_5xx(fuzz_app, data):
    client = fuzz_app.test_client()
    path, method = data.draw(st.sampled_from(operations(fuzz_app)))
    for name in re.findall(r"\{\w+\}", path):  # every path parameter: {version}, {label_id}, ...
        value = data.draw(st.text(max_size=20) | st.integers(-5, 10**30).map(str))
        path = path.replace(name, quote(value, safe="") or "x")
    body, ctype = data.draw(bodies)
    headers = AUTH if data.draw(st.booleans()) else {}
    r = client.open(path, method=method.upper(), data=body if method != "get" else None,
                    content_type=ctype or None, headers=headers)
    assert r.status_code < 500, (method, path, body[:200], r.get_data(as_text=True))
    if r.status_code >= 400:
        err = r.get_json()["error"]
        assert set(err) == {"code", "message", "request_id"} and err["request_id"]

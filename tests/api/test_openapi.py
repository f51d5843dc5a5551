"""The OpenAPI document describes exactly the routes, and real answers fit its schemas."""

from __future__ import annotations

import re

import pytest

from comments_api.web.openapi import document
from tests.support import THREAD, comment

TYPES = {
    "object": dict, "array": list, "string": str, "integer": int, "number": (int, float),
    "boolean": bool, "null": type(None),
}  # fmt: skip


def check(value, schema, spec, where="$"):
    """Assert that `value` fits the subset of JSON Schema the document uses."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return check(value, spec["components"]["schemas"][name], spec, where)
    for part in schema.get("allOf", []):
        check(value, part, spec, where)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(
            isinstance(value, TYPES[t]) and not (t in ("integer", "number") and value is True)
            for t in types
        )
        assert ok, f"{where}: {value!r} is not {types}"
    if "enum" in schema:
        assert value in schema["enum"], where
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{where}: missing {key}"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                check(value[key], sub, spec, f"{where}.{key}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, item in value.items():
                check(item, extra, spec, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(item, schema["items"], spec, f"{where}[{i}]")


def route_operations(app):
    """Return the API's operations: every route under /api/ (the desk at /desk/ is pages)."""
    ops = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            ops.add((path, method.lower()))
    return ops


def test_document_is_served_and_is_openapi_3_1(client):
    answer = client.get("/api/openapi.json")
    assert answer.status_code == 200
    spec = answer.get_json()
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": "http://127.0.0.1:8000"}]


def test_document_lists_exactly_the_routes(app):
    spec = document(app)
    documented = {
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "patch", "delete", "put")
    }
    assert documented == route_operations(app)


def test_every_path_parameter_is_declared(app):
    spec = document(app)
    for path, item in spec["paths"].items():
        names = set(re.findall(r"{([a-z_]+)}", path))
        for method, operation in item.items():
            if method == "parameters":
                continue
            declared = {
                p["name"]
                for p in item.get("parameters", []) + operation.get("parameters", [])
                if p["in"] == "path"
            }
            assert names == declared, (path, method)


def test_every_ref_resolves(app):
    spec = document(app)
    refs = re.findall(r"'\$ref': '#/components/schemas/(\w+)'", str(spec))
    assert refs
    assert set(refs) <= set(spec["components"]["schemas"])


def documented_statuses(spec, path, method):
    return set(spec["paths"][path][method]["responses"])


@pytest.fixture
def spec(app):
    return document(app)


def test_real_answers_fit_the_documented_schemas(client, spec, make_app):
    created = client.post("/api/comments", json=comment())
    check(created.get_json(), {"$ref": "#/components/schemas/CreatedComment"}, spec)
    cid = created.get_json()["id"]
    listing = client.get(f"/api/threads/{THREAD}/comments?limit=1")
    schema = spec["paths"]["/api/threads/{thread}/comments"]["get"]["responses"]["200"]
    check(listing.get_json(), schema["content"]["application/json"]["schema"], spec)
    one = client.get(f"/api/comments/{cid}")
    check(one.get_json(), {"$ref": "#/components/schemas/Comment"}, spec)
    counts = client.get(f"/api/counts?thread={THREAD}")
    schema = spec["paths"]["/api/counts"]["get"]["responses"]["200"]
    check(counts.get_json(), schema["content"]["application/json"]["schema"], spec)
    error = client.post("/api/comments", json=comment(email="bad"))
    check(error.get_json(), {"$ref": "#/components/schemas/Error"}, spec)


def test_status_codes_seen_are_documented(client, spec, make_app):
    seen = {
        ("post", "/api/comments"): [
            client.post("/api/comments", json=comment()).status_code,
            client.post("/api/comments", data=comment(body="form")).status_code,
            client.post("/api/comments", json=comment()).status_code,
            client.post("/api/comments", json=comment(email="x")).status_code,
            client.post("/api/comments", json=comment(thread="closed-story")).status_code,
            client.post("/api/comments", data="x", content_type="text/plain").status_code,
            client.post("/api/comments", json=comment(website_confirm="x")).status_code,
        ],
        ("get", "/api/threads/{thread}/comments"): [
            client.get(f"/api/threads/{THREAD}/comments").status_code,
            client.get("/api/threads/nope/comments").status_code,
            client.get(f"/api/threads/{THREAD}/comments?limit=0").status_code,
        ],
        ("get", "/api/comments/{comment_id}"): [
            client.get("/api/comments/1").status_code,
            client.get("/api/comments/99").status_code,
        ],
        ("delete", "/api/comments/{comment_id}"): [
            client.delete("/api/comments/99").status_code,
        ],
    }
    for (method, path), statuses in seen.items():
        assert {str(s) for s in statuses} <= documented_statuses(spec, path, method), path

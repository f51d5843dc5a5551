"""Over real HTTP, against the threaded development server and against gunicorn."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from bs4 import BeautifulSoup

from comments_api.store.queries import read_published
from comments_api.web.site import create_site_app
from tests.support import (
    EMAIL,
    LIMITS_OFF,
    MODERATION_OFF,
    SECRET,
    THREAD,
    Gunicorn,
    LiveServer,
    comment,
    raw_http,
    write_manifest,
)

LIMIT = 64 * 1024


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


@pytest.fixture(scope="module", params=["werkzeug", "gunicorn"])
def server(request, tmp_path_factory):
    """Yield (base URL, store URL) of a running site + API."""
    root = tmp_path_factory.mktemp("http")
    output = root / "output"
    write_manifest(output / "comments" / "threads.json", site_url="")
    (output / "rebels-capture-hama.html").write_text("<h1>Hama</h1>")
    db = f"sqlite:///{root / 'comments.db'}"
    settings = {
        "COMMENTS_DATABASE_URL": db,
        "COMMENTS_SECRET_KEY": SECRET,
        **LIMITS_OFF,
        **MODERATION_OFF,
        "COMMENTS_MAX_REQUEST_BYTES": str(LIMIT),
        "COMMENTS_SITE_DIR": str(output),
    }
    if request.param == "werkzeug":
        with LiveServer(create_site_app(config=settings)) as live:
            yield live.url, db
    else:
        with Gunicorn(settings, workers=2) as live:
            yield live.url, db


def send(url, data=None, *, form=False, headers=None, method=None):
    body, kind = None, None
    if data is not None:
        if form:
            body, kind = urllib.parse.urlencode(data).encode(), "application/x-www-form-urlencoded"
        else:
            body, kind = json.dumps(data).encode(), "application/json"
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    if kind:
        req.add_header("Content-Type", kind)
    try:
        with OPENER.open(req, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def unique(text="Body"):
    return f"{text} {uuid.uuid4().hex}"


def test_json_post_and_read_back(server):
    base, db = server
    body = unique()
    status, _, data = send(base + "/api/comments", comment(body=body))
    assert status == 201
    created = json.loads(data)
    listed = json.loads(send(base + f"/api/threads/{THREAD}/comments?limit=500")[2])
    assert created["id"] in [c["id"] for c in listed["comments"]]
    stored = {c["id"]: c for c in read_published(db)[THREAD]}
    assert stored[created["id"]]["body_html"] == f"<p>{body}</p>"


def test_form_post_redirects_to_the_article(server):
    base, _ = server
    status, headers, _ = send(base + "/api/comments", comment(body=unique()), form=True)
    assert status == 303
    location = headers["Location"]
    assert location.startswith("/rebels-capture-hama.html#comment-")
    assert send(base + location.split("#")[0])[0] == 200


@pytest.mark.parametrize("field", ["author", "email", "body"])
def test_missing_field_over_http(server, field):
    base, _ = server
    status, _, data = send(base + "/api/comments", comment(**{field: ""}))
    assert status == 422
    assert set(json.loads(data)["errors"]) == {field}
    status, _, page = send(base + "/api/comments", comment(**{field: ""}), form=True)
    assert status == 422
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find(attrs={"name": field})["aria-invalid"] == "true"
    assert EMAIL.encode() not in page


def test_invalid_utf8_over_http_is_refused_naming_the_field(server):
    base, _ = server
    body = b"thread=rebels-capture-hama&author=A&email=a%40example.org&body=%C3%28"
    request = (
        b"POST /api/comments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    status, _, page = raw_http(base, request)
    assert status == 400
    assert b"The field body is not valid UTF-8." in page


def test_declared_oversize_body_is_refused_before_it_is_sent(server):
    base, _ = server
    request = (
        b"POST /api/comments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n" + b"{" * 1000
    )
    status, _, data = raw_http(base, request)
    assert status == 413
    assert "error" in json.loads(data)


def chunked(payload: bytes, size: int = 8192) -> list[bytes]:
    pieces = [payload[i : i + size] for i in range(0, len(payload), size)]
    return [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] + [b"0\r\n\r\n"]


CHUNKED_HEAD = (
    b"POST /api/comments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
)


def test_chunked_body_within_the_limit_is_read_whole(server):
    base, db = server
    body = unique("x" * 40000)
    payload = json.dumps(comment(body=body)).encode()
    status, _, data = raw_http(base, CHUNKED_HEAD, chunks=chunked(payload))
    assert status == 201
    cid = json.loads(data)["id"]
    stored = {c["id"]: c for c in read_published(db)[THREAD]}
    assert stored[cid]["body_html"] == f"<p>{body}</p>"


def test_chunked_body_over_the_limit_is_refused_not_truncated(server):
    base, db = server
    marker = uuid.uuid4().hex
    payload = json.dumps(comment(body=marker + "y" * (LIMIT * 2))).encode()
    status, _, _ = raw_http(base, CHUNKED_HEAD, chunks=chunked(payload))
    assert status == 413
    bodies = [c["body_html"] for c in read_published(db).get(THREAD, [])]
    assert not any(marker in b for b in bodies)


@pytest.mark.parametrize("extra", [0, 1])
def test_chunked_body_of_exactly_the_limit_is_accepted_and_one_more_byte_refused(server, extra):
    base, _ = server
    shell = len(json.dumps(comment(body=""), separators=(",", ":")).encode())
    body = unique()
    body += "b" * (LIMIT - shell - len(body) + extra)
    payload = json.dumps(comment(body=body), separators=(",", ":")).encode()
    assert len(payload) == LIMIT + extra
    status, _, _ = raw_http(base, CHUNKED_HEAD, chunks=chunked(payload))
    assert status == (413 if extra else 201)


def test_endless_chunked_body_is_cut_off_at_the_limit(server):
    base, _ = server
    # Never sends the final chunk: the answer must come once the limit is passed.
    endless = [b"%x\r\n%s\r\n" % (8192, b"z" * 8192)] * (LIMIT // 8192 + 4)
    status, _, _ = raw_http(base, CHUNKED_HEAD + b"1\r\n{\r\n", chunks=endless, timeout=10)
    assert status == 413


def test_etag_round_trip_over_http(server):
    base, _ = server
    status, headers, _ = send(base + "/api/counts?thread=" + THREAD)
    assert status == 200
    again = send(base + "/api/counts?thread=" + THREAD, headers={"If-None-Match": headers["ETag"]})
    assert again[0] == 304


def test_cross_origin_form_post_is_refused_over_http(server):
    base, _ = server
    status, _, page = send(
        base + "/api/comments",
        comment(body=unique()),
        form=True,
        headers={"Origin": "https://evil.example"},
    )
    assert status == 403
    assert b"site&#39;s own pages" in page or b"site's own pages" in page


def test_same_origin_browser_post_is_accepted_over_http(server):
    base, _ = server
    status, _, _ = send(
        base + "/api/comments",
        comment(body=unique()),
        form=True,
        headers={"Origin": base, "Referer": base + "/rebels-capture-hama.html"},
    )
    assert status == 303

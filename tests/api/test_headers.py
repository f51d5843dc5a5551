"""The security headers on every answer, over real HTTP, and the pages still working under them."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from comments_api.bake.discussion import make_discussion
from comments_api.bake.section import render_section
from comments_api.bake.threads import ThreadState
from comments_api.web.headers import CONTENT_SECURITY_POLICY
from comments_api.web.site import create_site_app
from tests.support import (
    LIMITS_OFF,
    MODERATION_OFF,
    ROOT,
    SECRET,
    THREAD,
    LiveServer,
    comment,
    raw_http,
    write_manifest,
)

LD = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Rebels capture Hama"}


def article_page() -> str:
    """Return an article page as the theme makes it: JSON-LD, the comment section, the script."""
    state = ThreadState(enabled=True, open=True, closes_at=None)
    discussion = make_discussion(THREAD, state, [], datetime.now(UTC), 5)
    section = render_section(
        discussion, [ROOT / "theme" / "templates"], api_path="/api", max_depth=5
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Rebels capture Hama</title>
<link rel="stylesheet" href="/theme/css/site.css">
<link rel="icon" href="/theme/images/favicon.svg" type="image/svg+xml">
<script type="application/ld+json">{json.dumps(LD)}</script></head>
<body><main><article><h1>Rebels capture Hama</h1>
<img src="/images/hama-map.svg" alt="Map"></article>
{section}</main>
<script src="/theme/js/comments.js" defer></script></body></html>"""


@pytest.fixture
def output(tmp_path) -> Path:
    output = tmp_path / "output"
    write_manifest(output / "comments" / "threads.json", site_url="")
    for folder, name in [("css", "site.css"), ("js", "comments.js"), ("images", "favicon.svg")]:
        (output / "theme" / folder).mkdir(parents=True, exist_ok=True)
        source = ROOT / "theme" / "static" / folder / name
        if source.is_file():
            shutil.copy(source, output / "theme" / folder)
        else:
            (output / "theme" / folder / name).write_text(
                '<svg xmlns="http://www.w3.org/2000/svg"/>'
            )
    (output / "images").mkdir()
    shutil.copy(ROOT / "content" / "images" / "hama-map.svg", output / "images")
    (output / "rebels-capture-hama.html").write_text(article_page())
    (output / "404.html").write_text("<h1>Page not found</h1>")
    return output


@pytest.fixture
def site_url(output, tmp_path) -> str:
    config = {
        "COMMENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "COMMENTS_SECRET_KEY": SECRET,
        **LIMITS_OFF,
        **MODERATION_OFF,
    }
    with LiveServer(create_site_app(output, config)) as server:
        yield server.url


def send(base: str, method: str, path: str, body: bytes = b"", **headers: str) -> tuple:
    host = base.removeprefix("http://")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    if body or method in ("POST", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return raw_http(base, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def assert_hardened(headers: dict[str, str]) -> None:
    policy = {d.split()[0]: d.split()[1:] for d in headers["content-security-policy"].split("; ")}
    assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in headers["permissions-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def first_comment(base: str) -> int:
    status, _headers, body = send(
        base,
        "POST",
        "/api/comments",
        json.dumps(comment()).encode(),
        Content_Type="application/json",
    )
    assert status == 201
    return json.loads(body)["id"]


@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [
        ("GET", "/rebels-capture-hama.html", 200, "text/html"),
        ("GET", "/theme/css/site.css", 200, "text/css"),
        ("GET", "/nope.html", 404, "text/html"),
        ("GET", "/.comments.lock", 404, "text/html"),
        ("POST", "/rebels-capture-hama.html", 405, "text/html"),
        ("GET", "/comments/threads.json", 200, "application/json"),
        ("GET", "/api/health", 200, "application/json"),
        ("GET", "/api/openapi.json", 200, "application/json"),
        ("GET", f"/api/threads/{THREAD}/comments", 200, "application/json"),
        ("GET", "/api/nothing", 404, "application/json"),
        ("GET", "/api/threads/no-such-story/reply", 404, "text/html"),
        ("DELETE", "/api/comments/1", 404, "application/json"),
        ("OPTIONS", "/api/comments", 200, ""),
    ],
)
def test_every_answer_carries_the_security_headers(site_url, method, path, status, kind):
    answer, headers, _body = send(site_url, method, path)
    assert answer == status
    assert headers.get("content-type", "").startswith(kind)
    assert_hardened(headers)


def test_the_reply_page_and_the_form_error_page_cannot_be_framed(site_url):
    parent = first_comment(site_url)
    status, headers, body = send(site_url, "GET", f"/api/threads/{THREAD}/reply?parent={parent}")
    assert (status, b"<form" in body) == (200, True)
    assert_hardened(headers)
    form = f"thread={THREAD}&author=Ada&email=not-an-address&body=Hi".encode()
    status, headers, body = send(
        site_url,
        "POST",
        "/api/comments",
        form,
        Content_Type="application/x-www-form-urlencoded",
        Accept="text/html",
        Origin=site_url,
    )
    assert (status, b"<form" in body) == (422, True)
    assert_hardened(headers)


def test_a_foreign_post_refused_and_a_bad_body_still_carry_the_headers(site_url):
    status, headers, _ = send(site_url, "POST", "/api/comments", b"{}", Origin="https://evil.test")
    assert status == 403
    assert_hardened(headers)
    status, headers, _ = send(
        site_url, "POST", "/api/comments", b"{", Content_Type="application/json"
    )
    assert status == 400
    assert_hardened(headers)


def test_the_avatar_keeps_its_own_policy(site_url):
    parent = first_comment(site_url)
    _status, _headers, body = send(site_url, "GET", f"/api/comments/{parent}")
    avatar = json.loads(body)["avatar"]
    path = re.sub(r"^https?://[^/]+", "", avatar)
    status, headers, _body = send(site_url, "GET", path)
    assert status == 200
    assert headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_the_api_alone_carries_the_headers(live_server):
    # `gunicorn 'comments_api:create_app()'` behind another web server.
    status, headers, _body = send(live_server.url, "GET", "/api/health")
    assert status == 200
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert_hardened(headers)


@pytest.mark.browser
def test_the_article_page_works_under_the_policy_in_a_browser(page, site_url):
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site_url}/rebels-capture-hama.html")
    assert page.evaluate("getComputedStyle(document.body).display") == "block"
    assert (
        page.evaluate(
            "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)"
        )
        == LD
    )
    page.get_by_role("textbox", name="Comment", exact=True).fill("Posted under the policy")
    page.get_by_role("textbox", name="Name", exact=True).fill("Ada")
    page.get_by_role("textbox", name="Email", exact=True).fill("ada@example.org")
    page.get_by_role("button", name="Post Comment").click()
    notice = page.locator("#comment-notice")
    notice.wait_for(state="visible")
    assert notice.text_content() == "Your comment has been published."
    assert page.url == f"{site_url}/rebels-capture-hama.html"  # the script posted, not the form
    published = page.locator("#comment-list li", has_text="Posted under the policy")
    published.wait_for()
    avatar = published.locator("img").first
    avatar.wait_for()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=avatar.element_handle()
    )
    assert page.evaluate("document.images[0].complete && document.images[0].naturalWidth > 0")
    violations = [m for m in messages if "Content Security Policy" in m or "Permissions" in m]
    assert violations == []
    assert [m for m in messages if m.startswith("error")] == []
    assert errors == []


@pytest.mark.browser
def test_a_foreign_page_cannot_frame_the_article(page, site_url, output):
    (output / "framer.html").write_text(
        '<!doctype html><title>f</title><iframe src="/rebels-capture-hama.html"></iframe>'
    )
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(f"{site_url}/framer.html")
    frame = page.frames[-1]
    page.wait_for_timeout(300)
    assert frame.url != f"{site_url}/rebels-capture-hama.html" or frame.content().count("Hama") == 0
    assert any("frame-ancestors" in m for m in messages)

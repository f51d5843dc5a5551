"""The form-error page in a real browser: reachable without JavaScript, accessible, inert."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from comments_api.web.site import create_site_app
from tests.support import (
    LIMITS_OFF,
    MODERATION_OFF,
    ROOT,
    SECRET,
    THREAD,
    LiveServer,
    write_manifest,
)

AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
FORM = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hama</title>
<link rel="stylesheet" href="/theme/css/site.css"></head><body><main>
<h1>Rebels capture Hama</h1>
<form method="post" action="/api/comments">
<input type="hidden" name="thread" value="rebels-capture-hama">
<label for="b">Comment</label><textarea id="b" name="body"></textarea>
<label for="a">Name</label><input id="a" name="author">
<label for="e">Email</label><input id="e" name="email">
<label for="u">Website</label><input id="u" name="url">
<button>Post Comment</button></form></main></body></html>"""

pytestmark = pytest.mark.browser


@pytest.fixture
def site_url(tmp_path) -> str:
    output = tmp_path / "output"
    write_manifest(output / "comments" / "threads.json", site_url="")
    (output / "theme" / "css").mkdir(parents=True)
    shutil.copy(ROOT / "theme" / "static" / "css" / "site.css", output / "theme" / "css")
    (output / "rebels-capture-hama.html").write_text(FORM)
    config = {
        "COMMENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "COMMENTS_SECRET_KEY": SECRET,
        **LIMITS_OFF,
        **MODERATION_OFF,
    }
    with LiveServer(create_site_app(Path(output), config)) as server:
        yield server.url


def test_error_page_without_javascript_keeps_the_text_and_marks_the_field(no_js_page, site_url):
    page = no_js_page
    page.goto(f"{site_url}/rebels-capture-hama.html")
    page.fill("#b", "A reasoned comment <script>alert(1)</script>")
    page.fill("#a", 'Ada "><img src=x onerror=alert(1)>')
    page.fill("#e", "not-an-address")
    page.click("button")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your comment could not be posted")
    email = page.get_by_role("textbox", name="Email", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("")
    expect(page.locator("#comment-email-error")).to_have_text(
        "Enter a valid email address, like name@example.com."
    )
    expect(page.get_by_role("textbox", name="Comment", exact=True)).to_have_value(
        "A reasoned comment <script>alert(1)</script>"
    )
    name = page.get_by_role("textbox", name="Name", exact=True)
    expect(name).to_have_value('Ada "><img src=x onerror=alert(1)>')
    expect(page.get_by_role("button", name="Post Comment")).to_be_visible()
    assert page.locator("img").count() == 0


def test_error_page_has_no_axe_violations_and_runs_no_injected_script(page, site_url):
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing: run `npm ci --prefix tests` ({AXE})")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{site_url}/rebels-capture-hama.html")
    page.fill("#b", "<img src=x onerror=alert(1)>")
    page.fill("#a", "")
    page.fill("#e", "x@")
    page.fill("#u", "javascript:alert(1)")
    page.click("button")
    expect(page.locator(".error-summary")).to_be_visible()
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    assert violations == []
    assert dialogs == []
    expect(page.get_by_role("link", name="Rebels capture Hama")).to_have_attribute(
        "href", f"/{THREAD}.html"
    )


def test_reply_page_without_javascript_posts_a_nested_reply(no_js_page, site_url):
    import json
    import urllib.request

    body = json.dumps({"thread": THREAD, "author": "Ada", "email": "ada@example.org",
                       "body": "First"}).encode()  # fmt: skip
    request = urllib.request.Request(
        f"{site_url}/api/comments", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as answer:
        first = json.loads(answer.read())["id"]
    page = no_js_page
    page.goto(f"{site_url}/api/threads/{THREAD}/reply?parent={first}")
    expect(page.get_by_role("link", name="Cancel reply")).to_be_visible()
    page.get_by_role("textbox", name="Comment", exact=True).fill("A reply without script")
    page.get_by_role("textbox", name="Name", exact=True).fill("Ben")
    page.get_by_role("textbox", name="Email", exact=True).fill("ben@example.org")
    page.get_by_role("button", name="Post Comment").click()
    expect(page).to_have_url(re.compile(rf"/{THREAD}\.html#comment-\d+$"))
    reply = int(page.url.rsplit("-", 1)[1])
    with urllib.request.urlopen(f"{site_url}/api/comments/{reply}") as answer:
        assert json.loads(answer.read())["parent"] == first


def test_reply_page_has_no_axe_violations(page, site_url):
    import json
    import urllib.request

    body = json.dumps({"thread": THREAD, "author": "Ada", "email": "ada2@example.org",
                       "body": "Worth *reading*"}).encode()  # fmt: skip
    request = urllib.request.Request(
        f"{site_url}/api/comments", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as answer:
        first = json.loads(answer.read())["id"]
    page.goto(f"{site_url}/api/threads/{THREAD}/reply?parent={first}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reply to Ada")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    assert violations == []

"""A moderator's session in the browser (Debian's chromium), with JavaScript on and off: sign
in, find the held comment and why it is held, approve it, and the static page shows it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import build_site
from tests.support import ROOT, start_live_site
from tests.test_journeys import ARTIFACTS, HAMA, run_axe

NAME, PASSWORD = "mira", "a long desk password 42"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    site = start_live_site(tmp_path_factory.mktemp("desk"), build_site)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "comments_api", "editors", "add", NAME,
         "--role", "moderator", "--password-stdin"],
        input=PASSWORD + "\n", cwd=ROOT, env={**os.environ, **site.env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    yield site
    site.stop()


def post_comment(live, body: str, author: str, email: str) -> int:
    data = json.dumps({"thread": HAMA, "author": author, "email": email, "body": body})
    request = urllib.request.Request(
        f"{live.url}/api/comments", data=data.encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request) as answer:
        made = json.load(answer)
    assert made["status"] == "pending"
    return made["id"]


def static_page_shows(live, comment_id: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        html = (live.output / f"{HAMA}.html").read_text(encoding="utf-8")
        if f'id="comment-{comment_id}"' in html:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_moderator_approves_a_held_comment_and_the_static_page_shows_it(
    browser, live, javascript
):
    author = f"Reader {'with' if javascript else 'without'} script"
    held = post_comment(live, f"Held until an editor reads it ({author}).", author,
                        f"{'js' if javascript else 'nojs'}@example.org")  # fmt: skip
    context = browser.new_context(java_script_enabled=javascript)
    page: Page = context.new_page()
    try:
        page.goto(f"{live.url}/desk/")
        expect(page).to_have_url(f"{live.url}/desk/sign-in?next=%2Fdesk%2F")
        page.get_by_label("Name").fill(NAME)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("That name and password do not match an account.")).to_be_visible()
        expect(page.get_by_label("Name")).to_have_value(NAME)
        expect(page.get_by_label("Password")).to_have_value("")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("Pending")
        item = page.locator(f"#c{held}")
        expect(item).to_contain_text("first comment from this email")
        expect(item).to_contain_text("First-time")
        if javascript:
            assert run_axe(page) == []
            ARTIFACTS.mkdir(exist_ok=True)
            page.set_viewport_size({"width": 1280, "height": 900})
            page.screenshot(path=ARTIFACTS / "desk-pending-desktop.png", full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=ARTIFACTS / "desk-pending-phone.png", full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
        item.get_by_role("button", name=f"Approve: comment of {author}").click()
        expect(page.get_by_role("status")).to_contain_text("1 comment approved.")
        expect(page.locator(f"#c{held}")).to_have_count(0)
        expect(page.get_by_text("Nothing here.")).to_be_visible()
        assert static_page_shows(live, held)

        page.get_by_role("link", name="Log").click()
        expect(page.locator("table.desk-log tbody tr").first).to_contain_text(f"{held} on {HAMA}")
        if javascript:
            assert run_axe(page) == []
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_text("You are signed out.")).to_be_visible()
        page.goto(f"{live.url}/desk/pending")
        expect(page).to_have_url(f"{live.url}/desk/sign-in?next=%2Fdesk%2Fpending")
    finally:
        context.close()

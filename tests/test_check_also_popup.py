"""The Check Also corner in a real browser (Debian's chromium): it never covers the comment
form, and its landmark is named apart from the box after the article."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import build_site
from tests.support import start_live_site
from tests.test_journeys import field, fill_comment, run_axe

pytestmark = pytest.mark.browser
HAMA = "rebels-capture-hama"
WIDTHS = [800, 1280]
READERS = ["Amal", "Bashir", "Chloe", "Dmitri", "Elif", "Farid", "Grace", "Hugo"]


def post_comment(url: str, author: str, body: str) -> None:
    """Post a comment as the page's script does (JSON, same origin)."""
    fields = {"thread": HAMA, "author": author, "email": f"{author.lower()}@example.org"}
    request = urllib.request.Request(
        f"{url}/api/comments",
        data=json.dumps({**fields, "body": body}).encode(),
        headers={"Content-Type": "application/json", "Origin": url},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 201


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The sample site, with a discussion under the Hama story long enough to read through."""
    site = start_live_site(tmp_path_factory.mktemp("check-also-corner"), build_site)
    paragraph = (
        "The fall of the city changes the map of the war, and the next weeks will show "
        "whether the new forces can hold what they took so quickly."
    )
    for name in READERS:
        post_comment(site.url, name, f"{name} writes:\n\n" + "\n\n".join([paragraph] * 3))
    held = json.loads(site.editor("list", "--status", "pending", "--json").stdout)
    site.editor("approve", *(str(c["id"]) for c in held), COMMENTS_ON_PUBLISH="off")
    yield site
    site.stop()


def open_discussion(page: Page, live, width: int):
    """Open the story at `width` and scroll to the comments, the form still below the screen."""
    page.set_viewport_size({"width": width, "height": 720})
    page.goto(f"{live.url}/{HAMA}.html")
    expect(page.locator("#comments .comment-body, #comments .comment")).not_to_have_count(0)
    expect(page.locator("#comments")).to_contain_text(f"{READERS[-1]} writes:")
    top = page.evaluate(
        """() => {
            const box = document.getElementById("check-also").getBoundingClientRect();
            const form = document.getElementById("respond").getBoundingClientRect();
            return {below: box.bottom + scrollY + 20, formTop: form.top + scrollY};
        }"""
    )
    # The discussion is long enough: past the box, the form has not reached the screen yet.
    assert top["formTop"] - top["below"] > 720
    page.evaluate(f"window.scrollTo(0, {top['below']})")
    return page.locator(".check-also-corner")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_corner_never_covers_the_comment_form(page: Page, live, width):
    corner = open_discussion(page, live, width)
    expect(corner).to_be_visible()  # among the comments, past the box, it slides in
    # The reader goes down to the form: the corner goes away while the form is on screen.
    page.get_by_role("heading", name=re.compile("^Leave a Reply")).scroll_into_view_if_needed()
    expect(corner).to_be_hidden()
    comment = field(page, "Comment")
    comment.click()
    comment.press_sequentially("I was there the day the army left")
    expect(corner).to_be_hidden()
    field(page, "Name").click()
    page.keyboard.type("Reader Nine")
    expect(corner).to_be_hidden()
    # Scrolling back up to reread a comment while a field still has focus: still hidden.
    # (to the top of the window, so the form is surely below it at every width)
    page.locator("#comments").get_by_text(f"{READERS[2]} writes:").evaluate(
        "text => text.scrollIntoView({block: 'start'})"
    )
    expect(page.locator("#respond")).not_to_be_in_viewport()
    expect(corner).to_be_hidden()
    # Once nothing in the form has focus and the form is off screen, the corner may return.
    page.locator("#comments").get_by_text(f"{READERS[2]} writes:").click()
    expect(field(page, "Name")).not_to_be_focused()
    expect(corner).to_be_visible()
    expect(field(page, "Comment")).to_have_value("I was there the day the army left")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_field_reached_with_the_keyboard_hides_the_corner(page: Page, live, width):
    corner = open_discussion(page, live, width)
    expect(corner).to_be_visible()
    field(page, "Website").focus()
    expect(corner).to_be_hidden()
    page.keyboard.type("https://example.org")
    expect(corner).to_be_hidden()


def test_the_corner_and_the_box_are_named_apart(page: Page, live):
    corner = open_discussion(page, live, 1280)
    expect(corner).to_be_visible()
    box = page.get_by_role("complementary", name="Check Also", exact=True)
    expect(box).to_have_count(1)
    expect(box).to_have_id("check-also")
    expect(page.get_by_role("complementary", name="Check Also: suggested article")).to_be_visible()


def test_no_axe_violations_after_an_error_submit_with_both_landmarks_shown(page: Page, live):
    corner = open_discussion(page, live, 1280)
    fill_comment(page, "", "Reader Four", "not-an-email")
    page.get_by_role("button", name="Post Comment").click()
    expect(field(page, "Comment")).to_have_attribute("aria-invalid", "true")
    expect(corner).to_be_hidden()  # the error summary has focus, in the form
    # Back among the comments, focus out of the form: the corner and the box are both there.
    page.locator("#comments").get_by_text(f"{READERS[1]} writes:").click()
    expect(page.locator("#respond")).not_to_be_in_viewport()
    expect(corner).to_be_visible()
    expect(page.locator("#check-also")).to_be_attached()
    # Once it has slid in: half-way through, its text is still faded.
    corner.evaluate("el => Promise.all(el.getAnimations().map(a => a.finished))")
    assert run_axe(page) == []

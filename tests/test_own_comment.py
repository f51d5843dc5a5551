"""The commenter's own comment in a real browser: held in place with Edit and Delete, after a
reload too, nothing of it for a stranger, the same without JavaScript on the service's page,
and the form's details (errors, the flood wait, reply heading, order, times, permalinks)."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Page, expect

from tests.conftest import build_site
from tests.support import LiveSite, free_port, serve_live_site, start_live_site
from tests.test_journeys import field, fill_comment, run_axe

pytestmark = pytest.mark.browser
SLUG = "tervana-delta-floods"
FRENCH = "regates-port-valmee-fr"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    # The default moderation holds a first comment.
    site = start_live_site(tmp_path_factory.mktemp("own"), build_site)
    yield site
    site.stop()


def serve_copy(live: LiveSite, folder, **service) -> LiveSite:
    """Serve a copy of the built site with a service of its own (its own store)."""
    output = folder / "output"
    shutil.copytree(live.output, output)
    # The live site's settings, but for the copy: its folder, manifest and address.
    own = ("COMMENTS_MANIFEST", "COMMENTS_SITE_DIR", "COMMENTS_SITE_URL")
    settings = {name: value for name, value in live.env.items() if name not in own}
    settings["COMMENTS_DATABASE_URL"] = f"sqlite:///{folder / 'comments.db'}"
    return serve_live_site(output, free_port(), **{**settings, **service})


@pytest.fixture(scope="module")
def open_site(live, tmp_path_factory):
    """A service that publishes at once and refuses a second comment within 40 seconds."""
    site = serve_copy(
        live,
        tmp_path_factory.mktemp("open"),
        COMMENTS_MODERATION="none",
        COMMENTS_FLOOD_SECONDS="40",
    )
    yield site
    site.stop()


def post(page: Page, body: str, author: str, email: str) -> dict:
    fill_comment(page, body, author, email)
    with page.expect_response(re.compile("/api/comments$")) as answer:
        page.get_by_role("button", name="Post Comment").click()
    return answer.value.json()


def test_own_held_comment_in_place_reload_edit_delete_and_a_stranger_sees_nothing(
    page: Page, live, browser
):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live.url}/{SLUG}.html")
    created = post(page, "Waiting for the *water* to fall.", "Ada Lovelace", "ada@example.org")
    assert created["status"] == "pending"
    own = page.locator(f"#comment-{created['id']}")
    expect(own).to_contain_text("Waiting for the water to fall.")
    expect(own).to_contain_text("Awaiting moderation: only you can see this")
    expect(own.get_by_role("button", name="Edit your comment")).to_be_visible()
    expect(own.get_by_role("button", name="Delete your comment")).to_be_visible()
    # Where it will appear once published: in the list, not counted for others.
    expect(page.locator("#comment-list")).to_contain_text("Waiting for the water")
    expect(page.locator("#comments-heading")).to_have_text("No comments yet")
    expect(page.locator(".byline a.comment-count")).to_have_text("No comments yet")

    page.reload()
    expect(own).to_contain_text("Awaiting moderation: only you can see this")
    own.get_by_role("button", name="Edit your comment").click()
    assert errors == []
    editor = own.get_by_label("Change your comment")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("Waiting for the *water* to fall.")
    editor.fill("The water is falling **now**.")
    with page.expect_response(re.compile(rf"/api/comments/{created['id']}$")) as answer:
        own.get_by_role("button", name="Save").click()
    assert answer.value.status == 200
    expect(own.locator(".comment-content")).to_have_text("The water is falling now.")
    expect(own.locator(".comment-content strong")).to_have_text("now")
    page.reload()
    expect(own.locator(".comment-content")).to_have_text("The water is falling now.")

    stranger = browser.new_context()
    try:
        other = stranger.new_page()
        # Even knowing the id (stored as the author's browser stores it) shows nothing.
        other.add_init_script(
            "localStorage.setItem('alden-own-comments', JSON.stringify([{id: "
            + str(created["id"])
            + f", thread: '{SLUG}', until: '2999-01-01T00:00:00Z'}}]))"
        )
        other.goto(f"{live.url}/{SLUG}.html")
        expect(other.locator("#comment-order")).to_be_visible()
        expect(other.locator(f"#comment-{created['id']}")).to_have_count(0)
        assert "water" not in other.locator("#comments").inner_text()
        answer = other.request.get(
            f"{live.url}/api/comments/{created['id']}/own", headers={"Accept": "application/json"}
        )
        assert answer.status in (403, 404)
        assert "water" not in answer.text() and "Ada" not in answer.text()
        assert answer.json() == {"error": answer.json()["error"]}
    finally:
        stranger.close()

    with page.expect_response(re.compile(rf"/api/comments/{created['id']}$")) as answer:
        own.get_by_role("button", name="Delete your comment").click()
    assert answer.value.status == 204
    expect(own).to_have_count(0)
    expect(page.locator("#comment-notice")).to_have_text("Your comment has been deleted.")
    page.reload()
    expect(page.locator("#comment-order")).to_be_visible()
    expect(own).to_have_count(0)


def test_without_javascript_the_answer_page_offers_edit_and_delete(no_js_page: Page, live):
    page = no_js_page
    page.goto(f"{live.url}/{SLUG}.html")
    fill_comment(page, "No script here.", "Bea", "bea@example.org")
    page.get_by_role("button", name="Post Comment").click()
    expect(page).to_have_url(re.compile(r"/api/comments/\d+/own$"))
    expect(page.get_by_text("Awaiting moderation: only you can see this")).to_be_visible()
    expect(page.locator(".comment-content")).to_have_text("No script here.")
    field(page, "Comment").fill("Changed without a script.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your changes are saved.")).to_be_visible()
    expect(page.locator(".comment-content")).to_have_text("Changed without a script.")
    own_url = page.url.split("?")[0]
    page.get_by_role("button", name="Delete comment").click()
    expect(page.get_by_text("Your comment has been deleted.")).to_be_visible()
    page.goto(own_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your comment")
    expect(page.get_by_text("No comment of yours is here")).to_be_visible()


def summary_texts(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".error-summary li").all_inner_texts()]


def test_an_invalid_submit_focuses_the_first_field_and_sums_up_as_the_no_js_page(
    page: Page, no_js_page: Page, live
):
    no_js_page.goto(f"{live.url}/{SLUG}.html")
    fill_comment(no_js_page, "", "", "not-an-email")
    no_js_page.get_by_role("button", name="Post Comment").click()
    expected_title = no_js_page.locator("#error-summary-title").inner_text()
    expected = summary_texts(no_js_page)
    assert len(expected) == 3

    page.goto(f"{live.url}/{SLUG}.html")
    fill_comment(page, "", "", "not-an-email")
    page.get_by_role("button", name="Post Comment").click()
    summary = page.locator("#comment-error-summary")
    expect(summary).to_be_visible()
    expect(field(page, "Comment")).to_be_focused()
    assert summary.locator("strong").inner_text() == expected_title
    assert summary_texts(page) == expected
    hrefs = summary.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["#comment-body", "#comment-author", "#comment-email"] or all(
        page.locator(h).count() == 1 for h in hrefs
    )
    # The "Check Also" corner box, which slides in down among the comments, repeats the
    # box's landmark: axe runs with the page at the top, where it is away.
    page.evaluate("window.scrollTo(0, 0)")
    expect(page.locator(".check-also-corner")).to_be_hidden()
    assert run_axe(page) == []
    summary.locator("a").nth(1).click()
    expect(field(page, "Name")).to_be_focused()


def test_the_flood_answer_says_how_long_to_wait(page: Page, open_site):
    page.goto(f"{open_site.url}/harriers-promotion.html")
    assert post(page, "First, and published.", "Cal", "cal@example.org")["status"] == "published"
    fill_comment(page, "Second, too soon.", "Cal", "cal@example.org")
    with page.expect_response(re.compile("/api/comments$")) as answer:
        page.get_by_role("button", name="Post Comment").click()
    assert answer.value.status == 429
    wait = answer.value.headers["retry-after"]
    expect(page.locator("#comment-notice")).to_contain_text(
        f"Please wait {wait} seconds before posting again."
    )


def test_reply_heading_order_times_and_permalinks(page: Page, browser, open_site):
    slug = "comet-cape-morrow"
    # Two published comments, posted from two addresses' worth of time apart.
    from comments_api import create_app
    from tests.support import comment as submission

    app = create_app({
        "COMMENTS_DATABASE_URL": open_site.env["COMMENTS_DATABASE_URL"],
        "COMMENTS_MANIFEST": open_site.env["COMMENTS_MANIFEST"],
        "COMMENTS_SITE_DIR": open_site.env["COMMENTS_SITE_DIR"],
        "COMMENTS_SECRET_KEY": open_site.env["COMMENTS_SECRET_KEY"],
        "COMMENTS_MODERATION": "none", "COMMENTS_FLOOD_SECONDS": "0",
        "COMMENTS_RATE_LIMIT": "off", "COMMENTS_ATTEMPT_LIMIT": "off",
        "COMMENTS_PAGE_WORKER": "off",
    })  # fmt: skip
    client = app.test_client()
    ids = [
        client.post("/api/comments", json=submission(thread=slug, author=name, body=body)).json[
            "id"
        ]
        for name, body in (("Ada Lovelace", "The older one."), ("Grace Hopper", "The newer one."))
    ]
    context = browser.new_context(timezone_id="Asia/Tokyo")
    try:
        tokyo = context.new_page()
        tokyo.goto(f"{open_site.url}/{slug}.html#comment-{ids[0]}")
        first = tokyo.locator(f"#comment-{ids[0]}")
        expect(first).to_have_class(re.compile(r"\bis-target\b"))
        background = first.locator(".comment-body").first.evaluate(
            "el => getComputedStyle(el).backgroundColor"
        )
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")
        # The reader's own time zone, the ISO time kept.
        time = first.locator(".comment-date time")
        created = datetime.fromisoformat(time.get_attribute("datetime"))
        local = created.astimezone(UTC) + timedelta(hours=9)
        expect(time).to_have_text(re.compile(rf", {local:%H:%M} GMT\+9$"))

        first.get_by_role("link", name="Reply to Ada Lovelace").click()
        expect(tokyo.locator("#reply-title")).to_contain_text("Leave a Reply to Ada Lovelace")
        tokyo.get_by_role("link", name="Cancel reply").click()
        expect(tokyo.locator("#reply-title-text")).to_have_text("Leave a Reply")

        top = tokyo.locator("#comment-list > ol.comment-list > li")
        expect(top.first).to_have_attribute("id", f"comment-{ids[0]}")
        tokyo.get_by_role("button", name="Newest first").click()
        expect(top.first).to_have_attribute("id", f"comment-{ids[1]}")
        expect(tokyo.get_by_role("button", name="Newest first")).to_have_attribute(
            "aria-pressed", "true"
        )
        tokyo.reload()
        expect(top.first).to_have_attribute("id", f"comment-{ids[1]}")
    finally:
        context.close()


def test_without_javascript_times_name_utc_and_a_permalink_stands_out(no_js_page: Page, open_site):
    slug = "grainhouse-coop-buys-mill"
    from comments_api import create_app
    from tests.support import comment as submission

    app = create_app({
        **{k: open_site.env[k] for k in ("COMMENTS_DATABASE_URL", "COMMENTS_MANIFEST",
                                         "COMMENTS_SITE_DIR", "COMMENTS_SECRET_KEY")},
        "COMMENTS_MODERATION": "none", "COMMENTS_FLOOD_SECONDS": "0",
        "COMMENTS_RATE_LIMIT": "off", "COMMENTS_ATTEMPT_LIMIT": "off",
        "COMMENTS_PAGE_WORKER": "inline",
    })  # fmt: skip
    cid = app.test_client().post("/api/comments", json=submission(thread=slug)).json["id"]
    page = no_js_page
    page.goto(f"{open_site.url}/{slug}.html#comment-{cid}")
    expect(page.locator("#comment-order")).to_be_hidden()
    expect(page.locator(f"#comment-{cid} .comment-date time")).to_have_text(
        re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC$")
    )
    style = page.locator(f"#comment-{cid} > .comment-body").evaluate(
        "el => getComputedStyle(el).borderLeftStyle"
    )
    assert style == "solid"
    other = page.locator(".comment-body").filter(has_not=page.locator(f"#comment-{cid}-author"))
    assert other.count() == 0 or other.first.evaluate(
        "el => getComputedStyle(el).borderLeftStyle"
    ) in ("none", "dashed")


def test_the_built_article_links_policy_markdown_count_and_marks_its_chrome_lang(live):
    soup = BeautifulSoup(
        (live.output / f"{FRENCH}.html").read_text(encoding="utf-8"), "html.parser"
    )
    assert soup.html["lang"] == "fr"
    count = soup.select_one(".byline a.comment-count")
    assert count["href"] == "#comments" and count.get_text() == "No comments yet"
    for selector in ("#comments-heading", "#respond", "#comment-order"):
        assert soup.select_one(selector)["lang"] == "en", selector
    policy = soup.select_one(".comment-policy a")
    assert (live.output / policy["href"].lstrip("/")).is_file()
    note = soup.find(id="comment-markdown-note").get_text()
    for example in ("*italic*", "**bold**", "[a link](https://", "> a quote"):
        assert example in note
    assert "comment-markdown-note" in soup.find("textarea")["aria-describedby"]

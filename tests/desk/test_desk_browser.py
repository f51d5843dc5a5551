"""A moderator's session in the browser (Debian's chromium), with JavaScript on and off: sign
in (and the lockout), find the held comment and why it is held, approve it, and the static page
shows it; spam in bulk, edit, reply as staff, readers' reports; approve from the mail link."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect

from tests.conftest import build_site
from tests.desk.test_mail import Inbox
from tests.support import free_port, start_live_site
from tests.test_journeys import ARTIFACTS, HAMA, run_axe

NAME, PASSWORD = "mira", "a long desk password 42"
MODERATOR = "mira@alden.example"
# Accounts the journeys lock out with wrong passwords (each run its own, from its own address).
LOCKED = {True: "lena-js", False: "lena-nojs"}


@pytest.fixture(scope="module")
def inbox():
    """Return the mailbox of the moderators: a real SMTP server on 127.0.0.1."""
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture(scope="module")
def live(tmp_path_factory, inbox):
    # Readers and editors are told apart by the address the proxy (here: the test) names;
    # held comments are mailed to the moderator.
    site = start_live_site(
        tmp_path_factory.mktemp("desk"), build_site, COMMENTS_TRUSTED_PROXIES="127.0.0.1",
        COMMENTS_REPORT_LIMIT="off", COMMENTS_SMTP_HOST="127.0.0.1",
        COMMENTS_SMTP_PORT=str(inbox.port), COMMENTS_SMTP_SECURITY="none",
        COMMENTS_MAIL_FROM="desk@alden.example", COMMENTS_MAIL_TO=MODERATOR,
    )  # fmt: skip
    for name in (NAME, *LOCKED.values()):
        site.add_editor(name, PASSWORD)
    yield site
    site.stop()


def post_comment(live, body: str, author: str, email: str, address: str = "192.0.2.1") -> int:
    data = json.dumps({"thread": HAMA, "author": author, "email": email, "body": body})
    request = urllib.request.Request(
        f"{live.url}/api/comments", data=data.encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Forwarded-For": address},
    )  # fmt: skip
    with urllib.request.urlopen(request) as answer:
        made = json.load(answer)
    assert made["status"] == "pending"
    return made["id"]


def static_page_shows(live, text: int | str, within: float = 10.0, shown: bool = True) -> bool:
    """Wait until the static page shows (or no longer shows) a comment id or a text."""
    wanted = f'id="comment-{text}"' if isinstance(text, int) else text
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        html = (live.output / f"{HAMA}.html").read_text(encoding="utf-8")
        if (wanted in html) == shown:
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


def sign_in(page: Page, live, name: str = NAME, password: str = PASSWORD) -> None:
    page.goto(f"{live.url}/desk/sign-in")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def shoot(page: Page, name: str, part: str | None = None) -> None:
    """Save a desktop and a phone screenshot of the page (or of its `part`, a selector), for
    the people who look at them."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height, kind in ((1280, 900, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        path = ARTIFACTS / f"{name}-{kind}.png"
        if part:
            page.locator(part).screenshot(path=path)
        else:
            page.screenshot(path=path, full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_wrong_passwords_lock_the_account_for_a_while(browser, live, javascript):
    address = "198.18.0.1" if javascript else "198.18.0.2"
    context = browser.new_context(java_script_enabled=javascript,
                                  extra_http_headers={"X-Forwarded-For": address})  # fmt: skip
    page = context.new_page()
    try:
        name = LOCKED[javascript]
        for _ in range(3):
            sign_in(page, live, name, "not the password at all")
            expect(
                page.get_by_text("That name and password do not match an account.")
            ).to_be_visible()
        # From the fourth failure on, each try must wait, even with the right password.
        sign_in(page, live, name, "not the password at all")
        sign_in(page, live, name, PASSWORD)
        expect(page.get_by_text("Please wait before you try again.")).to_be_visible()
        expect(page).to_have_url(f"{live.url}/desk/sign-in")
    finally:
        context.close()


def report_as_reader(browser, live, comment_id: int, address: str, javascript: bool) -> None:
    context = browser.new_context(java_script_enabled=javascript,
                                  extra_http_headers={"X-Forwarded-For": address})  # fmt: skip
    page = context.new_page()
    try:
        page.goto(f"{live.url}/{HAMA}.html")
        page.locator(f"#comment-{comment_id}").get_by_role("link", name="Report").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Report a comment")
        if javascript and address.endswith(".1"):
            assert run_axe(page) == []
        page.get_by_label("Abusive, hateful or threatening").check()
        page.get_by_label("A note for the editors (optional)").fill(f"Seen from {address[-1]}")
        page.get_by_role("button", name="Send the report").click()
        expect(page.get_by_role("status")).to_have_text(
            "Thank you. An editor will look at this comment."
        )
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_moderator_spams_in_bulk_edits_replies_as_staff_and_handles_readers_reports(
    browser, live, javascript
):
    tag = "js" if javascript else "nojs"
    spam = [post_comment(live, f"Cheap offers number {n} ({tag}).", f"Seller {n}",
                         f"seller{n}-{tag}@example.org") for n in range(3)]  # fmt: skip
    kept = post_comment(live, f"The bridge reopens in May ({tag}).", "Local reader",
                        f"local-{tag}@example.org")  # fmt: skip
    context = browser.new_context(
        java_script_enabled=javascript, extra_http_headers={"X-Forwarded-For": "192.0.2.200"}
    )
    page: Page = context.new_page()
    try:
        sign_in(page, live)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Pending")
        for comment_id in spam:
            page.locator(f"#pick-{comment_id}").check()
        page.locator(".desk-bulk").get_by_role("button", name="Spam", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("3 comments marked as spam.")
        for comment_id in spam:
            expect(page.locator(f"#c{comment_id}")).to_have_count(0)
        page.locator(f"#c{kept}").get_by_role(
            "button", name="Approve: comment of Local reader"
        ).click()
        expect(page.get_by_role("status")).to_contain_text("1 comment approved.")
        assert static_page_shows(live, kept)

        # An editor's edit, with the note kept on the desk.
        page.goto(f"{live.url}/desk/published")
        page.locator(f"#c{kept}").get_by_role(
            "link", name="Edit the comment of Local reader"
        ).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Edit the comment of Local reader"
        )
        if javascript:
            assert run_axe(page) == []
        page.get_by_label("Comment").fill(f"The bridge reopens in June ({tag}).")
        page.get_by_label("Editor's note").fill("Corrected the month")
        page.get_by_role("button", name="Save the change").click()
        expect(page.get_by_role("status")).to_have_text("The comment was changed.")
        expect(page.locator(f"#c{kept}")).to_contain_text("Corrected the month")
        assert static_page_shows(live, f"The bridge reopens in June ({tag}).")

        # A reply as the newsroom, with its badge on the static page.
        page.locator(f"#c{kept}").get_by_role(
            "link", name="Reply to Local reader as the newsroom"
        ).click()
        if javascript:
            assert run_axe(page) == []
        page.get_by_label("Your reply").fill(f"Thanks, we have corrected the date ({tag}).")
        page.get_by_role("button", name="Publish the reply").click()
        expect(page.get_by_role("status")).to_have_text("Your reply is published.")
        assert static_page_shows(live, f"Thanks, we have corrected the date ({tag}).")
        reader = context.new_page()
        reader.goto(f"{live.url}/{HAMA}.html")
        staff = reader.locator(f"#comment-{kept} .children li.comment").filter(
            has_text="we have corrected the date"
        )
        expect(staff.locator(".staff-badge")).to_have_text("Staff")
        if javascript:
            shoot(reader, "article-staff-reply", f"#comment-{kept}")
        reader.close()

        # Three readers report it; it leaves the page and waits in the Reported queue.
        for n in (1, 2, 3):
            report_as_reader(browser, live, kept, f"203.0.113.{n}", javascript)
        assert static_page_shows(live, kept, shown=False)
        page.goto(f"{live.url}/desk/reported")
        item = page.locator(f"#c{kept}")
        expect(item).to_contain_text("3 reports")
        expect(item).to_contain_text("readers' reports (3)")
        expect(item).to_contain_text("Seen from 2")
        expect(page.locator("body")).not_to_contain_text("203.0.113")
        if javascript:
            assert run_axe(page) == []
            shoot(page, "desk-reported")
        item.get_by_role("button", name="Approve: comment of Local reader").click()
        expect(page.get_by_role("status")).to_contain_text("1 comment approved.")
        assert static_page_shows(live, kept)
    finally:
        context.close()


def mail_about(inbox, text: str, within: float = 30.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for received in inbox.messages:
            if text in received.text:
                return received
        time.sleep(0.1)
    raise AssertionError(f"no mail about {text!r}")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_moderator_approves_from_the_mail_link_and_only_the_button_acts(
    browser, live, inbox, javascript
):
    tag = "js" if javascript else "nojs"
    email = f"mailed-{tag}@example.org"
    body = f"Is the ferry still running this winter ({tag})?"
    held = post_comment(live, body, "Ferry rider", email)
    received = mail_about(inbox, body)
    assert received.rcpt_tos == [MODERATOR]
    assert email not in received.raw.decode("utf-8", "replace")
    assert "first comment from this email" in received.text
    if javascript:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "moderator-mail.txt").write_bytes(received.raw)
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    try:
        # Opening the link (as a mail scanner would) changes nothing.
        page.goto(received.links()["approve"])
        expect(page.get_by_role("heading", level=1)).to_have_text("Approve this comment?")
        expect(page.locator(".desk-body")).to_contain_text(body)
        expect(page.locator("body")).not_to_contain_text(email)
        assert not static_page_shows(live, held, within=2.0)
        if javascript:
            assert run_axe(page) == []
            shoot(page, "desk-mail-link")
        page.get_by_role("button", name="Approve").click()
        expect(page.get_by_role("status")).to_have_text("The comment is published.")
        assert static_page_shows(live, held)
    finally:
        context.close()


def test_an_admin_closes_an_article_from_the_desk_and_its_page_follows(browser, live):
    live.add_editor("ada", PASSWORD, role="admin")
    context = browser.new_context(extra_http_headers={"X-Forwarded-For": "192.0.2.201"})
    page = context.new_page()
    try:
        sign_in(page, live, "ada")
        page.get_by_role("link", name="Editors").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Editors")
        assert run_axe(page) == []
        page.get_by_role("link", name="Articles").click()
        assert run_axe(page) == []
        row = page.locator(f"#a-{HAMA}")
        expect(row).to_contain_text("Open")
        row.get_by_role("button", name="Close comments on").click()
        expect(page.get_by_role("status")).to_have_text("Comments on the article are closed.")
        expect(page.locator(f"#a-{HAMA}")).to_contain_text("Closed (set on the desk)")
        assert static_page_shows(live, "Comments are closed.")
        page.locator(f"#a-{HAMA}").get_by_role("button", name="Open comments on").click()
        expect(page.get_by_role("status")).to_have_text("The article takes comments again.")
        assert static_page_shows(live, 'id="commentform"')
    finally:
        context.close()

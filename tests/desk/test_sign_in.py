"""Signing in to the desk over HTTP: the form, the one answer to every failure, the delays and
the lock, the session cookie, timeouts, signing out, CSRF, and where a sign-in may lead."""

from __future__ import annotations

import http.client
import logging
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from bs4 import BeautifulSoup
from flask import Blueprint, current_app
from sqlalchemy import select

from comments_api.actions import accounts
from comments_api.extensions import get_db
from comments_api.store.schema import failures, sessions
from comments_api.web.desk_auth import check_csrf, csrf_token, current_editor, signed_in
from tests.support import LIMITS_OFF, MODERATION_OFF, ROOT, SECRET, LiveServer, write_manifest

NO_MATCH = "That name and password do not match an account."
WAIT = "Please wait before you try again"
TOKEN = re.compile(r'name="csrf" value="([^"]*)"')

# Views guarded like the desk's, so these tests need nothing of web/desk.py.
probe = Blueprint("desk_probe", __name__, url_prefix="/desk")


@probe.get("/probe")
@signed_in()
def probe_page():
    return {"editor": current_editor().name, "role": current_editor().role, "csrf": csrf_token()}


@probe.post("/probe")
@signed_in
def probe_action():
    check_csrf()
    current_app.config["PROBE_DONE"].append(current_editor().name)
    return {"done": True}


@probe.get("/admin-probe")
@signed_in("admin")
def admin_probe():
    return {"admin": True}


@pytest.fixture
def app(make_app):
    """Return an app with the test settings and the probe views."""
    app = make_app(PROBE_DONE=[])
    app.register_blueprint(probe)
    return app


def post_sign_in(client, name, password, next_url=None, *, token=None, address="192.0.2.10"):
    """Load the form (for its token and cookie) from `address` and post it."""
    environ = {"REMOTE_ADDR": address}
    form = client.get("/desk/sign-in", environ_base=environ)
    data = {"name": name, "password": password, "csrf": token or TOKEN.search(form.text)[1]}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/desk/sign-in", data=data, environ_base=environ)


def session_cookie(client):
    return client.get_cookie("desk_session", path="/desk")


def stored(app, table):
    with get_db(app).read() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table))]


def assert_private(answer):
    assert answer.headers["Cache-Control"] == "no-store"
    assert "noindex" in answer.headers["X-Robots-Tag"]


def without_tokens(page: str) -> str:
    return TOKEN.sub('name="csrf" value=""', page)


# The form -----------------------------------------------------------------------------------


def test_the_sign_in_page_is_a_labelled_form_that_needs_no_script(client):
    answer = client.get("/desk/sign-in")
    assert answer.status_code == 200
    assert_private(answer)
    soup = BeautifulSoup(answer.text, "html.parser")
    assert [h.get_text() for h in soup.find_all("h1")] == ["Sign in to the desk"]
    assert soup.find("main") is not None and soup.find("header") is not None
    assert soup.find("script") is None
    form = soup.find("form")
    assert form["method"] == "post" and form["action"] == "/desk/sign-in"
    for field in ("name", "password"):
        control = form.find("input", attrs={"name": field})
        assert soup.find("label", attrs={"for": control["id"]}) is not None
    assert form.find("input", attrs={"name": "password"})["type"] == "password"
    assert form.find("input", attrs={"name": "csrf"})["value"]
    assert "desk_signin=" in answer.headers["Set-Cookie"]


def test_wrong_password_and_unknown_name_get_the_identical_answer(client, editor):
    name, password = editor
    wrong = post_sign_in(client, name, password + "x")
    unknown = post_sign_in(client, "nobody", password)
    assert wrong.status_code == unknown.status_code == 401
    assert NO_MATCH in wrong.text
    same = without_tokens(wrong.text).replace('value="ada"', 'value="typed"')
    assert same == without_tokens(unknown.text).replace('value="nobody"', 'value="typed"')
    assert password not in wrong.text and password not in unknown.text
    assert 'value="ada"' in wrong.text  # the typed name is kept
    assert session_cookie(client) is None
    assert_private(wrong)


def test_a_signed_in_editor_skips_the_form(signed_in_client):
    answer = signed_in_client.get("/desk/sign-in?next=/desk/probe")
    assert answer.status_code == 303 and answer.headers["Location"] == "/desk/probe"


# Delays and the lock ------------------------------------------------------------------------


def test_the_delay_grows_from_the_fourth_failure(client, editor, clock):
    name, password = editor
    for _ in range(4):
        assert post_sign_in(client, name, "wrong password!").status_code == 401
    limited = post_sign_in(client, name, "wrong password!")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "2"
    assert NO_MATCH in limited.text and WAIT in limited.text
    assert_private(limited)
    # Waiting is the only way on: even the right password is refused unchecked.
    assert post_sign_in(client, name, password).status_code == 429
    clock.advance(seconds=2)
    assert post_sign_in(client, name, "wrong password!").status_code == 401
    assert post_sign_in(client, name, "wrong password!").headers["Retry-After"] == "4"
    clock.advance(seconds=4)
    assert post_sign_in(client, name, password).status_code == 303


def test_an_unknown_name_is_limited_like_a_known_one(client):
    answers = [post_sign_in(client, "nobody", "wrong password!") for _ in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
    assert answers[-1].headers["Retry-After"] == "2"


def test_the_delay_also_follows_the_address_across_names(client, make_editor):
    make_editor("bob")
    for name in ("n1", "n2", "n3", "n4"):
        assert post_sign_in(client, name, "wrong password!").status_code == 401
    assert post_sign_in(client, "bob", "wrong password!").status_code == 429
    other = post_sign_in(client, "bob", "wrong password!", address="198.51.100.9")
    assert other.status_code == 401


def fail_until_locked(client, name, clock, address="192.0.2.10"):
    failed = 0
    while failed < 10:
        answer = post_sign_in(client, name, "wrong password!", address=address)
        if answer.status_code == 429:
            clock.advance(seconds=int(answer.headers["Retry-After"]))
            continue
        assert answer.status_code == 401
        failed += 1


def test_ten_failures_lock_the_account_until_fifteen_minutes_pass(
    client, editor, make_editor, clock
):
    name, password = editor
    make_editor("bob")
    fail_until_locked(client, name, clock)
    # From a new address too: the lock is the account's, and even the right password waits.
    locked = post_sign_in(client, name, password, address="198.51.100.20")
    assert locked.status_code == 429
    assert NO_MATCH in locked.text and WAIT in locked.text
    assert 800 < int(locked.headers["Retry-After"]) <= 900
    other = client.application.test_client()
    assert post_sign_in(other, "bob", password, address="198.51.100.21").status_code == 303
    clock.advance(minutes=14)
    assert post_sign_in(client, name, password, address="198.51.100.20").status_code == 429
    clock.advance(minutes=1, seconds=1)
    assert post_sign_in(client, name, password, address="198.51.100.20").status_code == 303


def test_a_sign_in_clears_the_failures_of_the_name_and_the_address(app, editor):
    name, password = editor
    client = app.test_client()
    for _ in range(3):
        post_sign_in(client, name, "wrong password!")
    assert post_sign_in(client, name, password).status_code == 303
    assert stored(app, failures) == []
    other = app.test_client()
    assert [post_sign_in(other, name, "wrong password!").status_code for _ in range(4)] == [401] * 4


def test_refused_attempts_are_not_counted_as_failures(app, client, editor):
    name, _ = editor
    for _ in range(4):
        post_sign_in(client, name, "wrong password!")
    count = len(stored(app, failures))
    for _ in range(3):
        assert post_sign_in(client, name, "wrong password!").status_code == 429
    assert len(stored(app, failures)) == count


def test_sign_ins_log_hash_prefixes_never_the_name_or_password(app, client, editor, caplog):
    caplog.set_level(logging.INFO, logger="comments_api")
    name, password = editor
    post_sign_in(client, name, "wrong password!", address="203.0.113.99")
    post_sign_in(client, name, password, address="203.0.113.99")
    lines = [r.getMessage() for r in caplog.records if "sign-in" in r.getMessage()]
    assert len(lines) == 2
    name_key, address_key = accounts.failure_keys(SECRET, name, "203.0.113.99")
    for line in lines:
        assert name_key[:8] in line and address_key[:8] in line
        assert name not in line.replace(name_key[:8], "").replace(address_key[:8], "")
        assert "203.0.113.99" not in line
    assert password not in caplog.text and "wrong password!" not in caplog.text


# The session cookie -------------------------------------------------------------------------


def live_sign_in(url, name, password, headers=None):
    """Sign in over real HTTP; return the Set-Cookie of the session, and the answer's status."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/desk/sign-in", headers=headers or {})
    form = conn.getresponse()
    page = form.read().decode()
    cookie = form.getheader("Set-Cookie").split(";")[0]
    body = urlencode({"name": name, "password": password, "csrf": TOKEN.search(page)[1]})
    conn.request("POST", "/desk/sign-in", body=body, headers={
        **(headers or {}), "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
    })  # fmt: skip
    answer = conn.getresponse()
    answer.read()
    conn.close()
    cookies = [v for k, v in answer.getheaders() if k.lower() == "set-cookie"]
    return answer.status, next(c for c in cookies if c.startswith("desk_session="))


@pytest.mark.parametrize(
    ("trusted", "proto", "secure"),
    [("", None, False), ("", "https", False), ("127.0.0.1", "https", True),
     ("127.0.0.1", "http", False)],
)  # fmt: skip
def test_the_session_cookie_is_httponly_strict_on_desk_and_secure_under_https(
    make_app, trusted, proto, secure
):
    app = make_app(COMMENTS_TRUSTED_PROXIES=trusted)
    accounts.add_editor(app, "ada", "moderator", "correct horse battery", actor="system:tests")
    headers = {"X-Forwarded-Proto": proto} if proto else {}
    with LiveServer(app) as server:
        status, cookie = live_sign_in(server.url, "ada", "correct horse battery", headers)
    assert status == 303
    flags = [part.strip() for part in cookie.split(";")]
    assert "HttpOnly" in flags and "SameSite=Strict" in flags and "Path=/desk" in flags
    assert ("Secure" in flags) is secure
    token = flags[0].split("=", 1)[1]
    assert len(token) >= 43
    assert stored(app, sessions)[0]["token_hash"] == accounts.token_hash(token)
    assert token not in str(stored(app, sessions))


def test_the_session_names_the_editor_and_its_own_csrf_token(app, signed_in_client, editor):
    answer = signed_in_client.get("/desk/probe")
    assert answer.status_code == 200
    assert answer.json["editor"] == "ada" and answer.json["role"] == "moderator"
    assert answer.json["csrf"] == stored(app, sessions)[0]["csrf"]
    assert len(answer.json["csrf"]) >= 32


# Timeouts -----------------------------------------------------------------------------------


def test_an_idle_session_ends_and_last_use_is_written_once_a_minute(app, signed_in_client, clock):
    seen = stored(app, sessions)[0]["seen"]
    clock.advance(seconds=30)
    assert signed_in_client.get("/desk/probe").status_code == 200
    assert stored(app, sessions)[0]["seen"] == seen
    clock.advance(minutes=29)
    assert signed_in_client.get("/desk/probe").status_code == 200
    assert stored(app, sessions)[0]["seen"] == clock()
    clock.advance(minutes=30)
    assert signed_in_client.get("/desk/probe").status_code == 200
    clock.advance(minutes=30, seconds=1)
    answer = signed_in_client.get("/desk/probe")
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/desk/sign-in?next=")
    assert stored(app, sessions) == []
    assert session_cookie(signed_in_client) is None


def test_idle_minutes_come_from_the_setting(make_app, clock, sign_in):
    app = make_app(COMMENTS_DESK_IDLE_MINUTES="5")
    app.register_blueprint(probe)
    accounts.add_editor(app, "ada", "moderator", "correct horse battery", actor="system:tests")
    client = app.test_client()
    assert sign_in(client, "ada", "correct horse battery").status_code == 303
    clock.advance(minutes=5, seconds=1)
    assert client.get("/desk/probe").status_code == 303


def test_a_busy_session_still_ends_after_twelve_hours(app, signed_in_client, clock):
    for _ in range(24):
        clock.advance(minutes=29)
        assert signed_in_client.get("/desk/probe").status_code == 200
    clock.advance(minutes=25)  # 12 h 01 min since signing in
    assert signed_in_client.get("/desk/probe").status_code == 303


# Signing out and ending sessions ------------------------------------------------------------


def test_signing_out_ends_the_session_at_once(app, signed_in_client):
    token = session_cookie(signed_in_client).value
    csrf = signed_in_client.get("/desk/probe").json["csrf"]
    answer = signed_in_client.post("/desk/sign-out", data={"csrf": csrf})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/desk/sign-in?signed-out=1"
    assert_private(answer)
    assert session_cookie(signed_in_client) is None
    assert stored(app, sessions) == []
    landed = signed_in_client.get(answer.headers["Location"])
    assert "You are signed out." in landed.text
    # The old cookie, sent again, opens nothing.
    replay = app.test_client()
    replay.set_cookie("desk_session", token, path="/desk")
    assert replay.get("/desk/probe").status_code == 303


@pytest.mark.parametrize(
    ("command", "stdin"), [(["remove", "ada"], None), (["password", "ada", "--password-stdin"],
                                                        "a brand new password\n")]
)  # fmt: skip
def test_removing_an_editor_or_changing_the_password_ends_the_session(
    app, signed_in_client, command, stdin
):
    assert signed_in_client.get("/desk/probe").status_code == 200
    result = app.test_cli_runner().invoke(args=["editors", *command], input=stdin)
    assert result.exit_code == 0, result.output
    answer = signed_in_client.get("/desk/probe")
    assert answer.status_code == 303
    assert session_cookie(signed_in_client) is None  # the dead cookie is cleared
    post = signed_in_client.post("/desk/probe", data={"csrf": "anything"})
    assert post.status_code == 401


# CSRF ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [{}, {"csrf": ""}, {"csrf": "wrong-token"}])
def test_a_desk_post_without_the_right_token_is_refused_and_changes_nothing(
    app, signed_in_client, data
):
    answer = signed_in_client.post("/desk/probe", data=data)
    assert answer.status_code == 403
    assert app.config["PROBE_DONE"] == []
    out = signed_in_client.post("/desk/sign-out", data=data)
    assert out.status_code == 403
    assert_private(out)
    assert "Not allowed" in out.text and "Sign in" not in out.text.split("<main", 1)[1]
    assert len(stored(app, sessions)) == 1
    assert signed_in_client.get("/desk/probe").status_code == 200


def test_the_csrf_token_is_taken_from_the_form_or_the_header(app, signed_in_client):
    csrf = signed_in_client.get("/desk/probe").json["csrf"]
    assert signed_in_client.post("/desk/probe", data={"csrf": csrf}).status_code == 200
    answer = signed_in_client.post("/desk/probe", headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200
    assert app.config["PROBE_DONE"] == ["ada", "ada"]


@pytest.mark.parametrize("case", ["missing", "wrong", "no cookie", "other form", "expired"])
def test_the_sign_in_form_is_refused_without_its_own_fresh_token(app, client, editor, clock, case):
    name, password = editor
    token = TOKEN.search(client.get("/desk/sign-in").text)[1]
    data = {"name": name, "password": password, "csrf": token}
    if case == "missing":
        del data["csrf"]
    elif case == "wrong":
        data["csrf"] = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    elif case == "no cookie":
        client.delete_cookie("desk_signin", path="/desk")
    elif case == "other form":
        data["csrf"] = TOKEN.search(app.test_client().get("/desk/sign-in").text)[1]
    else:
        clock.advance(minutes=61)
    answer = client.post("/desk/sign-in", data=data)
    assert answer.status_code == 403
    assert "expired" in answer.text
    assert 'value="ada"' in answer.text and password not in answer.text
    assert session_cookie(client) is None
    assert stored(app, sessions) == [] and stored(app, failures) == []


def test_a_sign_in_from_a_foreign_origin_is_refused(client, editor):
    name, password = editor
    token = TOKEN.search(client.get("/desk/sign-in").text)[1]
    answer = client.post(
        "/desk/sign-in",
        data={"name": name, "password": password, "csrf": token},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403
    assert session_cookie(client) is None
    assert_private(answer)


# Where a sign-in leads ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/desk/", "//evil.example/desk/", "/\\evil.example", "\\\\evil.example",
     "/desk/../api/comments", "/desk/%2e%2e/api", "/api/comments", "javascript:alert(1)",
     "http:/desk/", "/desk\n/x", "", "/deskx", "/desk/sign-in"],
)  # fmt: skip
def test_next_never_leads_off_the_desk(client, editor, next_url):
    answer = post_sign_in(client, *editor, next_url=next_url)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/desk/"


def test_next_leads_back_to_the_desk_page_asked_for(client, editor):
    answer = client.get("/desk/probe?tab=spam&page=2")
    assert answer.status_code == 303
    location = answer.headers["Location"]
    path, _, query = location.partition("?")
    assert path == "/desk/sign-in"
    assert parse_qs(query) == {"next": ["/desk/probe?tab=spam&page=2"]}
    form = client.get(location)
    assert 'name="next" value="/desk/probe?tab=spam&amp;page=2"' in form.text
    signed = post_sign_in(client, *editor, next_url="/desk/probe?tab=spam&page=2")
    assert signed.headers["Location"] == "/desk/probe?tab=spam&page=2"
    assert client.get(signed.headers["Location"]).status_code == 200


# The guard ----------------------------------------------------------------------------------


def test_a_signed_out_post_gets_401_and_a_page_without_data(app, client):
    answer = client.post("/desk/probe", data={"csrf": "x"})
    assert answer.status_code == 401
    assert answer.mimetype == "text/html"
    assert "not signed in" in answer.text
    assert_private(answer)
    assert app.config["PROBE_DONE"] == []
    assert client.head("/desk/probe").status_code == 303


def test_roles_guard_the_admin_pages(app, make_editor, sign_in):
    moderator, admin = app.test_client(), app.test_client()
    sign_in(moderator, *make_editor("mod", "moderator"))
    sign_in(admin, *make_editor("boss", "admin"))
    refused = moderator.get("/desk/admin-probe")
    assert refused.status_code == 403
    assert "for admins only" in refused.text
    assert_private(refused)
    assert admin.get("/desk/admin-probe").status_code == 200
    assert admin.get("/desk/probe").status_code == 200


def test_every_answer_of_the_sign_in_blueprint_is_private(app, client, editor, clock):
    name, password = editor
    answers = [client.get("/desk/sign-in"), client.get("/desk/probe")]
    answers += [post_sign_in(client, name, "wrong password!") for _ in range(5)]
    answers.append(client.post("/desk/sign-in", data={}))
    answers.append(client.post("/desk/probe"))
    clock.advance(minutes=1)
    answers.append(post_sign_in(client, name, password))
    answers.append(client.get("/desk/sign-in"))
    answers.append(client.post("/desk/sign-out", data={}))
    answers.append(
        client.post("/desk/sign-out", data={"csrf": client.get("/desk/probe").json["csrf"]})
    )
    answers.append(client.post("/desk/sign-out"))
    statuses = sorted({a.status_code for a in answers})
    assert statuses == [200, 303, 401, 403, 429]
    for answer in answers:
        assert_private(answer)


# In a browser -------------------------------------------------------------------------------

AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def desk_site(tmp_path):
    from comments_api.web.site import create_site_app

    output = tmp_path / "output"
    write_manifest(output / "comments" / "threads.json", site_url="")
    (output / "theme" / "css").mkdir(parents=True)
    for sheet in ("site.css", "desk.css"):
        if (ROOT / "theme" / "static" / "css" / sheet).exists():
            shutil.copy(ROOT / "theme" / "static" / "css" / sheet, output / "theme" / "css")
    config = {
        "COMMENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
        "COMMENTS_SECRET_KEY": SECRET,
        **LIMITS_OFF,
        **MODERATION_OFF,
    }
    site = create_site_app(Path(output), config)
    site.api.config["PROBE_DONE"] = []
    site.api.register_blueprint(probe)
    accounts.add_editor(site.api, "ada", "moderator", "correct horse battery", actor="system:t")
    with LiveServer(site) as server:
        yield server.url


def axe_violations(page):
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )


@pytest.mark.browser
def test_sign_in_works_without_javascript_and_the_pages_are_axe_clean(browser, desk_site):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{desk_site}/desk/probe")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the desk")
    page.get_by_label("Name").fill("ada")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(NO_MATCH)
    expect(page.get_by_label("Name")).to_have_value("ada")
    expect(page.get_by_label("Password")).to_have_value("")
    context.close()
    scripted = browser.new_page()
    scripted.goto(f"{desk_site}/desk/sign-in")
    assert axe_violations(scripted) == []
    scripted.get_by_label("Name").fill("ada")
    scripted.get_by_label("Password").fill("not the password")
    scripted.get_by_role("button", name="Sign in").click()
    expect(scripted.get_by_role("alert")).to_have_text(NO_MATCH)
    assert axe_violations(scripted) == []
    scripted.get_by_label("Password").fill("correct horse battery")
    scripted.get_by_role("button", name="Sign in").click()
    expect(scripted).to_have_url(f"{desk_site}/desk/")
    scripted.close()

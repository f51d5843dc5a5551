"""The production set-up of deploy/ and docs/deploy.md, with the real parts.

The sample site is built with the documented command (through comments-run, with
publishconf.py); gunicorn and the page worker are started from the shipped systemd units'
own command lines; nginx runs the shipped site file, rendered by deploy/render.py for free
ports and temporary folders. Editors act through comments-run and the real CLI.
"""

from __future__ import annotations

import gzip
import json
import os
import pwd
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from comments_api import create_app
from comments_api.actions.commenter import FLOOD_MESSAGE, please_wait
from comments_api.core.keys import address_hash
from comments_api.extensions import PAGES, get_db
from comments_api.settings import SETTINGS
from comments_api.store import queries
from comments_api.web.headers import SECURITY_HEADERS
from tests.deploy_support import (
    DEPLOY,
    NGINX,
    Answer,
    Nginx,
    Process,
    read_unit,
    render,
    request,
    self_signed_cert,
    start_unit,
    unit_process,
    wait_until,
)
from tests.support import (
    LIMITS_OFF,
    ROOT,
    SLOW_HEADER,
    SLOW_POST_HEAD,
    THREAD,
    Drip,
    PostgresCluster,
    comment,
    free_port,
    pg_bin,
    run_flask,
    write_manifest,
)

SECRET = "deploy-test-secret-key-0123456789"
ARTICLE = f"/{THREAD}.html"
USER = pwd.getpwuid(os.geteuid()).pw_name
DOCS = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")


@dataclass
class Stack:
    """The site as production runs it: nginx in front, gunicorn and the page worker behind."""

    url: str  # nginx
    port: int
    api: str  # gunicorn itself
    api_port: int
    tmp: Path
    values: dict[str, str]  # what render.py filled in
    site: Path
    run: Path  # comments-run
    logs: Path
    nginx_logs: Path

    def comments_run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run `comments-run ARGS`, as the docs tell editors and operators to."""
        done = subprocess.run(
            [str(self.run), *args], capture_output=True, text=True, timeout=120,
            env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8"},
        )  # fmt: skip
        if check:
            assert done.returncode == 0, done.stderr
        return done


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    """Lay out the production folders in tmp, build, start the units and nginx."""
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    tmp = tmp_path_factory.mktemp("deploy")
    port, api_port = free_port(), free_port()
    folders = {name: tmp / name for name in ("state", "logs", "nginx-logs", "etc", "bin")}
    for folder in folders.values():
        folder.mkdir()
    values = {
        "SERVER_NAME": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECRET_KEY": SECRET,
        "USER": USER,
        "APP_DIR": str(ROOT),
        "VENV": sys.prefix,
        "SITE_DIR": str(tmp / "site"),
        "STATE_DIR": str(folders["state"]),
        "LOG_DIR": str(folders["logs"]),
        "ENV_FILE": str(folders["etc"] / "env"),
        "UPSTREAM": f"127.0.0.1:{api_port}",
        "WORKERS": "2",
        "HTTP_LISTEN": f"127.0.0.1:{port}",
        "NGINX_LOG_DIR": str(folders["nginx-logs"]),
    }
    Path(values["ENV_FILE"]).write_text(render("comments-api.env", values))
    run = folders["bin"] / "comments-run"
    run.write_text(render("bin/comments-run", values))
    run.chmod(0o755)
    stack = Stack(
        f"http://127.0.0.1:{port}", port, f"http://127.0.0.1:{api_port}", api_port, tmp, values,
        tmp / "site", run, folders["logs"], folders["nginx-logs"],
    )  # fmt: skip
    stack.comments_run(
        "pelican", str(ROOT / "content"), "-s", str(ROOT / "publishconf.py"),
        "-o", values["SITE_DIR"], "--cache-path", str(folders["state"] / "cache"),
    )  # fmt: skip
    started: list[Process] = []
    try:
        api = unit_process(render("systemd/comments-api.service", values))
        started.append(start_unit(api, tmp / "api.log", health=f"{stack.api}/api/health"))
        pages = unit_process(render("systemd/comments-pages.service", values))
        started.append(start_unit(pages, tmp / "pages.log"))
        site = render("nginx/comments-site.conf", values, tls=False)
        with Nginx(tmp / "nginx", site, wait_url=stack.url + "/"):
            yield stack
    finally:
        for process in reversed(started):
            process.stop()


def post_json(stack: Stack, source: str, url: str | None = None, **fields) -> Answer:
    """Post a JSON comment from loopback address `source` through nginx."""
    body = json.dumps(comment(**fields)).encode()
    return request(url or stack.url, "POST", "/api/comments", body=body, source=source,
                   headers={"Content-Type": "application/json"})  # fmt: skip


def unique(text: str) -> str:
    """Return `text` made unique, so no test's comment is another's duplicate."""
    return f"{text} {uuid.uuid4().hex[:12]}"


# The configuration files ---------------------------------------------------------------


TEMPLATES = [
    "nginx/comments-site.conf",
    "systemd/comments-api.service",
    "systemd/comments-pages.service",
    "logrotate/comments-site",
    "comments-api.env",
    "bin/comments-run",
]


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_with_the_documented_values(template):
    text = render(template, {"SERVER_NAME": "news.example.org", "SECRET_KEY": SECRET})
    assert re.findall(r"@[A-Z][A-Z0-9_]*@", text) == []
    assert "/srv/newsroom" in text or "/var/log" in text
    assert f"deploy/{template}" in DOCS, f"docs/deploy.md never names deploy/{template}"


def test_render_names_a_missing_value():
    done = subprocess.run(
        [sys.executable, str(DEPLOY / "render.py"), str(DEPLOY / "nginx/comments-site.conf")],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 2 and "SERVER_NAME=" in done.stderr


def test_docs_name_only_real_settings():
    named = set(re.findall(r"\bCOMMENTS_[A-Z_]+\b", DOCS))
    named |= set(re.findall(r"\bCOMMENTS_[A-Z_]+\b", (DEPLOY / "comments-api.env").read_text()))
    assert named - {s.name for s in SETTINGS} == set()
    for setting in ("COMMENTS_TRUSTED_PROXIES=127.0.0.1", "COMMENTS_PAGE_WORKER=off"):
        assert setting in DOCS


UNITS = ["comments-api", "comments-pages"]


@pytest.mark.parametrize("name", UNITS)
def test_units_run_the_right_program_hardened(name):
    text = render(f"systemd/{name}.service", {"VENV": sys.prefix})
    unit = read_unit(text)
    assert set(unit) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    for key, value in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                       ("PrivateTmp", "yes"), ("Restart", "on-failure"), ("User", "comments"),
                       ("EnvironmentFile", "/etc/comments-api/env"),
                       ("Environment", "COMMENTS_PAGE_WORKER=off")]:  # fmt: skip
        assert service[key] == [value], key
    writable = service["ReadWritePaths"][0].split()
    assert "/var/lib/comments-api" in writable
    # Only the page worker writes the built site.
    assert ("/srv/newsroom/site" in writable) == (name == "comments-pages")
    program = unit_process(text, env_files=False).argv
    assert os.access(program[0], os.X_OK), program
    if name == "comments-api":
        assert program[-1] == "comments_api:create_app()"  # the API alone: nginx serves pages
    else:
        assert program[1:] == ["update-pages"]
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


@pytest.mark.parametrize("name", UNITS)
def test_units_pass_systemd_analyze_verify(name, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    path = tmp_path / f"{name}.service"
    path.write_text(render(f"systemd/{name}.service", {"VENV": sys.prefix}))
    done = subprocess.run([analyze, "verify", str(path)], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert (done.returncode, done.stderr.strip()) == (0, "")


def test_logrotate_rotates_every_log(tmp_path):
    logrotate = shutil.which("logrotate") or "/usr/sbin/logrotate"
    if not os.access(logrotate, os.X_OK):
        pytest.skip("logrotate is not installed (apt-get install logrotate)")
    nginx_logs, service_logs = tmp_path / "nginx", tmp_path / "service"
    names = [nginx_logs / "access.log", nginx_logs / "error.log",
             service_logs / "gunicorn.log", service_logs / "pages.log"]  # fmt: skip
    for path in names:
        path.parent.mkdir(exist_ok=True)
        path.write_text("a line\n")
    conf = tmp_path / "comments-site"
    conf.write_text(render("logrotate/comments-site", {
        "NGINX_LOG_DIR": str(nginx_logs), "LOG_DIR": str(service_logs), "USER": USER}))  # fmt: skip
    # -d: only say what would be done (no postrotate runs); -f: as if every log were due.
    done = subprocess.run([logrotate, "-d", "-f", "-s", str(tmp_path / "state"), str(conf)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "error:" not in output, output
    for path in names:
        assert f"renaming {path} to {path}.1" in output or f"copying {path} to {path}.1" in output
    assert f"truncating {service_logs / 'pages.log'}" in output


# nginx in front ------------------------------------------------------------------------


def test_pages_are_served_with_caching_gzip_and_the_security_headers(stack):
    page = request(stack.url, path=ARTICLE, headers={"Accept-Encoding": "gzip"})
    assert page.status == 200
    assert page.header("Content-Encoding") == "gzip" and "Accept-Encoding" in page.header("Vary")
    html = gzip.decompress(page.body).decode()
    assert "<!--comments:begin-->" in html and page.header("Content-Type") == (
        "text/html; charset=utf-8"
    )
    assert page.header("Cache-Control") == "no-cache" and page.header("ETag")
    for name, value in SECURITY_HEADERS.items():
        assert page.header(name) == value, name
    plain = request(stack.url, path=ARTICLE)
    assert "Content-Encoding" not in plain.headers and plain.body.decode() == html
    again = request(stack.url, path=ARTICLE, headers={"If-None-Match": plain.header("ETag")})
    assert again.status == 304

    css = request(stack.url, path="/theme/css/site.css", headers={"Accept-Encoding": "gzip"})
    assert (css.status, css.header("Content-Encoding")) == (200, "gzip")
    assert css.header("Cache-Control") == "public, max-age=3600"
    image = next((stack.site / "images").glob("*.svg")).name
    assert request(stack.url, path=f"/images/{image}").header("Cache-Control") == (
        "public, max-age=86400"
    )
    # A page being written (a dot file), a folder without index.html and a page that is not
    # there are all the site's 404 page.
    (stack.site / ".rebake-probe.html").write_text("half a page")
    for path in ("/.rebake-probe.html", "/category/", "/no-such-page.html"):
        missing = request(stack.url, path=path)
        assert missing.status == 404 and b"<html" in missing.body, path
        assert (
            missing.header("Content-Security-Policy") == SECURITY_HEADERS["Content-Security-Policy"]
        )
    # The API's answers keep the service's own headers, each once.
    health = request(stack.url, path="/api/health")
    assert health.status == 200 and json.loads(health.body)["status"] == "ok"
    assert [n.lower() for n, _ in health.raw].count("x-frame-options") == 1
    # gunicorn serves the API alone: the pages come from nginx.
    assert request(stack.api, path=ARTICLE).status == 404


def test_the_commenters_journey_through_nginx(stack):
    form = request(stack.url, path=ARTICLE).body.decode()
    assert 'action="/api/comments"' in form and f'name="thread" value="{THREAD}"' in form
    body = unique("Seen from the harbour wall, the convoy was longer than reported.")
    email = f"reader-{uuid.uuid4().hex[:8]}@example.org"
    fields = {"thread": THREAD, "parent": "", "author": "Nadia Reader", "email": email,
              "url": "", "body": body, "website_confirm": ""}  # fmt: skip
    posted = request(
        stack.url, "POST", "/api/comments?from=form",
        body=urllib.parse.urlencode(fields).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": stack.url},
    )  # fmt: skip
    assert posted.status == 303, posted.body
    # A held comment leads its author to their own page, where they may change it.
    assert re.fullmatch(r"/api/comments/\d+/own", posted.header("Location") or "")

    listed = json.loads(stack.comments_run("comments-api", "comments", "list", "--status",
                                           "pending", "--json").stdout)  # fmt: skip
    [held] = [c for c in listed if c["body"] == body]
    stack.comments_run("comments-api", "comments", "approve", str(held["id"]))

    def shown() -> bool:
        page = request(stack.url, path=ARTICLE).body.decode()
        return f'id="comment-{held["id"]}"' in page and body in page

    assert wait_until(shown, timeout=15), (
        "the approved comment never reached the static page; the page worker said:\n"
        + (stack.logs / "pages.log").read_text()[-2000:]
    )
    # Neither the comment nor its email is in any log; the access log has neither query
    # strings nor client addresses.
    logs = "".join(p.read_text() for p in [*stack.logs.iterdir(), *stack.nginx_logs.iterdir()])
    assert body not in logs and email not in logs
    access = (stack.nginx_logs / "access.log").read_text()
    assert '"POST /api/comments HTTP/1.1" 303' in access
    assert "from=form" not in access and "127.0.0.1" not in access


def test_slow_clients_are_held_off_by_nginx(stack):
    stop = threading.Event()
    header, post = SLOW_HEADER, SLOW_POST_HEAD
    drips: list[Drip] = []
    try:
        # Without nginx, two slow clients take both of gunicorn's sync workers.
        direct = [Drip(stack.api_port, b"", header, stop) for _ in range(2)]
        drips += direct
        for drip in direct:
            drip.start()
        time.sleep(0.5)
        with pytest.raises(TimeoutError):
            request(stack.api, path="/api/health", timeout=3)
        for drip in direct:
            drip.close()
        assert request(stack.api, path="/api/health").status == 200

        heads = [Drip(stack.port, b"", header, stop) for _ in range(30)]
        bodies = [Drip(stack.port, post, b'{"body": "' + b"b" * 39000, stop) for _ in range(12)]
        drips += heads + bodies
        started = time.monotonic()
        for drip in heads + bodies:
            drip.start()
        time.sleep(1.5)
        for _ in range(5):
            assert request(stack.url, path="/api/health", timeout=5).status == 200
            assert request(stack.url, path=ARTICLE, timeout=5).status == 200
        body = unique("Posted past the slow clients.")
        posted = post_json(stack, "127.0.0.5", body=body, email="past.slow@example.org")
        assert posted.status == 201, posted.body
        # The outer guard: ten unfinished writes from one address at a time, no more.
        answers = [drip.answered() for drip in bodies]
        refused = [a for a in answers if a and a.startswith(b"HTTP/1.1 429")]
        assert (len(refused), answers.count(None)) == (2, 10)
        held = [drip for drip, answer in zip(bodies, answers, strict=True) if answer is None]
        # nginx drops a header that takes longer than 10 s (client_header_timeout).
        assert wait_until(lambda: all(d.answered() == b"" for d in heads), timeout=20)
        assert time.monotonic() - started > 9
        # A body that keeps coming, however slowly, is waited for (by nginx alone).
        assert [drip.answered() for drip in held] == [None] * len(held)
    finally:
        stop.set()
        for drip in drips:
            drip.join(3)
            drip.close()
    assert request(stack.api, path="/api/health").status == 200


def test_the_desk_is_proxied_to_the_service_and_never_cached(stack):
    desk = request(stack.url, path="/desk/pending")
    assert desk.status == 303 and "/desk/sign-in" in desk.header("Location")
    page = request(stack.url, path="/desk/sign-in")
    assert page.status == 200 and b'name="password"' in page.body
    assert page.header("Cache-Control") == "no-store"
    assert "noindex" in page.header("X-Robots-Tag")
    assert "default-src 'self'" in page.header("Content-Security-Policy")
    refused = request(stack.url, "POST", "/desk/sign-in", body=b"name=x&password=y",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert refused.status in (400, 403) and refused.header("Cache-Control") == "no-store"


def test_moved_addresses_answer_301_through_nginx(stack):
    # content/extra/redirects.json: the sample site's old WordPress addresses.
    for old in ("/2024/12/05/rebels-capture-hama/", "/?p=101"):
        moved = request(stack.url, path=old)
        assert moved.status == 301, old
        assert moved.header("Location").endswith("/rebels-capture-hama.html")
    assert request(stack.url, path="/?p=999").status == 200  # the front page, as before
    assert request(stack.url, path="/rebels-capture-hama.html").status == 200


def test_the_client_is_the_address_nginx_saw(stack):
    # nginx replaces X-Forwarded-For with the address it saw, and the service believes it
    # from nginx (COMMENTS_TRUSTED_PROXIES=127.0.0.1): a reader cannot pass for another.
    posted = request(
        stack.url, "POST", "/api/comments", source="127.0.0.2",
        body=json.dumps(comment(body=unique("First word."), email="one@example.org")).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": "198.51.100.1"},
    )  # fmt: skip
    assert posted.status == 201, posted.body
    assert "Secure" not in posted.header("Set-Cookie")  # plain http here; see the TLS test
    spoofed = request(
        stack.url, "POST", "/api/comments", source="127.0.0.2",
        body=json.dumps(comment(body=unique("Second word."), email="two@example.org")).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": "198.51.100.2"},
    )  # fmt: skip
    wait = int(spoofed.header("Retry-After"))
    assert spoofed.status == 429
    assert json.loads(spoofed.body)["error"] == f"{FLOOD_MESSAGE} {please_wait(wait)}"
    # Another reader behind the same nginx is counted on their own.
    other = post_json(stack, "127.0.0.3", body=unique("Another reader."), email="o@example.org")
    assert other.status == 201, other.body
    # The store keeps each comment under the keyed hash of the reader's own address.
    ids = [json.loads(answer.body)["id"] for answer in (posted, other)]
    store = sqlite3.connect(stack.tmp / "state" / "comments.db")
    try:
        query = "SELECT address_hash FROM comments WHERE id = ?"
        stored = [store.execute(query, (i,)).fetchone()[0] for i in ids]
    finally:
        store.close()
    assert stored == [address_hash(SECRET, reader) for reader in ("127.0.0.2", "127.0.0.3")]


def test_tls_site_with_the_shipped_config(stack, tmp_path):
    pair = self_signed_cert(tmp_path)
    if pair is None:
        pytest.skip("openssl is not installed: the TLS server was not checked")
    http_port, https_port = free_port(), free_port()
    acme = tmp_path / "acme"
    (acme / ".well-known" / "acme-challenge").mkdir(parents=True)
    (acme / ".well-known" / "acme-challenge" / "token-1").write_text("token-1.key\n")
    values = {**stack.values, "HTTP_LISTEN": f"127.0.0.1:{http_port}",
              "HTTPS_LISTEN": f"127.0.0.1:{https_port}", "TLS_CERT": str(pair[0]),
              "TLS_KEY": str(pair[1]), "ACME_DIR": str(acme),
              "NGINX_LOG_DIR": str(tmp_path)}  # fmt: skip
    site = render("nginx/comments-site.conf", values)
    https = f"https://127.0.0.1:{https_port}"
    with Nginx(tmp_path / "nginx", site) as nginx:
        assert nginx.check().returncode == 0
        plain = f"http://127.0.0.1:{http_port}"
        wait_until(lambda: _answers(plain), timeout=10)
        moved = request(plain, path=f"{ARTICLE}?x=1")
        assert (moved.status, moved.header("Location")) == (301, f"https://127.0.0.1{ARTICLE}?x=1")
        challenge = request(plain, path="/.well-known/acme-challenge/token-1")
        assert (challenge.status, challenge.body) == (200, b"token-1.key\n")

        page = request(https, path=ARTICLE)
        assert page.status == 200 and b"<!--comments:begin-->" in page.body
        assert page.header("Strict-Transport-Security") == "max-age=31536000"
        for name, value in SECURITY_HEADERS.items():
            assert page.header(name) == value, name
        # Through https the service's cookies are Secure (X-Forwarded-Proto from nginx).
        posted = post_json(stack, "127.0.0.4", url=https, body=unique("Over TLS."),
                           email="tls@example.org")  # fmt: skip
        assert posted.status == 201, posted.body
        cookies = posted.header("Set-Cookie").split("\n")
        assert cookies and all("Secure" in c and "HttpOnly" in c for c in cookies), cookies
        assert posted.header("Strict-Transport-Security") == "max-age=31536000"


def _answers(url: str) -> bool:
    try:
        request(url, path="/", timeout=2)
        return True
    except OSError:
        return False


# Backups -------------------------------------------------------------------------------


def test_backup_and_restore_of_the_live_sqlite_store(stack):
    body = unique("Kept through a restore.")
    assert post_json(stack, "127.0.0.6", body=body, email="kept@example.org").status == 201
    # While gunicorn and the page worker hold the store open, WAL and all.
    made = stack.comments_run("python", str(DEPLOY / "backup.py"), "backup",
                              str(stack.tmp / "backups"), "--keep", "3")  # fmt: skip
    folder = Path(made.stdout.strip())
    about = json.loads((folder / "backup.json").read_text())
    assert about["store"] == "sqlite" and about["comments"] >= 1
    assert set(about["files"]) == {"store.sqlite3", "env"}
    assert oct(folder.stat().st_mode & 0o777) == "0o700"

    restored = f"sqlite:///{stack.tmp / 'restored' / 'comments.db'}"
    stack.comments_run("python", str(DEPLOY / "backup.py"), "restore", str(folder),
                       "--database-url", restored)  # fmt: skip
    listed = run_flask("comments", "list", "--json", env={
        "COMMENTS_DATABASE_URL": restored, "COMMENTS_SECRET_KEY": SECRET,
        "COMMENTS_SITE_DIR": str(stack.site)})  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert body in [c["body"] for c in json.loads(listed.stdout)]
    again = stack.comments_run("python", str(DEPLOY / "backup.py"), "restore", str(folder),
                               "--database-url", restored, check=False)  # fmt: skip
    assert again.returncode == 1 and "--force" in again.stderr


@pytest.mark.postgres
def test_backup_and_restore_of_a_postgresql_store(tmp_path):
    if pg_bin() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    manifest = write_manifest(tmp_path / "site" / "comments" / "threads.json")
    env = {**os.environ, "PATH": f"{pg_bin()}:{os.environ['PATH']}", "ENV_FILE": "/nonexistent"}
    body = unique("Kept in PostgreSQL.")
    with PostgresCluster() as url:
        settings = {"COMMENTS_SECRET_KEY": SECRET, "COMMENTS_DATABASE_URL": url,
                    "COMMENTS_MANIFEST": manifest, "COMMENTS_PAGE_WORKER": "off",
                    **LIMITS_OFF}  # fmt: skip
        app = create_app(settings)
        assert app.test_client().post("/api/comments", json=comment(body=body)).status_code == 201
        get_db(app).dispose()
        done = subprocess.run(
            [sys.executable, str(DEPLOY / "backup.py"), "backup", str(tmp_path / "backups"),
             "--database-url", url], env=env, cwd=tmp_path, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        folder = Path(done.stdout.strip())
        assert json.loads((folder / "backup.json").read_text())["files"] == ["store.pgdump"]

        import psycopg

        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("CREATE DATABASE comments_restored")
        restored = url.rsplit("/", 1)[0] + "/comments_restored"
        done = subprocess.run(
            [sys.executable, str(DEPLOY / "backup.py"), "restore", str(folder),
             "--database-url", restored], env=env, cwd=tmp_path, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        app = create_app({**settings, "COMMENTS_DATABASE_URL": restored})
        with get_db(app).read() as conn:
            assert body in [row["body"] for row in queries.list_comments(conn)]
        get_db(app).dispose()


# Beyond one machine ---------------------------------------------------------------------


def test_the_rsync_hook_builds_its_command():
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("rsync_page", DEPLOY / "hooks" / "rsync_page.py")
    hook = module_from_spec(spec)
    spec.loader.exec_module(hook)
    assert hook.rsync_command(Path("/srv/newsroom/site"), "world/story.html",
                              "web1.example.org:/srv/newsroom/site/") == [
        "rsync", "--relative", "--times", "--perms", "--chmod=F644", "--timeout=30",
        "--rsh", "ssh -o BatchMode=yes -o ConnectTimeout=10",
        "/srv/newsroom/site/./world/story.html", "web1.example.org:/srv/newsroom/site/",
    ]  # fmt: skip


def test_the_rsync_hook_copies_the_updated_page(stack, tmp_path, monkeypatch):
    if shutil.which("rsync") is None:
        pytest.skip("rsync is not installed (apt-get install rsync)")
    site = tmp_path / "site"
    shutil.copytree(stack.site, site, ignore=shutil.ignore_patterns(".*"))
    web = tmp_path / "web"
    web.mkdir()
    # As the env file of docs/deploy.md sets it up: the hook's folder on the import path.
    monkeypatch.syspath_prepend(str(DEPLOY / "hooks"))
    monkeypatch.setenv("PUBLISH_RSYNC_TARGETS", f"{web}/")
    app = create_app({
        "COMMENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'comments.db'}",
        "COMMENTS_SECRET_KEY": SECRET, "COMMENTS_SITE_DIR": site,
        "COMMENTS_TEMPLATES": str(ROOT / "theme" / "templates"),
        "COMMENTS_ON_PUBLISH": "rsync_page:push_page", "COMMENTS_PAGE_WORKER": "off",
        "COMMENTS_MODERATION": "none", **LIMITS_OFF,
    })  # fmt: skip
    body = unique("Copied to the web servers.")
    assert app.test_client().post("/api/comments", json=comment(body=body)).status_code == 201
    worker = app.extensions[PAGES]
    assert worker.run_pending(app) == 1
    copied = web / f"{THREAD}.html"
    assert body in copied.read_text() and copied.read_bytes() == (site / copied.name).read_bytes()
    assert copied.stat().st_mtime == (site / copied.name).stat().st_mtime  # one ETag everywhere

    # A web server that cannot be reached keeps the page stale, to be tried again.
    monkeypatch.setenv("PUBLISH_RSYNC_TARGETS", "web9.invalid:/srv/newsroom/site/")
    monkeypatch.setenv("PUBLISH_RSYNC_SSH", "false")
    assert (
        app.test_client().post("/api/comments", json=comment(body=unique("Two"))).status_code == 201
    )
    assert worker.run_pending(app) == 0
    with get_db(app).read() as conn:
        assert [thread for thread, _ in queries.stale_pages(conn)] == [THREAD]
    get_db(app).dispose()

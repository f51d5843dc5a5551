"""The page-update queue (actions/page_worker.py) as its users meet it: real HTTP servers, a
built sample site, real SQLite files, child processes, and PostgreSQL with Redis for two hosts.

A published comment is answered first and shown on the static page after; the pages to redo
are kept in the store, so a crash loses none; a burst gives few updates; every writer reads
the comments under the page lock; a failing update is tried again later.
"""

from __future__ import annotations

import fcntl
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from comments_api import create_app
from comments_api.actions.page_worker import RETRY_FIRST, WORKER_LOCK
from comments_api.bake.page_update import PageUpdateError, page_lock, update_page
from comments_api.extensions import get_db, get_page_worker
from comments_api.store import queries
from comments_api.web import writing
from comments_api.web.site import create_site_app
from tests.conftest import build_site
from tests.redis_support import RedisServer, post, redis_bin, redis_settings
from tests.support import (
    LIMITS_OFF,
    MODERATION_OFF,
    ROOT,
    SECRET,
    THREAD,
    Gunicorn,
    LiveServer,
    comment,
)

OTHER = "tervana-delta-floods"  # a second comment-enabled article of the sample site
# The editors' and the page worker's commands: the console script, and the same through flask.
COMMENTS_API = (str(Path(sys.executable).with_name("comments-api")),)
FLASK = (sys.executable, "-m", "flask", "--app", "comments_api")
TEMPLATES = str(ROOT / "theme" / "templates")
SHOWN = re.compile(r'id="comment-(\d+)"')


# The site, the service and what a reader sees -------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Return one build of the sample site, made before any comment exists."""
    root = tmp_path_factory.mktemp("queue-build")
    return build_site(root / "output", COMMENTS_DATABASE_URL=f"sqlite:///{root / 'none.db'}")


@pytest.fixture
def site(built, tmp_path) -> Path:
    """Return this test's own copy of the built site (its pages get rewritten)."""
    return Path(shutil.copytree(built, tmp_path / "site"))


@pytest.fixture
def store(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'comments.db'}"


def service_settings(site: Path, store: str, **changes: Any) -> dict[str, Any]:
    """Return the settings of a service on `site` and `store` (text, as the environment gives
    them), moderation and limits off unless `changes` say otherwise."""
    return {
        "COMMENTS_DATABASE_URL": store,
        "COMMENTS_SECRET_KEY": SECRET,
        "COMMENTS_SITE_DIR": str(site),
        "COMMENTS_MANIFEST": str(site / "comments" / "threads.json"),
        "COMMENTS_TEMPLATES": TEMPLATES,
        **LIMITS_OFF,
        **MODERATION_OFF,
        **changes,
    }


@contextmanager
def service(site: Path, store: str, **changes: Any) -> Iterator[tuple[str, Any]]:
    """Serve the site and its comment service over HTTP; yield the address and the API app."""
    site_app = create_site_app(site, service_settings(site, store, **changes))
    try:
        with LiveServer(site_app) as server:
            yield server.url, site_app.api
    finally:
        get_page_worker(site_app.api).stop()
        get_db(site_app.api).dispose()


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read().decode("utf-8")


def form_post(url: str, fields: dict) -> tuple[int, str]:
    """Post `fields` as a browser without JavaScript does; return the status and Location."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=20)
    try:
        conn.request("POST", "/api/comments", body=urllib.parse.urlencode(fields),
                     headers={"Content-Type": "application/x-www-form-urlencoded",
                              "Origin": url})  # fmt: skip
        answer = conn.getresponse()
        answer.read()
        return answer.status, answer.getheader("Location") or ""
    finally:
        conn.close()


def shown_ids(html: str) -> list[int]:
    """Return the ids of the comments a page shows, in page order."""
    return [int(n) for n in SHOWN.findall(html)]


def on_disk(site: Path, thread: str) -> list[int]:
    return shown_ids((site / f"{thread}.html").read_text(encoding="utf-8"))


def eventually(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Return check()'s first true value within `timeout` seconds (else its last value)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def publish(base: str, body: str, thread: str = THREAD, *, form: bool = False) -> int:
    """Post a comment over HTTP as a script does (201) and return its id."""
    status, _, text = post(base, "198.51.100.1", form=form, thread=thread, body=body)
    assert status == 201, text
    return json.loads(text)["id"]


def stale(app) -> list[str]:
    with get_db(app).read() as conn:
        return [thread for thread, _ in queries.stale_pages(conn)]


def cli_env(settings: dict[str, Any], **changes: str) -> dict[str, str]:
    """Return the environment of a child process with these settings, and no other COMMENTS_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTS_")}
    return {**env, **{k: str(v) for k, v in {**settings, **changes}.items()}}


def comments_api(
    *args: str, env: dict[str, str], cwd: Path = ROOT, program: tuple[str, ...] = COMMENTS_API
) -> subprocess.CompletedProcess:
    """Run `comments-api ...` (or the same command through `program`) and return its result."""
    return subprocess.run(
        [*program, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


# 1. Answered before the page is updated ------------------------------------------------------


@pytest.mark.parametrize("program", [COMMENTS_API, FLASK], ids=["comments-api", "flask"])
def test_the_answer_comes_before_the_page_update_which_update_pages_does(site, store, program):
    with service(site, store, COMMENTS_PAGE_WORKER="off") as (url, app):
        comment_id = publish(url, "Answered at once, shown later.")
        # The answer did not wait for the page, and no worker of this service touches it.
        time.sleep(0.5)
        assert comment_id not in shown_ids(fetch(f"{url}/{THREAD}.html"))
        assert stale(app) == [THREAD]

        env = cli_env(service_settings(site, store))
        done = comments_api("update-pages", "--once", env=env, program=program)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "Updated 1 pages."
        page = fetch(f"{url}/{THREAD}.html")
        assert shown_ids(page) == [comment_id]
        assert "Answered at once, shown later." in page
        assert stale(app) == []


# 2. Durable across a crash -------------------------------------------------------------------

STALLING_HOOK = '''
"""Takes the page lock, says so, and never finishes: a worker to kill mid-update."""
import os
import pathlib
import time

from comments_api.bake.page_update import page_lock


def hook(app, thread):
    with page_lock(app.config["COMMENTS_SITE_DIR"]):
        pathlib.Path(os.environ["STALL_MARK"]).write_text(thread)
        time.sleep(600)
'''


def test_pages_left_stale_by_a_killed_worker_are_updated_when_a_worker_starts(
    site, store, tmp_path
):
    with service(site, store, COMMENTS_PAGE_WORKER="off") as (url, app):
        first = publish(url, "Stored while no worker runs.")
        second = publish(url, "On another article.", thread=OTHER)
        assert sorted(stale(app)) == sorted([THREAD, OTHER])

    # A worker starts, takes the page lock for its first page, and is killed there.
    hooks, mark = tmp_path / "hooks", tmp_path / "stalled"
    hooks.mkdir()
    (hooks / "stalling_hook.py").write_text(STALLING_HOOK)
    env = cli_env(service_settings(site, store, COMMENTS_PAGE_WORKER="off",
                                   COMMENTS_ON_PUBLISH="stalling_hook:hook"),
                  PYTHONPATH=str(hooks), STALL_MARK=str(mark))  # fmt: skip
    worker = subprocess.Popen(
        [*FLASK, "update-pages"], cwd=tmp_path, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert eventually(mark.exists, timeout=30), "the worker never reached its first page"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    assert worker.returncode == -signal.SIGKILL

    with service(site, store, COMMENTS_PAGE_WORKER="off") as (url, app):
        assert sorted(stale(app)) == sorted([THREAD, OTHER])
        assert on_disk(site, THREAD) == [] and on_disk(site, OTHER) == []
    # Nothing was lost: a service in thread mode does it all as it starts.
    with service(site, store, COMMENTS_PAGE_WORKER="thread") as (url, app):
        assert eventually(lambda: shown_ids(fetch(f"{url}/{OTHER}.html")) == [second])
        assert eventually(lambda: shown_ids(fetch(f"{url}/{THREAD}.html")) == [first])
        assert eventually(lambda: stale(app) == [])


# 3. A burst gives few updates -----------------------------------------------------------------


def test_a_burst_of_comments_on_one_thread_gives_few_page_updates(site, store):
    calls: list[str] = []

    def counting_hook(app, thread: str) -> None:
        calls.append(thread)
        update_page(app, thread)

    delay = 1.0
    with service(
        site, store, COMMENTS_PAGE_WORKER="thread", COMMENTS_PAGE_DELAY=str(delay),
        COMMENTS_ON_PUBLISH=counting_hook,
    ) as (url, _app):  # fmt: skip
        started = time.monotonic()
        ids = [publish(url, f"Burst comment number {n}.") for n in range(20)]
        posting = time.monotonic() - started

        def whole_page() -> str | None:
            page = fetch(f"{url}/{THREAD}.html")
            return page if shown_ids(page) == ids else None

        page = eventually(whole_page)
        assert page, f"the page shows {shown_ids(fetch(f'{url}/{THREAD}.html'))}, not {ids}"
    assert all(f"Burst comment number {n}." in page for n in range(20))
    assert set(calls) == {THREAD}
    # One update per COMMENTS_PAGE_DELAY while the posts come, one round that may start as the
    # first arrives, and one for the tail: however slowly a loaded machine posted them.
    assert len(calls) <= 2 + posting / delay, (len(calls), posting)
    assert len(calls) <= 5, f"{len(calls)} page updates for 20 comments in {posting:.2f} s"


# 4. Exact under concurrency -------------------------------------------------------------------


def test_an_update_reads_the_comments_only_once_it_holds_the_page_lock(site, store):
    with service(site, store, COMMENTS_PAGE_WORKER="off") as (url, app):
        first = publish(url, "There before the update started.")
        with page_lock(site):
            updating = threading.Thread(target=update_page, args=(app, THREAD))
            updating.start()
            time.sleep(0.5)
            assert updating.is_alive()  # waiting for the lock
            # Published while the update waits: it must be on the page the update writes.
            second = publish(url, "Published while the update waited.")
        updating.join(15)
        assert not updating.is_alive()
        assert shown_ids(fetch(f"{url}/{THREAD}.html")) == [first, second]


def test_two_approvals_at_once_from_two_processes_leave_both_on_the_page(site, store):
    with service(
        site, store, COMMENTS_PAGE_WORKER="off", COMMENTS_MODERATION="all"
    ) as (url, app):  # fmt: skip
        held = [publish(url, f"Held comment {n}.") for n in range(2)]
        assert stale(app) == []  # held comments change no page
        # Each editor's process updates the page itself, before it ends.
        env = cli_env(service_settings(site, store, COMMENTS_PAGE_WORKER="inline"))
        editors = [
            subprocess.Popen(
                [*COMMENTS_API, "comments", "approve", str(comment_id)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for comment_id in held
        ]
        for editor in editors:
            _, errors = editor.communicate(timeout=60)
            assert editor.returncode == 0, errors
        assert shown_ids(fetch(f"{url}/{THREAD}.html")) == held
        assert stale(app) == []


# 5. The folder COMMENTS_SITE_DIR names, whoever publishes -------------------------------------


def test_an_approval_from_anywhere_updates_the_folder_the_service_serves(built, store, tmp_path):
    deployed = Path(shutil.copytree(built, tmp_path / "deployed"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with service(
        deployed, store, COMMENTS_PAGE_WORKER="thread", COMMENTS_MODERATION="all"
    ) as (url, _app):  # fmt: skip
        held = publish(url, "Approved by an editor in another folder.")
        # The editor's shell knows the store and the key, not where the site lives.
        env = cli_env({"COMMENTS_DATABASE_URL": store, "COMMENTS_SECRET_KEY": SECRET})
        done = comments_api("comments", "approve", str(held), env=env, cwd=elsewhere)
        assert done.returncode == 0, done.stderr
        assert f"Approved comment {held} on {THREAD}" in done.stdout
        assert eventually(lambda: shown_ids(fetch(f"{url}/{THREAD}.html")) == [held])
    assert on_disk(deployed, THREAD) == [held]
    assert not (elsewhere / "output").exists()
    assert sorted(p.name for p in elsewhere.iterdir()) == []


# 6. A form post without JavaScript sees its comment ------------------------------------------


def test_a_form_post_is_answered_once_the_page_it_is_sent_to_shows_the_comment(site, store):
    with service(
        site, store, COMMENTS_PAGE_WORKER="thread", COMMENTS_PAGE_DELAY="0.5"
    ) as (url, _app):  # fmt: skip
        status, location = form_post(url, comment(body="Posted from a browser without JavaScript."))
        assert status == 303
        path, _, anchor = location.partition("#")
        assert path == f"/{THREAD}.html" and re.fullmatch(r"comment-\d+", anchor)
        page = fetch(url + path)  # at once, as the browser follows the redirect
        assert f'id="{anchor}"' in page
        assert "Posted from a browser without JavaScript." in page


def test_a_form_post_does_not_wait_for_a_page_whose_updates_fail(site, store, monkeypatch):
    # Waiting far longer than the client would: only the failure can end the wait in time.
    monkeypatch.setattr(writing, "FORM_WAIT", 120.0)

    def broken_hook(app, thread: str) -> None:
        raise PageUpdateError("the web server is away", transient=True)

    with service(site, store, COMMENTS_PAGE_WORKER="thread", COMMENTS_PAGE_DELAY="0.1",
                 COMMENTS_ON_PUBLISH=broken_hook) as (url, app):  # fmt: skip
        status, location = form_post(url, comment(body="The first one, whose update fails."))
        assert status == 303 and location.startswith(f"/{THREAD}.html#comment-")
        # The page stays stale, and the failure is on record for whoever waits.
        with get_db(app).read() as conn:
            baked, failed = queries.page_state(conn, THREAD)
        assert baked == 0 and failed >= 1
        assert stale(app) == [THREAD]
        status, _ = form_post(url, comment(body="A second one, while updates still fail."))
        assert status == 303
        with get_db(app).read() as conn:
            assert len(queries.list_comments(conn)) == 2


# 7. Two hosts on PostgreSQL, woken through Redis ---------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    redis_bin() is None and os.environ.get("CI") != "true", reason="Redis is not installed"
)
def test_two_hosts_on_postgresql_have_every_comment_on_the_page_through_redis(
    postgres_url, site, tmp_path
):
    manifest = site / "comments" / "threads.json"
    with RedisServer() as redis:
        settings = {
            **redis_settings(postgres_url, manifest, redis.url),
            "COMMENTS_TEMPLATES": TEMPLATES,
            "COMMENTS_REDIS_URL": redis.url,
            "COMMENTS_PAGE_WORKER": "thread",
            # Far longer than the wait below: only a Redis wake-up explains a quick update.
            "COMMENTS_PAGE_POLL": "30",
        }
        logs = [tmp_path / "first.log", tmp_path / "second.log"]
        with Gunicorn(settings, log=logs[0]) as first, Gunicorn(settings, log=logs[1]) as second:
            hosts = [first.url, second.url]
            ids, bodies = [], []
            for n in range(6):
                if n == 3:
                    # A quiet spell longer than the Redis client's socket timeout (2 s): the
                    # elected worker keeps listening.
                    time.sleep(2.5)
                body = f"Report {n} from host {n % 2}."
                status, _, text = post(hosts[n % 2], f"198.51.100.{30 + n}", form=False, body=body)
                assert status == 201, text
                ids.append(json.loads(text)["id"])
                bodies.append(body)
                # Seen on the page served by the other host, within seconds.
                reader = hosts[(n + 1) % 2]
                assert eventually(
                    lambda r=reader: shown_ids(fetch(f"{r}/{THREAD}.html")) == ids, timeout=10
                ), f"comment {ids[-1]} posted to {hosts[n % 2]} is not on the page after 10 s"
            # One process of the four holds the site's worker lock.
            with open(site / WORKER_LOCK, "a") as lock, pytest.raises(BlockingIOError):
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        app = create_app(settings)
        try:
            with get_db(app).read() as conn:
                stored = Counter(c["body"] for c in queries.list_comments(conn))
                assert queries.stale_pages(conn) == []
        finally:
            get_db(app).dispose()
    assert stored == Counter(bodies)
    page = (site / f"{THREAD}.html").read_text(encoding="utf-8")
    assert all(page.count(body) == 1 for body in bodies)
    for log in logs:
        assert "lost Redis" not in log.read_text()


# 8. A failing update is tried again, not lost -----------------------------------------------


def test_a_failing_update_keeps_the_page_stale_and_is_tried_again_after_the_back_off(site, store):
    calls: list[str] = []

    def flaky_hook(app, thread: str) -> None:
        calls.append(thread)
        if len(calls) == 1:
            raise RuntimeError("the web server is away")
        update_page(app, thread)

    app = create_app(service_settings(site, store, COMMENTS_PAGE_WORKER="off",
                                      COMMENTS_ON_PUBLISH=flaky_hook))  # fmt: skip
    worker = get_page_worker(app)
    client = app.test_client()
    try:
        answer = client.post("/api/comments", json=comment(body="Kept through a failure."))
        assert answer.status_code == 201
        comment_id = answer.get_json()["id"]
        failed_at = time.monotonic()
        assert worker.run_pending(app) == 0
        assert calls == [THREAD] and stale(app) == [THREAD] and on_disk(site, THREAD) == []

        # Within the back-off the failed page waits; another thread's page does not.
        assert worker.run_pending(app) == 0 and calls == [THREAD]
        other = client.post("/api/comments", json=comment(thread=OTHER, body="Not held up."))
        assert worker.run_pending(app) == 1
        assert on_disk(site, OTHER) == [other.get_json()["id"]] and stale(app) == [THREAD]

        # Later rounds try it again once RETRY_FIRST seconds have passed, and then it works.
        while worker.run_pending(app) == 0 and time.monotonic() - failed_at < RETRY_FIRST + 10:
            time.sleep(0.2)
        retried_after = time.monotonic() - failed_at
        assert calls == [THREAD, OTHER, THREAD]
        assert RETRY_FIRST <= retried_after <= RETRY_FIRST + 5, retried_after
        assert on_disk(site, THREAD) == [comment_id]
        assert stale(app) == []
    finally:
        get_db(app).dispose()

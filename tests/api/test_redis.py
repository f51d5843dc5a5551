"""Rate limits counted in Redis (COMMENTS_RATE_LIMIT_STORAGE=redis://...): once for every
process and host, under keyed hashes, and a Redis that goes away answered 503, not 500."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import pytest

from comments_api import ConfigError, create_app
from comments_api.core.errors import ApiError
from comments_api.extensions import get_db
from comments_api.store import queries
from comments_api.web.ratelimit import RateLimiter
from tests.redis_support import RedisServer, post, redis_bin, redis_settings
from tests.support import EMAIL, LIMITS_OFF, ROOT, SECRET, Gunicorn, free_port, write_manifest

LIMITS = {"COMMENTS_RATE_LIMIT": "3 per minute", "COMMENTS_ATTEMPT_LIMIT": "5 per minute"}
POSTED_TOO_MUCH = "You have posted several comments just now"
TOO_MANY_ATTEMPTS = "Too many attempts from you just now"
# Without Redis the tests are skipped, except in CI, where RedisServer says what to install.
pytestmark = pytest.mark.skipif(
    redis_bin() is None and os.environ.get("CI") != "true", reason="Redis is not installed"
)


@pytest.fixture(scope="module")
def redis_server():
    """Start one Redis server for the module's shared hosts."""
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="module")
def hosts(redis_server, postgres_server, tmp_path_factory):
    """Yield two service hosts (gunicorn, two workers each) on one PostgreSQL store, counting
    in one Redis, and their settings."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = postgres_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    store = f"{postgres_server}?options=-csearch_path%3D{schema}"
    manifest = write_manifest(tmp_path_factory.mktemp("redis") / "output/comments/threads.json")
    settings = redis_settings(store, manifest, redis_server.url, **LIMITS)
    with Gunicorn(settings) as first, Gunicorn(settings) as second:
        yield (first.url, second.url), settings
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def stored(settings) -> tuple[list[dict], int]:
    """Return the comments of the store of `settings` and its count of rate-limit rows."""
    app = create_app({**settings, **LIMITS_OFF})  # reads the store only, Redis or not
    try:
        with get_db(app).read() as conn:
            return queries.list_comments(conn), queries.count_rate_hits(conn)
    finally:
        get_db(app).dispose()


def redis_contents(server: RedisServer) -> dict[str, list[str]]:
    """Return every key of `server` with the entries of its list (the moving windows)."""
    client = server.client()
    return {
        key.decode(): [value.decode() for value in client.lrange(key, 0, -1)]
        for key in client.keys("*")
    }


@pytest.mark.postgres
def test_two_hosts_count_both_limits_once(hosts, redis_server):
    urls, settings = hosts
    client = "198.51.100.7"
    # Taking turns: each host alone sees at most four posts, under both limits.
    answers = [
        (text, *post(url, client, body=text))
        for text, url in zip([f"Report {n} on the levee" for n in range(8)], cycle(urls))
    ]
    assert [status for _, status, _, _ in answers] == [303] * 3 + [429] * 5
    for n, (text, _, headers, page) in enumerate(answers[3:], start=3):
        assert 0 < int(headers["retry-after"]) <= 60
        # The refusal gives back what was typed (never the email) and says which limit it is.
        assert text in page and EMAIL not in page
        assert (POSTED_TOO_MUCH if n < 5 else TOO_MANY_ATTEMPTS) in page
    comments, rate_rows = stored(settings)
    assert sorted(c["body"] for c in comments) == [text for text, *_ in answers[:3]]
    assert rate_rows == 0  # counted in Redis, not in the comment store
    namespaces = {key.split("/")[1] for key in redis_contents(redis_server)}
    assert namespaces == {"comments_limiter", "comments_attempts"}


@pytest.mark.postgres
def test_simultaneous_attempts_on_two_hosts_never_pass_the_attempt_limit(hosts):
    urls, _ = hosts
    client = "198.51.100.8"

    def attempt(n: int) -> tuple[int, str]:
        # JSON posts of a broken email: 422 while under the attempt limit, stores nothing.
        status, _, body = post(urls[n % 2], client, form=False, email=f"x{n}")
        return status, body

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(attempt, range(24)))
    assert sorted(status for status, _ in answers) == [422] * 5 + [429] * 19
    assert all(TOO_MANY_ATTEMPTS in body for status, body in answers if status == 429)


def test_simultaneous_takes_from_many_limiters_pass_exactly_the_limit(redis_server):
    # Eight limiters, as in eight processes (each its own connections), 32 requests at once.
    limiters = [RateLimiter("5 per minute", redis_server.url, secret=SECRET) for _ in range(8)]
    start, waits = threading.Barrier(32), []

    def take(n: int) -> None:
        start.wait()
        waits.append(limiters[n % 8].take("198.51.100.11"))

    threads = [threading.Thread(target=take, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(waits) == 32 and waits.count(None) == 5
    assert all(0 < wait <= 60 for wait in waits if wait is not None)


def test_counters_live_in_redis_under_keyed_hashes(redis_server, tmp_path):
    redis_server.client().flushall()  # the other tests' counters
    manifest = write_manifest(tmp_path / "output/comments/threads.json")
    settings = redis_settings(
        f"sqlite:///{tmp_path / 'comments.db'}", manifest, redis_server.url, **LIMITS
    )
    app = create_app(settings)
    address = "203.0.113.45"
    answer = app.test_client().post(
        "/api/comments",
        json={"thread": "rebels-capture-hama", "author": "Ada", "email": EMAIL, "body": "Hi"},
        environ_base={"REMOTE_ADDR": address},
    )
    assert answer.status_code == 201
    get_db(app).dispose()
    contents = redis_contents(redis_server)
    assert sorted(key.split("/")[1] for key in contents) == [
        "comments_attempts", "comments_limiter"
    ]  # fmt: skip
    for key, entries in contents.items():
        # LIMITS:LIMITER/<namespace>/<keyed hash of the client>/<amount>/1/minute
        assert re.fullmatch(r"LIMITS:LIMITER/comments_\w+/[0-9a-f]{32}/\d+/1/minute", key), key
        assert len(entries) == 1 and float(entries[0]) > 0  # one entry: when
    for clear in (address, EMAIL, EMAIL.split("@")[1], SECRET):
        assert clear not in repr(contents)
    assert stored(settings)[1] == 0


def test_redis_going_away_is_answered_503_and_coming_back_needs_no_restart(tmp_path):
    password = "redis-password-not-for-logs"
    manifest = write_manifest(tmp_path / "output/comments/threads.json")
    log = tmp_path / "gunicorn.log"
    with RedisServer(password=password) as redis:
        settings = redis_settings(
            f"sqlite:///{tmp_path / 'comments.db'}", manifest, redis.url, **LIMITS
        )
        with Gunicorn(settings, workers=1, log=log) as host:
            assert post(host.url, "198.51.100.9", form=False, body="before")[0] == 201
            redis.stop()
            for form in (False, False, True):
                status, headers, body = post(host.url, "198.51.100.9", form=form, body="lost?")
                assert status == 503, body
                assert headers["retry-after"] == "5"
                if form:  # the browser gets the error page
                    assert headers["content-type"].startswith("text/html")
                else:
                    assert headers["content-type"] == "application/json"
                    assert body.startswith('{"error":"The rate limit cannot be checked just now')
                for leak in ("redis", "Redis", str(redis.port), password, "Traceback", "Error"):
                    assert leak not in body
            assert [c["body"] for c in stored(settings)[0]] == ["before"]
            redis.start()  # the same port, empty
            assert post(host.url, "198.51.100.9", form=False, body="after")[0] == 201
    output = log.read_text()
    # Logged once for the outage, not once a request, and without a traceback or the password.
    assert output.count("rate-limit storage is unavailable") == 1, output
    assert "Traceback" not in output and password not in output
    assert [c["body"] for c in stored(settings)[0]] == ["before", "after"]


def test_a_frozen_redis_is_answered_503_within_seconds(tmp_path):
    manifest = write_manifest(tmp_path / "output/comments/threads.json")
    with RedisServer() as redis:
        # The redis client waits 5 seconds for an answer unless the URL says otherwise.
        storage = f"{redis.url}?socket_timeout=1"
        settings = redis_settings(
            f"sqlite:///{tmp_path / 'comments.db'}", manifest, storage, **LIMITS
        )
        app = create_app(settings)
        client = app.test_client()
        assert client.post("/api/comments", json={}).status_code == 422
        redis.pause()
        try:
            started = time.monotonic()
            answer = client.post("/api/comments", json={})
            assert answer.status_code == 503
            assert time.monotonic() - started < 4
        finally:
            redis.resume()
        assert client.post("/api/comments", json={}).status_code == 422
        get_db(app).dispose()


def test_counting_an_accepted_comment_during_an_outage_does_not_fail_it():
    with RedisServer() as redis:
        limiter = RateLimiter("3 per minute", redis.url, secret=SECRET)
        assert limiter.take("198.51.100.10") is None
        redis.stop()
        # The comment is stored by then: refusing it now would invite a second copy.
        limiter.hit("198.51.100.10")
        with pytest.raises(ApiError) as refused:
            limiter.retry_after("198.51.100.10")
        assert refused.value.status == 503


def test_unreachable_storage_stops_the_start_naming_the_setting(tmp_path):
    manifest = write_manifest(tmp_path / "output/comments/threads.json")
    nowhere = f"redis://:hidden-password@127.0.0.1:{free_port()}"
    settings = redis_settings(f"sqlite:///{tmp_path / 'c.db'}", manifest, nowhere, **LIMITS)
    with pytest.raises(ConfigError) as error:
        create_app(settings)
    message = str(error.value)
    assert message.startswith("COMMENTS_RATE_LIMIT_STORAGE cannot be used: cannot reach redis://")
    assert "hidden-password" not in message
    unknown = {**settings, "COMMENTS_RATE_LIMIT_STORAGE": "nosuch://:hidden-password@x"}
    with pytest.raises(ConfigError, match="^COMMENTS_RATE_LIMIT_STORAGE ") as error:
        create_app(unknown)
    assert "hidden-password" not in str(error.value)
    # gunicorn stops with that message instead of serving 500s.
    started = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{free_port()}",
         "comments_api.web.site:create_site_app()"],
        cwd=ROOT, env={**os.environ, **settings}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.returncode != 0
    assert "COMMENTS_RATE_LIMIT_STORAGE cannot be used: cannot reach" in started.stderr
    assert "hidden-password" not in started.stderr

"""The rate limit is counted once for all workers (in the comment store) and forgets old hits."""

from __future__ import annotations

from sqlalchemy import text

from comments_api import create_app
from comments_api.extensions import get_db, get_limiter
from comments_api.store import queries
from tests.support import SECRET, comment


def post(client, address="198.51.100.7", **fields):
    return client.post(
        "/api/comments", json=comment(**fields), environ_base={"REMOTE_ADDR": address}
    )


def stored_hits(app) -> int:
    with get_db(app).read() as conn:
        return queries.count_rate_hits(conn)


def test_two_apps_on_one_store_share_one_limit(make_app, clock):
    # Two workers: each its own app, process memory and limiter; one comment store.
    first = make_app(COMMENTS_RATE_LIMIT="2 per minute", CLOCK=clock).test_client()
    second = make_app(COMMENTS_RATE_LIMIT="2 per minute", CLOCK=clock).test_client()
    assert post(first, body="one").status_code == 201
    assert post(second, body="two").status_code == 201
    for client in (first, second):
        refused = post(client, body="three")
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert post(second, address="203.0.113.9", body="someone else").status_code == 201


def test_shared_limit_on_both_stores(any_database_url, manifest, clock):
    settings = {
        "COMMENTS_SECRET_KEY": SECRET,
        "COMMENTS_DATABASE_URL": any_database_url,
        "COMMENTS_MANIFEST": manifest,
        "COMMENTS_MODERATION": "none",
        "COMMENTS_FLOOD_SECONDS": 0,
        "COMMENTS_RATE_LIMIT": "1 per minute",
        "CLOCK": clock,
    }
    apps = [create_app(settings), create_app(settings)]
    try:
        assert post(apps[0].test_client(), body="one").status_code == 201
        assert post(apps[1].test_client(), body="two").status_code == 429
        clock.advance(seconds=61)
        assert post(apps[1].test_client(), body="three").status_code == 201
    finally:
        for app in apps:
            get_db(app).dispose()


def test_retry_after_counts_down_and_the_window_moves(make_app, clock):
    client = make_app(COMMENTS_RATE_LIMIT="2 per minute", CLOCK=clock).test_client()
    assert post(client, body="one").status_code == 201
    clock.advance(seconds=20)
    assert post(client, body="two").status_code == 201
    clock.advance(seconds=10)
    assert post(client, body="three").headers["Retry-After"] == "30"
    clock.advance(seconds=31)  # "one" has left the window, "two" has not
    assert post(client, body="four").status_code == 201
    assert post(client, body="five").status_code == 429


def test_several_limits_each_count(make_app, clock):
    client = make_app(COMMENTS_RATE_LIMIT="2 per minute; 3 per hour", CLOCK=clock).test_client()
    for body in ("a", "b"):
        assert post(client, body=body).status_code == 201
    clock.advance(minutes=2)
    assert post(client, body="c").status_code == 201
    clock.advance(minutes=2)
    refused = post(client, body="d")
    assert refused.status_code == 429
    assert 3000 < int(refused.headers["Retry-After"]) <= 3600


def test_old_hits_are_deleted_so_the_store_stays_bounded(make_app, clock):
    app = make_app(COMMENTS_RATE_LIMIT="2 per minute", CLOCK=clock)
    client = app.test_client()
    for n in range(50):
        assert post(client, address=f"198.51.100.{n}", body=f"n{n}").status_code == 201
    assert stored_hits(app) == 50
    clock.advance(seconds=61)
    assert post(client, address="203.0.113.1", body="later").status_code == 201
    # Only the hit inside the window is kept: the fifty old addresses are gone.
    assert stored_hits(app) == 1
    # Nothing per client is kept in the process: its only container is the configured windows.
    counter = get_limiter(app).counter
    containers = {k for k, v in vars(counter).items() if isinstance(v, dict | list | set)}
    assert containers == {"windows"} and counter.windows == [(2, 60)]


def test_no_client_address_is_stored_in_clear(make_app, clock):
    app = make_app(COMMENTS_RATE_LIMIT="2 per minute", CLOCK=clock)
    assert post(app.test_client(), address="198.51.100.77").status_code == 201
    with get_db(app).read() as conn:
        keys = [row[0] for row in conn.execute(text("SELECT key_hash FROM comments_rate"))]
    assert len(keys) == 1 and "198.51.100.77" not in keys[0]


def test_refused_and_limits_off_store_no_hits(make_app):
    limited = make_app(COMMENTS_RATE_LIMIT="2 per minute")
    assert post(limited.test_client(), email="broken").status_code == 422
    assert stored_hits(limited) == 0
    off = make_app()
    assert post(off.test_client()).status_code == 201
    assert stored_hits(off) == 0

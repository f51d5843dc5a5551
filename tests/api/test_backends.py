"""The same behaviour on both stores: an SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from comments_api import create_app
from comments_api.actions.editor import delete, set_status
from comments_api.actions.importing import import_comments
from comments_api.core.imported import ImportedComment
from comments_api.extensions import get_db
from comments_api.store import engine as store_engine
from comments_api.store import queries
from comments_api.store.queries import read_published
from comments_api.store.schema import MIGRATIONS
from tests.support import EMAIL, LIMITS_OFF, SECRET, SITE, THREAD, comment, run_flask


@pytest.fixture
def store_app(any_database_url, manifest):
    app = create_app(
        {
            "COMMENTS_SECRET_KEY": SECRET,
            "COMMENTS_DATABASE_URL": any_database_url,
            "COMMENTS_MANIFEST": manifest,
            "COMMENTS_SITE_URL": SITE,
            **LIMITS_OFF,
            "COMMENTS_MODERATION": "first-time",
        }
    )
    yield app
    get_db(app).dispose()


def test_new_store_gets_its_schema_on_first_use(store_app):
    client = store_app.test_client()
    assert client.get("/api/health").get_json()["database"] == "ok"
    with get_db(store_app).read() as conn:
        assert conn.execute(text("SELECT max(version) FROM comments_schema")).scalar() == len(
            MIGRATIONS
        )


def test_post_moderate_reply_list_and_read_published(store_app, any_database_url):
    client = store_app.test_client()
    first = client.post("/api/comments", json=comment(body="First *one*")).get_json()
    assert first["status"] == "pending"
    set_status(store_app, [first["id"]], "published")
    reply = client.post("/api/comments", json=comment(body="Reply", parent=first["id"])).get_json()
    assert reply["status"] == "published"
    other = client.post("/api/comments", json=comment(thread="second-story", body="x")).get_json()
    listed = client.get(f"/api/threads/{THREAD}/comments?limit=1").get_json()
    assert [c["id"] for c in listed["comments"]] == [first["id"]]
    page2 = client.get(listed["next"]).get_json()
    assert [c["parent"] for c in page2["comments"]] == [first["id"]]
    counts = client.get(f"/api/counts?thread={THREAD}&thread=second-story").get_json()
    assert counts == {"counts": {THREAD: 2, "second-story": 1}}
    published = read_published(any_database_url)
    assert [c["id"] for c in published[THREAD]] == [first["id"], reply["id"]]
    assert published[THREAD][0]["body_html"] == "<p>First <em>one</em></p>"
    assert published[THREAD][0]["created"] == first["created"]
    assert read_published(any_database_url, ["second-story"]) == {
        "second-story": [{k: other[k] for k in published[THREAD][0]}]
    }
    assert read_published(any_database_url, []) == {}
    assert EMAIL not in json.dumps(published)


def test_times_are_stored_in_utc_and_come_back_aware(store_app):
    client = store_app.test_client()
    created = client.post("/api/comments", json=comment()).get_json()["created"]
    with get_db(store_app).read() as conn:
        [row] = queries.list_comments(conn)
    assert row["created"].utcoffset().total_seconds() == 0
    assert abs((row["created"] - datetime.fromisoformat(created)).total_seconds()) < 1


def test_duplicate_and_delete_with_replies(store_app):
    client = store_app.test_client()
    root = client.post("/api/comments", json=comment(body="root")).get_json()["id"]
    set_status(store_app, [root], "published")
    assert client.post("/api/comments", json=comment(body="root")).status_code == 409
    child = client.post("/api/comments", json=comment(body="child", parent=root)).get_json()["id"]
    delete(store_app, [root])
    listed = client.get(f"/api/threads/{THREAD}/comments").get_json()["comments"]
    assert [(c["id"], c["parent"]) for c in listed] == [(child, None)]


def test_ids_are_not_reused_after_a_delete(store_app):
    client = store_app.test_client()
    first = client.post("/api/comments", json=comment(body="a")).get_json()["id"]
    delete(store_app, [first])
    second = client.post("/api/comments", json=comment(body="b")).get_json()["id"]
    assert second > first


def test_imported_wordpress_comments_keep_their_ids_and_new_ones_follow(store_app):
    client = store_app.test_client()
    first = client.post("/api/comments", json=comment(body="posted first")).get_json()["id"]

    def wordpress(number: int, parent: int | None = None) -> ImportedComment:
        return ImportedComment(
            source="wordpress", source_id=str(number), thread=THREAD,
            parent_id=str(parent) if parent else None, author=f"Writer {number}", email="",
            url="", body=f"Imported {number}", created=datetime(2021, 3, 4, tzinfo=UTC),
            status="published",
        )  # fmt: skip

    # Its id is taken by the posted comment: the reply to it gets a new one, above 900.
    report = import_comments(store_app, [wordpress(900), wordpress(first, 900)])
    assert any(f"another comment here has the id {first}" in note for note in report.notes)
    with get_db(store_app).read() as conn:
        rows = {row["source_id"]: row for row in queries.list_comments(conn) if row["source"]}
    assert rows["900"]["id"] == 900
    assert rows[str(first)]["id"] > 900 and rows[str(first)]["parent"] == 900
    later = client.post("/api/comments", json=comment(body="posted after")).get_json()["id"]
    assert later > rows[str(first)]["id"]


def test_cli_works_against_the_store(store_app, any_database_url, manifest):
    store_app.test_client().post("/api/comments", json=comment())
    env = {
        "COMMENTS_DATABASE_URL": any_database_url,
        "COMMENTS_SECRET_KEY": SECRET,
        "COMMENTS_MANIFEST": str(manifest),
    }
    result = run_flask("comments", "approve", "1", env=env)
    assert result.returncode == 0, result.stderr
    listed = json.loads(run_flask("comments", "list", "--json", env=env).stdout)
    assert [(r["id"], r["status"], r["email"]) for r in listed] == [(1, "published", EMAIL)]


def test_concurrent_first_use_creates_the_schema_once(any_database_url, manifest):
    apps = [
        create_app({"COMMENTS_SECRET_KEY": SECRET, "COMMENTS_DATABASE_URL": any_database_url,
                    "COMMENTS_MANIFEST": manifest, "COMMENTS_MODERATION": "none",
                    "COMMENTS_RATE_LIMIT": "off", "COMMENTS_FLOOD_SECONDS": 0})
        for _ in range(6)
    ]  # fmt: skip
    statuses, errors = [], []

    def post(app, i):
        try:
            answer = app.test_client().post("/api/comments", json=comment(body=f"c{i}"))
            statuses.append(answer.status_code)
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=post, args=(a, i)) for i, a in enumerate(apps)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert statuses == [201] * 6
    with get_db(apps[0]).read() as conn:
        assert conn.execute(text("SELECT count(*) FROM comments_schema")).scalar() == len(
            MIGRATIONS
        )
    for app in apps:
        get_db(app).dispose()


def test_read_published_on_a_missing_store_creates_nothing(tmp_path):
    path = tmp_path / "nowhere" / "comments.db"
    assert read_published(f"sqlite:///{path}") == {}
    assert read_published(f"sqlite:///{path}", ["a"]) == {}
    assert not path.exists()
    assert not path.parent.exists()


def test_read_published_on_a_store_without_tables(tmp_path):
    import sqlite3

    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    assert read_published(f"sqlite:///{path}") == {}


@pytest.mark.postgres
def test_read_published_on_an_empty_postgres_schema(postgres_url):
    assert read_published(postgres_url) == {}


@pytest.mark.postgres
def test_plain_postgresql_url_uses_psycopg(postgres_url, manifest):
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    app = create_app(
        {"COMMENTS_SECRET_KEY": SECRET, "COMMENTS_DATABASE_URL": plain,
         "COMMENTS_MANIFEST": manifest, "COMMENTS_MODERATION": "none"}
    )  # fmt: skip
    assert app.test_client().post("/api/comments", json=comment()).status_code == 201
    get_db(app).dispose()
    assert [c["author"] for c in read_published(plain)[THREAD]] == ["Ada"]


def test_ids_beyond_the_column_range_are_simply_not_found(store_app):
    client = store_app.test_client()
    huge = "9" * 25
    assert client.get(f"/api/comments/{huge}").status_code == 404
    token = {"Authorization": "Bearer x"}
    assert client.delete(f"/api/comments/{huge}", headers=token).status_code == 404
    assert client.post("/api/comments", json=comment(parent=2**31)).status_code == 422
    result = store_app.test_cli_runner().invoke(args=["comments", "approve", huge])
    assert result.exit_code == 1


@pytest.fixture
def pg_reader(postgres_url, postgres_server, manifest):
    """Yield (app, end_its_connection): a service on PostgreSQL, and a function that has the
    server end the connection the app's pool holds (as a restart or an operator would) and
    returns that connection's backend id once it is gone."""
    import psycopg

    app = create_app({"COMMENTS_SECRET_KEY": SECRET, "COMMENTS_DATABASE_URL": postgres_url,
                      "COMMENTS_MANIFEST": manifest, "COMMENTS_PAGE_WORKER": "off",
                      **LIMITS_OFF})  # fmt: skip
    plain = postgres_server.replace("postgresql+psycopg://", "postgresql://")

    def end_its_connection() -> int:
        with get_db(app).read() as conn:
            pid = conn.scalar(text("SELECT pg_backend_pid()"))
        with psycopg.connect(plain, autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
            # The backend ends a moment after the signal: wait until it is gone.
            while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                time.sleep(0.02)
        return pid

    yield app, end_its_connection
    get_db(app).dispose()


@pytest.mark.postgres
def test_a_pooled_connection_the_server_closed_is_replaced_once_it_sat_idle(pg_reader, monkeypatch):
    app, end_its_connection = pg_reader
    # Busy connections are used as they are; one idle longer than this is asked first.
    monkeypatch.setattr(store_engine, "PING_AFTER", 0.2)
    client = app.test_client()
    assert client.get(f"/api/threads/{THREAD}/comments").status_code == 200
    pid = end_its_connection()
    time.sleep(0.5)
    assert client.get(f"/api/threads/{THREAD}/comments").status_code == 200
    assert client.post("/api/comments", json=comment()).status_code == 201
    with get_db(app).read() as conn:
        assert conn.scalar(text("SELECT pg_backend_pid()")) != pid


@pytest.mark.postgres
def test_a_connection_lost_while_busy_costs_one_503_never_a_500(pg_reader, monkeypatch):
    app, end_its_connection = pg_reader
    # Used a moment ago, so no check on checkout: the read itself finds the connection gone.
    monkeypatch.setattr(store_engine, "PING_AFTER", 3600)
    client = app.test_client()
    path = f"/api/threads/{THREAD}/comments"
    assert client.get(path).status_code == 200
    end_its_connection()
    refused = client.get(path)
    assert refused.status_code == 503 and refused.headers["Retry-After"]
    assert client.get(path).status_code == 200

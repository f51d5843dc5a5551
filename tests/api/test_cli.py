"""The editors' CLI: list (text and JSON), approve, spam, delete; also as a real child process."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import EMAIL, SECRET, THREAD, comment, run_flask

EDITOR_KEYS = [
    "id", "thread", "parent", "status", "author", "email", "url", "created", "body", "body_html",
    "kind", "held_reason", "staff", "featured", "editor_note", "edited_by", "deleted",
]  # fmt: skip


@pytest.fixture
def held_app(make_app):
    app = make_app(COMMENTS_MODERATION="all")
    client = app.test_client()
    for i in range(3):
        client.post("/api/comments", json=comment(body=f"Comment **{i}**", url="a.example"))
    return app


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=["comments", *args])
    return result


def test_list_json_shows_editor_fields_with_email(held_app):
    result = cli(held_app, "list", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert sorted(rows[0]) == sorted(EDITOR_KEYS)
    assert rows[0]["email"] == EMAIL
    assert rows[0]["status"] == "pending"
    assert rows[0]["held_reason"] == "every comment is held"
    assert rows[0]["body"] == "Comment **0**"
    assert rows[0]["body_html"] == "<p>Comment <strong>0</strong></p>"
    assert rows[0]["url"] == "https://a.example"
    assert datetime.fromisoformat(rows[0]["created"]).tzinfo is not None


def test_list_filters_by_status_thread_and_limit(held_app):
    assert cli(held_app, "approve", "2").exit_code == 0
    published = json.loads(cli(held_app, "list", "--status", "published", "--json").output)
    assert [r["id"] for r in published] == [2]
    limited = json.loads(cli(held_app, "list", "--limit", "2", "--json").output)
    assert [r["id"] for r in limited] == [1, 2]
    assert json.loads(cli(held_app, "list", "--thread", "other", "--json").output) == []
    assert cli(held_app, "list", "--status", "nonsense").exit_code != 0


def test_list_text_has_one_line_per_comment(held_app):
    lines = cli(held_app, "list").output.splitlines()
    assert len(lines) == 4
    assert lines[1].split()[:2] == ["1", "pending"]
    assert EMAIL in lines[1]


def test_approve_publishes_and_calls_the_hook_once_per_thread(make_app):
    calls = []
    app = make_app(COMMENTS_MODERATION="all", COMMENTS_ON_PUBLISH=lambda a, t: calls.append(t))
    client = app.test_client()
    for i in range(2):
        client.post("/api/comments", json=comment(body=f"b{i}"))
    result = cli(app, "approve", "1", "2")
    assert result.exit_code == 0
    assert "Approved comment 1 on rebels-capture-hama (was pending)" in result.output
    assert calls == [THREAD]
    assert len(client.get(f"/api/threads/{THREAD}/comments").get_json()["comments"]) == 2
    assert cli(app, "approve", "1").exit_code == 0
    assert calls == [THREAD]  # nothing changed, no rebuild


def test_spam_hides_a_published_comment_and_calls_the_hook(make_app):
    calls = []
    app = make_app(COMMENTS_ON_PUBLISH=lambda a, t: calls.append(t))
    app.test_client().post("/api/comments", json=comment())
    calls.clear()
    assert cli(app, "spam", "1").exit_code == 0
    assert calls == [THREAD]
    rows = json.loads(cli(app, "list", "--status", "spam", "--json").output)
    assert [r["id"] for r in rows] == [1]


def test_delete_keeps_comments_restorable_and_purge_removes_them_after_the_retention(held_app):
    result = cli(held_app, "delete", "1", "3")
    assert result.exit_code == 0
    rows = json.loads(cli(held_app, "list", "--status", "deleted", "--json").output)
    assert [r["id"] for r in rows] == [1, 3]
    assert all(r["deleted"] for r in rows)
    assert cli(held_app, "restore", "3").exit_code == 0
    rows = json.loads(cli(held_app, "list", "--json").output)
    assert {r["id"]: r["status"] for r in rows} == {1: "deleted", 2: "pending", 3: "pending"}
    # Within the retention the purge keeps the deleted comment; past it, it is gone.
    assert "Purged 0" in cli(held_app, "purge").output
    later = datetime.now(UTC) + timedelta(days=held_app.config["COMMENTS_DELETED_DAYS"], hours=1)
    held_app.config["CLOCK"] = lambda: later
    assert "Purged 1" in cli(held_app, "purge").output
    assert [r["id"] for r in json.loads(cli(held_app, "list", "--json").output)] == [2, 3]


def test_unknown_ids_are_reported_with_a_failing_exit_code(held_app):
    result = cli(held_app, "approve", "2", "99")
    assert result.exit_code == 1
    assert "No comment with id 99." in result.output
    rows = json.loads(cli(held_app, "list", "--status", "published", "--json").output)
    assert [r["id"] for r in rows] == [2]


def test_ids_must_be_positive_numbers(held_app):
    assert cli(held_app, "approve", "abc").exit_code == 2
    assert cli(held_app, "approve").exit_code == 2


def test_cli_in_a_child_process_uses_the_environment(app, client, database_url, manifest):
    client.post("/api/comments", json=comment())
    env = {
        "COMMENTS_DATABASE_URL": database_url,
        "COMMENTS_SECRET_KEY": SECRET,
        "COMMENTS_MANIFEST": str(manifest),
    }
    listed = run_flask("comments", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)[0]["email"] == EMAIL
    spam = run_flask("comments", "spam", "1", env=env)
    assert spam.returncode == 0, spam.stderr
    assert client.get(f"/api/threads/{THREAD}/comments").get_json()["comments"] == []


def test_cli_on_a_new_database_creates_the_schema(tmp_path, manifest):
    env = {
        "COMMENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh' / 'c.db'}",
        "COMMENTS_SECRET_KEY": SECRET,
        "COMMENTS_MANIFEST": str(manifest),
    }
    result = run_flask("comments", "list", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "No comments."


def test_bad_setting_stops_the_cli_naming_the_variable(tmp_path):
    result = run_flask("comments", "list", env={"COMMENTS_FLOOD_SECONDS": "soon"})
    assert result.returncode != 0
    assert "COMMENTS_FLOOD_SECONDS" in result.stderr

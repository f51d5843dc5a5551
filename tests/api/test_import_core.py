"""The import core: imported comments are checked like posted ones and stored in one
transaction, threaded at any depth, and a second import of the same file adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comments_api.actions.importing import import_comments
from comments_api.core.imported import ImportedComment
from comments_api.extensions import get_db
from comments_api.store import queries
from tests.support import THREAD

WHEN = datetime(2019, 3, 1, 12, 0, tzinfo=UTC)


def imported(source_id: str, parent_id: str | None = None, **changes) -> ImportedComment:
    values = {
        "source": "isso", "source_id": source_id, "thread": THREAD, "parent_id": parent_id,
        "author": f"Writer {source_id}", "email": "", "url": "", "body": f"Text *{source_id}*",
        "created": WHEN + timedelta(minutes=int(source_id)), "status": "published",
    }  # fmt: skip
    values.update(changes)
    return ImportedComment(**values)


def stored(app) -> list[dict]:
    with get_db(app).read() as conn:
        return queries.list_comments(conn)


def by_source_id(app) -> dict[str, dict]:
    return {row["source_id"]: row for row in stored(app)}


def test_fields_status_and_parents_match_one_to_one(app):
    comments = [
        imported("1", email="Reader@Example.org", url="reader.example", address="203.0.113.9"),
        imported("2", "1", status="pending"),
        imported("3", "2", status="spam", kind="pingback"),
        imported("4", "1", status="deleted"),
    ]
    report = import_comments(app, comments)
    rows = by_source_id(app)
    assert report.imported == 4 and report.skipped == [] and report.notes == []
    assert report.statuses == {"published": 1, "pending": 1, "spam": 1, "deleted": 1}
    assert report.kinds == {"comment": 3, "pingback": 1, "trackback": 0}
    assert report.threads == [THREAD]
    for comment in comments:
        row = rows[comment.source_id]
        assert (row["author"], row["body"], row["created"]) == (
            comment.author, comment.body, comment.created)  # fmt: skip
        assert row["status"] == comment.status and row["source"] == "isso"
        expected_parent = rows[comment.parent_id]["id"] if comment.parent_id else None
        assert row["parent"] == expected_parent
    assert rows["1"]["body_html"] == "<p>Text <em>1</em></p>"
    assert (
        rows["1"]["email"] == "Reader@example.org" and rows["1"]["url"] == "https://reader.example"
    )
    assert "203.0.113.9" not in str(rows["1"]) and len(rows["1"]["address_hash"]) == 32
    assert rows["3"]["kind"] == "pingback" and rows["2"]["kind"] == "comment"
    assert rows["4"]["deleted"] is not None and rows["4"]["restore_status"] == "pending"


def test_a_body_is_sanitised_like_a_posted_one(app):
    import_comments(app, [imported("1", body="<script>alert(1)</script>[x](javascript:go) ok")])
    html = stored(app)[0]["body_html"]
    assert "<script" not in html and "javascript" not in html and "ok" in html


def test_threads_ten_deep_with_parents_after_children(app):
    chain = [imported(str(n), str(n - 1) if n > 1 else None) for n in range(1, 11)]
    import_comments(app, list(reversed(chain)))
    rows = by_source_id(app)
    for n in range(2, 11):
        assert rows[str(n)]["parent"] == rows[str(n - 1)]["id"]
    assert rows["1"]["parent"] is None


def test_importing_the_same_comments_twice_adds_nothing(app):
    comments = [imported("1"), imported("2", "1")]
    import_comments(app, comments)
    again = import_comments(app, comments)
    assert len(stored(app)) == 2
    assert again.imported == 0 and again.already_there == 2 and again.skipped == []


def test_a_reply_to_a_comment_imported_before_finds_its_parent(app):
    import_comments(app, [imported("1")])
    import_comments(app, [imported("1"), imported("2", "1")])
    rows = by_source_id(app)
    assert rows["2"]["parent"] == rows["1"]["id"]


def test_a_dry_run_stores_nothing_and_reports_the_same(app):
    comments = [imported("1"), imported("2", "9"), imported("3", body=" ")]
    dry = import_comments(app, comments, dry_run=True)
    assert stored(app) == []
    real = import_comments(app, comments)
    assert dry.lines()[1:] == real.lines()[1:]
    assert (dry.skipped, dry.notes, dry.threads) == (real.skipped, real.notes, real.threads)
    assert dry.dry_run and not real.dry_run and "nothing stored" in dry.lines()[0]


def test_a_missing_parent_makes_a_top_level_comment_with_a_note(app):
    report = import_comments(app, [imported("2", "1")])
    assert stored(app)[0]["parent"] is None
    assert report.notes == [
        "isso 2: its parent 1 is not in the file (or was skipped); imported as a top-level comment"
    ]


def test_a_loop_of_parents_is_broken_once_with_a_note(app):
    report = import_comments(app, [imported("1", "3"), imported("2", "1"), imported("3", "2")])
    rows = by_source_id(app)
    assert rows["1"]["parent"] is None
    assert rows["2"]["parent"] == rows["1"]["id"] and rows["3"]["parent"] == rows["2"]["id"]
    assert report.notes == [
        "isso 1: its parents loop (1 → 3 → 2 → 1); imported as a top-level comment"
    ]


def test_a_comment_replying_to_itself_is_a_loop(app):
    report = import_comments(app, [imported("1", "1")])
    assert stored(app)[0]["parent"] is None and len(report.notes) == 1


def test_a_duplicate_id_in_the_file_is_skipped(app):
    report = import_comments(app, [imported("1"), imported("1", body="Other")])
    assert [row["body"] for row in stored(app)] == ["Text *1*"]
    assert report.skipped == ["isso 1: this id is in the file twice; the first kept"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"body": "x" * 65526}, "isso 1: Comment: Use at most 65,525 characters (this has"),
        ({"email": "not-an-address"}, "isso 1: Email: Enter a valid email address"),
        ({"author": "  "}, "isso 1: Name: Please enter your name."),
        ({"status": "approved"}, "isso 1: unknown status 'approved'"),
        ({"kind": "like"}, "isso 1: unknown kind 'like'"),
        ({"created": datetime(2019, 1, 1)}, "isso 1: no creation time with a time zone"),
        ({"url": "javascript:alert(1)"}, "isso 1: Website: Use a web address"),
    ],
)
def test_a_comment_that_fails_a_check_is_skipped_with_a_line(app, changes, expected):
    report = import_comments(app, [imported("1", **changes), imported("2")])
    assert [row["source_id"] for row in stored(app)] == ["2"]
    assert len(report.skipped) == 1 and report.skipped[0].startswith(expected)


def test_the_email_may_be_missing_but_is_kept_when_present(app):
    import_comments(app, [imported("1"), imported("2", email="a@example.org")])
    rows = by_source_id(app)
    assert rows["1"]["email"] == "" and rows["2"]["email_key"] == "a@example.org"


def test_a_thread_not_built_yet_is_stored_and_reported(app):
    report = import_comments(app, [imported("1", thread="not-built-yet")])
    assert stored(app)[0]["thread"] == "not-built-yet"
    assert report.notes == [
        "thread not-built-yet: no such article yet; 1 comments stored, shown once an article"
        " with this slug is built"
    ]


def test_published_imports_mark_their_page_stale(app):
    import_comments(app, [imported("1"), imported("2", thread="second-story", status="pending")])
    with get_db(app).read() as conn:
        assert queries.thread_change(conn, THREAD) > 0
        assert queries.thread_change(conn, "second-story") == 0


def test_an_error_while_storing_stores_nothing(app, monkeypatch):
    calls = []

    def failing_insert(conn, rows):
        calls.append(rows)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(conn, rows)

    # The reply goes in a second statement, after its parent's.
    original = queries.insert_imported
    monkeypatch.setattr(queries, "insert_imported", failing_insert)
    with pytest.raises(RuntimeError):
        import_comments(app, [imported("1"), imported("2", "1")])
    assert [len(rows) for rows in calls] == [1, 1]
    monkeypatch.undo()
    assert stored(app) == []


def test_a_posted_comment_still_gets_the_default_kind(app):
    answer = app.test_client().post(
        "/api/comments", json={"thread": THREAD, "author": "Ada", "email": "a@example.org",
                               "body": "Posted here."})  # fmt: skip
    assert answer.status_code == 201
    row = stored(app)[0]
    assert (row["kind"], row["source"], row["source_id"]) == ("comment", None, None)


def test_the_report_names_the_first_threads_and_counts_them_all(app):
    slugs = [f"story-{n:02}" for n in range(25)]
    report = import_comments(app, [imported(str(n), thread=slug) for n, slug in enumerate(slugs)])
    line = next(line for line in report.lines() if "threads touched" in line)
    assert line == f"  threads touched: 25 ({', '.join(slugs[:20])}, …)"
    assert "story-20" not in line

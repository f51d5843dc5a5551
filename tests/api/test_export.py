"""The JSON export: every column of every comment, read back into an empty store as the same
rows, so exporting again gives the same bytes; a private file; other files refused."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime

from comments_api.actions import editor, exporting
from comments_api.actions.exporting import COLUMNS, FORMAT
from comments_api.actions.importing import import_comments
from comments_api.core.imported import ImportedComment
from comments_api.extensions import get_db
from comments_api.store import queries
from tests.support import EMAIL, THREAD, comment


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["comments", *args])


def fill(app) -> None:
    client = app.test_client()
    for n in range(5):
        body = f"Comment **{n}** — «مرحبا بالعالم» ✓"
        parent = n if n in (1, 2) else None
        answer = client.post("/api/comments", json=comment(body=body, parent=parent))
        assert answer.status_code == 201
    editor.set_status(app, [2], "pending")
    editor.set_status(app, [3], "spam")
    editor.delete(app, [4])
    when = datetime(2018, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    import_comments(app, [ImportedComment(
        "isso", "77", THREAD, None, "Imported", "", "", "Old *text*", when, "published",
        kind="trackback")])  # fmt: skip


def test_export_then_import_into_an_empty_store_gives_the_same_bytes(make_app, tmp_path):
    first = make_app()
    fill(first)
    exported = tmp_path / "export.json"
    assert cli(first, "export", str(exported)).exit_code == 0
    other = make_app(COMMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}")
    result = cli(other, "import", str(exported))
    assert result.exit_code == 0, result.output
    assert "Imported 6 comments." in result.output
    again = tmp_path / "again.json"
    assert cli(other, "export", str(again)).exit_code == 0
    assert again.read_bytes() == exported.read_bytes()
    document = json.loads(exported.read_text(encoding="utf-8"))
    statuses = {c["status"] for c in document["comments"]}
    assert statuses == {"published", "pending", "spam", "deleted"}
    # A new comment after the import gets a new id, never an exported one.
    assert other.test_client().post("/api/comments", json=comment(body="New")).json["id"] == 7


def test_the_format_has_fixed_keys_sorted_ids_and_utc_times(app, tmp_path):
    fill(app)
    path = tmp_path / "export.json"
    cli(app, "export", str(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    assert list(document) == ["format", "version", "comments"]
    assert (document["format"], document["version"]) == (FORMAT, 1)
    assert [c["id"] for c in document["comments"]] == [1, 2, 3, 4, 5, 6]
    assert all(tuple(c) == COLUMNS for c in document["comments"])
    first = document["comments"][0]
    assert first["email"] == EMAIL and first["created"].endswith("+00:00")
    assert document["comments"][5]["created"] == "2018-05-06T07:08:09.123456+00:00"
    assert document["comments"][3]["deleted"] is not None


def test_the_export_is_private_and_says_so(app, tmp_path):
    fill(app)
    path = tmp_path / "export.json"
    path.write_text("old")
    path.chmod(0o644)
    result = cli(app, "export", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "email" in result.output and "private" in result.output
    assert list(tmp_path.glob(".export-*")) == []


def test_importing_an_export_twice_adds_nothing(app, tmp_path):
    fill(app)
    path = tmp_path / "export.json"
    cli(app, "export", str(path))
    result = cli(app, "import", str(path))
    assert result.exit_code == 0
    assert "Imported 0 comments." in result.output
    assert "already there (imported before): 6" in result.output


def test_a_dry_run_writes_nothing_and_reports_the_same(make_app, tmp_path):
    first = make_app()
    fill(first)
    path = tmp_path / "export.json"
    cli(first, "export", str(path))
    other = make_app(COMMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}")
    dry = cli(other, "import", str(path), "--dry-run").output
    with get_db(other).read() as conn:
        assert queries.count_comments(conn) == 0
    real = cli(other, "import", str(path)).output
    assert dry.splitlines()[1:] == real.splitlines()[1:]
    assert "nothing stored" in dry.splitlines()[0]


def test_a_file_that_is_not_an_export_is_refused_in_one_line(app, tmp_path):
    for name, text in [("a.json", '{"comments": []}'), ("b.txt", "not json"),
                       ("c.json", json.dumps({"format": FORMAT, "version": 1,
                                              "comments": [{"id": 1}]}))]:  # fmt: skip
        path = tmp_path / name
        path.write_text(text)
        result = cli(app, "import", str(path))
        assert result.exit_code == 1
        assert len(result.output.strip().splitlines()) == 1
        assert result.output.startswith("Error: ")


def test_an_id_of_another_comment_refuses_the_whole_file(make_app, tmp_path):
    first = make_app()
    fill(first)
    path = tmp_path / "export.json"
    cli(first, "export", str(path))
    other = make_app(COMMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'other.db'}")
    other.test_client().post("/api/comments", json=comment(thread="second-story"))
    result = cli(other, "import", str(path))
    assert result.exit_code == 1 and "empty store" in result.output
    with get_db(other).read() as conn:
        assert queries.count_comments(conn) == 1


def test_reading_back_a_long_export_shows_its_progress_on_stderr(make_app, tmp_path, monkeypatch):
    first = make_app()
    fill(first)
    exported = tmp_path / "export.json"
    assert cli(first, "export", str(exported)).exit_code == 0
    monkeypatch.setattr(exporting, "PROGRESS_EVERY", 2)
    other = make_app(COMMENTS_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}")
    result = cli(other, "import", str(exported))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [f"  stored {n} of 6 comments" for n in (2, 4, 6)]
    assert "stored" not in result.stdout

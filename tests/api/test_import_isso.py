"""`comments import-isso`: a real Isso-shaped SQLite file, threads matched by page address."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest

from comments_api.extensions import get_db
from comments_api.importers.isso import IssoError, read_isso
from comments_api.importers.uris import page_path
from comments_api.store import queries
from tests.support import THREAD

ISSO_SCHEMA = """
CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
CREATE TABLE comments (
    tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
    created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
    text VARCHAR, author VARCHAR, email VARCHAR, website VARCHAR,
    likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
    notification INTEGER DEFAULT 0);
"""
START = datetime(2020, 2, 3, 4, 5, 6, tzinfo=UTC).timestamp()
PRIVATE_EMAIL = "isso.reader.private@example.org"
# (id, tid, parent, mode, text, author, email, likes): ten deep on thread 1, every mode.
ROWS = [
    *[(n, 1, n - 1 if n > 1 else None, 1, f"Level **{n}**", f"Reader {n}", "", 0)
      for n in range(1, 11)],
    (11, 1, None, 2, "בדיקה של טקסט מימין לשמאל", "שרה", PRIVATE_EMAIL, 3),
    (12, 1, None, 4, "", None, None, 0),
    (13, 1, 12, 1, "A reply to a deleted comment — ünïcödé ✓", None, "", 1),
    (14, 2, None, 1, "On the second story", "Ana", "", 0),
    (15, 3, None, 1, "On a page that is gone", "Bo", "", 0),
    (16, 1, 99, 2, "Parent missing", "Cy", "", 0),
]  # fmt: skip


def isso_file(path, prefix="") -> str:
    conn = sqlite3.connect(path)
    conn.executescript(ISSO_SCHEMA)
    conn.executemany(
        "INSERT INTO threads (id, uri, title) VALUES (?, ?, ?)",
        [(1, f"{prefix}/rebels-capture-hama.html", "Hama"),
         (2, f"{prefix}/world/second-story.html", "Second"), (3, "/gone.html", "Gone")],
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO comments (id, tid, parent, created, modified, mode, remote_addr, text,"
        " author, email, website, likes, dislikes, voters) VALUES"
        " (?, ?, ?, ?, NULL, ?, '192.0.2.0', ?, ?, ?, NULL, ?, 0, x'00')",
        [(i, t, p, START + i, m, text, a, e, likes) for i, t, p, m, text, a, e, likes in ROWS],
    )
    conn.commit()
    conn.close()
    return str(path)


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["comments", *args])


def rows_by_isso_id(app) -> dict[int, dict]:
    with get_db(app).read() as conn:
        return {int(row["source_id"]): row for row in queries.list_comments(conn)}


def test_every_comment_matches_its_isso_row(app, tmp_path):
    result = cli(app, "import-isso", isso_file(tmp_path / "isso.db"))
    assert result.exit_code == 0, result.output
    rows = rows_by_isso_id(app)
    assert sorted(rows) == [n for n in range(1, 17) if n != 15]
    statuses = {1: "published", 2: "pending", 4: "deleted"}
    for isso_id, tid, parent, mode, text, author, _email, _likes in ROWS:
        if isso_id == 15:
            continue
        row = rows[isso_id]
        assert row["status"] == statuses[mode]
        assert row["created"] == datetime.fromtimestamp(START + isso_id, UTC)
        assert row["thread"] == (THREAD if tid == 1 else "second-story")
        expected_parent = rows[parent]["id"] if parent in rows else None
        assert row["parent"] == expected_parent
        if mode != 4:
            assert row["body"] == text and row["author"] == (author or "Anonymous")
    assert rows[11]["email"] == PRIVATE_EMAIL and rows[11]["body"] == ROWS[10][4]
    assert rows[12]["body"] == "This comment was deleted."
    assert rows[10]["parent"] == rows[9]["id"]
    assert rows[1]["body_html"] == "<p>Level <strong>1</strong></p>"


def test_the_report_counts_skips_and_notes_without_emails(app, tmp_path):
    output = cli(app, "import-isso", isso_file(tmp_path / "isso.db")).output
    assert PRIVATE_EMAIL not in output
    lines = output.splitlines()
    assert lines[0] == "Imported 15 comments."
    assert "  statuses: published 12, pending 2, spam 0, deleted 1" in lines
    assert "  votes are not imported: 4 likes and dislikes on 2 comments" in lines
    assert ("  isso 16: its parent 99 is not in the file (or was skipped); imported as a"
            " top-level comment") in lines  # fmt: skip
    assert ("  isso thread 3 (/gone.html): no article at this address; its 1 comments skipped"
            " (name it in --map)") in lines  # fmt: skip


def test_importing_twice_adds_nothing(app, tmp_path):
    path = isso_file(tmp_path / "isso.db")
    cli(app, "import-isso", path)
    output = cli(app, "import-isso", path).output
    assert "Imported 0 comments." in output and "already there (imported before): 15" in output
    assert len(rows_by_isso_id(app)) == 15


def test_a_dry_run_writes_nothing_and_reports_the_same(app, tmp_path):
    path = isso_file(tmp_path / "isso.db")
    dry = cli(app, "import-isso", path, "--dry-run").output.splitlines()
    assert rows_by_isso_id(app) == {}
    real = cli(app, "import-isso", path).output.splitlines()
    assert dry[0] == "Would import 15 comments (dry run: nothing stored)."
    assert dry[1:] == real[1:]


def test_a_map_names_the_thread_of_a_moved_page(app, tmp_path):
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"/gone.html": "closed-story"}))
    cli(app, "import-isso", isso_file(tmp_path / "isso.db"), "--map", str(mapping))
    assert rows_by_isso_id(app)[15]["thread"] == "closed-story"


def test_the_site_prefix_is_ignored_when_matching_addresses(make_app, tmp_path):
    app = make_app(COMMENTS_SITE_URL="https://news.example.org/courier")
    cli(app, "import-isso", isso_file(tmp_path / "isso.db", prefix="/courier"))
    assert rows_by_isso_id(app)[14]["thread"] == "second-story"


def test_the_isso_file_is_opened_read_only(app, tmp_path):
    path = tmp_path / "isso.db"
    isso_file(path)
    before = path.read_bytes()
    path.chmod(0o444)
    assert cli(app, "import-isso", str(path)).exit_code == 0
    assert path.read_bytes() == before


@pytest.mark.parametrize("content", [b"not a database at all", None])
def test_a_file_that_is_not_an_isso_database_is_refused(app, tmp_path, content):
    path = tmp_path / "other.db"
    if content is None:
        sqlite3.connect(path).executescript("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
    else:
        path.write_bytes(content)
    with pytest.raises(IssoError, match="not an Isso database"):
        read_isso(path)
    result = cli(app, "import-isso", str(path))
    assert result.exit_code == 1 and "not an Isso database" in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("address", "site", "expected"),
    [
        ("/world/a.html", None, "world/a.html"),
        ("https://x.org/news/world/a.html?x=1#c", "https://x.org/news", "world/a.html"),
        ("/news/", "https://x.org/news/", "index.html"),
        ("world/a.html", "https://x.org/news", "world/a.html"),
    ],
)
def test_page_paths_ignore_the_leading_slash_and_the_site_prefix(address, site, expected):
    assert page_path(address, site) == expected

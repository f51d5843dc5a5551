"""`comments import-disqus`: Disqus XML exports the tests write, threads matched by address,
by identifier or by a map; every status; hostile and broken files refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

import pytest

from comments_api.extensions import get_db
from comments_api.store import queries
from tests.support import SITE, THREAD

PRIVATE_EMAIL = "disqus.reader.private@example.org"
START = datetime(2019, 3, 4, 5, 6, 7, tzinfo=UTC)
# (id, thread, parent, message, name, email, flags): ten deep on thread 1, every status.
POSTS = [
    *[(n, "1", n - 1 if n > 1 else None, f"<p>Level <b>{n}</b></p>", f"Reader {n}", "", {})
      for n in range(1, 11)],
    (11, "1", None, "<p>مرحبا، هذا نص من اليمين إلى اليسار</p>", "ليلى", PRIVATE_EMAIL, {}),
    (12, "1", None, "<p>Buy now</p>", "Spammer", "", {"isSpam": "true"}),
    (13, "1", None, "<p>Gone</p>", "Deleter", "", {"isDeleted": "true"}),
    (14, "1", None, "<p>Never approved</p>", "Waiter", "", {"isApproved": "false"}),
    (15, "2", None, "<p>By identifier <script>alert(1)</script></p>", "Ana", "", {}),
    (16, "3", None, "<p>On a page that is gone</p>", "Bo", "", {}),
    (17, "4", None, "<p>Mapped</p>", "Cy", "", {}),
]  # fmt: skip
THREADS = [
    ("1", f"{SITE}/rebels-capture-hama.html", ""),
    ("2", "https://old.example/p?id=2", "second-story"),
    ("3", "https://old.example/gone.html", ""),
    ("4", "https://old.example/moved.html", "old-identifier"),
]


def disqus_file(path, posts=POSTS, threads=THREADS) -> str:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">',
        '<category dsq:id="9"><forum>alden</forum><title>General</title></category>',
    ]
    for dsq_id, link, identifier in threads:
        parts.append(
            f'<thread dsq:id="{dsq_id}"><id>{identifier}</id><forum>alden</forum>'
            f"<link>{escape(link)}</link><title>T{dsq_id}</title></thread>"
        )
    for n, thread, parent, message, name, email, flags in posts:
        created = (START + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        state = {"isDeleted": "false", "isSpam": "false", **flags}
        extra = "".join(f"<{k}>{v}</{k}>" for k, v in state.items())
        parent_ref = f'<parent dsq:id="{parent}"/>' if parent else ""
        parts.append(
            f'<post dsq:id="{n}"><id/><message><![CDATA[{message}]]></message>'
            f"<createdAt>{created}</createdAt>{extra}<author><email>{email}</email><name>{name}</name>"
            f"<isAnonymous>false</isAnonymous></author><ipAddress>192.0.2.{n}</ipAddress>"
            f'<thread dsq:id="{thread}"/>{parent_ref}</post>'
        )  # fmt: skip
    parts.append("</disqus>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return str(path)


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["comments", *args])


def by_disqus_id(app) -> dict[int, dict]:
    with get_db(app).read() as conn:
        return {int(r["source_id"]): r for r in queries.list_comments(conn) if r["source_id"]}


def test_every_post_matches_its_disqus_post(app, tmp_path):
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"old-identifier": THREAD}))
    result = cli(app, "import-disqus", disqus_file(tmp_path / "d.xml"), "--map", str(mapping))
    assert result.exit_code == 0, result.output
    rows = by_disqus_id(app)
    assert sorted(rows) == [n for n in range(1, 18) if n != 16]
    statuses = {12: "spam", 13: "deleted", 14: "pending"}
    for n, thread, parent, _message, name, _email, _flags in POSTS:
        if n == 16:
            continue
        row = rows[n]
        assert row["status"] == statuses.get(n, "published"), n
        assert row["author"] == name
        assert row["created"] == START + timedelta(minutes=n)
        assert row["thread"] == ("second-story" if thread == "2" else THREAD)
        assert row["parent"] == (rows[parent]["id"] if parent else None)
        assert row["source"] == "disqus"
    assert rows[1]["body"] == "Level **1**"
    assert rows[1]["body_html"] == "<p>Level <strong>1</strong></p>"
    assert rows[11]["email"] == PRIVATE_EMAIL and "اليمين" in rows[11]["body_html"]
    # An imported comment is sanitised like a posted one.
    assert "<script>" not in rows[15]["body_html"]
    assert rows[3]["address_hash"] != "192.0.2.3" and len(rows[3]["address_hash"]) >= 32


def test_the_report_names_the_unmatched_thread_and_shows_no_email(app, tmp_path):
    result = cli(app, "import-disqus", disqus_file(tmp_path / "d.xml"))
    assert PRIVATE_EMAIL not in result.output
    lines = result.output.splitlines()
    assert lines[0] == "Imported 15 comments."
    assert "  statuses: published 12, pending 1, spam 1, deleted 1" in lines
    assert ("  disqus thread 3 (https://old.example/gone.html): no article at this address;"
            " its 1 comments skipped (name it in --map)") in lines  # fmt: skip


def test_importing_twice_adds_nothing_and_a_dry_run_stores_nothing(app, tmp_path):
    path = disqus_file(tmp_path / "d.xml")
    dry = cli(app, "import-disqus", path, "--dry-run").output.splitlines()
    assert by_disqus_id(app) == {}
    real = cli(app, "import-disqus", path).output.splitlines()
    assert dry[0] == "Would import 15 comments (dry run: nothing stored)."
    assert dry[1:] == real[1:]
    again = cli(app, "import-disqus", path).output
    assert "Imported 0 comments." in again and "already there (imported before): 15" in again
    assert len(by_disqus_id(app)) == 15


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<disqus xmlns="http://disqus.com"><post><message>&lol3;</message></post></disqus>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<disqus xmlns="http://disqus.com"><post><message>&secret;</message></post></disqus>"""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BILLION_LAUGHS, "entity declarations are not accepted"),
        (EXTERNAL, "entity declarations are not accepted"),
        ('<disqus xmlns="http://disqus.com"><post>', "not well-formed XML"),
        ('<rss version="2.0"><channel/></rss>', "is not a Disqus export"),
        ("", "not well-formed XML"),
    ],
    ids=["entity-expansion", "external-entity", "malformed", "not-disqus", "empty"],
)
def test_a_hostile_or_broken_file_is_refused_with_nothing_stored(app, tmp_path, content, message):
    path = tmp_path / "bad.xml"
    path.write_text(content, encoding="utf-8")
    result = cli(app, "import-disqus", str(path))
    assert result.exit_code == 1
    assert message in result.output and result.output.startswith("Error: ")
    assert by_disqus_id(app) == {}
    assert "root:" not in result.output  # nothing of /etc/passwd


def test_a_bad_map_is_refused(app, tmp_path):
    mapping = tmp_path / "map.json"
    mapping.write_text("[1, 2]")
    result = cli(app, "import-disqus", disqus_file(tmp_path / "d.xml"), "--map", str(mapping))
    assert result.exit_code == 1 and "not a JSON object" in result.output

"""`comments import-wxr`: a small WordPress site exported as WXR becomes Markdown files and
stored comments, one to one, safely and only once."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import update

from comments_api.actions import importing
from comments_api.core.imported import ImportedComment
from comments_api.extensions import get_db
from comments_api.importers.wxr import WxrError, survey
from comments_api.importers.wxr_markdown import autop, to_markdown
from comments_api.store import queries
from comments_api.store.schema import comments
from tests.api import conftest as api_fixtures
from tests.conftest import build_site

# The app fixtures of the service tests, used here too.
manifest, database_url = api_fixtures.manifest, api_fixtures.database_url
settings, make_app = api_fixtures.settings, api_fixtures.make_app

PRIVATE_EMAIL = "wp.reader.private@example.org"
HIDDEN_TEXT = "Held back: this pending text must not reach a page"
SPAM_TEXT = "Cheap pills, spam text never shown"
RTL = "תגובה בעברית — تعليق بالعربية"
START = datetime(2021, 3, 4, 5, 0, tzinfo=UTC)

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Old Courier</title><link>https://old.example.org</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://old.example.org</wp:base_site_url>
<wp:base_blog_url>https://old.example.org</wp:base_blog_url>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[maya]]></wp:author_login>
<wp:author_display_name><![CDATA[Maya Okafor]]></wp:author_display_name></wp:author>
<wp:author><wp:author_id>2</wp:author_id><wp:author_login><![CDATA[omar]]></wp:author_login>
<wp:author_display_name><![CDATA[عمر الفاروق]]></wp:author_display_name></wp:author>
"""

NO_DATE = "0000-00-00 00:00:00"
CAPTION = (
    '[caption id="attachment_7" align="alignnone" width="300"]<img src='
    '"https://old.example.org/wp-content/uploads/harbour.jpg" alt="The harbour" width="300" />'
    " Boats at dawn in the harbour[/caption]"
)


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def comment_xml(c: dict) -> str:
    return f"""<wp:comment>
<wp:comment_id>{c["id"]}</wp:comment_id>
<wp:comment_author><![CDATA[{c["author"]}]]></wp:comment_author>
<wp:comment_author_email><![CDATA[{c.get("email", "")}]]></wp:comment_author_email>
<wp:comment_author_url>{c.get("url", "")}</wp:comment_author_url>
<wp:comment_author_IP><![CDATA[192.0.2.7]]></wp:comment_author_IP>
<wp:comment_date><![CDATA[{_time(c["created"])}]]></wp:comment_date>
<wp:comment_date_gmt><![CDATA[{_time(c["created"])}]]></wp:comment_date_gmt>
<wp:comment_content><![CDATA[{c["body"]}]]></wp:comment_content>
<wp:comment_approved><![CDATA[{c["approved"]}]]></wp:comment_approved>
<wp:comment_type><![CDATA[{c.get("type", "comment")}]]></wp:comment_type>
<wp:comment_parent>{c.get("parent", 0)}</wp:comment_parent>
<wp:comment_user_id>0</wp:comment_user_id>
</wp:comment>"""


def item_xml(
    post_id: int, title: str, name: str, *, post_type: str = "post", status: str = "publish",
    content: str = "", excerpt: str = "", creator: str = "maya", date: str | None = None,
    password: str = "", parent: int = 0, categories: tuple = (), tags: tuple = (),
    comments: tuple = (), attachment_url: str = "",
) -> str:  # fmt: skip
    date = date or _time(START)
    terms = "".join(
        f'<category domain="category" nicename="{c.lower()}"><![CDATA[{c}]]></category>'
        for c in categories
    ) + "".join(f'<category domain="post_tag" nicename="{t}"><![CDATA[{t}]]></category>'
                for t in tags)  # fmt: skip
    return f"""<item>
<title>{escape(title)}</title>
<link>https://old.example.org/2021/03/{name or post_id}/</link>
<dc:creator><![CDATA[{creator}]]></dc:creator>
<content:encoded><![CDATA[{content}]]></content:encoded>
<excerpt:encoded><![CDATA[{excerpt}]]></excerpt:encoded>
<wp:post_id>{post_id}</wp:post_id>
<wp:post_date><![CDATA[{date}]]></wp:post_date>
<wp:post_date_gmt><![CDATA[{date if status != "draft" else NO_DATE}]]></wp:post_date_gmt>
<wp:post_modified_gmt><![CDATA[2021-03-05 06:30:00]]></wp:post_modified_gmt>
<wp:comment_status>open</wp:comment_status>
<wp:post_name><![CDATA[{name}]]></wp:post_name>
<wp:status><![CDATA[{status}]]></wp:status>
<wp:post_parent>{parent}</wp:post_parent>
<wp:post_type><![CDATA[{post_type}]]></wp:post_type>
<wp:post_password><![CDATA[{password}]]></wp:post_password>
{f"<wp:attachment_url>{attachment_url}</wp:attachment_url>" if attachment_url else ""}
{terms}
{"".join(comment_xml(c) for c in comments)}
</item>"""


def chain(first: int, count: int, created: datetime, author: str) -> list[dict]:
    """Return `count` comments, each a reply to the one before (ten deep)."""
    return [
        {"id": first + n, "author": f"{author} {n}", "body": f"Level {n + 1} of the thread",
         "created": created.replace(minute=n), "approved": "1",
         "parent": first + n - 1 if n else 0}
        for n in range(count)
    ]  # fmt: skip


HELLO_COMMENTS = [
    *chain(101, 10, START.replace(hour=6), "Reader"),
    {"id": 111, "author": "Another blog", "body": "[…] a pingback […]", "type": "pingback",
     "created": START.replace(hour=7), "approved": "1", "url": "https://other.example.com/p"},
    {"id": 112, "author": "Third blog", "body": "A trackback excerpt", "type": "trackback",
     "created": START.replace(hour=7, minute=5), "approved": "1"},
    {"id": 113, "author": "Waiting", "body": HIDDEN_TEXT, "approved": "0",
     "created": START.replace(hour=8), "email": PRIVATE_EMAIL},
    {"id": 114, "author": "Spammer", "body": SPAM_TEXT, "approved": "spam",
     "created": START.replace(hour=8, minute=1), "email": PRIVATE_EMAIL},
    {"id": 115, "author": "Regretful", "body": "Trashed words", "approved": "trash",
     "created": START.replace(hour=8, minute=2)},
    {"id": 116, "author": "שרה", "body": RTL + "\n\nSecond paragraph, <em>ünïcödé</em> ✓",
     "approved": "1", "created": START.replace(hour=9), "parent": 105,
     "email": PRIVATE_EMAIL},
]  # fmt: skip
SECOND_COMMENTS = chain(201, 10, START.replace(hour=10), "Sailor")
ALL_COMMENTS = {c["id"]: c for c in [*HELLO_COMMENTS, *SECOND_COMMENTS]}


def sample_wxr(path: Path) -> Path:
    """Write the sample site's export: two posts, a page, a draft, a protected and a
    future post, an attachment and a menu item."""
    hello = (
        "The harbour woke early.\nBoats left at dawn.\n\n"
        f"{CAPTION}\n\n"
        '[gallery ids="7,8"]\n\n'
        '<img src="https://old.example.org/wp-content/uploads/map.png" alt="Map" />'
    )
    items = [
        item_xml(1, "Hello harbour", "hello-harbour", content=hello, categories=("Local", "World"),
                 tags=("harbour", "boats"), excerpt="The harbour <em>woke</em>\nearly.",
                 comments=tuple(HELLO_COMMENTS)),
        item_xml(2, "Ünïcode café story", "", content=f"{RTL}\n\nCafé ☕", creator="omar",
                 comments=tuple(SECOND_COMMENTS)),
        item_xml(3, "About us", "about-us", post_type="page", content="We are old."),
        item_xml(4, "Half written", "half-written", status="draft", content="Not yet."),
        item_xml(5, "Members only", "members-only", password="s3cret", content="Locked."),
        item_xml(6, "Next year", "next-year", status="future", date="2099-01-02 03:04:00",
                 content="Scheduled."),
        item_xml(7, "harbour.jpg", "harbour-jpg", post_type="attachment", status="inherit",
                 parent=1, attachment_url="https://old.example.org/wp-content/uploads/harbour.jpg"),
        item_xml(8, "Home", "home", post_type="nav_menu_item"),
    ]  # fmt: skip
    path.write_text(HEAD + "\n".join(items) + "\n</channel>\n</rss>\n", encoding="utf-8")
    return path


@pytest.fixture
def wxr_file(tmp_path) -> Path:
    return sample_wxr(tmp_path / "export.xml")


@pytest.fixture
def content(tmp_path) -> Path:
    return tmp_path / "content"


def run(app, *args):
    return app.test_cli_runner().invoke(args=["comments", "import-wxr", *map(str, args)])


def stored(app) -> dict[int, dict]:
    with get_db(app).read() as conn:
        return {int(row["source_id"]): row for row in queries.list_comments(conn)}


def header(path: Path) -> dict[str, str]:
    head = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    return dict(line.split(": ", 1) for line in head.splitlines())


def files_under(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_posts_and_pages_become_markdown_files_with_their_headers(make_app, wxr_file, content):
    result = run(make_app(), wxr_file, "--content", content)
    assert result.exit_code == 0, result.output
    assert sorted(p for p in files_under(content) if p.endswith(".md")) == [
        "articles/half-written.md", "articles/hello-harbour.md", "articles/members-only.md",
        "articles/next-year.md", "articles/unicode-cafe-story.md", "pages/about-us.md",
    ]  # fmt: skip
    hello = header(content / "articles/hello-harbour.md")
    assert hello == {
        "Title": "Hello harbour", "Slug": "hello-harbour", "Date": "2021-03-04 05:00",
        "Modified": "2021-03-05 06:30", "Author": "Maya Okafor", "Category": "Local",
        "Tags": "harbour, boats", "Summary": "The harbour *woke* early.", "Wordpress_id": "1",
    }  # fmt: skip
    body = (content / "articles/hello-harbour.md").read_text(encoding="utf-8").split("\n\n", 1)[1]
    assert "The harbour woke early.  \nBoats left at dawn." in body
    assert "![The harbour](https://old.example.org/wp-content/uploads/harbour.jpg)" in body
    assert "*Boats at dawn in the harbour*" in body and "[caption" not in body
    assert '[gallery ids="7,8"]' in body
    second = (content / "articles/unicode-cafe-story.md").read_text(encoding="utf-8")
    assert "Author: عمر الفاروق" in second and RTL in second and "Café ☕" in second
    assert "Category" not in header(content / "pages/about-us.md")
    for draft in ("half-written", "members-only"):
        assert header(content / f"articles/{draft}.md")["Status"] == "draft"
    assert header(content / "articles/half-written.md")["Date"] == "2021-03-04 05:00"
    # A scheduled post keeps its date; the build holds it until then (WITH_FUTURE_DATES False).
    future = header(content / "articles/next-year.md")
    assert future["Date"] == "2099-01-02 03:04" and "Status" not in future
    output = result.output
    assert "Wrote 6 Markdown files." in output
    assert "[gallery] in hello-harbour" in output and "[caption]" not in output
    assert "https://old.example.org/wp-content/uploads/map.png" in output
    assert "https://old.example.org/wp-content/uploads/harbour.jpg" in output
    assert "nav_menu_item: 1 items not imported (ids 8)" in output
    redirects = json.loads((content / "extra/redirects.json").read_text(encoding="utf-8"))
    assert redirects["/2021/03/hello-harbour/"] == "hello-harbour.html"
    assert redirects["/?p=3"] == "pages/about-us.html"
    assert "/?p=4" not in redirects


def test_every_comment_matches_its_wordpress_comment(make_app, wxr_file, content):
    app = make_app()
    result = run(app, wxr_file, "--content", content)
    assert result.exit_code == 0, result.output
    rows = stored(app)
    assert sorted(rows) == sorted(ALL_COMMENTS)
    ours = {wp_id: row["id"] for wp_id, row in rows.items()}
    # Into a store without them, each comment keeps its WordPress id: old #comment-ID links.
    assert ours == {wp_id: wp_id for wp_id in ALL_COMMENTS}
    statuses = {"1": "published", "0": "pending", "spam": "spam", "trash": "deleted"}
    for wp_id, source in ALL_COMMENTS.items():
        row = rows[wp_id]
        assert row["source"] == "wordpress"
        assert row["thread"] == ("hello-harbour" if wp_id < 200 else "unicode-cafe-story")
        assert row["author"] == source["author"]
        assert row["created"] == source["created"]
        assert row["status"] == statuses[source["approved"]]
        assert row["kind"] == source.get("type", "comment")
        assert row["email"] == source.get("email", "")
        parent = source.get("parent", 0)
        assert row["parent"] == (ours[parent] if parent else None)
    assert rows[110]["body"] == "Level 10 of the thread"
    assert rows[116]["body"] == RTL + "\n\nSecond paragraph, *ünïcödé* ✓"
    assert "Imported 26 comments." in result.output
    assert "statuses: published 23, pending 1, spam 1, deleted 1" in result.output
    assert "kinds: comment 24, pingback 1, trackback 1" in result.output


def test_a_second_run_adds_nothing(make_app, wxr_file, content):
    app = make_app()
    assert run(app, wxr_file, "--content", content).exit_code == 0
    before, rows = files_under(content), stored(app)
    again = run(app, wxr_file, "--content", content)
    assert again.exit_code == 0, again.output
    assert files_under(content) == before
    assert stored(app).keys() == rows.keys()
    assert "Wrote 0 Markdown files." in again.output
    assert "already there (identical): 6" in again.output
    assert "Imported 0 comments." in again.output
    assert "already there (imported before): 26" in again.output


def test_dry_run_writes_nothing_and_prints_the_real_report(make_app, wxr_file, content):
    app = make_app()
    dry = run(app, wxr_file, "--content", content, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert files_under(content) == {} and stored(app) == {}
    real = run(app, wxr_file, "--content", content)
    assert real.exit_code == 0, real.output
    as_real = (
        dry.output.replace("Would write", "Wrote").replace("would write", "wrote")
        .replace(" (dry run: nothing written)", "").replace(" (dry run: nothing stored)", "")
        .replace("Would import", "Imported").replace("not written (dry run)", "written")
    )  # fmt: skip
    assert as_real == real.output


def test_an_edited_import_is_kept_and_a_stranger_file_is_a_conflict(make_app, wxr_file, content):
    app = make_app()
    stranger = content / "articles" / "hello-harbour.md"
    stranger.parent.mkdir(parents=True)
    stranger.write_text("Title: Someone else's\nSlug: hello-harbour\n\nMine.\n", encoding="utf-8")
    result = run(app, wxr_file, "--content", content)
    assert result.exit_code == 0, result.output
    assert stranger.read_text(encoding="utf-8").endswith("Mine.\n")
    assert "articles/hello-harbour.md: a different file is there" in result.output
    assert "articles/hello-harbour.md: its 16 comments left out" in result.output
    assert {row["thread"] for row in stored(app).values()} == {"unicode-cafe-story"}
    edited = content / "articles" / "unicode-cafe-story.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nAn editor's note.\n", "utf-8")
    again = run(app, wxr_file, "--content", content)
    assert "articles/unicode-cafe-story.md: changed since it was imported" in again.output
    assert edited.read_text(encoding="utf-8").endswith("An editor's note.\n")


WP = "http://wordpress.org/export/1.2/"
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&d;</title></channel></rss>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&x;</title></channel></rss>
"""
PLAIN_RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>A feed</title></channel></rss>'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BILLION_LAUGHS, "refused: the file declares XML entities"),
        (EXTERNAL, "refused: the file declares XML entities"),
        (f"<rss xmlns:wp={WP!r}><channel><item><title>cut", "is not well-formed XML"),
        (PLAIN_RSS, "is not a WordPress export (no wp: namespace)"),
        ("<html><body>Hi</body></html>", "is not a WordPress export (its root is <html>"),
    ],
    ids=["billion-laughs", "external-entity", "malformed", "plain-rss", "not-rss"],
)
def test_a_refused_file_gets_one_line_and_writes_nothing(make_app, tmp_path, content, text,
                                                          message):  # fmt: skip
    app = make_app()
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    result = run(app, path, "--content", content)
    assert result.exit_code == 1
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert files_under(content) == {} and stored(app) == {}


def test_a_broken_end_writes_nothing_though_the_items_before_it_are_good(
    make_app, wxr_file, content
):
    app = make_app()
    wxr_file.write_text(wxr_file.read_text(encoding="utf-8")[:-20], encoding="utf-8")
    result = run(app, wxr_file, "--content", content)
    assert result.exit_code == 1 and "is not well-formed XML" in result.output
    assert files_under(content) == {} and stored(app) == {}


def test_survey_learns_authors_slugs_and_attachments(wxr_file):
    site = survey(wxr_file)
    assert site.version == "1.2" and site.authors["omar"] == "عمر الفاروق"
    assert site.slugs["2"] == "unicode-cafe-story" and "8" not in site.slugs
    assert site.attachments == {"1": ["https://old.example.org/wp-content/uploads/harbour.jpg"]}
    with pytest.raises(WxrError):
        survey(wxr_file.with_name("missing.xml"))


def test_autop_makes_paragraphs_and_leaves_blocks_and_pre_alone():
    html = "One\ntwo\n\n<ul>\n<li>a</li>\n</ul>\n\n<pre>x\n\ny</pre>\n\nThree"
    assert autop(html) == (
        "<p>One<br />\ntwo</p>\n\n<ul>\n<li>a</li>\n</ul>\n\n<pre>x\n\ny</pre>\n\n<p>Three</p>"
    )


def test_block_editor_posts_are_not_autop_ed():
    converted = to_markdown("<!-- wp:paragraph -->\n<p>One\ntwo</p>\n<!-- /wp:paragraph -->")
    assert converted.markdown == "One\ntwo"


def test_the_built_site_shows_published_comments_only(make_app, wxr_file, content, tmp_path,
                                                      database_url):  # fmt: skip
    assert run(make_app(), wxr_file, "--content", content).exit_code == 0
    output = build_site(tmp_path / "output", content, COMMENTS_DATABASE_URL=database_url)
    article = (output / "hello-harbour.html").read_text(encoding="utf-8")
    assert "Level 10 of the thread" in article and RTL in article
    assert "A trackback excerpt" in article
    assert not (output / "half-written.html").exists()
    assert not (output / "next-year.html").exists()
    for path in output.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            for secret in (HIDDEN_TEXT, SPAM_TEXT, "Trashed words", PRIVATE_EMAIL):
                assert secret not in text, (path, secret)


def test_old_comment_anchors_find_their_comment_on_the_built_page(
    make_app, wxr_file, content, tmp_path, database_url
):
    app = make_app()
    # A comment already has the id of one WordPress comment (105): that one gets a new id.
    importing.import_comments(app, [isso_comment("1")])
    with get_db(app).write() as conn:
        conn.execute(update(comments).where(comments.c.id == 1).values(id=105))
        queries.advance_comment_ids(conn)
    result = run(app, wxr_file, "--content", content)
    assert result.exit_code == 0, result.output
    assert ("wordpress 105: another comment here has the id 105, so it gets a new one;"
            " old links to #comment-105 lead to its article") in result.output  # fmt: skip
    rows = stored_by_key(app)
    assert rows[("wordpress", "110")]["id"] == 110
    moved = rows[("wordpress", "105")]["id"]
    assert moved not in ALL_COMMENTS and moved > 105
    # Comments posted after the import get ids after every kept one.
    importing.import_comments(app, [isso_comment("2")])
    assert stored_by_key(app)[("isso", "2")]["id"] > max(ALL_COMMENTS)
    output = build_site(tmp_path / "output", content, COMMENTS_DATABASE_URL=database_url)
    soup = BeautifulSoup((output / "hello-harbour.html").read_text(encoding="utf-8"),
                         "html.parser")  # fmt: skip
    assert "Level 10 of the thread" in soup.find(id="comment-110").get_text()
    assert "Level 5 of the thread" in soup.find(id=f"comment-{moved}").get_text()


def isso_comment(source_id: str) -> ImportedComment:
    return ImportedComment(
        source="isso", source_id=source_id, thread="hello-harbour", parent_id=None,
        author="Earlier reader", email="", url="", body="Here before the import.",
        created=START, status="published",
    )  # fmt: skip


def stored_by_key(app) -> dict[tuple[str, str], dict]:
    with get_db(app).read() as conn:
        return {(row["source"], row["source_id"]): row for row in queries.list_comments(conn)}


def test_a_long_import_shows_its_progress_on_stderr(make_app, wxr_file, content, monkeypatch):
    # As a 10,000-comment import would: a line per PROGRESS_EVERY comments read and stored.
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 10)
    result = run(make_app(), wxr_file, "--content", content)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert re.fullmatch(r"  read and checked 26 comments \([\d,]+ a second\)", lines[0]), lines
    # Rows are stored a depth of the threads at a time; a line when a batch passes ten more.
    assert lines[1:] == ["  storing 26 comments in one transaction", "  stored 11 of 26",
                         "  stored 20 of 26"]  # fmt: skip
    assert "storing" not in result.stdout and "Imported" in result.stdout
    # The handler goes with the command: nothing is printed outside it.
    assert not importing.progress.handlers

"""A comment published while the site is being built is not lost: the build notes the store's
latest change before it reads the comments, and its last step updates the pages whose comments
changed since (plugins/comments, ThreadManifestGenerator.replay_changes)."""

from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path

import pytest
from pelican import signals

from comments_api import create_app
from comments_api.extensions import get_db
from comments_api.store import queries
from tests.conftest import ROOT, build_site
from tests.support import LIMITS_OFF, MODERATION_OFF, SECRET, comment, write_manifest

BEFORE = "rebels-capture-hama"  # gets a comment before the build: the ordinary bake shows it
DURING = "tervana-delta-floods"  # gets one while Pelican writes the articles: only the replay
SHOWN = re.compile(r'id="comment-(\d+)"')

# The receivers of one signal run in no set order (blinker keeps them in a set), so the probe
# does not race the comments plugin on article_generator_finalized: it acts while the article
# pages are written, after the comments were read, before the plugin's generator runs.
PROBE = '''
"""Written by tests/test_build_replay.py: calls the test's REPLAY_PROBE before each article
page is written."""
from pelican import signals


def write_article(generator, content):
    probe = generator.settings.get("REPLAY_PROBE")
    if probe is not None:
        probe(content)


def register():
    signals.article_generator_write_article.connect(write_article)
'''


@pytest.fixture
def probe_plugin(tmp_path):
    """Return the name of a one-file Pelican plugin in tmp_path/plugins; forget it afterwards."""
    name = f"replay_probe_{uuid.uuid4().hex[:8]}"
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / f"{name}.py").write_text(PROBE)
    yield name, folder
    module = sys.modules.pop(name, None)
    if module is not None:
        signals.article_generator_write_article.disconnect(module.write_article)


def shown(output: Path, thread: str) -> list[int]:
    return [int(n) for n in SHOWN.findall((output / f"{thread}.html").read_text("utf-8"))]


def test_a_comment_published_while_the_build_runs_is_on_its_page_after_the_build(
    tmp_path, probe_plugin
):
    name, plugins = probe_plugin
    store = f"sqlite:///{tmp_path / 'comments.db'}"
    # The service: it takes comments on both articles, and never writes a page itself.
    manifest = write_manifest(
        tmp_path / "service" / "comments" / "threads.json",
        {BEFORE: {"url": f"{BEFORE}.html"}, DURING: {"url": f"{DURING}.html"}},
    )
    app = create_app({
        "COMMENTS_DATABASE_URL": store, "COMMENTS_SECRET_KEY": SECRET,
        "COMMENTS_MANIFEST": manifest, "COMMENTS_SITE_DIR": tmp_path / "service",
        "COMMENTS_PAGE_WORKER": "inline", "COMMENTS_ON_PUBLISH": "off",
        **LIMITS_OFF, **MODERATION_OFF,
    })  # fmt: skip
    client = app.test_client()
    before = client.post("/api/comments", json=comment(thread=BEFORE, body="Before the build."))
    assert before.status_code == 201
    seen: dict[str, object] = {}

    def publish_while_writing(article) -> None:
        if article.slug != DURING or "id" in seen:
            return
        body = "Published while the build wrote the pages."
        answer = client.post("/api/comments", json=comment(thread=DURING, body=body))
        assert answer.status_code == 201, answer.get_data(as_text=True)
        seen["id"] = answer.get_json()["id"]
        # The page Pelican writes now has the section the build read: without this comment.
        seen["in_section"] = body in article.comments.html

    try:
        output = build_site(
            tmp_path / "output",
            COMMENTS_DATABASE_URL=store,
            PLUGIN_PATHS=[str(ROOT / "plugins"), str(plugins)],
            PLUGINS=["pelican.plugins.check_also", "comments", "sitemap", name],
            REPLAY_PROBE=publish_while_writing,
        )
        assert "id" in seen, "the probe plugin never ran"
        assert seen["in_section"] is False
        # The ordinary bake: a comment stored before the build is on its page.
        assert shown(output, BEFORE) == [before.get_json()["id"]]
        # The replay: the one published meanwhile is on its page too.
        assert shown(output, DURING) == [seen["id"]]
        page = (output / f"{DURING}.html").read_text("utf-8")
        assert page.count("Published while the build wrote the pages.") == 1
        with get_db(app).read() as conn:
            assert queries.latest_change(conn) == 2  # two changes, each on its own page
    finally:
        get_db(app).dispose()

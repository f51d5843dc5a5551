"""Pelican plugin: comment sections baked into article pages, and the thread manifest.

At build time it reads the published comments from the comment store (the same
COMMENTS_DATABASE_URL the service uses), gives every article a `comments` attribute for the
templates, and writes `comments/threads.json`, the list of threads the service accepts.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from pelican import signals
from pelican.generators import Generator

from .discussion import make_discussion
from .manifest import manifest_data, write_manifest
from .store import honeypot_field, read_comments
from .threads import check_close_after_days, thread_state

log = logging.getLogger(__name__)
CONTEXT_KEY = "comment_threads"
RENDER_SETTINGS = ("COMMENTS_API_PATH", "COMMENTS_MAX_DEPTH")


def thread_ids(generator) -> dict:
    """Return the thread of each article: its slug, with the language for a translation."""
    ids = {article: article.slug for article in generator.articles}
    ids.update({t: f"{t.slug}-{t.lang}" for t in generator.translations})
    return ids


def attach_discussions(generator) -> None:
    """Give every published article (and translation) its comment section."""
    settings = generator.settings
    threads = thread_ids(generator)
    articles = list(threads)
    generator.context[CONTEXT_KEY] = []
    # The form's hidden trap field is named by the service, which refuses posts that fill it.
    generator.context["COMMENTS_HONEYPOT_FIELD"] = honeypot_field()
    if not settings.get("COMMENTS_ENABLED", True):
        for article in articles:
            article.comments = None
        return
    close_after = check_close_after_days(settings.get("COMMENTS_CLOSE_AFTER_DAYS", 0))
    max_depth = settings.get("COMMENTS_MAX_DEPTH", 5)
    now = datetime.now(UTC)
    states = {}
    for article in articles:
        published = article.date if article.date.tzinfo else article.date.replace(tzinfo=UTC)
        states[article] = thread_state(
            article.metadata.get("comments"), published, now, close_after
        )
    enabled = [a for a in articles if states[a].enabled]
    comments = read_comments(settings, [threads[a] for a in enabled])
    for article in articles:
        if not states[article].enabled:
            article.comments = None
            continue
        published = comments.get(threads[article], [])
        discussion = make_discussion(threads[article], states[article], published, now, max_depth)
        article.comments = discussion
        generator.context[CONTEXT_KEY].append(
            (discussion, article.url, article.title, article.date.isoformat())
        )


def render_settings(settings) -> dict:
    """Return what the comment partial needs to be rendered again, outside Pelican."""
    folders = list(settings.get("THEME_TEMPLATES_OVERRIDES", []))
    folders.append(os.path.join(settings["THEME"], "templates"))
    return {
        "templates": [os.path.abspath(folder) for folder in folders],
        "jinja": {
            k: v for k, v in settings.get("JINJA_ENVIRONMENT", {}).items() if k != "extensions"
        },
        "context": {
            **{name: settings.get(name) for name in RENDER_SETTINGS},
            "COMMENTS_HONEYPOT_FIELD": honeypot_field(),
        },
    }


class ThreadManifestGenerator(Generator):
    """Write the manifest after the output folder is cleaned, with the other output."""

    def generate_output(self, writer) -> None:
        """Write comments/threads.json into the output folder."""
        entries = self.context.get(CONTEXT_KEY)
        if entries is None:
            return
        data = manifest_data(
            self.settings.get("SITEURL", ""),
            entries,
            render_settings(self.settings),
            self.settings.get("SITENAME", ""),
        )
        path = write_manifest(self.output_path, data)
        log.debug("comments: wrote %s threads to %s", len(data["threads"]), path)


def get_generators(pelican):
    """Add the manifest writer to the build."""
    return ThreadManifestGenerator


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.article_generator_finalized.connect(attach_discussions)
    signals.get_generators.connect(get_generators)

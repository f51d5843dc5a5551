"""Pelican plugin: comment sections baked into article pages, and the thread manifest.

A thin adapter: at build time it reads the published comments from the comment store (the
same COMMENTS_DATABASE_URL the service uses), gives every article a `comments` attribute
(None, or the section with its `discussion` and rendered `html`), and writes
`comments/threads.json`, the list of threads the service accepts. What it renders and writes
comes from comments_api.bake, which the service uses for its page updates too.

A comment published while the build runs is not lost: the build notes the store's latest
change before reading the comments, and its last step, under the page lock the service's
page updates take, brings every page whose comments changed since then up to date.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from comments_api.bake.discussion import Discussion, make_discussions
from comments_api.bake.manifest import (
    DEFAULT_API_PATH,
    DEFAULT_MAX_DEPTH,
    DEFAULT_PER_PAGE,
    Entry,
    manifest_data,
    parse_manifest,
    write_manifest,
)
from comments_api.bake.page_update import refresh_threads
from comments_api.bake.section import render_section
from comments_api.bake.threads import check_close_after_days, thread_state
from comments_api.settings import read_setting
from comments_api.store.queries import (
    read_changed_since,
    read_latest_change,
    read_published,
    read_thread_rules,
)

log = logging.getLogger(__name__)
CONTEXT_KEY = "comment_threads"
# The store's latest change when the build read the comments: later ones are replayed.
CHANGE_KEY = "comment_changes_read"
# Threads with older comment pages, written beside their articles once those are written.
PAGED_KEY = "comment_threads_paged"


@dataclass(frozen=True)
class Section:
    """An article's comment section, as the theme shows it: `{{ article.comments.html }}`."""

    discussion: Discussion
    html: str


def thread_ids(generator) -> dict:
    """Return the thread of each article: its slug, with the language for a translation."""
    ids = {article: article.slug for article in generator.articles}
    ids.update({t: f"{t.slug}-{t.lang}" for t in generator.translations})
    return ids


def theme_folders(settings) -> list[str]:
    """Return the template folders of the build's theme, overrides first, as Pelican does."""
    folders = list(settings.get("THEME_TEMPLATES_OVERRIDES", []))
    folders.append(os.path.join(settings["THEME"], "templates"))
    return [os.path.abspath(folder) for folder in folders]


def section_settings(settings) -> dict:
    """Return the API path, reply depth and top-level comments per page the sections (and
    the manifest) are made with."""
    per_page = settings.get("COMMENTS_PER_PAGE", DEFAULT_PER_PAGE)
    if not isinstance(per_page, int) or isinstance(per_page, bool) or per_page < 0:
        raise ValueError(
            f"COMMENTS_PER_PAGE must be a whole number (0: one page), not {per_page!r}"
        )
    return {
        "api_path": settings.get("COMMENTS_API_PATH") or DEFAULT_API_PATH,
        "max_depth": settings.get("COMMENTS_MAX_DEPTH") or DEFAULT_MAX_DEPTH,
        "per_page": per_page,
    }


def database_url(settings) -> str | None:
    """Return the comment store the build reads: its setting, else the service's; None when
    the setting is there but empty (a build without comments: `make publish` without a
    production store)."""
    if "COMMENTS_DATABASE_URL" in settings:
        return settings["COMMENTS_DATABASE_URL"] or None
    return read_setting("COMMENTS_DATABASE_URL")


def read_comments(
    settings, threads: list[str]
) -> tuple[dict[str, list[dict]], dict[str, bool], int | None]:
    """Return the published comments of `threads`, the articles the desk opened or closed,
    and the store's latest change before they were read; none and None when there is no
    usable store."""
    try:
        url = database_url(settings)
        if url is None:
            return {}, {}, None
        latest = read_latest_change(url)
        return read_published(url, threads), read_thread_rules(url), latest
    except Exception as error:  # a bad store must not stop the build; the pages show none
        log.warning("comments: could not read the comment store (%s)", type(error).__name__)
        return {}, {}, None


def attach_discussions(generator) -> None:
    """Give every published article (and translation) its comment section."""
    settings = generator.settings
    threads = thread_ids(generator)
    articles = list(threads)
    generator.context[CONTEXT_KEY] = []
    generator.context[PAGED_KEY] = []
    if not settings.get("COMMENTS_ENABLED", True):
        for article in articles:
            article.comments = None
        return
    close_after = check_close_after_days(settings.get("COMMENTS_CLOSE_AFTER_DAYS", 0))
    options = section_settings(settings)
    folders = theme_folders(settings)
    now = datetime.now(UTC)
    states = {}
    for article in articles:
        published = article.date if article.date.tzinfo else article.date.replace(tzinfo=UTC)
        states[article] = thread_state(article.metadata.get("comments"), published, close_after)
    enabled = [a for a in articles if states[a].enabled]
    wanted = [threads[a] for a in enabled]
    comments, desk_words, generator.context[CHANGE_KEY] = read_comments(settings, wanted)
    for article in articles:
        state = states[article]
        if not state.enabled:
            article.comments = None
            continue
        published = comments.get(threads[article], [])
        pages = make_discussions(
            threads[article],
            state.with_desk_word(desk_words.get(threads[article])),
            published,
            now,
            options["max_depth"],
            per_page=options["per_page"],
            article_url=article.url,
        )
        discussion = pages[-1]
        if len(pages) > 1:
            generator.context[PAGED_KEY].append(threads[article])
        html = render_section(
            discussion, folders, api_path=options["api_path"], max_depth=options["max_depth"]
        )
        article.comments = Section(discussion, html)
        generator.context[CONTEXT_KEY].append(
            Entry(threads[article], article.url, article.title, article.date.isoformat(), state)
        )


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
            site_name=self.settings.get("SITENAME", ""),
            **section_settings(self.settings),
        )
        path = write_manifest(self.output_path, data)
        log.debug("comments: wrote %s threads to %s", len(data["threads"]), path)
        self.replay_changes(data)

    def replay_changes(self, data: dict) -> None:
        """Write the older comment pages, and update the pages whose comments changed while
        the build ran (the articles are written: Pelican runs the plugins' generators after
        its own)."""
        read_at = self.context.get(CHANGE_KEY)
        if read_at is None:
            return
        url = database_url(self.settings)
        try:
            changed = set(read_changed_since(url, read_at)) & set(data["threads"])
            changed.update(self.context.get(PAGED_KEY, ()))
            if changed:
                written = refresh_threads(
                    parse_manifest(data),
                    Path(self.output_path),
                    theme_folders(self.settings),
                    url,
                    sorted(changed),
                )
                log.info(
                    "comments: %s pages given their comment pages or newer comments", len(written)
                )
        except Exception as error:  # the pages catch up at the next update or build
            log.warning(
                "comments: could not write comment pages or newer comments (%s: %s)",
                type(error).__name__,
                error,
            )


def get_generators(pelican):
    """Add the manifest writer to the build."""
    return ThreadManifestGenerator


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.article_generator_finalized.connect(attach_discussions)
    signals.get_generators.connect(get_generators)

"""Full-text search: a static Pagefind index of the articles, written with every build.

The articles' own content is indexed (headline, standfirst, body), never the lists, the
masthead or the comments. The theme's `search.html` queries it with pagefind.js.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pelican import signals

from .bundle import write_bundle
from .records import article_record

log = logging.getLogger(__name__)

# The records of the articles each build publishes, by output folder, from the end of the
# generators (where the articles are known) to the end of the build (where the site is written).
_pending: dict[str, list] = {}


def collect_articles(generators) -> None:
    """Keep the search records of the published articles and their translations."""
    for generator in generators:
        settings = generator.settings
        if not hasattr(generator, "articles") or not settings.get("SEARCH_ENABLED", True):
            continue
        articles = [*generator.articles, *generator.translations]
        _pending[settings["OUTPUT_PATH"]] = [
            article_record(
                url=article.url,
                title=article.title,
                summary=getattr(article, "summary", "") or "",
                body=article.content,
                lang=article.lang,
                image=getattr(article, "image", None),
                image_alt=getattr(article, "image_alt", None),
            )
            for article in articles
        ]


def write_index(pelican) -> None:
    """Write the search bundle into the output folder."""
    settings = pelican.settings
    records = _pending.pop(settings["OUTPUT_PATH"], None)
    if records is None:
        return
    target = Path(settings["OUTPUT_PATH"]) / settings.get("SEARCH_BUNDLE_PATH", "pagefind")
    write_bundle(records, target, settings["DEFAULT_LANG"])
    log.info("search: %d articles indexed into %s", len(records), target)


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.all_generators_finalized.connect(collect_articles)
    signals.finalized.connect(write_index)

"""Pelican plugin: an article's own dates written in its language.

Pelican writes `locale_date` with the process's locale, in the site's language, which is
right for lists (site chrome). On the article's own page the dates belong to the article:
`date_in_lang` and `modified_in_lang` give them in the article's `Lang`, with the month
names of that language (Babel's CLDR data: no system locale needed).
"""

from __future__ import annotations

from datetime import datetime

from babel.core import UnknownLocaleError
from babel.dates import format_date
from pelican import signals

DEFAULT_PATTERN = "d MMMM y"


def date_in(moment: datetime, lang: str, pattern: str = DEFAULT_PATTERN) -> str:
    """Return `moment`'s date in `lang` (a CLDR pattern: "d MMMM y" is "2 December 2026"),
    in English when the language is unknown."""
    try:
        return format_date(moment, pattern, locale=lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return format_date(moment, pattern, locale="en")


def _dates(content) -> None:
    settings = content.settings
    lang = getattr(content, "lang", None) or settings.get("DEFAULT_LANG", "en")
    pattern = settings.get("ARTICLE_DATE_PATTERN", DEFAULT_PATTERN)
    if getattr(content, "date", None):
        content.date_in_lang = date_in(content.date, lang, pattern)
    if getattr(content, "modified", None):
        content.modified_in_lang = date_in(content.modified, lang, pattern)


def register():
    """Give every article and page its dates in its own language."""
    signals.content_object_init.connect(_dates)

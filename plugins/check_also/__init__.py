"""Pelican plugin "check_also": the related article to read next, on every article page.

Sets ``article.check_also`` on every article: ``None`` (no box) or a :class:`CheckAlso`.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import logging
import time
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pelican import signals

from .cache import FORMAT, ResultCache, content_hash
from .records import Choice, Doc
from .settings import CheckAlsoSettingError, Config, read_config
from .text import Tokeniser, stop_words_for, strip_html, teaser, term_text

if TYPE_CHECKING:
    from .vector_cache import VectorCache

__all__ = ["CheckAlso", "CheckAlsoSettingError", "register"]

logger = logging.getLogger(__name__)

# Part of the cached result's key: bump it when the ranking changes, so an upgraded plugin
# never reuses choices made by an older one.
RANKING_VERSION = 3


class Link(NamedTuple):
    """What a link to an article shows; computed once per article and build."""

    url: str
    title: str
    date_iso: str
    date_text: str
    image: str | None
    image_alt: str | None
    lang: str  # the article's language: the theme marks a headline in another one


class CheckAlso:
    """What the theme shows: the pick, its teaser and the next related articles."""

    def __init__(self, article, related: list, reason: str, teaser_length: int, links: dict):
        self.article = article
        self.related = related
        self.reason = reason
        self._teaser_length = teaser_length
        self._links = links

    @functools.cached_property
    def teaser(self) -> str:
        """Return the pick's summary as plain text, cut at a word and ending in '…'."""
        source = self.article.metadata.get("summary") or self.article._content or ""
        # The start of a long body is enough (markup is rarely more than half of it); all of
        # it is stripped only when the start has too little text.
        head = source[: 2 * self._teaser_length + 200]
        if len(head) < len(source) and head.rfind("<") > 0:
            head = head[: head.rfind("<")]  # never end inside a tag
        text = strip_html(head)
        if len(text) <= self._teaser_length and len(head) < len(source):
            text = strip_html(source)
        return teaser(text, self._teaser_length)

    @property
    def link(self) -> Link:
        """Return the pick's link data."""
        return self._link(self.article)

    @property
    def related_links(self) -> list[Link]:
        """Return the link data of the related articles."""
        return [self._link(a) for a in self.related]

    def _link(self, article) -> Link:
        # An article is listed on several pages: its URL is formatted once per build.
        found = self._links.get(id(article))
        if found is None:
            date = getattr(article, "date", None)
            found = self._links[id(article)] = Link(
                article.url,
                article.title,
                date.isoformat() if date else "",
                getattr(article, "locale_date", ""),
                article.metadata.get("image"),
                article.metadata.get("image_alt"),
                str(getattr(article, "lang", "") or ""),
            )
        return found

    def __repr__(self) -> str:
        return f"<CheckAlso {self.reason}: {getattr(self.article, 'slug', '?')}>"


def check_settings(pelican) -> None:
    """Fail the build at start-up when a CHECK_ALSO_* setting is invalid."""
    read_config(pelican.settings)


def _path(article) -> str:
    return article.get_relative_source_path() or str(article.source_path)


def _group(article, translation_id) -> str:
    if not translation_id:
        return ""
    names = [translation_id] if isinstance(translation_id, str) else list(translation_id)
    return "\x1f".join(str(getattr(article, name, "")) for name in names)


def _texts(article) -> tuple[str, str]:
    """Return the article's title and its summary plus body, as HTML."""
    title_html = str(getattr(article, "title", ""))
    body_html = (article.metadata.get("summary") or "") + "\n" + (article._content or "")
    return title_html, body_html


def _doc(article, translation_id) -> Doc:
    """Return the article's record for the ranking, without its text vectors yet."""
    category = getattr(article, "category", None)
    date = getattr(article, "date", None)
    override = article.metadata.get("check_also")
    return Doc(
        key="\x1f".join([str(article.slug), article.lang, str(article.source_path)]),
        slug=str(article.slug),
        category=category.name if category is not None else "",
        tags=tuple(t.name for t in getattr(article, "tags", None) or ()),
        timestamp=date.timestamp() if date is not None else 0.0,
        lang=article.lang,
        group=_group(article, translation_id),
        override=str(override).strip() if override is not None else None,
        eligible=article.status == "published",
    )


def _records(articles: list, config: Config, translation_id) -> tuple:
    """Return (records, texts, content hashes, articles) of every article that can be ranked."""
    stop_keys: dict[str, str] = {}  # language -> its stop words, as part of the text hash
    docs, texts, hashes, kept = [], [], [], []
    for article in articles:
        article.check_also = None
        try:
            title_html, body_html = _texts(article)
            docs.append(_doc(article, translation_id))
        except (AttributeError, TypeError, ValueError) as error:
            logger.warning("check_also: skipped, %s (%s)", error, _path(article))
            continue
        texts.append((title_html, body_html))
        lang = docs[-1].lang
        if lang not in stop_keys:
            stop_keys[lang] = "\x1e".join(sorted(stop_words_for(config.stop_words, lang)))
        hashes.append(content_hash(str(FORMAT), stop_keys[lang], title_html, body_html))
        kept.append(article)
    return docs, texts, hashes, kept


def _with_vectors(
    docs: list[Doc], texts: list, hashes: list[bytes], config: Config, vectors: VectorCache
):
    """Return the records with their term vectors, from the cache or tokenised in one batch."""
    missing: dict[bytes, int] = {}
    for i, key in enumerate(hashes):
        if key not in vectors:
            missing.setdefault(key, i)
    # One tokeniser per language, each with that language's stop words.
    by_lang: dict[str, list[bytes]] = {}
    for key, i in missing.items():
        by_lang.setdefault(docs[i].lang, []).append(key)
    for lang, keys in by_lang.items():
        tokeniser = Tokeniser(stop_words_for(config.stop_words, lang))
        found = tokeniser.vectors([term_text(part) for key in keys for part in texts[missing[key]]])
        for n, key in enumerate(keys):
            vectors.put(key, (found[2 * n], found[2 * n + 1]))
    out = []
    for doc, key in zip(docs, hashes, strict=True):
        title, body = vectors.get(key)
        out.append(dataclasses.replace(doc, title=title, body=body))
    vectors.save()
    return out, vectors.misses


def _digest(config: Config, docs: list[Doc], hashes: list[bytes]) -> str:
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{RANKING_VERSION}\x1f{config.params!r}".encode())
    for d, key in sorted(zip(docs, hashes, strict=True), key=lambda pair: pair[0].key):
        fields = (d.key, d.category, "\x1e".join(d.tags), repr(d.timestamp), d.group)
        h.update("\x1f".join((*fields, str(d.override), str(d.eligible))).encode())
        h.update(key)
    return h.hexdigest()


def _stored(docs: list[Doc], digest: str, results: ResultCache) -> list[Choice] | None:
    """Return the last build's choices if they were made from the same input."""
    stored = results.load(digest)
    if stored is None or len(stored) != len(docs):
        return None
    by_key = {d.key: i for i, d in enumerate(docs)}
    try:
        return [_decode(entry, by_key) for entry in stored]
    except (KeyError, TypeError, ValueError):
        return None


def _rank(docs: list[Doc], texts: list, hashes: list[bytes], config: Config, folder, readable):
    """Return the choices for docs, ranked from their texts and the vectors kept in folder."""
    # numpy and scipy are loaded only here, when the ranking must run.
    from .ranking import rank_related
    from .vector_cache import VectorCache

    started = time.perf_counter()
    docs, tokenised = _with_vectors(docs, texts, hashes, config, VectorCache(folder, readable))
    choices = rank_related(docs, config.params)
    seconds = time.perf_counter() - started
    logger.debug(
        "check_also: ranked %d articles in %.2f s (%d tokenised)", len(docs), seconds, tokenised
    )
    return choices


def attach_check_also(generator) -> None:
    """Rank the final article list and set ``check_also`` on every article."""
    config = read_config(generator.settings)
    settings = generator.settings
    articles = list(
        chain(
            generator.articles,
            generator.translations,
            getattr(generator, "hidden_articles", []),
            getattr(generator, "hidden_translations", []),
            getattr(generator, "drafts", []),
            getattr(generator, "drafts_translations", []),
        )
    )
    use_cache = config.cache and settings.get("CACHE_CONTENT", False)
    folder = Path(settings["CACHE_PATH"]) / "check_also" if use_cache else None
    load = use_cache and settings.get("LOAD_CONTENT_CACHE", True)
    results = ResultCache(folder, load)
    # Tokenising and ranking allocate many short-lived objects but build no reference
    # cycles: collecting during them would only walk Pelican's whole object graph again.
    gc.disable()
    try:
        docs, texts, hashes, kept = _records(articles, config, settings["ARTICLE_TRANSLATION_ID"])
        digest = _digest(config, docs, hashes)
        choices = _stored(docs, digest, results)
        if choices is not None:
            logger.debug(
                "check_also: reused the choices of the last build for %d articles", len(docs)
            )
        else:
            choices = _rank(docs, texts, hashes, config, folder, load)
            results.save(digest, [_encode(c, docs) for c in choices])
    finally:
        gc.enable()
    links: dict = {}
    for article, choice in zip(kept, choices, strict=True):
        _attach(article, choice, kept, config, links)


def _encode(choice: Choice, docs: list[Doc]) -> list:
    best = None if choice.best is None else docs[choice.best].key
    return [best, [docs[j].key for j in choice.related], choice.reason, choice.note]


def _decode(entry: list, by_key: dict[str, int]) -> Choice:
    best, related, reason, note = entry
    return Choice(
        None if best is None else by_key[best], tuple(by_key[k] for k in related), reason, note
    )


def _attach(article, choice: Choice, articles: list, config: Config, links: dict) -> None:
    if choice.note:
        logger.warning("check_also: %s (%s)", choice.note, _path(article))
    if choice.reason not in ("similar", "override"):
        logger.debug("check_also: %s (%s)", choice.reason, _path(article))
    if choice.best is None:
        article.check_also = None
        return
    article.check_also = CheckAlso(
        articles[choice.best],
        [articles[j] for j in choice.related],
        choice.reason,
        config.teaser_length,
        links,
    )


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(check_settings)
    signals.article_generator_finalized.connect(attach_check_also)

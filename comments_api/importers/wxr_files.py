"""`comments import-wxr`: a WordPress export's posts and pages written as Markdown files under
the content folder, its comments handed to import_comments, and one report of both.

A file is never overwritten: an identical one is "already there"; one this import wrote
earlier (its `Wordpress_id` header names the post) and an editor changed since is kept as it
is; any other file with the same path or slug is a conflict, and that post's comments are left
out too, as they would land on someone else's article.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from ..actions.importing import ImportReport, import_comments, progress
from ..core.imported import ImportedComment
from .media import MEDIA_FOLDER, MediaFetcher
from .wxr import WRITTEN_TYPES, WxrSite, read_items, survey, to_imported
from .wxr_markdown import article_text, is_draft

REDIRECTS = Path("extra") / "redirects.json"
# A first pass over the file slower than this gets a progress line.
SURVEY_NOTICE_SECONDS = 2.0


@dataclass
class FileReport:
    """What the files part of an import wrote (or would write), and what it left alone."""

    dry_run: bool = False
    written: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    shortcodes: dict[str, list[str]] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)
    redirects_written: bool = False
    # With --fetch-media: what was downloaded (URL → content path) and what could not be.
    media: MediaFetcher | None = None

    def lines(self) -> list[str]:
        """Return the report as readable lines: counts first, then the details."""
        verb = "Would write" if self.dry_run else "Wrote"
        lines = [f"{verb} {len(self.written)} Markdown files"
                 + (" (dry run: nothing written)." if self.dry_run else ".")]  # fmt: skip
        lines.append(f"  already there (identical): {len(self.already_there)}")
        lines.append(f"  changed since imported (kept as they are): {len(self.kept)}")
        lines.append(f"  conflicts (skipped, with their comments): {len(self.conflicts)}")
        lines.extend(f"  {verb.lower()} {path}" for path in self.written)
        for title, entries in (("Conflicts:", self.conflicts), ("Kept:", self.kept),
                               ("Not imported:", self.skipped)):  # fmt: skip
            if entries:
                lines.append(title)
                lines.extend(f"  {entry}" for entry in entries)
        if self.shortcodes:
            lines.append("Shortcodes left as text:")
            lines.extend(f"  [{name}] in {', '.join(slugs)}"
                         for name, slugs in sorted(self.shortcodes.items()))  # fmt: skip
        urls = list(dict.fromkeys([*self.images, *self.attachments]))
        fetched = self.media.fetched if self.media else {}
        failed = self.media.failed if self.media else {}
        if fetched:
            lines.append(f"Images and attachments downloaded into {MEDIA_FOLDER}/:")
            lines.extend(f"  {url} → {fetched[url]}" for url in urls if url in fetched)
        if failed:
            lines.append("Images and attachments not downloaded (still on the old site):")
            lines.extend(f"  {url}: {failed[url]}" for url in urls if url in failed)
        if urls and self.media is None:
            lines.append("Images and attachments (not downloaded: still on the old site;"
                         " --fetch-media downloads them):")  # fmt: skip
            lines.extend(f"  {url}" for url in urls)
        if self.redirects:
            state = "written" if self.redirects_written else "unchanged"
            if self.dry_run:
                state = "not written (dry run)"
            lines.append(f"Old addresses: {len(self.redirects)} in {REDIRECTS} ({state})")
        return lines


def _header(path: Path) -> dict[str, str]:
    """Return the metadata header of a Markdown file (the lines before the first blank)."""
    found: dict[str, str] = {}
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                name, colon, value = line.partition(":")
                if not line.strip() or not colon:
                    break
                found[name.strip().lower()] = value.strip()
    except OSError:
        pass
    return found


def existing_slugs(content: Path) -> dict[str, tuple[Path, str]]:
    """Return {slug: (file, WordPress id or "")} of the Markdown files already in `content`."""
    slugs: dict[str, tuple[Path, str]] = {}
    for path in sorted(content.rglob("*.md")) if content.is_dir() else []:
        header = _header(path)
        if slug := header.get("slug"):
            slugs.setdefault(slug, (path, header.get("wordpress_id", "")))
    return slugs


def _write_new(path: Path, text: str) -> None:
    """Create `path` with `text`, complete or not at all, and never over another file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".wxr-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.link(temp, path)  # fails if the file appeared meanwhile, unlike a rename
    finally:
        os.unlink(temp)


def _place(
    target: Path, rel: str, text: str, post_id: str, slug: str,
    others: dict[str, tuple[Path, str]], report: FileReport,
) -> bool:  # fmt: skip
    """Write one post's file unless something is in its way; return whether its comments go."""
    owner = others.get(slug)
    if target.exists():
        if target.read_bytes() == text.encode("utf-8"):
            report.already_there.append(rel)
            return True
        if _header(target).get("wordpress_id") == post_id:
            report.kept.append(f"{rel}: changed since it was imported; left as it is")
            return True
        report.conflicts.append(f"{rel}: a different file is there (WordPress post {post_id})")
        return False
    if owner is not None:
        if owner[1] == post_id:
            report.kept.append(f"{rel}: imported before, now at {owner[0]}; left as it is")
            return True
        report.conflicts.append(
            f"{rel}: the slug {slug} is taken by {owner[0]} (WordPress post {post_id})"
        )
        return False
    report.written.append(rel)
    if not report.dry_run:
        _write_new(target, text)
    return True


def _old_addresses(site: WxrSite, link: str, post_id: str) -> list[str]:
    base = urlsplit(site.base_url).path.rstrip("/")
    paths = [f"{base}/?p={post_id}"]
    split = urlsplit(link)
    if split.path or split.query:
        paths.insert(0, split.path + (f"?{split.query}" if split.query else ""))
    return list(dict.fromkeys(paths))


def write_posts(
    site: WxrSite, path: Path, content: Path, report: FileReport, now: datetime
) -> Iterator[ImportedComment]:
    """Write the posts and pages of the export as Markdown files; yield their comments."""
    others = existing_slugs(content)
    skipped_types: dict[str, list[str]] = {}
    for item in read_items(path):
        if item.post_type not in WRITTEN_TYPES:
            if item.post_type != "attachment":
                skipped_types.setdefault(item.post_type, []).append(item.post_id)
            elif item.comments:
                report.skipped.append(
                    f"attachment {item.post_id}: {len(item.comments)} comments on an attachment"
                )
            continue
        slug = site.slugs[item.post_id]
        folder = "pages" if item.post_type == "page" else "articles"
        rel = f"{folder}/{slug}.md"
        author = site.authors.get(item.creator, item.creator)
        text, converted = article_text(item, slug, author, now)
        for name in converted.shortcodes:
            report.shortcodes.setdefault(name, []).append(slug)
        attachments = site.attachments.get(item.post_id, [])
        report.images.extend(converted.images)
        report.attachments.extend(attachments)
        if report.media is not None:
            text = report.media.localise(text, [*converted.images, *attachments])
        if not _place(content / rel, rel, text, item.post_id, slug, others, report):
            if item.comments:
                report.skipped.append(f"{rel}: its {len(item.comments)} comments left out")
            continue
        if not is_draft(item, now):
            url = f"pages/{slug}.html" if item.post_type == "page" else f"{slug}.html"
            for old in _old_addresses(site, item.link, item.post_id):
                report.redirects[old] = url
        yield from to_imported(item, slug)
    for post_type, ids in sorted(skipped_types.items()):
        report.skipped.append(
            f"{post_type}: {len(ids)} items not imported (ids {', '.join(ids[:10])}"
            + (", …)" if len(ids) > 10 else ")")
        )
    # Orphan attachments (no post) are listed too, and fetched on request.
    orphans = site.attachments.get("0", [])
    report.attachments.extend(orphans)
    for url in orphans if report.media is not None else ():
        report.media.fetch(url)


def write_redirects(content: Path, report: FileReport) -> None:
    """Merge the old addresses into content/extra/redirects.json, if that changes it."""
    if not report.redirects or report.dry_run:
        return
    target = content / REDIRECTS
    try:
        known = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    merged = {**(known if isinstance(known, dict) else {}), **report.redirects}
    if merged == known:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_suffix(".json.tmp")
    temp.write_text(json.dumps(merged, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")  # fmt: skip
    temp.replace(target)
    report.redirects_written = True


def import_wxr(
    app: Flask, path: Path, content: Path, *, dry_run: bool = False,
    fetch_media: bool = False, now: datetime | None = None,
) -> tuple[FileReport, ImportReport]:  # fmt: skip
    """Import a WordPress export: its posts and pages as files, its comments into the store.

    The whole file is checked first, so a broken or hostile one writes nothing. With
    `fetch_media` (never in a dry run), its images and attachments are downloaded into
    content/images/ and the posts point at the copies.

    Raises:
        WxrError: when the file is not a well-formed, safe WordPress export.
    """
    started = time.monotonic()
    site = survey(path)
    if time.monotonic() - started > SURVEY_NOTICE_SECONDS:
        progress.info("  checked the export (%s items); now its posts and comments",
                      f"{site.items:,}")  # fmt: skip
    files = FileReport(dry_run=dry_run)
    if fetch_media and not dry_run:
        files.media = MediaFetcher(content)
    moment = now or datetime.now(UTC)
    comments = import_comments(app, write_posts(site, path, content, files, moment),
                               dry_run=dry_run)  # fmt: skip
    write_redirects(content, files)
    return files, comments

"""Write a new draft article with a filled metadata header: `make newpost TITLE="..."`.

Not a Pelican plugin: an author's tool kept beside the plugins it writes content for. The
article starts as a draft (`Status: draft`): no build publishes it until the author removes
that line or sets `Status: published`; `make preview` shows it before then.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from pelican.settings import DEFAULT_CONFIG, read_settings
from pelican.utils import slugify

DEFAULT_CATEGORY = "World"


def article_text(
    title: str,
    when: datetime,
    category: str,
    slug: str,
    author: str | None = None,
    tags: str | None = None,
) -> str:
    """Return the Markdown source of a new draft article, metadata header first.

    Without an author the header has no Author line, so the article is by the site's
    default author; without tags it has no Tags line, so it adds no topic.
    """
    header = [f"Title: {title}", f"Date: {when:%Y-%m-%d %H:%M}"]
    if author:
        header.append(f"Author: {author}")
    header.append(f"Category: {category}")
    if tags:
        header.append(f"Tags: {tags}")
    header += [
        "Summary: Replace this line with a one- or two-sentence summary of the story.",
        f"Slug: {slug}",
        "Status: draft",
    ]
    body = "Write the article here: the news first, then the detail, quotes and sources."
    return "\n".join(header) + "\n\n" + body + "\n"


def free_path(folder: Path, slug: str) -> tuple[Path, str]:
    """Return a file path and slug that no article in `folder` uses yet."""
    candidate, number = slug, 1
    while (folder / f"{candidate}.md").exists():
        number += 1
        candidate = f"{slug}-{number}"
    return folder / f"{candidate}.md", candidate


def default_author(settings_file: str) -> str:
    """Return the site's default author (AUTHOR of the settings file)."""
    return read_settings(settings_file).get("AUTHOR") or ""


def main(argv: list[str] | None = None) -> int:
    """Write the draft, print its path and what the author does next."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--title", required=True)
    parser.add_argument("--content", default="content")
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--author", help="default: none, the site's AUTHOR")
    parser.add_argument("--category", default=DEFAULT_CATEGORY)
    parser.add_argument("--tags", help="comma-separated; default: none")
    args = parser.parse_args(argv)
    title = " ".join(args.title.split())
    slug = slugify(title, regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])
    if not title or not slug:
        print("newpost: TITLE needs at least one letter or digit", file=sys.stderr)
        return 2
    author = " ".join((args.author or "").split()) or None
    folder = Path(args.content) / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    path, slug = free_path(folder, slug)
    when = datetime.now()
    text = article_text(title, when, args.category, slug, author=author, tags=args.tags)
    path.write_text(text, encoding="utf-8")
    # The path comes last, so a script can take the last line.
    print(
        "newpost: the article is a draft, published by no build until you remove its "
        "'Status: draft' line or set 'Status: published' (make preview shows it now)"
    )
    if author is None:
        print(
            f"newpost: written by the site's default author, {default_author(args.settings)}; "
            "add an 'Author:' line (or make newpost AUTHOR=...) to name the writer"
        )
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write a new Markdown article with a filled metadata header: `make newpost TITLE="..."`.

Not a Pelican plugin: an author's tool kept beside the plugins it writes content for.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from pelican.settings import DEFAULT_CONFIG
from pelican.utils import slugify

DEFAULT_AUTHOR = "Newsroom"
DEFAULT_CATEGORY = "World"


def article_text(
    title: str, when: datetime, author: str, category: str, tags: str, slug: str
) -> str:
    """Return the Markdown source of a new article, metadata header first."""
    header = [
        f"Title: {title}",
        f"Date: {when:%Y-%m-%d %H:%M}",
        f"Author: {author}",
        f"Category: {category}",
        f"Tags: {tags}",
        "Summary: Replace this line with a one- or two-sentence summary of the story.",
        f"Slug: {slug}",
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


def main(argv: list[str] | None = None) -> int:
    """Write the article and print its path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--title", required=True)
    parser.add_argument("--content", default="content")
    parser.add_argument("--author", default=DEFAULT_AUTHOR)
    parser.add_argument("--category", default=DEFAULT_CATEGORY)
    parser.add_argument("--tags", default="news")
    args = parser.parse_args(argv)
    title = " ".join(args.title.split())
    slug = slugify(title, regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])
    if not title or not slug:
        print("newpost: TITLE needs at least one letter or digit", file=sys.stderr)
        return 2
    folder = Path(args.content) / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    path, slug = free_path(folder, slug)
    text = article_text(title, datetime.now(), args.author, args.category, args.tags, slug)
    path.write_text(text, encoding="utf-8")
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

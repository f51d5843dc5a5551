"""Benchmark corpora: the BBC evaluation set and larger synthetic sets, as Pelican content.

Standard library only: the peer plugins' environment imports it too.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import zlib
from datetime import datetime, timedelta
from pathlib import Path

BBC = Path("/work/shared/corpora/bbc_news.jsonl.gz")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_NAME = re.compile(r"\b([A-Z][a-z]{3,})\b")


def load_bbc(path: Path = BBC) -> list[dict]:
    """Return the BBC records (id, title, body, label)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def dedup_bodies(rows: list[dict]) -> list[dict]:
    """Drop every record whose body (case and spacing ignored) repeats an earlier one."""
    seen, out = set(), []
    for row in rows:
        key = " ".join(row["body"].lower().split())
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def synthetic(n: int, seed: int = 0, rows: list[dict] | None = None) -> list[dict]:
    """Return n articles made of resampled BBC sentences, with dates, tags and labels.

    Each article mixes sentences of one BBC article and another of the same label; names
    get a story-specific suffix so the vocabulary keeps growing as a real archive's does.
    """
    rows = rows or load_bbc()
    rng = random.Random(seed)
    sentences = [[s for s in _SENTENCE.split(r["body"].replace("\n\n", " ")) if s] for r in rows]
    by_label: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_label.setdefault(row["label"], []).append(i)
    start = datetime(2015, 1, 1)
    out = []
    for k in range(n):
        base = rng.randrange(len(rows))
        label = rows[base]["label"]
        other = rng.choice(by_label[label])
        pool = sentences[base] + sentences[other]
        rng.shuffle(pool)
        story = format(k // 4 % (n // 4 + 1), "x")

        def rename(match: re.Match, story: str = story) -> str:
            word = match.group(1)
            return word + story if zlib.crc32(word.encode()) % 3 == 0 else word

        body = _NAME.sub(rename, " ".join(pool[: rng.randint(6, 20)]))
        out.append(
            {
                "id": f"syn-{k:06d}",
                "title": rows[base]["title"],
                "body": body,
                "label": label,
                "date": start + timedelta(minutes=k * 5_000_000 // max(n, 1)),
                # Letters only: a tag page's "2" suffix can then never clash with a tag name.
                "tags": [
                    label,
                    f"{label} {_letters(rng.randrange(150))}",
                    f"story {_letters(k // 4)}",
                ],
            }
        )
    return out


def _letters(number: int) -> str:
    out = ""
    while True:
        number, digit = divmod(number, 26)
        out = chr(97 + digit) + out
        if number == 0:
            return out


def write_content(rows: list[dict], folder: Path, tags: bool = False) -> Path:
    """Write records as Markdown articles in one category (folder/articles/<id>.md)."""
    articles = folder / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    (folder / "pages").mkdir(exist_ok=True)
    for row in rows:
        date = row.get("date") or datetime(2005, 1, 1)
        head = [
            f"Title: {row['title']}",
            f"Date: {date:%Y-%m-%d %H:%M}",
            "Category: News",
            f"Slug: {row['id']}",
        ]
        if tags and row.get("tags"):
            head.append("Tags: " + ", ".join(row["tags"]))
        text = "\n".join(head) + "\n\n" + row["body"].replace("\n\n", "\n\n") + "\n"
        (articles / f"{row['id']}.md").write_text(text, encoding="utf-8")
    return folder

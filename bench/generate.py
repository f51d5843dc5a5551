"""Generate a synthetic news site of N Markdown articles, for build-time benchmarks.

The text is made of words drawn from a few topic vocabularies, so related articles exist and
the "Check Also" ranking has real work to do. Deterministic for a given seed.

    python bench/generate.py --articles 1000 --out bench/work/site-1000
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta
from pathlib import Path

TOPICS = {
    "World": "ceasefire border minister talks refugees election envoy sanctions treaty capital "
    "protest coalition parliament embassy summit army province aid",
    "Business": "shares profit market investors factory jobs exports inflation bank rates "
    "quarter revenue merger startup supply prices retail",
    "Science": "researchers study climate species telescope vaccine battery genome ocean "
    "emissions laboratory data satellite fossil reef",
    "Sport": "match season coach league goal striker final title injury transfer stadium "
    "captain cup keeper victory squad",
    "Culture": "festival album film director gallery novel theatre concert award museum "
    "audience premiere exhibition poet choir",
}
COMMON = (
    "the a of to in and said on for with after new city officials year week people report "
    "local council plans that would could more than from its their over which"
).split()
PLACES = "Port Alden,Kessel,Marrow Bay,Tervana,Norhaven,Castlereach,Eastmoor,Lindqvist".split(",")


def sentence(rng: random.Random, words: list[str]) -> str:
    """Return one sentence mixing topic words and common words."""
    picked = [rng.choice(words) if rng.random() < 0.45 else rng.choice(COMMON) for _ in range(14)]
    picked.insert(rng.randrange(len(picked)), rng.choice(PLACES))
    return " ".join(picked).capitalize() + "."


def article(rng: random.Random, number: int, start: datetime) -> tuple[str, str]:
    """Return (slug, Markdown text) of one generated article."""
    category = rng.choice(sorted(TOPICS))
    words = TOPICS[category].split()
    title = " ".join(rng.sample(words, 4)).capitalize() + f" in {rng.choice(PLACES)}"
    slug = f"story-{number:06d}"
    date = start + timedelta(hours=7 * number + rng.randrange(6))
    tags = ", ".join(rng.sample(words, 2))
    body = "\n\n".join(
        " ".join(sentence(rng, words) for _ in range(rng.randint(3, 5)))
        for _ in range(rng.randint(4, 8))
    )
    summary = sentence(rng, words)
    head = (
        f"Title: {title}\nDate: {date:%Y-%m-%d %H:%M}\nAuthor: Staff {number % 7}\n"
        f"Category: {category}\nTags: {tags}\nSummary: {summary}\nSlug: {slug}\n\n"
    )
    return slug, head + body + "\n"


def generate(out: Path, count: int, seed: int = 7) -> Path:
    """Write `count` articles into `out` (replacing what was there) and return it."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("story-*.md"):
        old.unlink()
    start = datetime(2017, 1, 1, 8, 0)
    for number in range(count):
        slug, text = article(rng, number, start)
        (out / f"{slug}.md").write_text(text, encoding="utf-8")
    return out


def main() -> None:
    """Generate a site from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("bench/work/site-1000"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(generate(args.out, args.articles, args.seed))


if __name__ == "__main__":
    main()

"""What the search index holds of an article: plain data in, plain data out; no Pelican import."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

# Elements whose text is not part of what a reader reads.
_SKIPPED = {"script", "style", "template"}
# Elements that end a run of text: their words must not run into the next ones.
_BREAKS = {
    "p", "div", "li", "br", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr",
    "blockquote", "figcaption", "pre", "dt", "dd", "section", "article",
}  # fmt: skip


@dataclass(frozen=True)
class SearchRecord:
    """One article as the search index takes it: where it is, its words and what a result shows."""

    url: str
    content: str
    meta: dict[str, str]


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def plain_text(html: str) -> str:
    """Return the words of an HTML fragment, one paragraph a line, spaces collapsed."""
    collector = _TextCollector()
    collector.feed(html or "")
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def article_record(
    *,
    url: str,
    title: str,
    summary: str,
    body: str,
    lang: str,
    image: str | None = None,
    image_alt: str | None = None,
) -> SearchRecord:
    """Return the record of one article: headline, standfirst and body are searched; the
    headline, language and picture are what a result shows."""
    headline = plain_text(title)
    content = "\n".join(part for part in (headline, plain_text(summary), plain_text(body)) if part)
    meta = {"title": headline, "lang": lang}
    if image:
        meta["image"] = image
        meta["image_alt"] = image_alt or ""
    return SearchRecord(url=url, content=content, meta=meta)

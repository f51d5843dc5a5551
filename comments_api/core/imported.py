"""What every importer (WordPress, Disqus, Isso, our own JSON) hands to the store: one
comment as its source describes it, before any of our checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Where a comment came from, kept with it so a second import of the same file adds nothing.
SOURCES = ("wordpress", "disqus", "isso", "json")
# What a source's comment was: a reader's comment, or a pingback/trackback from another site.
KINDS = ("comment", "pingback", "trackback")
BODY_FORMATS = ("markdown", "html")


@dataclass(frozen=True)
class ImportedComment:
    """One comment of an export, as its source describes it.

    source_id: the source's own id of the comment (unique within the source).
    thread: our thread (article slug) it belongs to.
    parent_id: the source id of the comment it replies to, or None.
    body: the text as the source keeps it, in `body_format`: "markdown" (Isso, our JSON) or
        "html" (WordPress, Disqus), which is stored as the Markdown it says.
    status: ours: published, pending, spam or deleted.
    created: an aware datetime (UTC).
    address: the client's IP address if the source kept one (stored only as a keyed hash).
    modified: when the source says it was last changed (aware, UTC), if it says.
    """

    source: str
    source_id: str
    thread: str
    parent_id: str | None
    author: str
    email: str
    url: str
    body: str
    created: datetime
    status: str
    kind: str = "comment"
    address: str | None = None
    modified: datetime | None = None
    body_format: str = "markdown"

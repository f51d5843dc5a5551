"""The one table of comment fields: how each is asked for, checked, stored and shown.

Validation limits and messages, the form (labels, ids, order), the OpenAPI schemas, the
public and editors' views and the values a refused form gets back are all read from FIELDS.
Adding a field is one row here and, when it is stored, one migration in store/schema.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

AVATAR_PATH = "/api/avatars/{}.svg"
# Kinds a commenter fills in. Text kinds are cleaned, limited and screened for moderation words.
TEXT_KINDS = ("text", "email", "url", "textarea")
INPUT_KINDS = (*TEXT_KINDS, "hidden", "parent", "checkbox", "trap")


def iso_time(moment: datetime) -> str:
    """Return an aware datetime as ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Field:
    """One field of a comment.

    kind: how it is entered (one of INPUT_KINDS) or "stored" for what the service makes.
    required: the message for a blank value; None when the field is optional.
    stored: kept in the comment store (a column of that name).
    private: never sent back, not even to the commenter who typed it.
    editable: the author may change it within the edit window.
    public: in every public answer and baked page; editors: in the editors' list and JSON.
    show: turns the stored value into the shown one (both views).
    """

    name: str
    label: str
    kind: str
    limit: int | None = None
    required: str | None = None
    stored: bool = True
    private: bool = False
    editable: bool = False
    public: bool = False
    editors: bool = False
    autocomplete: str | None = None
    input_id: str = ""
    description: str = ""
    schema: dict[str, Any] = field(default_factory=dict)
    show: Callable[[Any], Any] | None = None

    @property
    def submitted(self) -> bool:
        """Return True for a field the commenter sends."""
        return self.kind in INPUT_KINDS

    @property
    def id(self) -> str:
        """Return the id of the field's form control."""
        return self.input_id or f"comment-{self.name}"


# WordPress's column sizes, counted here in characters after cleaning. The order is the form's
# (comment first, as WordPress shows it) and the order of every view.
FIELDS: tuple[Field, ...] = (
    Field("id", "Number", "stored", public=True, editors=True, schema={"type": "integer"}),
    Field("thread", "Article", "hidden", limit=200, editors=True, description="Slug.",
          required="This comment is not attached to an article."),
    Field("parent", "Reply", "parent", public=True, editors=True,
          description="Comment replied to.", schema={"type": ["integer", "null"]}),
    Field("status", "Status", "stored", editors=True, schema={"type": "string"}),
    Field("body", "Comment", "textarea", limit=65525, editable=True, editors=True,
          description="Markdown.", required="Please type your comment."),
    Field("author", "Name", "text", limit=245, editable=True, public=True, editors=True,
          autocomplete="name", required="Please enter your name.",
          description="Plain text; escape it where shown.", schema={"type": "string"}),
    Field("email", "Email", "email", limit=100, private=True, editors=True,
          autocomplete="email", required="Please enter your email address.",
          description="Kept for moderation; never shown or returned."),
    Field("url", "Website", "url", limit=200, editable=True, public=True, editors=True,
          autocomplete="url", description="Website.", show=lambda url: url or None,
          schema={"type": ["string", "null"], "format": "uri"}),
    Field("website_confirm", "Leave this field empty", "trap", stored=False,
          input_id="comment-hp", description="Must be absent or empty."),
    Field("remember", "Save my name, email, and website in this browser for the next time I "
          "comment.", "checkbox", stored=False, description="Ignored by the service."),
    Field("body_html", "Comment (HTML)", "stored", public=True, editors=True,
          description="Sanitised HTML of the Markdown body.", schema={"type": "string"}),
    Field("created", "Posted", "stored", public=True, editors=True, show=iso_time,
          schema={"type": "string", "format": "date-time"}),
    Field("avatar", "Avatar", "stored", public=True, show=AVATAR_PATH.format,
          description="Path of the avatar image.", schema={"type": "string"}),
    Field("kind", "Kind", "stored", editors=True,
          description="comment, pingback or trackback.", schema={"type": "string"}),
    Field("held_reason", "Held because", "stored", editors=True,
          description="Why the moderation rules held it.", schema={"type": ["string", "null"]}),
    Field("staff", "Staff", "stored", public=True, editors=True, show=bool,
          description="A reply from the newsroom.", schema={"type": "boolean"}),
    Field("featured", "Featured", "stored", public=True, editors=True, show=bool,
          description="Pinned by the editors at the top of its thread.",
          schema={"type": "boolean"}),
    Field("editor_note", "Editor's note", "stored", editors=True,
          description="Why an editor changed it.", schema={"type": ["string", "null"]}),
    Field("edited_by", "Edited by", "stored", editors=True,
          description="The editor who last changed it.", schema={"type": ["string", "null"]}),
    Field("deleted", "Deleted", "stored", editors=True,
          show=lambda moment: iso_time(moment) if moment else None,
          description="When an editor deleted it (restorable until purged).",
          schema={"type": ["string", "null"], "format": "date-time"}),
)  # fmt: skip
BY_NAME = {f.name: f for f in FIELDS}
HONEYPOT = next(f.name for f in FIELDS if f.kind == "trap")
SUBMITTED = tuple(f for f in FIELDS if f.submitted and f.kind != "trap")
# Stored fields the commenter sends; the rest of a row is made by the service.
STORED_INPUTS = tuple(f for f in SUBMITTED if f.stored)
EDITABLE = tuple(f.name for f in FIELDS if f.editable)
FIXED = tuple(f.name for f in STORED_INPUTS if not f.editable)
# What a refused form gets back to show again: everything typed but the private fields.
ECHOED = tuple(f.name for f in SUBMITTED if not f.private)
PRIVATE = frozenset(f.name for f in FIELDS if f.private)
LIMITS = {f.name: f.limit for f in FIELDS if f.limit is not None}
LABELS = {f.name: f.label for f in FIELDS}


def _shown(wanted: Callable[[Field], bool]) -> tuple[tuple[str, Callable | None], ...]:
    return tuple((f.name, f.show) for f in FIELDS if wanted(f))


# Worked out once: a page update views every comment of a thread.
_PUBLIC, _EDITORS = _shown(lambda f: f.public), _shown(lambda f: f.editors)


def _view(row: Mapping[str, Any], shown: tuple) -> dict[str, Any]:
    return {name: show(row[name]) if show else row[name] for name, show in shown}


def public_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return what anyone may see of a stored comment; email and address never leave."""
    return _view(row, _PUBLIC)


def editor_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return a stored comment as editors see it (with the email; never the address hash)."""
    return _view(row, _EDITORS)

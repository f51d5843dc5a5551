"""Signed links in the moderators' mail: proof, until a moment, that the desk sent a link to
approve or mark as spam one comment.

The link itself is the authority (its holder needs no desk session), so it names everything
it allows: the comment, the action and the expiry, all under an HMAC-SHA256 of the secret key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "desk-mail-link"
APPROVE, SPAM = "approve", "spam"
ACTIONS = (APPROVE, SPAM)
# Longer than any token this module makes; longer ones are refused before any work.
MAX_TOKEN_LENGTH = 300


class LinkError(ValueError):
    """The link cannot be used; `status` is the HTTP status that says why."""

    status = 403


class ForgedLink(LinkError):
    """The link was not made with this key, or was changed or cut short."""

    status = 403


class ExpiredLink(LinkError):
    """The link was good, but its time has passed."""

    status = 410


@dataclass(frozen=True)
class MailLink:
    """What a good link allows: one action on one comment, until `expires`."""

    comment_id: int
    action: str
    expires: datetime


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT, signer_kwargs={"digest_method": hashlib.sha256})


def make_link_token(secret: str, comment_id: int, action: str, expires: datetime) -> str:
    """Return the token of a link that does `action` to the comment until `expires`.

    Raises:
        ValueError: for an action that is not one of ACTIONS.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown mail link action {action!r}")
    return _serializer(secret).dumps([comment_id, action, int(expires.timestamp())])


def read_link_token(secret: str, token: str, now: datetime) -> MailLink:
    """Return what the link's token allows, as of `now`.

    Raises:
        ForgedLink: when the token is not one this key signed (or is not a token at all).
        ExpiredLink: when it was, but its expiry has passed.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise ForgedLink("This link is not valid.")
    try:
        data = _serializer(secret).loads(token)
    except BadSignature:
        raise ForgedLink("This link is not valid.") from None
    if (
        not isinstance(data, list)
        or len(data) != 3
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in (data[0], data[2]))
        or data[1] not in ACTIONS
    ):
        raise ForgedLink("This link is not valid.")
    expires = datetime.fromtimestamp(data[2], UTC)
    if now >= expires:
        raise ExpiredLink("This link has expired.")
    return MailLink(comment_id=data[0], action=data[1], expires=expires)

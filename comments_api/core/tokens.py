"""Signed tokens: proof, for a short time, that a client wrote a comment (edit tokens), and
proof that a browser posted as an email address before (commenter tokens)."""

from __future__ import annotations

from datetime import datetime
from hmac import compare_digest

from itsdangerous import BadSignature, URLSafeSerializer

from .keys import keyed_hash

SALT = "comment-edit"
COMMENTER_SALT = "commenter"


class TokenError(ValueError):
    """The token is missing, forged, for another comment, or too old."""


def _serializer(secret: str) -> URLSafeSerializer:
    # The comment's creation time, inside the signed data, is what the edit window counts
    # from, so the window follows the service's clock.
    return URLSafeSerializer(secret, salt=SALT)


def make_token(secret: str, comment_id: int, created: datetime) -> str:
    """Return a token that lets its holder edit or delete this comment."""
    return _serializer(secret).dumps([comment_id, created.timestamp()])


def check_token(
    secret: str,
    token: str | None,
    comment_id: int,
    created: datetime,
    max_age: int,
    now: datetime,
) -> None:
    """Return quietly when `token` proves authorship of this comment within `max_age` seconds
    of its creation, as of `now`.

    Raises:
        TokenError: with a message fit for the commenter.
    """
    if not token:
        raise TokenError("Only the author may change this comment.")
    try:
        data = _serializer(secret).loads(token)
    except BadSignature:
        raise TokenError("Only the author may change this comment.") from None
    # The creation time pins the token to this very comment, even if an id came back.
    if data != [comment_id, created.timestamp()]:
        raise TokenError("Only the author may change this comment.")
    if max_age <= 0 or (now - created).total_seconds() > max_age:
        raise TokenError("The time to change this comment has passed.")


def make_commenter_token(secret: str, email_key: str) -> str:
    """Return a token that this browser posted as `email_key` (it holds a keyed hash, not the
    address)."""
    return URLSafeSerializer(secret, salt=COMMENTER_SALT).dumps(
        keyed_hash(secret, "commenter", email_key)
    )


def proves_commenter(secret: str, token: str | None, email_key: str) -> bool:
    """Return True when `token` was handed out with an earlier comment from `email_key`."""
    if not token:
        return False
    try:
        held = URLSafeSerializer(secret, salt=COMMENTER_SALT).loads(token)
    except BadSignature:
        return False
    return isinstance(held, str) and compare_digest(
        held, keyed_hash(secret, "commenter", email_key)
    )

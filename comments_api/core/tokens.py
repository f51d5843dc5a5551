"""Signed edit tokens: proof, for a short time, that a client wrote a comment."""

from __future__ import annotations

from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "comment-edit"


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
    if (now - created).total_seconds() > max_age:
        raise TokenError("The time to change this comment has passed.")

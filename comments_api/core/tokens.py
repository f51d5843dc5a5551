"""Signed edit tokens: proof, for a short time, that a client wrote a comment."""

from __future__ import annotations

from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "comment-edit"


class TokenError(ValueError):
    """The token is missing, forged, for another comment, or too old."""


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def make_token(secret: str, comment_id: int, created: datetime) -> str:
    """Return a token that lets its holder edit or delete this comment."""
    return _serializer(secret).dumps([comment_id, created.timestamp()])


def check_token(
    secret: str, token: str | None, comment_id: int, created: datetime, max_age: int
) -> None:
    """Return quietly when `token` proves authorship of this comment within `max_age` seconds.

    Raises:
        TokenError: with a message fit for the commenter.
    """
    if not token:
        raise TokenError("Only the author may change this comment.")
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError("The time to change this comment has passed.") from None
    except BadSignature:
        raise TokenError("Only the author may change this comment.") from None
    # The creation time pins the token to this very comment, even if an id came back.
    if data != [comment_id, created.timestamp()]:
        raise TokenError("Only the author may change this comment.")

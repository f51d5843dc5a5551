"""Mail to moderators: a held comment or a reader's report queues a notice in the outbox."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Connection

# What a notice is about.
HELD, REPORTED = "held", "reported"


def queue_notice(conn: Connection, app: Flask, event: str, comment_id: int) -> None:
    """Queue a notice to the moderators about `comment_id`, in the caller's writing
    transaction (so it is stored with the change that caused it)."""

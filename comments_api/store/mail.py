"""Every query of the moderators' mail outbox (migration 7's `mail_outbox`).

A notice is a row per moderator. Senders take due rows in a writing transaction (which the
store serialises across processes and hosts), so no two senders send the same row; a row
leaves the outbox only as sent or dropped, never by a failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from .schema import mail_outbox as outbox

ERROR_LIMIT = 200


def _as_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


def add_notices(
    conn: Connection,
    *,
    event: str,
    comment_id: int,
    recipients: Iterable[str],
    created: datetime,
    next_try: datetime,
) -> int:
    """Queue the notice for each recipient that has not the same one waiting already;
    return how many rows were added."""
    waiting = set(
        conn.scalars(
            select(outbox.c.recipient).where(
                outbox.c.comment_id == comment_id,
                outbox.c.event == event,
                outbox.c.sent.is_(None),
            )
        )
    )
    rows = [
        {"created": created, "event": event, "comment_id": comment_id, "recipient": recipient,
         "attempts": 0, "next_try": next_try, "dropped": 0}
        for recipient in dict.fromkeys(recipients)
        if recipient not in waiting
    ]  # fmt: skip
    if rows:
        conn.execute(insert(outbox), rows)
    return len(rows)


def any_due(conn: Connection, moment: datetime) -> bool:
    """Return True when some unsent row is due at `moment` (a cheap look before claiming)."""
    found = conn.execute(
        select(outbox.c.id).where(outbox.c.sent.is_(None), outbox.c.next_try <= moment).limit(1)
    ).first()
    return found is not None


def claim_due(
    conn: Connection, moment: datetime, hold_until: datetime, limit: int
) -> list[dict[str, Any]]:
    """Take up to `limit` unsent rows due at `moment`, oldest first, for this sender: no other
    sender sees them before `hold_until`. Return them (next_try as it was)."""
    rows = [
        _as_dict(row)
        for row in conn.execute(
            select(outbox)
            .where(outbox.c.sent.is_(None), outbox.c.next_try <= moment)
            .order_by(outbox.c.id)
            .limit(limit)
        )
    ]
    if rows:
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_([r["id"] for r in rows]))
            .values(next_try=hold_until)
        )
    return rows


def mark_sent(conn: Connection, ids: Iterable[int], moment: datetime) -> None:
    """Record that these rows went to the mail server at `moment`."""
    conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(list(ids)))
        .values(sent=moment, attempts=outbox.c.attempts + 1, last_error=None)
    )


def mark_dropped(conn: Connection, ids: Iterable[int], moment: datetime, why: str) -> None:
    """Take these rows out of the outbox unsent: their comment waits for no one now."""
    conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(list(ids)))
        .values(sent=moment, dropped=1, last_error=why[:ERROR_LIMIT])
    )


def mark_failed(conn: Connection, ids: Iterable[int], next_try: datetime, error: str) -> None:
    """Record a failed try of these rows; they are due again at `next_try`."""
    conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(list(ids)))
        .values(next_try=next_try, attempts=outbox.c.attempts + 1, last_error=error[:ERROR_LIMIT])
    )


def purge_sent(conn: Connection, before: datetime) -> int:
    """Delete the rows sent or dropped before `before`; return how many."""
    return conn.execute(
        delete(outbox).where(outbox.c.sent.is_not(None), outbox.c.sent < before)
    ).rowcount


def outbox_rows(conn: Connection, *, unsent_only: bool = False) -> list[dict[str, Any]]:
    """Return the outbox's rows, oldest first (all, or the ones still to send)."""
    query = select(outbox).order_by(outbox.c.id)
    if unsent_only:
        query = query.where(outbox.c.sent.is_(None))
    return [_as_dict(row) for row in conn.execute(query)]

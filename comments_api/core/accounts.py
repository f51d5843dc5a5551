"""Pure rules of the editors' accounts: names, passwords, roles, the delays and the lock after
failed sign-ins, session timeouts, and the keys failures are counted under.

actions/accounts.py applies them to the store.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from .keys import keyed_hash

ROLES = ("moderator", "admin")
NAME_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
MIN_PASSWORD = 12
# Failed sign-ins: counted over FAILURE_WINDOW; after FREE_FAILURES of them each further
# attempt waits 2^(failures - 3) seconds after the last one (at most MAX_DELAY); LOCK_FAILURES
# within FAILURE_WINDOW lock the account for LOCK_TIME. Rows older than KEEP_FAILURES go.
FAILURE_WINDOW = timedelta(minutes=15)
FREE_FAILURES = 3
MAX_DELAY = 15 * 60
LOCK_FAILURES = 10
LOCK_TIME = timedelta(minutes=15)
KEEP_FAILURES = timedelta(hours=24)
NAME_KEY, ADDRESS_KEY = "desk-sign-in-name", "desk-sign-in-address"


class AccountError(ValueError):
    """An account cannot be made or changed as asked; the message says why."""


class UnknownEditor(AccountError):
    """No editor has this name."""


# The rules --------------------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """Return the stored form of an editor's name (lower-case).

    Raises:
        AccountError: when it is not 1-64 letters, digits, ".", "_" or "-".
    """
    name = name.strip()
    if not (name.isascii() and NAME_PATTERN.fullmatch(name)):
        raise AccountError("A name is 1 to 64 characters: letters, digits, '.', '_' and '-' only.")
    return name.lower()


def check_password(password: str) -> None:
    """Refuse a password too short to keep.

    Raises:
        AccountError: when it is shorter than 12 characters (or empty).
    """
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"A password needs at least {MIN_PASSWORD} characters.")


def check_role(role: str) -> str:
    """Return `role` when it is one of ROLES.

    Raises:
        AccountError: for any other role.
    """
    if role not in ROLES:
        raise AccountError(f"A role is one of {', '.join(ROLES)}.")
    return role


def role_allows(role: str, needed: str) -> bool:
    """Return True when an editor of `role` may do what `needed` may (admin > moderator)."""
    rank = ROLES.index(role) if role in ROLES else -1
    return rank >= ROLES.index(needed)


def locked_until(failures: Sequence[datetime], moment: datetime) -> datetime | None:
    """Return when the lock of an account with these failed sign-ins ends, or None when it
    is not locked at `moment`: LOCK_FAILURES failures within FAILURE_WINDOW lock it for
    LOCK_TIME from the last of them."""
    ordered = sorted(failures)
    for last in range(len(ordered) - 1, LOCK_FAILURES - 2, -1):
        if ordered[last] - ordered[last - LOCK_FAILURES + 1] <= FAILURE_WINDOW:
            # The newest lock ends last; when it is over, so is every earlier one.
            until = ordered[last] + LOCK_TIME
            return until if until > moment else None
    return None


def delay_left(failures: Sequence[datetime], moment: datetime) -> float:
    """Return the seconds still to wait before a key with these failed sign-ins may try
    again (0: now): 2^(failures - 3) after the last one, from the 4th failure on."""
    recent = sorted(m for m in failures if m > moment - FAILURE_WINDOW)
    if len(recent) <= FREE_FAILURES:
        return 0.0
    wait = min(2 ** (len(recent) - FREE_FAILURES), MAX_DELAY)
    return max(0.0, wait - (moment - recent[-1]).total_seconds())


def retry_after(
    name_failures: Sequence[datetime], address_failures: Sequence[datetime], moment: datetime
) -> int | None:
    """Return the whole seconds an attempt must wait (the account's lock, the delays of the
    name and of the address), or None when it may be checked now."""
    waits = [delay_left(name_failures, moment), delay_left(address_failures, moment)]
    if (until := locked_until(name_failures, moment)) is not None:
        waits.append((until - moment).total_seconds())
    longest = max(waits)
    return max(1, math.ceil(longest)) if longest > 0 else None


def session_expired(
    created: datetime, seen: datetime, moment: datetime, *, idle: timedelta, lifetime: timedelta
) -> bool:
    """Return True when a session is over: idle for longer than `idle`, or older than
    `lifetime`."""
    return moment - seen > idle or moment - created > lifetime


def token_hash(token: str) -> str:
    """Return the stored stand-in of a session's cookie token (its SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def failure_keys(secret: str, name: str, address: str) -> tuple[str, str]:
    """Return the keyed hashes failed sign-ins are counted under: the name's, the address's."""
    return (
        keyed_hash(secret, NAME_KEY, name.strip().lower()),
        keyed_hash(secret, ADDRESS_KEY, address),
    )


def same_token(given: str | None, expected: str) -> bool:
    """Return True when `given` is `expected`, compared in constant time."""
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())

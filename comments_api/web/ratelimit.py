"""Per-client rate limits, counted once for all worker processes.

The app holds two: COMMENTS_RATE_LIMIT counts accepted comments only (a typo that comes back
with 422 costs nothing there), COMMENTS_ATTEMPT_LIMIT counts every write request, refused
ones too, so guessing at other people's comments costs as much as posting. By default
(`COMMENTS_RATE_LIMIT_STORAGE=database://`) the hits live in the comment store, as the flood
rule's comments do: one row (the client's keyed hash, when) per accepted comment in the
`comments_rate` table, so every worker counts the same hits, and rows older than the longest
window are deleted on each new hit, so the table holds no more than the last window's hits and
the process keeps nothing per client. Any other storage URI (`redis://...`, `memory://`) is
handed to the `limits` library; `memory://` counts per process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..core.keys import keyed_hash
from ..store import queries

if TYPE_CHECKING:
    from ..store.engine import Database

NAMESPACE = "comments"
# The storage URI meaning "the comment store" (COMMENTS_DATABASE_URL).
DATABASE_STORAGE = "database://"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StoreCounter:
    """Moving-window counts of hits kept in the comment store, shared by every worker."""

    def __init__(
        self,
        windows: list[tuple[int, int]],
        database: Database,
        secret: str,
        clock: Callable[[], datetime],
        keep_seconds: int = 0,
        namespace: str = NAMESPACE,
    ) -> None:
        self.windows = windows  # (amount, seconds)
        self.namespace = namespace
        self.longest = timedelta(seconds=max(seconds for _, seconds in windows))
        # Hits are forgotten after this: the longest window of every limiter sharing the table.
        self.keep = max(self.longest, timedelta(seconds=keep_seconds))
        self.database = database
        self.secret = secret
        self.clock = clock

    def _key(self, key: str) -> str:
        # Keyed like the stored address hashes: no client address is ever stored in clear.
        # The namespace keeps the counts of limiters that share the table apart.
        return keyed_hash(self.secret, f"rate-limit:{self.namespace}", key)

    def _wait(self, conn, key_hash: str, moment: datetime) -> int | None:
        hits = queries.rate_hits_since(conn, key_hash, moment - self.longest)
        wait = 0.0
        for amount, seconds in self.windows:
            window = timedelta(seconds=seconds)
            inside = [hit for hit in hits if hit > moment - window]
            if len(inside) >= amount:
                # The window frees up when enough of its oldest hits have left it.
                free_at = inside[len(inside) - amount] + window
                wait = max(wait, (free_at - moment).total_seconds())
        return max(1, math.ceil(wait)) if wait > 0 else None

    def retry_after(self, key: str) -> int | None:
        """Return seconds until `key` may be counted again, or None when it may now."""
        with self.database.read() as conn:
            return self._wait(conn, self._key(key), self.clock())

    def take(self, key: str) -> int | None:
        """Count one hit of `key` unless it is over a limit (then return the wait), in one
        serialised transaction, so two requests at once cannot both slip under a limit."""
        moment = self.clock()
        with self.database.write() as conn:
            if (wait := self._wait(conn, self._key(key), moment)) is not None:
                return wait
            queries.delete_rate_hits_before(conn, moment - self.keep)
            queries.add_rate_hit(conn, self._key(key), moment)
        return None

    def hit(self, key: str) -> None:
        """Count one hit of `key` and forget every client's hits older than the longest window."""
        moment = self.clock()
        with self.database.write() as conn:
            queries.delete_rate_hits_before(conn, moment - self.keep)
            queries.add_rate_hit(conn, self._key(key), moment)


class LimitsCounter:
    """Counts kept by the `limits` library in the storage at `storage_uri`."""

    def __init__(self, items: list, storage_uri: str, namespace: str = NAMESPACE) -> None:
        self.items = items
        self.namespace = namespace
        self.strategy = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def retry_after(self, key: str) -> int | None:
        """Return seconds to wait when `key` is over a limit, else None."""
        for item in self.items:
            if not self.strategy.test(item, self.namespace, key):
                stats = self.strategy.get_window_stats(item, self.namespace, key)
                return max(1, math.ceil(stats.reset_time - time.time()))
        return None

    def hit(self, key: str) -> None:
        """Count one hit of `key`."""
        for item in self.items:
            self.strategy.hit(item, self.namespace, key)

    def take(self, key: str) -> int | None:
        """Count one hit of `key` unless it is over a limit; then return the wait."""
        if (wait := self.retry_after(key)) is not None:
            return wait
        self.hit(key)
        return None


def longest_window(spec: str | None) -> int:
    """Return the longest window of a limits string in seconds (0 for none)."""
    return max((item.get_expiry() for item in parse_many(spec)), default=0) if spec else 0


class RateLimiter:
    """The configured limits for one app; None spec means no limit.

    `database`, `secret` and `clock` are needed for the default storage, the comment store.
    """

    def __init__(
        self,
        spec: str | None,
        storage_uri: str = DATABASE_STORAGE,
        *,
        database: Database | None = None,
        secret: str | None = None,
        clock: Callable[[], datetime] | None = None,
        keep_seconds: int = 0,
        namespace: str = NAMESPACE,
    ) -> None:
        self.items = parse_many(spec) if spec else []
        self.counter: StoreCounter | LimitsCounter | None = None
        if not spec:
            return
        if storage_uri.rstrip("/") == DATABASE_STORAGE.rstrip("/"):
            if database is None or not secret:
                raise ValueError("database:// needs the comment store and the secret key")
            windows = [(item.amount, item.get_expiry()) for item in self.items]
            self.counter = StoreCounter(
                windows,
                database,
                secret,
                clock or _utc_now,
                keep_seconds=keep_seconds,
                namespace=namespace,
            )
        else:
            self.counter = LimitsCounter(self.items, storage_uri, namespace)

    def retry_after(self, key: str) -> int | None:
        """Return seconds to wait when `key` is over a limit, else None."""
        return None if self.counter is None else self.counter.retry_after(key)

    def hit(self, key: str) -> None:
        """Count one accepted comment for `key`."""
        if self.counter is not None:
            self.counter.hit(key)

    def take(self, key: str) -> int | None:
        """Count one hit of `key` unless it is over a limit; then return seconds to wait."""
        return None if self.counter is None else self.counter.take(key)

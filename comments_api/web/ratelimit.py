"""Per-client rate limits, counted once for all worker processes.

The app holds two: COMMENTS_RATE_LIMIT counts accepted comments only (a typo that comes back
with 422 costs nothing there), COMMENTS_ATTEMPT_LIMIT counts every write request, refused
ones too, so guessing at other people's comments costs as much as posting. By default
(`COMMENTS_RATE_LIMIT_STORAGE=database://`) the hits live in the comment store, as the flood
rule's comments do: one row (the client's keyed hash, when) per accepted comment in the
`comments_rate` table, so every worker counts the same hits, and rows older than the longest
window are deleted on each new hit, so the table holds no more than the last window's hits and
the process keeps nothing per client. Any other storage URI (`redis://...`, `memory://`) is
handed to the `limits` library, under the same keyed hashes of the client; `memory://` counts
per process. Such a storage must answer when the app is created; when it stops answering
later, requests that need a count are answered 503 with Retry-After (logged once an outage)
until it is back.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from limits import parse_many
from limits.errors import ConfigurationError, StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..core.errors import ApiError
from ..core.keys import keyed_hash
from ..store import queries

if TYPE_CHECKING:
    from ..store.engine import Database

log = logging.getLogger(__name__)
NAMESPACE = "comments"
# The storage URI meaning "the comment store" (COMMENTS_DATABASE_URL).
DATABASE_STORAGE = "database://"
RETRY_SECONDS = 5
# The answer while the storage does not answer: what happened, nothing of where or how.
UNAVAILABLE = "The rate limit cannot be checked just now. Please try again in a few seconds."


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


def shown_uri(uri: str) -> str:
    """Return a storage URI fit for messages: its password (if any) replaced by ***."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


class LimitsCounter:
    """Counts kept by the `limits` library in the storage at `storage_uri`, per keyed hash
    of the client.

    Raises:
        ValueError: when the storage does not answer (the app is not created).
    """

    def __init__(
        self, items: list, storage_uri: str, secret: str, namespace: str = NAMESPACE
    ) -> None:
        self.items = items
        self.namespace = namespace
        self.secret = secret
        try:
            # Every storage failure comes as limits' StorageError, whatever the backend raised.
            storage = storage_from_string(storage_uri, wrap_exceptions=True)
        except ConfigurationError as error:  # an unknown scheme, a missing client library
            raise ValueError(str(error).replace(storage_uri, shown_uri(storage_uri))) from None
        if not storage.check():
            raise ValueError(f"cannot reach {shown_uri(storage_uri)}")
        self.strategy = MovingWindowRateLimiter(storage)
        self.available = True

    def _key(self, key: str) -> str:
        # As StoreCounter's: the storage never holds a client address in clear.
        return keyed_hash(self.secret, f"rate-limit:{self.namespace}", key)

    @contextmanager
    def _storage(self, *, refuse: bool = True) -> Iterator[None]:
        """Turn a storage failure into 503 with Retry-After (or, with refuse=False, carry on
        uncounted); the first failure of an outage is logged, and so is the storage's return."""
        try:
            yield
        except StorageError as error:
            if self.available:
                self.available = False
                # Only the kind of failure: its text may name hosts or carry credentials.
                log.warning(
                    "comments: the rate-limit storage is unavailable (%s); requests that need "
                    "a count are answered 503 until it is back (COMMENTS_RATE_LIMIT_STORAGE)",
                    type(error.storage_error).__name__,
                )
            if refuse:
                raise ApiError(
                    503, UNAVAILABLE, headers={"Retry-After": str(RETRY_SECONDS)}
                ) from None
        else:
            if not self.available:
                self.available = True
                log.info("comments: the rate-limit storage is available again")

    def _wait(self, key_hash: str) -> int | None:
        for item in self.items:
            if not self.strategy.test(item, self.namespace, key_hash):
                stats = self.strategy.get_window_stats(item, self.namespace, key_hash)
                return max(1, math.ceil(stats.reset_time - time.time()))
        return None

    def retry_after(self, key: str) -> int | None:
        """Return seconds to wait when `key` is over a limit, else None.

        Raises:
            ApiError: 503 while the storage does not answer.
        """
        with self._storage():
            return self._wait(self._key(key))

    def hit(self, key: str) -> None:
        """Count one hit of `key`; while the storage does not answer, the hit is not counted
        (the comment is stored by then: refusing it would invite a second copy)."""
        with self._storage(refuse=False):
            for item in self.items:
                self.strategy.hit(item, self.namespace, self._key(key))

    def take(self, key: str) -> int | None:
        """Count one hit of `key` unless it is over a limit; then return the wait.

        Each window's hit is taken in one step of the storage, so requests at once in other
        processes cannot both take the last place.

        Raises:
            ApiError: 503 while the storage does not answer.
        """
        key_hash = self._key(key)
        with self._storage():
            if (wait := self._wait(key_hash)) is not None:
                return wait
            for item in self.items:
                if not self.strategy.hit(item, self.namespace, key_hash):
                    return self._wait(key_hash) or 1
        return None


def longest_window(spec: str | None) -> int:
    """Return the longest window of a limits string in seconds (0 for none)."""
    return max((item.get_expiry() for item in parse_many(spec)), default=0) if spec else 0


class RateLimiter:
    """The configured limits for one app; None spec means no limit.

    `secret` keys the hashes of clients; `database` and `clock` are needed for the default
    storage, the comment store.
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
        if not secret:
            raise ValueError("rate limits need the secret key")
        if storage_uri.rstrip("/") == DATABASE_STORAGE.rstrip("/"):
            if database is None:
                raise ValueError("database:// needs the comment store")
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
            self.counter = LimitsCounter(self.items, storage_uri, secret, namespace)

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

"""Per-client rate limit on accepted comments, counted with the `limits` library.

This is the library under flask-limiter, used directly so that only accepted comments count
(a typo that comes back with 422 costs nothing) and each app keeps its own counters.
"""

from __future__ import annotations

import math
import time

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

NAMESPACE = "comments"


class RateLimiter:
    """The configured limits for one app; None spec means no limit."""

    def __init__(self, spec: str | None, storage_uri: str) -> None:
        self.items = parse_many(spec) if spec else []
        self.strategy = MovingWindowRateLimiter(storage_from_string(storage_uri)) if spec else None

    def retry_after(self, key: str) -> int | None:
        """Return seconds to wait when `key` is over a limit, else None."""
        if self.strategy is None:
            return None
        for item in self.items:
            if not self.strategy.test(item, NAMESPACE, key):
                stats = self.strategy.get_window_stats(item, NAMESPACE, key)
                return max(1, math.ceil(stats.reset_time - time.time()))
        return None

    def hit(self, key: str) -> None:
        """Count one accepted comment for `key`."""
        if self.strategy is not None:
            for item in self.items:
                self.strategy.hit(item, NAMESPACE, key)

"""Finished answers of thread reads, kept per process and keyed by the thread's change number.

Every change to a thread's published comments gives the thread a new change number in the
store (actions/publishing.record), in the transaction that makes it. A read looks the number
up first (one indexed row), then answers from here when the same page of the same thread was
already made at that number; otherwise it reads the rows and keeps the answer. Reading the
number before the rows means a change that lands between the two can only make a kept answer
newer than its key, never older.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

# Bytes of answers kept per process; the least recently used go first.
BUDGET = 32 * 1024 * 1024


class AnswerCache:
    """A least-recently-used store of (body, etag) by key, within a budget of bytes."""

    def __init__(self, budget: int = BUDGET) -> None:
        self.budget = budget
        self.size = 0
        self._items: OrderedDict[Hashable, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bytes, str] | None:
        """Return the answer kept for `key`, or None."""
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: Hashable, body: bytes, etag: str) -> None:
        """Keep an answer; one larger than the whole budget is not kept."""
        if len(body) > self.budget:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= len(old[0])
            self._items[key] = (body, etag)
            self.size += len(body)
            while self.size > self.budget:
                _, (dropped, _) = self._items.popitem(last=False)
                self.size -= len(dropped)

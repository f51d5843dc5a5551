"""Static pages brought up to date after the answer, in bursts, and never lost.

A change to a thread's published comments is recorded in the store in the transaction that
makes it (queries.mark_stale), so a crash between the answer and the page update loses
nothing: whatever is stale is redone when a worker starts. After the commit the change wakes
the worker, which waits COMMENTS_PAGE_DELAY (a burst of comments on one thread gives one
update), then calls COMMENTS_ON_PUBLISH(app, thread) for every stale thread and records the
change its page now shows. A change that arrives meanwhile leaves the thread stale for the
next round, so an update is never skipped, only merged.

COMMENTS_PAGE_WORKER says who runs it: `thread` (one thread per host among the service's
processes, elected by a lock file in the site folder), `off` (`comments-api update-pages`
runs it) or `inline` (the request runs it before answering). Other processes' changes are
seen through Redis publish/subscribe (COMMENTS_REDIS_URL) or by looking at the store every
COMMENTS_PAGE_POLL seconds.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from flask import Flask

from ..bake.page_update import PageUpdateError
from ..core.keys import keyed_hash
from ..extensions import get_db
from ..store import queries
from .background import BackgroundWorker

log = logging.getLogger(__name__)
WORKER_LOCK = ".comments-worker.lock"
# A failing update is tried again after this many seconds, doubling up to RETRY_MAX.
RETRY_FIRST, RETRY_MAX = 5.0, 300.0
# The wait before a round is at least this many times the last round: under steady posting
# on a long thread the worker takes at most a quarter of one core.
PACE = 3.0
# Seconds between the worker's purges of comments deleted longer ago than the desk keeps them.
PURGE_EVERY = 3600.0


def record(conn, threads: Iterable[str]) -> int | None:
    """Mark the pages of `threads` stale, inside the caller's writing transaction; return the
    change's number (None for no thread)."""
    threads = sorted(set(threads))
    return queries.mark_stale(conn, threads) if threads else None


class PageWorker(BackgroundWorker):
    """Runs the page updates of one app: now (`run_pending`) or in a background thread."""

    THREAD_NAME = "comments-page-worker"

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        config = app.config
        self.mode = config["COMMENTS_PAGE_WORKER"]
        self.delay = config["COMMENTS_PAGE_DELAY"]
        self.poll = config["COMMENTS_PAGE_POLL"]
        self.redis_url = config["COMMENTS_REDIS_URL"]
        self.site_dir = Path(config["COMMENTS_SITE_DIR"])
        # One channel per site: several sites may share a Redis server.
        self.channel = "comments-pages:" + keyed_hash(config["COMMENTS_SECRET_KEY"], "wake", "")
        self._run_lock = threading.Lock()
        self._retry: dict[str, tuple[float, float]] = {}
        self._redis = None
        self._purged_at: float | None = None

    # After a commit ---------------------------------------------------------------------

    def changed(self) -> None:
        """Announce that published comments changed (after the commit that recorded it)."""
        app = self._app()
        if app is None:
            return
        if self.mode == "inline":
            self.run_pending(app)
            return
        self._woken.set()
        self._publish()

    def _publish(self) -> None:
        if not self.redis_url:
            return
        try:
            self._client().publish(self.channel, b"1")
        except Exception as error:  # the poll still finds the change; never fail the answer
            log.warning("comments: could not wake the page worker through Redis (%s)", error)

    def _client(self):
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        return self._redis

    def wait_until_shown(self, thread: str, change: int, timeout: float) -> bool:
        """Wait up to `timeout` seconds until the page of `thread` shows change `change`;
        return whether it does. For a browser without JavaScript, sent to the static page."""
        app = self._app()
        if app is None or self.mode == "inline":
            return True
        deadline = time.monotonic() + timeout
        while True:
            with get_db(app).read() as conn:
                baked, failed = queries.page_state(conn, thread)
            if baked >= change:
                return True
            # While the page's updates fail they are tried again later, less often: no use
            # waiting for this one.
            if failed > baked or time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    # The work -----------------------------------------------------------------------------

    def run_pending(self, app: Flask | None = None) -> int:
        """Update every stale page now; return how many pages were brought up to date.

        A hook that fails leaves its thread stale; it is tried again later, less often.
        """
        app = app or self._app()
        if app is None:
            return 0
        with self._run_lock:
            with get_db(app).read() as conn:
                stale = queries.stale_pages(conn)
            hook = app.config.get("COMMENTS_ON_PUBLISH")
            done: list[tuple[str, int]] = []
            moment = time.monotonic()
            failed: list[tuple[str, int]] = []
            for thread, version in stale:
                retry_at, wait = self._retry.get(thread, (0.0, RETRY_FIRST / 2))
                if retry_at > moment:
                    continue
                try:
                    if hook is not None:
                        hook(app, thread)
                except Exception as error:  # the comments are stored; tried again later
                    wait = min(RETRY_MAX, wait * 2)
                    self._retry[thread] = (time.monotonic() + wait, wait)
                    failed.append((thread, version))
                    if isinstance(error, PageUpdateError):
                        log.warning(
                            "comments: page of %s not updated: %s; trying again in %.0f s",
                            thread, error, wait,
                        )  # fmt: skip
                    else:
                        log.exception("comments: publish hook failed for thread %s", thread)
                    continue
                self._retry.pop(thread, None)
                done.append((thread, version))
            if done or failed:
                with get_db(app).write() as conn:
                    for thread, version in done:
                        queries.mark_baked(conn, thread, version)
                    for thread, version in failed:
                        queries.mark_failed(conn, thread, version)
            return len(done)

    # The background thread ----------------------------------------------------------------

    def ensure_started(self) -> None:
        """Start this process's worker thread, once per process (a forked worker too)."""
        if self.mode == "thread":
            self.start_thread()

    def _on_start(self) -> None:
        self._redis = None

    def serve(self, *, elect: bool = True) -> None:
        """Run page updates until stopped: first whatever is stale, then after each change.

        With `elect`, only the process holding the site folder's worker lock works; the
        others wait to take over if it stops.
        """
        lock = self._elect() if elect else None
        try:
            self._loop()
        finally:
            if lock is not None:
                lock.close()

    def _elect(self):
        path = self.site_dir / WORKER_LOCK
        try:
            handle = open(path, "a")  # noqa: SIM115 - held for the life of the loop
        except OSError as error:
            log.warning("comments: page worker runs without its lock %s (%s)", path, error)
            return None
        while not self._stopped.is_set():
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return handle
            except BlockingIOError:
                if self._app() is None:
                    break
                self._stopped.wait(self.poll * 5)
        handle.close()
        return None

    def _loop(self) -> None:
        subscription = None
        while not self._stopped.is_set():
            app = self._app()
            if app is None:
                return
            started = time.monotonic()
            try:
                self.run_pending(app)
                self._purge(app, started)
            except Exception:  # a store that is down: the next round tries again
                log.exception("comments: page worker round failed")
            del app
            spent = time.monotonic() - started
            subscription, woken = self._wait(subscription)
            if woken and not self._stopped.is_set():
                # Let a burst gather, then update its threads once; at least PACE times as
                # long as the last round took, so a long thread under steady posting leaves
                # the service most of the machine.
                self._stopped.wait(max(self.delay, PACE * spent))

    def _purge(self, app: Flask, moment: float) -> None:
        # The desk keeps deleted comments COMMENTS_DELETED_DAYS; the worker removes older ones
        # once an hour (and `comments purge` on demand).
        if self._purged_at is not None and moment - self._purged_at < PURGE_EVERY:
            return
        from .editor import purge_deleted  # editor -> publishing -> this module

        self._purged_at = moment
        purge_deleted(app, actor="system:purge")

    def _wait(self, subscription):
        """Wait for a wake-up or the poll interval; return (subscription, woken)."""
        if self.redis_url:
            try:
                if subscription is None:
                    subscription = self._client().pubsub(ignore_subscribe_messages=True)
                    subscription.subscribe(self.channel)
                message = subscription.get_message(timeout=self.poll)
                woken = message is not None or self._woken.is_set()
                self._woken.clear()
                return subscription, woken
            except Exception as error:
                log.warning("comments: page worker lost Redis (%s); looking every poll", error)
                subscription = None
                self._redis = None
        woken = self._woken.wait(self.poll)
        self._woken.clear()
        return subscription, woken

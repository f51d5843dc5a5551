"""A worker of one app that runs `serve()` on a daemon thread of its own: started once per
process (a forked server worker starts its own), stopped with `stop()`, and every one of a
kind stopped together with `stop_all()` (a server shutting down; a test suite between tests).
The page worker and the mail worker are two kinds."""

from __future__ import annotations

import os
import threading
import weakref
from typing import ClassVar

from flask import Flask


class BackgroundWorker:
    """The thread-keeping half of a worker; subclasses give `serve()` and THREAD_NAME."""

    THREAD_NAME = "comments-worker"
    # The workers of each kind whose threads run in this process (each subclass its own).
    _running: ClassVar[weakref.WeakSet]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._running = weakref.WeakSet()

    @classmethod
    def stop_all(cls, timeout: float = 5.0) -> None:
        """Stop every worker thread of this kind in this process and wait for each."""
        workers = list(cls._running)
        for worker in workers:
            worker.stop()
        for worker in workers:
            worker.join(timeout)

    def __init__(self, app: Flask) -> None:
        self._app = weakref.ref(app)
        self._woken = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_in: int | None = None
        self._start_lock = threading.Lock()

    def serve(self) -> None:
        """Work until stopped (the thread's target)."""
        raise NotImplementedError

    def _on_start(self) -> None:
        """Forget what the process this one was forked from held (a subclass's clients)."""

    def _running_here(self) -> bool:
        thread = self._thread
        return self._started_in == os.getpid() and thread is not None and thread.is_alive()

    def start_thread(self) -> None:
        """Start this process's thread unless it runs already."""
        if self._running_here():
            return
        with self._start_lock:
            if self._running_here():
                return
            self._started_in = os.getpid()
            self._stopped = threading.Event()
            self._woken = threading.Event()
            self._on_start()
            self._thread = threading.Thread(target=self.serve, name=self.THREAD_NAME, daemon=True)
            self._thread.start()
            type(self)._running.add(self)

    def stop(self) -> None:
        """Ask the loop to end after its current round."""
        self._stopped.set()
        self._woken.set()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end."""
        if self._thread is not None:
            self._thread.join(timeout)

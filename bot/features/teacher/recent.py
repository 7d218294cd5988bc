"""Recent analyses by scope, so a dashboard does not recompute one per page view.

An analysis reads every first answer in its scope (seconds at a million answers). Requests for
one scope share a running analysis; a finished one is served as it is for ``fresh_s`` seconds,
and for up to ``stale_s`` seconds it is served at once while a new one runs in the background
(the page says when its figures are from). Chat and files keep both at 0: always computed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class RecentResults(Generic[T]):
    def __init__(self, fresh_s: float = 0.0, stale_s: float = 0.0) -> None:
        self.fresh_s = fresh_s
        self.stale_s = stale_s
        self._done: dict[Hashable, tuple[float, T]] = {}  # started at (monotonic), result
        self._running: dict[Hashable, asyncio.Future[T]] = {}

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        now = time.monotonic()
        for old, (started, _) in list(self._done.items()):
            if now - started > max(self.fresh_s, self.stale_s):
                del self._done[old]
        done = self._done.get(key)
        if done is not None:
            started, result = done
            if now - started > self.fresh_s:
                self._start(key, compute)  # stale: served now, refreshed in the background
            return result
        return await asyncio.shield(self._start(key, compute))

    def _start(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> asyncio.Future[T]:
        running = self._running.get(key)
        if running is not None:
            return running
        started = time.monotonic()
        running = asyncio.ensure_future(compute())
        self._running[key] = running

        def finished(task: asyncio.Future[T]) -> None:
            self._running.pop(key, None)
            if task.cancelled():
                return
            if task.exception() is not None:  # its waiters hear it; a refresh only logs it
                log.warning("analysis failed: %s", task.exception())
                return
            if max(self.fresh_s, self.stale_s) > 0:
                self._done[key] = (started, task.result())

        running.add_done_callback(finished)
        return running

    def clear(self) -> None:
        """Forget every finished result (the next request computes)."""
        self._done.clear()

    async def settle(self) -> None:
        """Wait for the analyses running now (background refreshes too)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

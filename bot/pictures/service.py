"""Drawing pictures without blocking the event loop: a bounded pool of worker processes, a
cache keyed by what a picture shows, and a time limit after which the reply goes out as text.

Processes, not threads: drawing is Python code under the GIL (tens of milliseconds a
picture), which on a thread would stall the answer path for as long. Workers start with
``forkserver`` (``spawn`` where it is missing), never ``fork``: the bot's process has threads.

A spec is the cache key: it holds every value the picture shows (the card's picture section,
the counts, the names), so a new content version or new data is a new key, and the same data
is the same picture without drawing it again. A picture that times out keeps drawing and lands
in the cache for the next request; the one that asked gets the text version alone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import os
import select
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from bot.kernel.results import Image
from bot.pictures.specs import BarChart, CardDiagram, PictureSpec, PodiumChart, ProgressChart

log = logging.getLogger(__name__)
R = TypeVar("R")
# what a broken pool raises (BrokenProcessPool's base): the process pool's modules, and
# multiprocessing, load with the first pool, not with every start (pictures off: never)
BrokenPool = concurrent.futures.BrokenExecutor

DEFAULT_TIMEOUT_S = 2.0  # Discord wants a reply within 3 s of a command
DEFAULT_CACHE = 256  # pictures; most are 10-60 kB
DEFAULT_WAITING = 32  # pictures drawing or queued; past this a request gets text only
OFF_VALUES = ("0", "off", "no", "false")
WORKER_NICENESS = 19  # where SCHED_IDLE is missing: the lowest priority there is
ORPHAN_POLL_S = 1.0  # where pidfd_open is missing: how often a worker looks for the bot
WORKER_JOIN_S = 5.0  # a killed worker is reaped at once; this bounds a kernel that lags
KINDS = (CardDiagram, BarChart, PodiumChart, ProgressChart)


def _draw(spec: PictureSpec) -> bytes:
    from bot.pictures.draw import draw  # in the worker: matplotlib loads there, never here

    return draw(spec)


class WorkerPriority(StrEnum):
    """How the drawing workers share the CPU. IDLE (the bot's): only CPU nothing else wants,
    so the answer path never waits behind a drawing, and on a saturated host a picture goes
    out as text. NORMAL: like any process (tests that need every picture drawn on a machine
    kept busy, where an idle worker can wait minutes for a core)."""

    IDLE = "idle"
    NORMAL = "normal"


def _warm(bot_pid: int, priority: WorkerPriority) -> None:
    """A worker's start: exit when the bot does, make drawing background work (the event loop
    and the answer writer's threads come first), then import matplotlib and draw once."""
    _exit_with(bot_pid)
    if priority is WorkerPriority.IDLE:
        _yield_the_cpu()
    from bot.pictures.draw import warm

    warm()


def _exit_with(bot_pid: int) -> None:
    """Exit this worker as soon as the bot's process ends, however it ends (SIGKILL included).

    Nothing else would end it: its parent is the forkserver, not the bot, and the forkserver
    itself waits for its last worker (each holds its "alive" pipe); a worker holds both ends of
    its own queues, so it never sees them close. A daemon thread waits on a pidfd of the bot
    (Linux: readable when the bot exits, immune to pid reuse), else polls for it."""
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the bot there
        return
    try:
        watch = os.pidfd_open(bot_pid)  # type: ignore[attr-defined]
    except ProcessLookupError:  # the bot is already gone
        os._exit(0)
    except (AttributeError, OSError):  # not Linux, or an old kernel: poll
        watch = None
    threading.Thread(target=_exit_when_gone, args=(bot_pid, watch), daemon=True).start()


def _exit_when_gone(bot_pid: int, watch: int | None) -> None:
    if watch is not None:
        select.select([watch], [], [])
        os._exit(0)
    parent = os.getppid()
    while True:
        time.sleep(ORPHAN_POLL_S)
        try:
            os.kill(bot_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except OSError:  # exists, but not ours to signal: alive
            pass
        if os.getppid() != parent:  # our parent (bot or forkserver) died: we are an orphan
            os._exit(0)


def _yield_the_cpu() -> None:
    """SCHED_IDLE where Linux allows it (the worker runs only on a core nothing else wants),
    else the lowest nice level; a picture that waits too long goes out as text."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # type: ignore[attr-defined]
        return
    except (AttributeError, OSError):
        pass
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # not allowed here: the worker still draws, at normal priority
        pass


@dataclass
class PictureStats:
    drawn: int = 0
    cached: int = 0  # served from the cache
    timed_out: int = 0
    refused: int = 0  # too many waiting: text only at once
    failed: int = 0


class Pictures:
    """The pictures of every result. ``image(spec)`` is the one call: an Image, or None when
    the picture is off, busy, too slow or broken (the caller then shows the text alone)."""

    def __init__(
        self,
        workers: int | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        cache_size: int = DEFAULT_CACHE,
        max_waiting: int = DEFAULT_WAITING,
        enabled: bool = True,
        priority: WorkerPriority = WorkerPriority.IDLE,
    ) -> None:
        # one worker on a small host keeps a core for the event loop; at most two
        self.workers = workers or max(1, min(2, (os.cpu_count() or 1) - 1))
        self.timeout_s = timeout_s
        self.cache_size = cache_size
        self.max_waiting = max_waiting
        self.enabled = enabled
        self.priority = priority
        self.stats = PictureStats()
        self._cache: OrderedDict[PictureSpec, bytes] = OrderedDict()
        # concurrent futures, not asyncio ones: one Pictures may serve several event loops
        self._drawing: dict[PictureSpec, concurrent.futures.Future[bytes]] = {}
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # the pool's thread stores what it drew
        self._closed = False  # after close(): text only, and no new pool

    @classmethod
    def from_environment(cls) -> Pictures:
        """QUIZBOT_PICTURES=off turns pictures off (text only everywhere)."""
        value = os.environ.get("QUIZBOT_PICTURES", "").strip().lower()
        return cls(enabled=value not in OFF_VALUES)

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing

            methods = multiprocessing.get_all_start_methods()
            method = "forkserver" if "forkserver" in methods else "spawn"
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context(method),
                initializer=_warm,
                initargs=(os.getpid(), self.priority),
            )
        return self._pool

    def start(self) -> None:
        """Start the workers now (each imports matplotlib once, about a second of its own CPU),
        so the first picture a user asks for is not the slow one."""
        if self.enabled:
            self._executor().submit(os.getpid)  # a worker starts (and warms up) for a job

    @property
    def drawing(self) -> int:
        """Pictures being drawn or queued (also those whose asker already had the text)."""
        with self._lock:
            return len(self._drawing)

    def cached(self, spec: PictureSpec) -> Image | None:
        with self._lock:
            png = self._cache.get(spec)
            if png is not None:
                self._cache.move_to_end(spec)
        return None if png is None else Image(png, spec.name, spec.alt)

    async def image(self, spec: PictureSpec | None) -> Image | None:
        if spec is None or not self.enabled or self._closed:
            return None
        image = self.cached(spec)
        if image is not None:
            self.stats.cached += 1
            return image
        with self._lock:
            job = self._drawing.get(spec)
            if job is None and len(self._drawing) >= self.max_waiting:
                self.stats.refused += 1
                return None
        if job is None:
            try:
                job = self._executor().submit(_draw, spec)
            except (BrokenPool, RuntimeError) as exc:  # a worker died; a new pool next
                self._broken(exc)
                return None
            with self._lock:
                self._drawing[spec] = job
            job.add_done_callback(lambda done, key=spec: self._finished(key, done))
        try:
            drawing = asyncio.wrap_future(job)
            drawing.add_done_callback(_retrieved)
            async with asyncio.timeout(self.timeout_s):
                png = await asyncio.shield(drawing)
        except TimeoutError:
            self.stats.timed_out += 1
            log.warning("picture %s took over %.1f s: sent as text", spec.name, self.timeout_s)
            return None
        except BrokenPool as exc:
            self._broken(exc)
            return None
        except Exception:  # a drawing bug must not cost the user the text reply
            self.stats.failed += 1
            log.exception("picture %s could not be drawn", spec.name)
            return None
        return Image(png, spec.name, spec.alt)

    def attach_cached(self, result: R) -> R:
        """``result`` with its picture when it is already drawn (never waits); else as it is."""
        spec = getattr(result, "picture", None)
        if not self.enabled or not isinstance(spec, KINDS):
            return result
        image = self.cached(spec)
        if image is None:
            return result
        self.stats.cached += 1
        return _with_image(result, image)

    async def attach(self, result: R) -> R:
        """``result`` with its picture added to its ``images``, when it has one (a
        ``picture`` spec) and it could be drawn in time; else ``result`` as it is."""
        spec = getattr(result, "picture", None)
        if not isinstance(spec, KINDS):
            return result
        image = await self.image(spec)
        if image is None:
            return result
        return _with_image(result, image)

    def _finished(self, spec: PictureSpec, job: concurrent.futures.Future[bytes]) -> None:
        """In the pool's thread: cache what was drawn (also after its asker timed out)."""
        with self._lock:
            self._drawing.pop(spec, None)
            if job.cancelled() or job.exception() is not None:
                return
            self.stats.drawn += 1
            self._cache[spec] = job.result()
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def _broken(self, exc: BaseException) -> None:
        if self._closed:  # the close ended the workers: what was drawing goes out as text
            return
        self.stats.failed += 1
        log.error("picture worker failed (%s): starting a new one for the next picture", exc)
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    async def close(self) -> None:
        """End the workers at once. Pictures are disposable, and a worker may still be warming
        up at the lowest CPU priority (tens of seconds on a busy host): waiting for it ran the
        bot's stop past its bound."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(_end_pool, pool)


def _with_image(result: R, image: Image) -> R:
    images = getattr(result, "images", ())
    # first: the picture the result itself describes leads (the embed shows the first)
    return dataclasses.replace(result, images=(image, *images))  # type: ignore[type-var]


def _retrieved(drawing: asyncio.Future[bytes]) -> None:
    """A drawing that fails after its asker stopped waiting (timed out, or ended by the close)
    is already counted where it finished: no "exception was never retrieved" at exit."""
    if not drawing.cancelled():
        drawing.exception()


def _end_pool(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14 (it shuts down too)
    if terminate is not None:
        terminate()
        return
    workers = list((getattr(pool, "_processes", None) or {}).values())  # shutdown clears it
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.kill()
    for worker in workers:
        worker.join(WORKER_JOIN_S)


async def with_picture(pictures: Pictures | None, result: R) -> R:
    """``result`` with its picture when a service was given ``pictures``."""
    return result if pictures is None else await pictures.attach(result)


def with_cached_picture(pictures: Pictures | None, result: R) -> R:
    """``result`` with its picture when a service was given ``pictures`` and it is drawn."""
    return result if pictures is None else pictures.attach_cached(result)

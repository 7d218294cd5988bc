"""One graceful stop for every runner: SIGTERM and SIGINT mean the same thing.

The first signal stops new work (each runner says how: Slack HTTP answers 503, Socket Mode and
Discord refuse politely), lets the work already accepted finish (answers committed and replied
to) for at most ``timeout_s`` seconds, then the runner stops its scheduler and closes its
connections and exits 0. A second signal exits at once (128 + the signal's number).

A runner tracks each piece of accepted work with ``track(task)`` (Slack: the listener task after
ack; Discord: the interaction being handled) and awaits ``drain()`` once ``stopped`` is set.
Other signal handling (e.g. SIGHUP to reload) belongs in ``install_signals`` next to these two.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from bot.config import ConfigError, setting

log = logging.getLogger(__name__)

DEFAULT_STOP_TIMEOUT_S = 10.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
CLOSE_GRACE_S = 5.0  # after the drain: scheduler, server and database closing


def stop_timeout() -> float:
    """QUIZBOT_STOP_TIMEOUT (seconds, environment or .env), else 10."""
    value = setting("QUIZBOT_STOP_TIMEOUT")
    if value is None:
        return DEFAULT_STOP_TIMEOUT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise ConfigError("QUIZBOT_STOP_TIMEOUT should be a number of seconds, 0 < s <= 3600")
    return seconds


def exit_at_once(status: int) -> None:
    """A second signal (or a close that hangs), on every runner: SIGKILL what we started (a
    demo in progress leads its own process group and would run on as an orphan; the picture
    workers and their forkserver would keep our standard output open), then exit without
    closing."""
    with contextlib.suppress(OSError):
        groups, others = _descendants()
        for group in groups:
            with contextlib.suppress(OSError):
                os.killpg(group, signal.SIGKILL)
        for pid in others:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    os._exit(status)


def _descendants() -> tuple[list[int], list[int]]:
    """Our descendants (Linux ``/proc``; else none): those that lead a process group of their
    own (a demo's sandbox), and the others (the picture workers, their forkserver)."""
    me, ours = os.getpid(), os.getpgrp()
    parent_of: dict[int, int] = {}
    group_of: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile, or not readable
        pid = int(entry)
        parent_of[pid], group_of[pid] = int(fields[1]), int(fields[2])
    children_of: dict[int, list[int]] = {}
    for pid, ppid in parent_of.items():
        children_of.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    frontier = [me]
    while frontier:
        children = [pid for pid in children_of.get(frontier.pop(), ()) if pid not in found]
        found.update(children)
        frontier.extend(children)
    groups = sorted(pid for pid in found if group_of[pid] == pid and pid != ours)
    others = sorted(pid for pid in found if group_of[pid] not in groups)
    return groups, others


class GracefulStop:
    """What is in flight, and whether the runner has been asked to stop."""

    def __init__(
        self,
        timeout_s: float | None = None,
        exit_now: Callable[[int], object] = exit_at_once,
    ) -> None:
        self.timeout_s = stop_timeout() if timeout_s is None else timeout_s
        self.stopped = asyncio.Event()
        self.signal_name: str | None = None
        self._work: set[asyncio.Future[object]] = set()
        self._exit_now = exit_now

    @property
    def accepting(self) -> bool:
        return not self.stopped.is_set()

    @property
    def in_flight(self) -> int:
        return len(self._work)

    def track(self, task: asyncio.Task[object] | None = None) -> None:
        """Count ``task`` (default: the current one) as accepted work until it is done."""
        task = task or asyncio.current_task()
        if task is None or task.done():
            return
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    def request(self, signum: int | None = None) -> None:
        """Stop taking new work (a signal, or a test). A second signal exits at once."""
        name = signal.Signals(signum).name if signum is not None else "stop"
        if self.stopped.is_set():
            if signum is not None:
                log.warning("second %s: exiting now with %d in flight", name, self.in_flight)
                self._exit_now(128 + signum)
            return
        self.signal_name = name
        if signum is not None:  # a hard bound: closing (after the drain) must not hang either
            asyncio.get_running_loop().call_later(
                self.timeout_s + CLOSE_GRACE_S, self._overdue, 128 + signum
            )
        log.info(
            "%s: stopping; finishing %d request(s) in flight (at most %.0f s)",
            name,
            self.in_flight,
            self.timeout_s,
        )
        self.stopped.set()

    def _overdue(self, status: int) -> None:
        log.error("stop: still not closed %.0f s after the signal; exiting now", self.timeout_s)
        self._exit_now(status)

    async def drain(self) -> bool:
        """Wait (at most ``timeout_s``) for the tracked work, including work that starts while
        waiting; True when all of it finished. What is left is cancelled and logged."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        current = asyncio.current_task()
        while pending := {w for w in self._work if w is not current}:
            remaining = deadline - loop.time()
            if remaining <= 0:
                log.warning("stop: %d request(s) did not finish in time", len(pending))
                for work in pending:
                    work.cancel()
                return False
            await asyncio.wait(pending, timeout=remaining)
        log.info("stop: all accepted work finished")
        return True

    @contextmanager
    def install_signals(
        self, handlers: Mapping[signal.Signals, Callable[[int], object]] | None = None
    ) -> Iterator[None]:
        """SIGTERM and SIGINT call ``request`` while the block runs (main thread, Unix), or the
        runner's own handler from ``handlers`` (called with the signal's number; it should end
        in ``request`` so that a second signal still exits at once)."""
        loop = asyncio.get_running_loop()
        installed = []
        for sig in STOP_SIGNALS:
            handler = (handlers or {}).get(sig, self.request)
            try:
                loop.add_signal_handler(sig, handler, sig)
                installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):  # Windows, not main thread
                pass
        try:
            yield
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

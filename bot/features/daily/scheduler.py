"""The daily scheduler: one per platform. Posts due questions and closes ended answer windows
of its platform's channels, through a ``DailyPoster`` (the host's, adapters/platform.py, made
from the platform's post). ``run_due(now)``
does one pass; ``start()`` runs passes in an asyncio task that sleeps on the injected clock
until the next post or window end, and wakes early when a schedule changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.features.daily import store
from bot.features.daily.calendar import Occurrence, latest_occurrence, next_occurrence
from bot.features.daily.results import DailyQuestion, DailyResults
from bot.features.daily.service import DailyService
from bot.features.daily.store import ClaimRow, NewClaim, ResultsStatus, ScheduleRow
from bot.kernel.errors import UserError
from bot.kernel.identity import ChannelRef

log = logging.getLogger("quizbot.daily")


class DailyPoster(Protocol):
    """What the core needs to deliver daily posts to a platform (the host's ``ChannelPoster``
    makes one from the platform's ``post``).

    Both return the platform's message reference (stored with the post); raising means the
    platform refused it: the core records the error and does not retry that post.
    """

    async def post_question(self, channel: ChannelRef, question: DailyQuestion) -> str: ...

    async def post_results(self, channel: ChannelRef, results: DailyResults) -> str: ...


@dataclass
class DailyRun:
    """What one ``run_due`` pass did."""

    posted: list[DailyQuestion] = field(default_factory=list)
    results: list[DailyResults] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # channel keys whose post failed


class DailyScheduler:
    """Posts the daily questions and results of one platform's channels.

    The host creates it with its poster, calls ``start()`` once the platform is ready and
    ``await stop()`` before shutting down (QuizApp.close stops it too).
    """

    def __init__(
        self,
        service: DailyService,
        platform: str,
        poster: DailyPoster,
        name: str | None = None,
        poster_timeout: float = 60.0,
        rescan: timedelta = timedelta(minutes=5),
        owns: Callable[[str], bool] | None = None,
    ) -> None:
        self.service = service
        self.db = service.db
        self.clock = service.clock
        self.platform = platform
        self.poster = poster
        self.name = name or f"{platform}@{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.poster_timeout = poster_timeout
        # another process sharing the database cannot poke us: look at the schedules this often
        self.rescan = rescan
        # which workspaces this process posts for (its Discord shards' guilds); None: all
        self.owns = owns
        self._changed = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.passes = 0  # loop passes done (for tests and health checks)
        service.schedulers[platform] = self

    # -- one pass ---------------------------------------------------------------------------

    async def run_due(self, now: datetime | None = None) -> DailyRun:
        """Close the answer windows that ended (results), then post what is due."""
        now = now or self.clock.now()
        run = DailyRun()
        owns = self.owns or (lambda workspace_id: True)
        # each read of a pass is one statement, its own snapshot (read_single): a transaction
        # around it would add two round trips to every pass on PostgreSQL
        for claim in await self.db.read_single(store.due_results, self.platform, now.isoformat()):
            if not owns(claim.workspace_id):
                continue
            try:
                results = await self._post_results(claim)
            except Exception:  # recorded as 'posting'; never retried, like a failed post
                log.exception("daily results of %s failed", claim.channel_key)
                continue
            if results is not None:
                run.results.append(results)
        for schedule in await self.db.read_single(store.schedules, self.platform):
            if not owns(schedule.workspace_id):
                continue
            try:
                due = self.due(schedule, now)
                if due is None:
                    continue
                if await self.db.read_single(
                    store.claim_on, schedule.channel_key, due.local_date.isoformat()
                ):
                    continue  # posted (or being posted) already, by us or another process
                posted = await self.post_occurrence(schedule, due, now)
            except DailyPostFailed:
                run.failed.append(schedule.channel_key)
                continue
            except Exception:  # one broken schedule (e.g. a zone gone from the OS) spoils no other
                log.exception("daily schedule of %s failed", schedule.channel_key)
                run.failed.append(schedule.channel_key)
                continue
            if posted is not None:
                run.posted.append(posted)
        return run

    def due(self, schedule: ScheduleRow, now: datetime) -> Occurrence | None:
        """The occurrence to post now, if any: the latest one, set before it came, at most
        the grace period ago and on today's local date (never yesterday's question today)."""
        latest = latest_occurrence(schedule, now)
        if latest is None or latest.instant < datetime.fromisoformat(schedule.active_from):
            return None
        if now - latest.instant > self.service.grace:
            return None  # the bot was down too long: skip the day, say nothing
        if now.astimezone(ZoneInfo(schedule.zone)).date() != latest.local_date:
            return None
        return latest

    async def post_occurrence(
        self, schedule: ScheduleRow, occurrence: Occurrence, now: datetime
    ) -> DailyQuestion | None:
        """Claim (channel, local date), post, record the message; None when already claimed.
        Raises DailyPostFailed (after recording it) when the platform refuses the post."""
        service = self.service
        question = await service.choose_question(schedule)
        zone = ZoneInfo(schedule.zone)
        closes = next_occurrence(schedule, now, after_date=occurrence.local_date).instant
        if schedule.window_hours:
            closes = min(closes, now + timedelta(hours=schedule.window_hours))
        claimed = await self.db.write(
            store.claim_and_post,
            NewClaim(
                channel_key=schedule.channel_key,
                local_date=occurrence.local_date.isoformat(),
                platform=schedule.platform,
                workspace_id=schedule.workspace_id,
                channel_id=schedule.channel_id,
                zone=schedule.zone,
                scheduled_at=occurrence.instant.isoformat(),
                claimed_at=now.isoformat(),
                claimed_by=self.name,
                closes_at=closes.isoformat(),
                question_id=question.id,
                topic_id=question.topic_id,
            ),
        )
        if claimed is None:
            return None
        service.quiz.forget_posts(schedule.channel_key)  # earlier daily windows may have closed
        claim_id, post_id = claimed
        channel = ChannelRef(schedule.platform, schedule.workspace_id, schedule.channel_id)
        daily = DailyQuestion(
            channel=channel,
            view=service.quiz.view(post_id, question, reason="daily question"),
            local_date=occurrence.local_date,
            zone=schedule.zone,
            closes_at=closes.astimezone(zone),
        )
        try:
            async with asyncio.timeout(self.poster_timeout):
                ref = await self.poster.post_question(channel, daily)
        except Exception as exc:  # the platform's error: record it, never retry this day
            log.warning("daily post to %s failed: %r", channel.channel_key, exc)
            await self.db.write(
                store.mark_failed, claim_id, post_id, repr(exc), self.clock.now().isoformat()
            )
            raise DailyPostFailed(f"Posting the daily question failed: {exc!r}") from exc
        await self.db.write(store.mark_posted, claim_id, post_id, str(ref))
        return daily

    async def _post_results(self, claim: ClaimRow) -> DailyResults | None:
        if not await self.db.write(store.take_results, claim.id):
            return None  # another process is posting them
        results = await self.service.results(claim)
        if results is None:
            await self.db.write(store.mark_results, claim.id, ResultsStatus.SKIPPED)
            return None
        try:
            async with asyncio.timeout(self.poster_timeout):
                ref = await self.poster.post_results(results.channel, results)
        except Exception as exc:
            log.warning("daily results to %s failed: %r", claim.channel_key, exc)
            await self.db.write(store.mark_results, claim.id, ResultsStatus.FAILED, None, repr(exc))
            return None
        await self.db.write(store.mark_results, claim.id, ResultsStatus.POSTED, str(ref))
        return results

    async def next_wake(self, now: datetime) -> datetime | None:
        """The next instant something can be due: a scheduled post or a window's end."""
        instants = []
        for schedule in await self.db.read_single(store.schedules, self.platform):
            try:
                instants.append(next_occurrence(schedule, now).instant)
            except Exception:  # logged by run_due; the rescan comes back to it
                continue
        closing = await self.db.read_single(store.next_closing, self.platform, now.isoformat())
        if closing:
            instants.append(datetime.fromisoformat(closing))
        return min(instants, default=None)

    # -- the loop -------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self._loop(), name=f"quizbot-daily-{self.platform}")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop; a pass in progress may finish its post first (a post cut off between
        claim and delivery would lose that day)."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping = True
            self._changed.set()
            await asyncio.wait({task}, timeout=timeout)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.service.schedulers.get(self.platform) is self:
            del self.service.schedulers[self.platform]

    def poke(self) -> None:
        """A schedule changed: recompute when to wake."""
        self._changed.set()

    async def _loop(self) -> None:
        while not self._stopping:
            self._changed.clear()
            now = self.clock.now()
            try:
                await self.run_due(now)
                wake = await self.next_wake(now)
            except Exception:  # a database hiccup must not end the scheduler
                log.exception("daily scheduler pass failed; trying again in a minute")
                wake = now + timedelta(minutes=1)
            self.passes += 1
            if self._stopping:
                break
            wake = min(wake or now + self.rescan, now + self.rescan)
            waiters = [
                asyncio.ensure_future(self._changed.wait()),
                asyncio.ensure_future(self.clock.sleep_until(wake)),
            ]
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()


class DailyPostFailed(UserError):
    """The platform refused a daily post; already recorded, never retried."""

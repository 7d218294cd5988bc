"""The live quiz's runner: one per platform. Drives its platform's running sessions round by
round on the injected clock, through a ``LivePoster`` (the host's, adapters/platform.py, made
from the platform's post and edit).

Per round: one post (the question with its close time), one edit when it closes (the reveal,
buttons disabled), one post (the scoreboard; after the last round, the podium). Nothing is
edited per second: the platforms count the time down themselves. The reveal's chart is drawn
after the reveal went out, in a task of its own (the next round never waits for a drawing): a
second edit adds it once drawn.

Ownership: a session is driven by the runner named in its row while that runner's lease lasts
(renewed every ``lease / 3``). A runner that stops hands its sessions back; one that dies loses
them when the lease runs out. Any runner of the platform then adopts them and carries on from
the stored state: an open round closes at its stored time (at once when that has passed). A
round whose post may or may not have reached the channel (the process died while posting)
cannot be carried on honestly: the session then ends with the standings so far.

The end: the session is marked ended with its podium owed (one write: the channel is free for a
new quiz night before the podium shows), then the podium is posted, then marked posted. A runner
that adopts a session whose podium is still owed posts it: a crash before the post loses
nothing, one between the post and its mark posts it twice rather than never.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import datetime, timedelta
from typing import Protocol

from bot.features.live import store
from bot.features.live.results import (
    EndReason,
    LivePodium,
    LiveRound,
    LiveScoreboard,
    RoundReveal,
)
from bot.features.live.service import LiveService
from bot.features.live.store import NewRound, RoundRow, RoundStatus, SessionRow, SessionStatus
from bot.features.quiz.store import NewPost
from bot.kernel.identity import ChannelRef

log = logging.getLogger("quizbot.live")

IDLE_ROUNDS = 2  # a session ends by itself after this many rounds in a row without answers


class LivePoster(Protocol):
    """What the core needs to run live rounds in a platform's channels (the host's
    ``ChannelPoster`` makes one from the platform's ``post`` and ``edit``).

    ``post_round`` and ``post_standings`` return the platform's message reference; raising
    means the platform refused. ``close_round`` edits the round's message (``ref``) in place.
    """

    async def post_round(self, channel: ChannelRef, live_round: LiveRound) -> str: ...

    async def close_round(self, channel: ChannelRef, ref: str, reveal: RoundReveal) -> None: ...

    async def post_standings(
        self, channel: ChannelRef, standings: LiveScoreboard | LivePodium
    ) -> str: ...


class LostSession(Exception):
    """The session is no longer ours (ended, or another runner took it over)."""


class LiveRunner:
    """Runs one platform's live sessions. The host creates it with its poster, calls
    ``start()`` once its client is ready and ``await stop()`` before shutting down
    (QuizApp.close stops it too)."""

    def __init__(
        self,
        service: LiveService,
        platform: str,
        poster: LivePoster,
        name: str | None = None,
        lease: timedelta = timedelta(seconds=30),
        poster_timeout: float = 30.0,
    ) -> None:
        self.service = service
        self.db = service.db
        self.clock = service.clock
        self.platform = platform
        self.poster = poster
        self.name = name or f"{platform}@{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.lease = lease
        self.poster_timeout = poster_timeout
        self._drivers: dict[int, asyncio.Task[None]] = {}
        self._wakes: dict[int, asyncio.Event] = {}
        self._leases: dict[int, datetime] = {}  # session id -> our lease's end, as last stored
        self._scan = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._charts: set[asyncio.Task[None]] = set()  # reveals' charts being drawn, then edited in
        self.passes = 0
        service.runners[platform] = self

    # -- the loop ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._stopping = False
            self.service.runners[self.platform] = self
            self._task = asyncio.create_task(self._loop(), name=f"quizbot-live-{self.platform}")

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop driving (a round post in flight may finish first) and hand the sessions back,
        so a restarted process carries them on at once."""
        self._stopping = True
        self._scan.set()
        for event in self._wakes.values():
            event.set()
        tasks = [t for t in (self._task, *self._drivers.values()) if t is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # a chart still drawing is dropped: its reveal is out already, as text
        charts, self._charts = self._charts, set()
        for task in charts:
            task.cancel()
        for task in charts:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._drivers.clear()
        with contextlib.suppress(Exception):
            await self.db.write(store.release, self.name)
        if self.service.runners.get(self.platform) is self:
            del self.service.runners[self.platform]

    def poke(self, session_id: int) -> None:
        event = self._wakes.get(session_id)
        if event is not None:
            event.set()
        else:
            self._scan.set()  # a session we do not drive yet: adopt it

    async def _loop(self) -> None:
        while not self._stopping:
            self._scan.clear()
            try:
                await self.adopt()
            except Exception:
                log.exception("live runner scan failed; trying again")
            self.passes += 1
            if self._stopping:
                break
            await self._wait(self._scan, self.clock.now() + self.lease / 3)

    async def adopt(self) -> list[int]:
        """Start driving the sessions of this platform that are ours or nobody's."""
        now = self.clock.now()
        adopted = []
        for session_id in await self.db.read(
            store.adoptable, self.platform, self.name, now.isoformat()
        ):
            task = self._drivers.get(session_id)
            if task is not None and not task.done():
                continue
            lease_until = (now + self.lease).isoformat()
            if not await self.db.write(
                store.adopt, session_id, self.name, now.isoformat(), lease_until
            ):
                continue
            self._wakes[session_id] = asyncio.Event()
            self._drivers[session_id] = asyncio.create_task(
                self._drive(session_id), name=f"quizbot-live-session-{session_id}"
            )
            adopted.append(session_id)
        return adopted

    async def _wait(self, event: asyncio.Event, until: datetime) -> None:
        waiters = [
            asyncio.ensure_future(event.wait()),
            asyncio.ensure_future(self.clock.sleep_until(until)),
        ]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    # -- one session ------------------------------------------------------------------------

    async def _drive(self, session_id: int) -> None:
        wake = self._wakes[session_id]
        try:
            while not self._stopping:
                wake.clear()
                until = await self.step(session_id)
                if until is None:
                    break
                if until > self.clock.now():
                    await self._wait(wake, until)
        except LostSession:
            log.info("live session %s is no longer driven by %s", session_id, self.name)
        except Exception:
            log.exception("live session %s failed", session_id)
            with contextlib.suppress(Exception):
                await self._end(session_id, EndReason.INTERRUPTED, "an error on our side")
        finally:
            self._wakes.pop(session_id, None)
            self._drivers.pop(session_id, None)
            self._leases.pop(session_id, None)

    async def step(self, session_id: int) -> datetime | None:
        """Do what is due in a session now; when to look again (at the latest: a poke wakes it
        earlier), or None once it has ended."""
        now = self.clock.now()
        held = self._leases.get(session_id)
        if held is None or held - now < self.lease * 2 / 3:  # renew once a third has passed
            if not await self.db.write(
                store.renew, session_id, self.name, (now + self.lease).isoformat()
            ):
                raise LostSession(session_id)
            self._leases[session_id] = now + self.lease
        session = await self.db.read(store.get_session, session_id)
        if session is None:
            return None
        if session.podium_owed:  # ended by a runner that stopped before posting its podium
            await self._post_podium(session_id)
            return None
        rounds = await self.db.read(store.rounds_of, session_id)
        current = rounds[-1] if rounds else None
        if current is not None and current.status == RoundStatus.POSTING:
            if current.message_ref is None:
                await self._end(
                    session_id,
                    EndReason.INTERRUPTED,
                    f"round {current.number} was being posted when the bot stopped",
                )
                return None
        if session.stop_requested_by:
            if current is not None and current.status in (RoundStatus.OPEN, RoundStatus.CLOSING):
                await self._close_round(session, current, last=True)
            await self._end(session_id, EndReason.STOPPED)
            return None
        if current is not None and current.status == RoundStatus.CLOSING:
            await self._close_round(session, current, last=current.number >= session.rounds)
            return now
        if current is not None and current.status == RoundStatus.OPEN:
            closes = datetime.fromisoformat(current.closes_at)
            early = now < closes and await self.service.everyone_answered(
                session_id, current.number
            )
            if now >= closes or early:
                await self._close_round(
                    session, current, last=current.number >= session.rounds, early=early
                )
                return now
            return min(closes, now + self.lease / 3)
        # no round yet, or the last one closed: end, or post the next
        if current is not None and current.number >= session.rounds:
            await self._end(session_id, EndReason.FINISHED)
            return None
        if await self._idle(session_id, rounds):
            await self._end(session_id, EndReason.IDLE)
            return None
        question = self.service.choose_question(session, rounds)
        if question is None:
            await self._end(session_id, EndReason.FINISHED)
            return None
        await self._post_round(session, len(rounds) + 1, question.id, now)
        return now

    async def _idle(self, session_id: int, rounds: list[RoundRow]) -> bool:
        if len(rounds) < IDLE_ROUNDS:
            return False
        answered = {a.number for a in await self.db.read(store.answers_of, session_id)}
        return all(r.number not in answered for r in rounds[-IDLE_ROUNDS:])

    async def _post_round(
        self, session: SessionRow, number: int, question_id: str, now: datetime
    ) -> None:
        question = self.service.pack.question(question_id)
        assert question is not None  # chosen from the pack a moment ago
        closes = now + timedelta(seconds=session.seconds)
        try:
            post_id = await self.db.write(
                store.open_round,
                NewRound(
                    session_id=session.id,
                    number=number,
                    owner=self.name,
                    post=NewPost(
                        question.id,
                        question.topic_id,
                        f"{session.platform}:{session.workspace_id}",
                        session.channel_key,
                        now.isoformat(),
                        store.LIVE_POST,
                        session.started_by,
                    ),
                    opened_at=now.isoformat(),
                    closes_at=closes.isoformat(),
                ),
            )
        except store.RoundTaken:
            raise LostSession(session.id) from None
        if post_id is None:
            raise LostSession(session.id)
        live_round = LiveRound(
            session_id=session.id,
            number=number,
            rounds=session.rounds,
            view=self.service.quiz.view(post_id, question, reason=f"round {number}"),
            seconds=session.seconds,
            closes_at=closes,
            zone=self.service.quiz.zone_of(f"{session.platform}:{session.workspace_id}"),
        )
        try:
            async with asyncio.timeout(self.poster_timeout):
                ref = await self.poster.post_round(self._channel(session), live_round)
        except Exception as exc:
            log.warning("live round %s of session %s not posted: %r", number, session.id, exc)
            await self.db.write(store.mark_round_open, session.id, number, "")
            await self._end(session.id, EndReason.INTERRUPTED, "the round could not be posted")
            raise LostSession(session.id) from exc
        await self.db.write(store.mark_round_open, session.id, number, str(ref))

    async def _close_round(
        self, session: SessionRow, current: RoundRow, last: bool, early: bool = False
    ) -> None:
        now = self.clock.now()
        if not await self.db.write(
            store.begin_close, session.id, current.number, self.name, now.isoformat()
        ):
            raise LostSession(session.id)
        reveal = await self.service.reveal(session, current, closed_early=early)
        channel = self._channel(session)
        if reveal is not None and current.message_ref:
            try:
                async with asyncio.timeout(self.poster_timeout):
                    await self.poster.close_round(channel, current.message_ref, reveal)
            except Exception as exc:  # the reveal is lost, the session goes on
                log.warning("live round %s reveal failed: %r", current.number, exc)
            else:
                self._follow_with_chart(channel, current.message_ref, reveal)
        if not last:
            board = await self.service.scoreboard(session, current.number)
            try:
                async with asyncio.timeout(self.poster_timeout):
                    await self.poster.post_standings(channel, board)
            except Exception as exc:
                log.warning("live scoreboard after round %s failed: %r", current.number, exc)
        await self.db.write(store.finish_close, session.id, current.number)

    def _follow_with_chart(self, channel: ChannelRef, ref: str, reveal: RoundReveal) -> None:
        """Draw the reveal's chart (when it has one not shown yet) and edit it into the round's
        message, without holding up the session (``stop`` cancels it)."""
        pictures = self.service.pictures
        if pictures is None or not pictures.enabled or reveal.images or reveal.picture is None:
            return
        task = asyncio.create_task(
            self._edit_in_chart(channel, ref, reveal),
            name=f"quizbot-live-chart-{reveal.session_id}-{reveal.number}",
        )
        self._charts.add(task)
        task.add_done_callback(self._charts.discard)

    async def _edit_in_chart(self, channel: ChannelRef, ref: str, reveal: RoundReveal) -> None:
        try:
            charted = await self.service.chart(reveal)
            if charted is None:  # not drawn in time: the reveal stays text only
                return
            async with asyncio.timeout(self.poster_timeout):
                await self.poster.close_round(channel, ref, charted)
        except Exception as exc:
            log.warning("live round %s chart not shown: %r", reveal.number, exc)

    async def _end(self, session_id: int, reason: EndReason, detail: str = "") -> None:
        """Mark the session ended with its podium owed, then post the podium (see the module's
        docstring: a user who sees it may start the next quiz at once)."""
        status = {
            EndReason.FINISHED: SessionStatus.FINISHED,
            EndReason.STOPPED: SessionStatus.STOPPED,
            EndReason.IDLE: SessionStatus.IDLE,
            EndReason.INTERRUPTED: SessionStatus.INTERRUPTED,
        }[reason]
        if await self.db.write(
            store.end_session,
            session_id,
            status,
            self.clock.now().isoformat(),
            self.name,
            True,
            detail,
        ):
            await self._post_podium(session_id)

    async def _post_podium(self, session_id: int) -> None:
        """Post the podium a session owes, then mark it posted."""
        session = await self.db.read(store.get_session, session_id)
        if session is None or not session.podium_owed or session.owner != self.name:
            return
        reason = EndReason(session.status.value)  # an ended session's status names its reason
        podium = await self.service.podium(session_id, reason, detail=session.end_detail)
        # drawing it may have outlasted the lease: post only if no runner took the session over
        lease_until = self.clock.now() + self.lease
        if not await self.db.write(store.renew, session_id, self.name, lease_until.isoformat()):
            raise LostSession(session_id)
        self._leases[session_id] = lease_until
        try:
            async with asyncio.timeout(self.poster_timeout):
                await self.poster.post_standings(self._channel(session), podium)
        except Exception as exc:
            log.warning("live podium of session %s failed: %r", session_id, exc)
        await self.db.write(store.podium_posted, session_id, self.name)

    @staticmethod
    def _channel(session: SessionRow) -> ChannelRef:
        return ChannelRef(session.platform, session.workspace_id, session.channel_id)

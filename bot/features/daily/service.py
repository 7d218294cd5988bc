"""The daily question: set, show and stop a channel's schedule, post now, choose the day's
question, build results, explain a closed window, and read daily streaks.

Exactly once: before posting, a scheduler (scheduler.py) inserts (channel, local date) into
``daily_claims`` (UNIQUE) in the same transaction that creates the post; a process whose insert
fails does not post. See README "Daily question".
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content import Pack, Question
from bot.features.answers import NO_CHOICE
from bot.features.daily import store
from bot.features.daily.calendar import (
    EVERY_DAY,
    Occurrence,
    next_occurrence,
    parse_time,
    parse_weekdays,
)
from bot.features.daily.results import DailyQuestion, DailyResults, ScheduleInfo
from bot.features.daily.store import ClaimRow, ClaimStatus, DailyStreakRow, RecentPost, ScheduleRow
from bot.features.daily.windows import DailyWindows
from bot.features.quiz import PostRow, QuizService
from bot.features.quiz.results import choice_order
from bot.kernel.clock import Clock, format_local, resolve_zone
from bot.kernel.db import Database
from bot.kernel.errors import UserError
from bot.kernel.identity import Actor, ChannelRef
from bot.kernel.results import Notice
from bot.pictures.service import Pictures, with_picture
from bot.scoring import current_daily_streak


class RunningScheduler(Protocol):
    """What the service needs of a platform's running scheduler (scheduler.py)."""

    async def post_occurrence(
        self, schedule: ScheduleRow, occurrence: Occurrence, now: datetime
    ) -> DailyQuestion | None: ...

    def poke(self) -> None: ...

    async def stop(self, timeout: float = 10.0) -> None: ...


DEFAULT_GRACE = timedelta(hours=2)
USAGE = (
    "/quiz daily set HH:MM <time zone> [mon-fri|mon,wed,fri|daily|weekends] [topic] [<N>h]"
    " | show | off | now"
)


class DailyService:
    """Platform-neutral daily-question logic; one per QuizApp."""

    def __init__(
        self,
        quiz: QuizService,
        db: Database,
        clock: Clock,
        grace: timedelta = DEFAULT_GRACE,
        rng: random.Random | None = None,
        pictures: Pictures | None = None,
    ) -> None:
        self.quiz = quiz
        self.db = db
        self.clock = clock
        self.grace = grace
        self._rng = rng or random.Random()
        self.pictures = pictures  # the results carry their chart (None: text only)
        self.schedulers: dict[str, RunningScheduler] = {}  # platform -> its running scheduler

    @property
    def pack(self) -> Pack:
        """The content served now (a reload swaps it; see ``PackHolder``)."""
        return self.quiz.pack

    # -- schedules --------------------------------------------------------------------------

    async def set_schedule(
        self,
        actor: Actor,
        at: str,
        zone: str,
        days: str | Sequence[int] = EVERY_DAY,
        topic: str | None = None,
        window_hours: int | None = None,
        channel: ChannelRef | None = None,
    ) -> ScheduleInfo:
        """Set (or replace) the daily question of ``channel`` (default: the actor's)."""
        local_time = parse_time(at)
        zone_name = resolve_zone(zone)
        weekdays = parse_weekdays(days) if isinstance(days, str) else tuple(sorted(set(days)))
        if not weekdays or not set(weekdays) <= set(EVERY_DAY):
            raise UserError("Pick at least one weekday (mon-sun).")
        topic_id = self.quiz.resolve_topic(topic) if topic else None
        if window_hours is not None and not 1 <= window_hours <= 24 * 7:
            raise UserError("The answer window is 1 to 168 hours (e.g. 6h).")
        channel = channel or ChannelRef.of(actor)
        await self.db.write(
            store.set_schedule,
            ScheduleRow(
                channel_key=channel.channel_key,
                platform=channel.platform,
                workspace_id=channel.workspace_id,
                channel_id=channel.channel_id,
                local_time=f"{local_time:%H:%M}",
                zone=zone_name,
                weekdays="".join(str(d) for d in weekdays),
                topic=topic_id,
                window_hours=window_hours,
                active_from=self.clock.now().isoformat(),
                set_by=actor.user_key,
            ),
        )
        self._poke(channel.platform)
        info = await self.show(actor, channel)
        assert isinstance(info, ScheduleInfo)
        return replace(info, changed=True)

    async def show(self, actor: Actor, channel: ChannelRef | None = None) -> ScheduleInfo | Notice:
        channel = channel or ChannelRef.of(actor)
        schedule = await self.db.read(store.schedule, channel.channel_key)
        if schedule is None:
            return Notice(
                "No daily question in this channel. An admin can set one:"
                " /quiz daily set 09:00 Europe/Berlin mon-fri"
            )
        try:
            zone = ZoneInfo(schedule.zone)
        except (ZoneInfoNotFoundError, ValueError):  # tz data changed under a stored schedule
            raise UserError(
                f"This channel's daily question uses the time zone {schedule.zone!r}, which"
                " this machine does not know; an admin can set it again with /quiz daily set."
            ) from None
        upcoming = next_occurrence(schedule, self.clock.now())
        if await self.db.read(store.claim_on, channel.channel_key, upcoming.local_date.isoformat()):
            upcoming = next_occurrence(schedule, upcoming.instant)  # already posted by "now"
        last = await self.db.read(store.last_claim, channel.channel_key)
        return ScheduleInfo(
            channel=channel,
            local_time=schedule.local_time,
            zone=schedule.zone,
            weekdays=tuple(int(d) for d in schedule.weekdays),
            topic=schedule.topic,
            window_hours=schedule.window_hours,
            next_post=upcoming.instant.astimezone(zone),
            last_post=claim_text(last) if last else None,
        )

    async def stop_schedule(self, actor: Actor, channel: ChannelRef | None = None) -> Notice:
        channel = channel or ChannelRef.of(actor)
        if not await self.db.write(store.delete_schedule, channel.channel_key):
            return Notice("No daily question is set for this channel.", error=True)
        self._poke(channel.platform)
        return Notice(
            "Daily question stopped for this channel. An open question still gets its results."
        )

    async def post_now(self, actor: Actor, channel: ChannelRef | None = None) -> Notice:
        """Post today's daily question right away (it then counts as today's post)."""
        channel = channel or ChannelRef.of(actor)
        schedule = await self.db.read(store.schedule, channel.channel_key)
        if schedule is None:
            raise UserError("No daily question is set here; set one first: " + USAGE)
        scheduler = self.schedulers.get(channel.platform)
        if scheduler is None:
            raise UserError("The daily scheduler is not running for this platform.")
        now = self.clock.now()
        today = now.astimezone(ZoneInfo(schedule.zone)).date()
        # an admin retrying after fixing a refused post (invited the bot, say) gets a new try;
        # only the scheduler never retries a refused day on its own
        await self.db.write(store.release_failed_claim, channel.channel_key, today.isoformat())
        posted = await scheduler.post_occurrence(schedule, Occurrence(today, now), now)
        scheduler.poke()  # an earlier question may have closed just now: its results are due
        if posted is None:
            claim = await self.db.read(store.claim_on, channel.channel_key, today.isoformat())
            state = claim_text(claim) if claim else "taken"
            return Notice(f"Today's daily question was already posted here ({state}).")
        return Notice(
            f"Posted today's daily question (Q{posted.view.post_id});"
            f" answers close {format_local(posted.closes_at)}."
        )

    def _poke(self, platform: str) -> None:
        scheduler = self.schedulers.get(platform)
        if scheduler is not None:
            scheduler.poke()

    # -- question choice and results --------------------------------------------------------

    async def choose_question(self, schedule: ScheduleRow) -> Question:
        """Never repeat until every eligible question was asked here; among the least asked,
        the topic the channel answers worst (unanswered topics first, in lesson order)."""
        pack = self.pack  # once: a reload meanwhile does not mix two packs
        topic = schedule.topic if schedule.topic in pack.topics else None
        # a flashcard is graded by the learner alone: not for a channel's shared question; nor
        # is choose-all-that-apply (one button per choice there)
        pool = [q for q in pack.questions_for(topic) if not (q.flashcard or q.multi)] or [
            q for q in pack.questions_for(None) if not (q.flashcard or q.multi)
        ]
        if not pool:
            raise UserError("The content has no questions.")
        history = await self.db.read(store.history, schedule.channel_key)
        asked, accuracy = history.asked, history.accuracy
        least = min(asked.get(q.id, 0) for q in pool)
        fresh = [q for q in pool if asked.get(q.id, 0) == least]
        lesson = {card.id: i for i, card in enumerate(pack.cards)}

        def weakness(topic_id: str) -> tuple[bool, float, int]:
            answered, correct = accuracy.get(topic_id, (0, 0))
            rate = correct / answered if answered else 0.0
            return answered > 0, rate, lesson.get(topic_id, len(lesson))

        worst = min(weakness(q.topic_id) for q in fresh)
        return self._rng.choice([q for q in fresh if weakness(q.topic_id) == worst])

    async def results(self, claim: ClaimRow) -> DailyResults | None:
        pack = self.pack
        post = await self.quiz.get_post(claim.post_id or 0)
        question = pack.question(post.question_id) if post else None
        if post is None or question is None:
            return None  # the question left the content; nothing sensible to show
        answers = await self.db.read(store.post_answers, post.id)
        first = answers.first_right
        card = pack.card(question.topic_id)
        if question.typed:
            return DailyResults(
                channel=ChannelRef(claim.platform, claim.workspace_id, claim.channel_id),
                post_id=post.id,
                question_ref=claim.message_ref,
                local_date=date.fromisoformat(claim.local_date),
                card_title=card.title if card else question.topic_id,
                prompt=question.prompt,
                choices=(),
                counts=(),
                correct_index=NO_CHOICE,
                correct_text=question.answer,
                why=question.why,
                first_right=first.display_name if first else None,
                first_right_at=datetime.fromisoformat(first.answered_at) if first else None,
                accepted=question.accept,
                typed_answered=sum(answers.counts.values()),
                typed_right=answers.right,
            )
        results = DailyResults(
            channel=ChannelRef(claim.platform, claim.workspace_id, claim.channel_id),
            post_id=post.id,
            question_ref=claim.message_ref,
            local_date=date.fromisoformat(claim.local_date),
            card_title=card.title if card else question.topic_id,
            prompt=question.prompt,
            choices=question.choices,
            counts=tuple(answers.counts.get(i, 0) for i in range(len(question.choices))),
            correct_index=question.correct_index,
            correct_text=question.answer,
            why=question.why,
            first_right=first.display_name if first else None,
            first_right_at=datetime.fromisoformat(first.answered_at) if first else None,
            order=choice_order(post.id, question.id, len(question.choices), question.keep_order),
            feedback=tuple(question.feedback_for(i) for i in range(len(question.choices))),
        )
        return await with_picture(self.pictures, results)  # the choices as bars

    async def closed_window_text(self, post: PostRow) -> str:
        """Why an answer to ``post`` no longer counts, in the schedule's zone."""
        return await DailyWindows(self.db).closed_text(post)

    async def streaks(
        self, user_keys: Sequence[str], channel_key: str | None, workspace_key: str
    ) -> dict[str, dict[str, tuple[int, int]]]:
        """user key -> channel key -> (current, best) daily streak, in one channel or in all
        channels of a workspace. The current run is checked against the channel's latest daily
        posts here, so a missed day reads as 0 without any write."""
        if not user_keys:
            return {}
        found = await self.db.read(store.streaks, list(user_keys), channel_key, workspace_key)
        return self.current_streaks(*found)

    def current_streaks(
        self, rows: Sequence[DailyStreakRow], latest: Mapping[str, Sequence[RecentPost]]
    ) -> dict[str, dict[str, tuple[int, int]]]:
        """``streaks`` from rows already read (``store.streaks``, e.g. inside a board's own
        read): a run whose channel has posted since its last right answer reads as 0."""
        now = self.clock.now()
        out: dict[str, dict[str, tuple[int, int]]] = {}
        for r in rows:
            recent = [(p.post_id, p.closes_at) for p in latest[r.channel_key]]
            current = current_daily_streak(r.current, r.last_post_id, recent, now)
            out.setdefault(r.user_key, {})[r.channel_key] = (current, r.best)
        return out


def claim_text(claim: ClaimRow) -> str:
    state = {
        ClaimStatus.CLAIMED: "claimed, not confirmed (the bot stopped while posting)",
        ClaimStatus.POSTED: "posted",
        ClaimStatus.FAILED: f"failed: {claim.error}",
    }[claim.status]
    return f"{claim.local_date}: {state}"

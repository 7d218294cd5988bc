"""The daily question: per-channel schedules, posted exactly once, results with the Why.

Pieces (see README "Daily question"):
- ``DailyService`` (one per QuizApp, platform-neutral): set / show / stop a channel's schedule,
  choose the day's question, build results. Registers ``/quiz daily …`` in the router.
- ``DailyScheduler`` (one per adapter platform): posts due questions and closes ended answer
  windows of its platform's channels, through the adapter's ``DailyPoster``. ``run_due(now)``
  does one pass; ``start()`` runs passes in an asyncio task that sleeps on the injected clock
  until the next post or window end, and wakes early when a schedule changes.

Exactly once: before posting, a scheduler inserts (channel, local date) into ``daily_claims``
(UNIQUE) in the same transaction that creates the post; a process whose insert fails does not
post. A day is therefore posted at most once, also by two processes sharing the database. If
the process dies between the claim and the platform's reply, or the platform refuses the post,
that day stays claimed and is not retried (status ``claimed``/``failed`` shows in
``/quiz daily show``).
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import functools
import logging
import os
import random
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.clock import Clock, format_local
from bot.commands import CommandRouter, CommandSpec
from bot.content import Question
from bot.models import Actor, Notice, QuestionView
from bot.quiz import QuizError, QuizService
from bot.storage import ClaimRow, NewClaim, ScheduleRow, Storage

log = logging.getLogger("quizbot.daily")

DEFAULT_GRACE = timedelta(hours=2)
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SHORT_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
DAY_KEYWORDS = {
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "every-day": EVERY_DAY,
    "weekdays": (0, 1, 2, 3, 4),
    "workdays": (0, 1, 2, 3, 4),
    "weekends": (5, 6),
    "weekend": (5, 6),
}
USAGE = (
    "/quiz daily set HH:MM <time zone> [mon-fri|mon,wed,fri|daily|weekends] [topic] [<N>h]"
    " | show | off | now"
)
TIME_PATTERN = re.compile(r"(\d{1,2})[:.](\d{2})")
# "/quiz daily <sub>" that change a channel's schedule: admins only ("set" may be left out:
# "/quiz daily 09:00 Europe/Berlin" sets too).
ADMIN_SUBCOMMANDS = frozenset({"set", "off", "stop", "now"})


# -- values handed to adapters -------------------------------------------------------------


@dataclass(frozen=True)
class ChannelRef:
    """Where a daily post goes, in the platform's own ids."""

    platform: str
    workspace_id: str
    channel_id: str

    @property
    def workspace_key(self) -> str:
        return f"{self.platform}:{self.workspace_id}"

    @property
    def channel_key(self) -> str:
        return f"{self.platform}:{self.workspace_id}:{self.channel_id}"

    @classmethod
    def of(cls, actor: Actor) -> ChannelRef:
        return cls(actor.platform, actor.workspace_id, actor.channel_id)


@dataclass(frozen=True)
class DailyQuestion:
    """The day's question as it is posted; answers go to ``view.post_id`` as usual."""

    channel: ChannelRef
    view: QuestionView
    local_date: date
    zone: str
    closes_at: datetime  # in the schedule's zone


@dataclass(frozen=True)
class DailyResults:
    """The results post when a daily question's answer window has ended."""

    channel: ChannelRef
    post_id: int
    question_ref: str | None  # the platform message of the question, to reply in its thread
    local_date: date
    card_title: str
    prompt: str
    choices: tuple[str, ...]
    counts: tuple[int, ...]  # answers per choice
    correct_index: int
    correct_text: str
    why: str
    first_right: str | None  # display name of the first correct answerer
    first_right_at: datetime | None

    @property
    def answered(self) -> int:
        return sum(self.counts)

    @property
    def right(self) -> int:
        return self.counts[self.correct_index]

    def share(self, index: int) -> float:
        return self.counts[index] / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class ScheduleInfo:
    """A channel's schedule, as ``set`` and ``show`` report it."""

    channel: ChannelRef
    local_time: str
    zone: str
    weekdays: tuple[int, ...]
    topic: str | None
    window_hours: int | None
    next_post: datetime | None  # in the schedule's zone
    last_post: str | None = None  # e.g. "2026-03-02: posted"
    changed: bool = False  # True: this is the confirmation of a set

    @property
    def days_text(self) -> str:
        return weekdays_text(self.weekdays)


class DailyPoster(Protocol):
    """What an adapter implements so the core can deliver daily posts to its platform.

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


# -- parsing -----------------------------------------------------------------------------


def parse_time(text: str) -> time:
    match = TIME_PATTERN.fullmatch(text.strip())
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    raise QuizError(f"Unknown time {text!r}: use HH:MM on a 24-hour clock, e.g. 09:00.")


@functools.cache
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def resolve_zone(text: str) -> str:
    """An IANA zone name as the user typed it (any case); QuizError lists close matches."""
    wanted = text.strip()
    zones = _zones()
    if wanted.lower() in zones:
        return zones[wanted.lower()]
    same_city = sorted(name for key, name in zones.items() if key.split("/")[-1] == wanted.lower())
    close = [zones[key] for key in difflib.get_close_matches(wanted.lower(), zones, n=3)]
    hints = list(dict.fromkeys(same_city + close))[:3]
    hint = f" Did you mean {', '.join(hints)}?" if hints else ""
    raise QuizError(
        f"Unknown time zone {wanted!r}.{hint} Use an IANA name such as Europe/Berlin or"
        " America/New_York."
    )


def _day(name: str) -> int | None:
    if len(name) >= 2:
        for index, full in enumerate(DAY_NAMES):
            if full.startswith(name):
                return index
    return None


def looks_like_days(text: str) -> bool:
    word = text.lower()
    return word in DAY_KEYWORDS or "," in word or _day(re.split("[-–—,]", word)[0]) is not None


def parse_weekdays(text: str) -> tuple[int, ...]:
    """``mon-fri``, ``mon,wed,fri``, ``fri-mon``, ``daily``, ``weekends``, ``tuesday``…"""
    # "Mon–Fri" as the bot itself writes it (and autocorrect types it), "mon - fri", "mon, wed"
    word = re.sub(r"\s*[-–—]\s*", "-", text.strip().lower())
    word = re.sub(r"\s*,\s*", ",", word)
    if word in DAY_KEYWORDS:
        return DAY_KEYWORDS[word]
    days: set[int] = set()
    for part in word.split(","):
        ends = [_day(end) for end in part.split("-")]
        if not part or len(ends) > 2 or None in ends:
            raise QuizError(
                f"Unknown weekdays {text!r}: use mon-fri, mon,wed,fri, daily or weekends."
            )
        first, last = ends[0], ends[-1]
        assert first is not None and last is not None
        day = first
        while True:  # a range may wrap the week: fri-mon
            days.add(day)
            if day == last:
                break
            day = (day + 1) % 7
    return tuple(sorted(days))


def weekdays_text(days: Sequence[int]) -> str:
    if tuple(days) == EVERY_DAY:
        return "every day"
    if tuple(days) == (5, 6):
        return "weekends"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(
        SHORT_DAYS[r[0]] if len(r) == 1 else f"{SHORT_DAYS[r[0]]}–{SHORT_DAYS[r[-1]]}" for r in runs
    )


# -- when -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    local_date: date
    instant: datetime  # UTC


def occurrence_on(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time ``at`` on ``day`` in ``zone``.

    On a fall-back day an ambiguous time is its first occurrence (fold=0). On a spring-forward
    day a time inside the gap does not exist; it becomes the first valid moment after it, the
    instant the clocks jump (02:30 in Berlin on 2026-03-29 -> 03:00 CEST).
    """
    wall = datetime.combine(day, at)
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # Inside a gap fold=0 and fold=1 give the two ends; find the transition between them.
    other = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    start = min(instant, other)
    before = start.astimezone(zone).utcoffset()
    low, high = 0, int(abs((instant - other).total_seconds()))
    while high - low > 1:
        mid = (low + high) // 2
        if (start + timedelta(seconds=mid)).astimezone(zone).utcoffset() == before:
            low = mid
        else:
            high = mid
    return start + timedelta(seconds=high)


def _schedule_parts(schedule: ScheduleRow) -> tuple[time, ZoneInfo, set[int]]:
    return (
        parse_time(schedule.local_time),
        ZoneInfo(schedule.zone),
        {int(d) for d in schedule.weekdays},
    )


def latest_occurrence(schedule: ScheduleRow, now: datetime) -> Occurrence | None:
    """The most recent scheduled instant at or before ``now``."""
    at, zone, days = _schedule_parts(schedule)
    today = now.astimezone(zone).date()
    for back in range(0, 9):
        day = today - timedelta(days=back)
        if day.weekday() in days:
            instant = occurrence_on(day, at, zone)
            if instant <= now:
                return Occurrence(day, instant)
    return None


def next_occurrence(
    schedule: ScheduleRow, after: datetime, after_date: date | None = None
) -> Occurrence:
    """The first scheduled instant after ``after`` (and on a local date after ``after_date``)."""
    at, zone, days = _schedule_parts(schedule)
    start = after.astimezone(zone).date() - timedelta(days=1)
    if after_date is not None:
        start = max(start, after_date + timedelta(days=1))
    for ahead in range(0, 16):
        day = start + timedelta(days=ahead)
        if day.weekday() in days:
            instant = occurrence_on(day, at, zone)
            if instant > after:
                return Occurrence(day, instant)
    raise ValueError(f"schedule {schedule.channel_key} has no weekdays")


# -- the service ---------------------------------------------------------------------------


class DailyService:
    """Platform-neutral daily-question logic; one per QuizApp."""

    def __init__(
        self,
        quiz: QuizService,
        storage: Storage,
        clock: Clock,
        grace: timedelta = DEFAULT_GRACE,
        rng: random.Random | None = None,
    ) -> None:
        self.quiz = quiz
        self.pack = quiz.pack
        self.storage = storage
        self.clock = clock
        self.grace = grace
        self._rng = rng or random.Random()
        self.schedulers: dict[str, DailyScheduler] = {}  # platform -> its running scheduler

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
        _require_admin(actor)
        local_time = parse_time(at)
        zone_name = resolve_zone(zone)
        weekdays = parse_weekdays(days) if isinstance(days, str) else tuple(sorted(set(days)))
        if not weekdays or not set(weekdays) <= set(EVERY_DAY):
            raise QuizError("Pick at least one weekday (mon-sun).")
        topic_id = self.quiz.resolve_topic(topic) if topic else None
        if window_hours is not None and not 1 <= window_hours <= 24 * 7:
            raise QuizError("The answer window is 1 to 168 hours (e.g. 6h).")
        channel = channel or ChannelRef.of(actor)
        await self.storage.daily_set_schedule(
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
            )
        )
        self._poke(channel.platform)
        info = await self.show(actor, channel)
        assert isinstance(info, ScheduleInfo)
        return replace(info, changed=True)

    async def show(self, actor: Actor, channel: ChannelRef | None = None) -> ScheduleInfo | Notice:
        channel = channel or ChannelRef.of(actor)
        schedule = await self.storage.daily_schedule(channel.channel_key)
        if schedule is None:
            return Notice(
                "No daily question in this channel. An admin can set one:"
                " /quiz daily set 09:00 Europe/Berlin mon-fri"
            )
        try:
            zone = ZoneInfo(schedule.zone)
        except (ZoneInfoNotFoundError, ValueError):  # tz data changed under a stored schedule
            raise QuizError(
                f"This channel's daily question uses the time zone {schedule.zone!r}, which"
                " this machine does not know; an admin can set it again with /quiz daily set."
            ) from None
        upcoming = next_occurrence(schedule, self.clock.now())
        if await self.storage.daily_claim(channel.channel_key, upcoming.local_date.isoformat()):
            upcoming = next_occurrence(schedule, upcoming.instant)  # already posted by "now"
        last = await self.storage.daily_last_claim(channel.channel_key)
        return ScheduleInfo(
            channel=channel,
            local_time=schedule.local_time,
            zone=schedule.zone,
            weekdays=tuple(int(d) for d in schedule.weekdays),
            topic=schedule.topic,
            window_hours=schedule.window_hours,
            next_post=upcoming.instant.astimezone(zone),
            last_post=_claim_text(last) if last else None,
        )

    async def stop_schedule(self, actor: Actor, channel: ChannelRef | None = None) -> Notice:
        _require_admin(actor)
        channel = channel or ChannelRef.of(actor)
        if not await self.storage.daily_delete_schedule(channel.channel_key):
            return Notice("No daily question is set for this channel.", error=True)
        self._poke(channel.platform)
        return Notice(
            "Daily question stopped for this channel. An open question still gets its results."
        )

    async def post_now(self, actor: Actor, channel: ChannelRef | None = None) -> Notice:
        """Post today's daily question right away (it then counts as today's post)."""
        _require_admin(actor)
        channel = channel or ChannelRef.of(actor)
        schedule = await self.storage.daily_schedule(channel.channel_key)
        if schedule is None:
            raise QuizError("No daily question is set here; set one first: " + USAGE)
        scheduler = self.schedulers.get(channel.platform)
        if scheduler is None:
            raise QuizError("The daily scheduler is not running for this platform.")
        now = self.clock.now()
        today = now.astimezone(ZoneInfo(schedule.zone)).date()
        # an admin retrying after fixing a refused post (invited the bot, say) gets a new try;
        # only the scheduler never retries a refused day on its own
        await self.storage.daily_release_failed_claim(channel.channel_key, today.isoformat())
        posted = await scheduler.post_occurrence(schedule, Occurrence(today, now), now)
        scheduler.poke()  # an earlier question may have closed just now: its results are due
        if posted is None:
            claim = await self.storage.daily_claim(channel.channel_key, today.isoformat())
            state = _claim_text(claim) if claim else "taken"
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
        topic = schedule.topic if schedule.topic in self.pack.topics else None
        pool = self.pack.questions_for(topic) or self.pack.questions_for(None)
        if not pool:
            raise QuizError("The content has no questions.")
        asked, accuracy = await self.storage.daily_history(schedule.channel_key)
        least = min(asked.get(q.id, 0) for q in pool)
        fresh = [q for q in pool if asked.get(q.id, 0) == least]
        lesson = {card.id: i for i, card in enumerate(self.pack.cards)}

        def weakness(card_id: str) -> tuple[bool, float, int]:
            answered, correct = accuracy.get(card_id, (0, 0))
            rate = correct / answered if answered else 0.0
            return answered > 0, rate, lesson.get(card_id, len(lesson))

        worst = min(weakness(q.card_id) for q in fresh)
        return self._rng.choice([q for q in fresh if weakness(q.card_id) == worst])

    async def results(self, claim: ClaimRow) -> DailyResults | None:
        post = await self.storage.get_post(claim.post_id or 0)
        question = self.pack.question(post.question_id) if post else None
        if post is None or question is None:
            return None  # the question left the content; nothing sensible to show
        answers = await self.storage.daily_answers(post.id)
        first = answers.first_right
        card = self.pack.card(question.card_id)
        return DailyResults(
            channel=ChannelRef(claim.platform, claim.workspace_id, claim.channel_id),
            post_id=post.id,
            question_ref=claim.message_ref,
            local_date=date.fromisoformat(claim.local_date),
            card_title=card.title if card else question.card_id,
            prompt=question.prompt,
            choices=question.choices,
            counts=tuple(answers.counts.get(i, 0) for i in range(len(question.choices))),
            correct_index=question.correct_index,
            correct_text=question.answer,
            why=question.why,
            first_right=first[1] if first else None,
            first_right_at=datetime.fromisoformat(first[2]) if first else None,
        )

    def register_commands(self, router: CommandRouter) -> None:
        router.register(
            CommandSpec(
                "daily",
                "daily set HH:MM <zone> [days] [topic] | show | off | now",
                "the channel's question of the day (admins set it)",
                self._command,
                needs_admin=daily_needs_admin,
            )
        )

    async def _command(self, actor: Actor, args: list[str]) -> object:
        sub = args[0].lower() if args else "show"
        rest = args[1:]
        if sub == "show":
            return await self.show(actor)
        if sub in ("off", "stop"):
            return await self.stop_schedule(actor)
        if sub == "now":
            return await self.post_now(actor)
        if sub == "set" or TIME_PATTERN.fullmatch(sub):
            _require_admin(actor)  # refuse before parsing: a non-admin learns nothing else
            rest = rest if sub == "set" else args  # "/quiz daily 09:00 …" means set
            if len(rest) < 2:
                raise QuizError("Usage: " + USAGE)
            days, topic, window = self._set_options(rest[2:])
            return await self.set_schedule(actor, rest[0], rest[1], days, topic, window)
        raise QuizError(f"Unknown daily command {sub!r}. Usage: {USAGE}")

    @staticmethod
    def _set_options(words: list[str]) -> tuple[tuple[int, ...], str | None, int | None]:
        days: tuple[int, ...] | None = None
        topic: str | None = None
        window: int | None = None
        # "mon - fri" / "mon, wed, fri" arrive as several words: glue them back together
        words = re.sub(r"\s*([-–—,])\s*", r"\1", " ".join(words)).split()
        i = 0
        while i < len(words):
            word = words[i].lower()
            if word == "every" and i + 1 < len(words) and words[i + 1].lower() == "day":
                days, i = EVERY_DAY, i + 2
                continue
            if re.fullmatch(r"\d+h", word):
                window = int(word[:-1])
            elif days is None and looks_like_days(word):
                days = parse_weekdays(word)
            elif topic is None:
                topic = words[i]
            else:
                raise QuizError(f"Unexpected {words[i]!r}. Usage: {USAGE}")
            i += 1
        return days or EVERY_DAY, topic, window


def daily_needs_admin(args: Sequence[str]) -> bool:
    """Whether ``/quiz daily <args>`` is for admins only; adapters that must look the admin
    flag up (a Slack users.info call) ask this first. The service still does the refusing."""
    sub = args[0].lower() if args else "show"
    return sub in ADMIN_SUBCOMMANDS or TIME_PATTERN.fullmatch(sub) is not None


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise QuizError("Only admins can change the daily question.")


def _claim_text(claim: ClaimRow) -> str:
    state = {
        "claimed": "claimed, not confirmed (the bot stopped while posting)",
        "posted": "posted",
        "failed": f"failed: {claim.error}",
    }.get(claim.status, claim.status)
    return f"{claim.local_date}: {state}"


# -- the scheduler -------------------------------------------------------------------------


class DailyScheduler:
    """Posts the daily questions and results of one platform's channels.

    An adapter creates it with its poster, calls ``start()`` once its client is ready and
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
    ) -> None:
        self.service = service
        self.storage = service.storage
        self.clock = service.clock
        self.platform = platform
        self.poster = poster
        self.name = name or f"{platform}@{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.poster_timeout = poster_timeout
        # another process sharing the database cannot poke us: look at the schedules this often
        self.rescan = rescan
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
        for claim in await self.storage.daily_due_results(self.platform, now.isoformat()):
            try:
                results = await self._post_results(claim)
            except Exception:  # recorded as 'posting'; never retried, like a failed post
                log.exception("daily results of %s failed", claim.channel_key)
                continue
            if results is not None:
                run.results.append(results)
        for schedule in await self.storage.daily_schedules(self.platform):
            try:
                due = self.due(schedule, now)
                if due is None:
                    continue
                if await self.storage.daily_claim(schedule.channel_key, due.local_date.isoformat()):
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
        claimed = await self.storage.daily_claim_and_post(
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
                card_id=question.card_id,
            )
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
            ref = await asyncio.wait_for(
                self.poster.post_question(channel, daily), self.poster_timeout
            )
        except Exception as exc:  # the platform's error: record it, never retry this day
            log.warning("daily post to %s failed: %r", channel.channel_key, exc)
            await self.storage.daily_mark_failed(
                claim_id, post_id, repr(exc), self.clock.now().isoformat()
            )
            raise DailyPostFailed(f"Posting the daily question failed: {exc!r}") from exc
        await self.storage.daily_mark_posted(claim_id, post_id, str(ref))
        return daily

    async def _post_results(self, claim: ClaimRow) -> DailyResults | None:
        if not await self.storage.daily_take_results(claim.id):
            return None  # another process is posting them
        results = await self.service.results(claim)
        if results is None:
            await self.storage.daily_mark_results(claim.id, "skipped")
            return None
        try:
            ref = await asyncio.wait_for(
                self.poster.post_results(results.channel, results), self.poster_timeout
            )
        except Exception as exc:
            log.warning("daily results to %s failed: %r", claim.channel_key, exc)
            await self.storage.daily_mark_results(claim.id, "failed", error=repr(exc))
            return None
        await self.storage.daily_mark_results(claim.id, "posted", ref=str(ref))
        return results

    async def next_wake(self, now: datetime) -> datetime | None:
        """The next instant something can be due: a scheduled post or a window's end."""
        instants = []
        for schedule in await self.storage.daily_schedules(self.platform):
            try:
                instants.append(next_occurrence(schedule, now).instant)
            except Exception:  # logged by run_due; the rescan comes back to it
                continue
        closing = await self.storage.daily_next_closing(self.platform, now.isoformat())
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


class DailyPostFailed(QuizError):
    """The platform refused a daily post; already recorded, never retried."""

"""The quiz service: the core's API that every adapter calls."""

from __future__ import annotations

import asyncio
import difflib
import random
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.content import Card, Pack, Question
from bot.models import (
    Actor,
    AnswerResult,
    Leaderboard,
    LeaderboardRow,
    QuestionView,
    TopicAccuracy,
    TopicInfo,
    UserStats,
)
from bot.scoring import (
    current_daily_streak,
    current_streak,
    local_day,
    points_for,
    week_start,
)
from bot.storage import AnswerWrite, PostRow, ScoreRow, Storage

UTC_ZONE = ZoneInfo("UTC")
SCOPES = {"channel": "channel", "workspace": "workspace", "server": "workspace"}
PERIODS = {"all": "all", "all-time": "all", "alltime": "all", "week": "week", "weekly": "week"}


class QuizError(Exception):
    """Something the user asked for that cannot be done; the message is shown as it is."""


class QuizService:
    def __init__(
        self,
        pack: Pack,
        storage: Storage,
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self.pack = pack
        self.storage = storage
        self.clock = clock
        self._rng = rng or random.Random()
        # posts never change once made, so a small cache saves a read per click
        self._posts: OrderedDict[int, asyncio.Future[PostRow | None]] = OrderedDict()

    # -- time -------------------------------------------------------------------------------

    def workspace_zone(self, workspace_key: str) -> ZoneInfo:
        """The zone a workspace's days and weeks are counted in (UTC until configured)."""
        return UTC_ZONE

    # -- content ----------------------------------------------------------------------------

    def topics(self) -> list[TopicInfo]:
        return [
            TopicInfo(c.id, c.title, c.track, len(self.pack.questions_for(c.id)), c.demos)
            for c in self.pack.cards
        ]

    def resolve_topic(self, topic: str) -> str:
        """A card id or track as the user typed it, checked; QuizError lists close matches."""
        wanted = topic.strip().lower()
        if wanted in self.pack.topics:
            return wanted
        close = difflib.get_close_matches(wanted, self.pack.topics, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise QuizError(
            f"Unknown topic {topic.strip()!r}.{hint} Topics: {', '.join(self.pack.topics)}"
        )

    def card(self, topic: str) -> Card:
        topic = self.resolve_topic(topic)
        card = self.pack.card(topic)
        if card is not None:
            return card
        cards = [c for c in self.pack.cards if c.track == topic]
        if len(cards) == 1:
            return cards[0]
        raise QuizError(
            f"{topic!r} is a track with {len(cards)} cards; pick one: "
            + ", ".join(c.id for c in cards)
        )

    # -- questions --------------------------------------------------------------------------

    async def pick_question(self, actor: Actor, topic: str | None) -> tuple[Question, str]:
        """The question to ask ``actor`` and why it was chosen."""
        pool = self.pack.questions_for(self.resolve_topic(topic) if topic else None)
        if not pool:
            raise QuizError(f"No questions for {topic!r} yet.")
        seen = await self.storage.answered_questions(actor.user_key)
        least = min(seen.get(q.id, 0) for q in pool)
        candidates = [q for q in pool if seen.get(q.id, 0) == least]
        reason = "new" if least == 0 else "least practised"
        return self._rng.choice(candidates), reason

    async def ask_question(
        self, actor: Actor, topic: str | None = None, kind: str = "ask"
    ) -> QuestionView:
        question, reason = await self.pick_question(actor, topic)
        return await self.post_question(actor, question, kind=kind, reason=reason)

    async def post_question(
        self, actor: Actor, question: Question, kind: str = "ask", reason: str = ""
    ) -> QuestionView:
        post_id = await self.storage.create_post(
            question.id,
            question.card_id,
            actor.workspace_key,
            actor.channel_key,
            self.clock.now().isoformat(),
            kind=kind,
            asked_by=actor.user_key,
        )
        return self.view(post_id, question, reason)

    def view(self, post_id: int, question: Question, reason: str = "") -> QuestionView:
        card = self.pack.card(question.card_id)
        return QuestionView(
            post_id=post_id,
            question_id=question.id,
            card_id=question.card_id,
            card_title=card.title if card else question.card_id,
            prompt=question.prompt,
            choices=question.choices,
            reason=reason,
        )

    async def get_post(self, post_id: int) -> PostRow | None:
        """A post by id. Posts never change once made, so they are cached; concurrent misses
        share one read (a burst of clicks on a fresh message is one query, not thousands)."""
        cached = self._posts.get(post_id)
        if cached is None:
            cached = asyncio.ensure_future(self.storage.get_post(post_id))
            self._posts[post_id] = cached
            if len(self._posts) > 4096:
                self._posts.popitem(last=False)
        try:
            post = await cached
        except Exception:
            self._posts.pop(post_id, None)
            raise
        if post is None:  # not cached: the post may be created later by another process
            self._posts.pop(post_id, None)
        return post

    async def answer(self, actor: Actor, post_id: int, choice: int) -> AnswerResult:
        """Record ``actor``'s answer to a posted question. Only the first answer counts; a
        second one returns the first result with ``already_answered`` set."""
        post = await self.get_post(post_id)
        if post is None or post.workspace_key != actor.workspace_key:
            raise QuizError("That question is not available any more; ask for a new one.")
        question = self.pack.question(post.question_id)
        if question is None:
            raise QuizError("That question was removed from the content; ask for a new one.")
        if not 0 <= choice < len(question.choices):
            raise QuizError(f"Pick a choice from 1 to {len(question.choices)}.")
        now = self.clock.now()
        if post.closes_at is not None and now >= datetime.fromisoformat(post.closes_at):
            raise QuizError(await self._closed_message(post))
        today = local_day(now, self.workspace_zone(post.workspace_key))
        correct = choice == question.correct_index
        outcome = await self.storage.record_answer(
            AnswerWrite(
                post_id=post.id,
                user_key=actor.user_key,
                display_name=actor.display_name,
                question_id=question.id,
                card_id=question.card_id,
                choice=choice,
                correct=correct,
                points=points_for(correct),
                answered_at=now.isoformat(),
                day=today.isoformat(),
                week=week_start(today).isoformat(),
                scopes=(f"ws:{post.workspace_key}", f"ch:{post.channel_key}"),
                kind=post.kind,
            )
        )
        return AnswerResult(
            post_id=post.id,
            question_id=question.id,
            prompt=question.prompt,
            correct=outcome.correct,
            chosen_index=outcome.choice,
            chosen_text=question.choices[outcome.choice],
            correct_index=question.correct_index,
            correct_text=question.answer,
            why=question.why,
            points_gained=outcome.points if outcome.stored else 0,
            total_points=outcome.total_points,
            streak=current_streak(outcome.streak, outcome.last_correct_day, today),
            already_answered=not outcome.stored,
        )

    async def _closed_message(self, post: PostRow) -> str:
        closes = datetime.fromisoformat(post.closes_at or "")
        claim = await self.storage.daily_claim_for_post(post.id)
        local = closes.astimezone(ZoneInfo(claim.zone) if claim else UTC_ZONE)
        when = f"{local:%a} {local.day} {local:%b %H:%M} {local.tzname()}"
        return f"This daily question closed at {when}; answers no longer count."

    # -- scores -----------------------------------------------------------------------------

    async def stats(self, actor: Actor, user_key: str | None = None) -> UserStats:
        key = user_key or actor.user_key
        user = await self.storage.get_user(key)
        today = local_day(self.clock.now(), self.workspace_zone(actor.workspace_key))
        if user is None:
            name = actor.display_name if key == actor.user_key else key.partition(":")[2]
            return UserStats(key, name, 0, 0, 0, 0, 0)
        titles = {c.id: c.title for c in self.pack.cards}
        per_topic = tuple(
            TopicAccuracy(titles.get(card_id, card_id), answered, correct)
            for card_id, answered, correct in sorted(
                await self.storage.user_topics(key),
                key=lambda t: (
                    [c.id for c in self.pack.cards].index(t[0]) if t[0] in titles else 999
                ),
            )
        )
        return UserStats(
            user_key=key,
            display_name=user.display_name,
            points=user.points,
            answered=user.answered,
            correct=user.correct,
            streak=current_streak(user.streak, user.last_correct_day, today),
            best_streak=user.best_streak,
            per_topic=per_topic,
            extra=await self._daily_streak_lines(actor, key),
        )

    def scope_key(self, actor: Actor, scope: str) -> tuple[str, str]:
        kind = SCOPES.get(scope.lower())
        if kind is None:
            raise QuizError(f"Unknown leaderboard scope {scope!r}; use channel or server.")
        if kind == "channel":
            return kind, f"ch:{actor.channel_key}"
        return kind, f"ws:{actor.workspace_key}"

    async def leaderboard(
        self, actor: Actor, scope: str = "workspace", period: str = "all", limit: int = 10
    ) -> Leaderboard:
        kind, scope_key = self.scope_key(actor, scope)
        period_kind = PERIODS.get(period.lower())
        if period_kind is None:
            raise QuizError(f"Unknown period {period!r}; use all or week.")
        zone = self.workspace_zone(actor.workspace_key)
        today = local_day(self.clock.now(), zone)
        since = week_start(today)
        period_key = "all" if period_kind == "all" else since.isoformat()
        rows, me, total = await self.storage.leaderboard(
            scope_key, period_key, actor.user_key, limit
        )
        daily = await self.daily_streaks(
            [r.user_key for r in (*rows, *([me] if me else []))],
            actor.channel_key if kind == "channel" else None,
            actor.workspace_key,
        )
        title = ("This channel" if kind == "channel" else "This server") + (
            " — this week" if period_kind == "week" else " — all time"
        )
        return Leaderboard(
            scope=kind,
            period=period_kind,
            title=title,
            rows=tuple(self._board_row(r, today, daily) for r in rows),
            me=self._board_row(me, today, daily) if me else None,
            total_players=total,
        )

    @staticmethod
    def _board_row(
        row: ScoreRow, today: date, daily: dict[str, dict[str, tuple[int, int]]]
    ) -> LeaderboardRow:
        streaks = daily.get(row.user_key, {}).values()
        return LeaderboardRow(
            rank=row.rank,
            user_key=row.user_key,
            display_name=row.display_name,
            points=row.points,
            answered=row.answered,
            correct=row.correct,
            streak=current_streak(row.streak, row.last_correct_day, today),
            daily_streak=max((current for current, _ in streaks), default=0),
            best_daily_streak=max((best for _, best in streaks), default=0),
        )

    # -- daily question streaks (the schedule lives in bot/schedule.py) ------------------------

    async def daily_streaks(
        self, user_keys: Sequence[str], channel_key: str | None, workspace_key: str
    ) -> dict[str, dict[str, tuple[int, int]]]:
        """user key -> channel key -> (current, best) daily streak, in one channel or in all
        channels of a workspace. The current run is checked against the channel's latest daily
        posts here, so a missed day reads as 0 without any write."""
        if not user_keys:
            return {}
        rows, latest = await self.storage.daily_streaks(user_keys, channel_key, workspace_key)
        now = self.clock.now()
        out: dict[str, dict[str, tuple[int, int]]] = {}
        for r in rows:
            current = current_daily_streak(r.current, r.last_post_id, latest[r.channel_key], now)
            out.setdefault(r.user_key, {})[r.channel_key] = (current, r.best)
        return out

    async def _daily_streak_lines(self, actor: Actor, user_key: str) -> tuple[tuple[str, str], ...]:
        streaks = (await self.daily_streaks([user_key], None, actor.workspace_key)).get(user_key)
        lines = []
        for channel_key, (current, best) in sorted(
            (streaks or {}).items(), key=lambda item: (item[0] != actor.channel_key, item[0])
        ):
            where = "" if channel_key == actor.channel_key else f" in {channel_key.split(':')[-1]}"
            lines.append((f"daily streak{where}", f"{current} (best {best})"))
        return tuple(lines)

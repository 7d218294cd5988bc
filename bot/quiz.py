"""The quiz service: the core's API that every adapter calls."""

from __future__ import annotations

import asyncio
import difflib
import random
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock, format_local
from bot.content import Card, Pack, Question
from bot.models import (
    Actor,
    AnswerResult,
    Leaderboard,
    LeaderboardRow,
    QuestionView,
    ReviewSession,
    TopicAccuracy,
    TopicInfo,
    TopicProgress,
    UserStats,
)
from bot.scoring import (
    current_daily_streak,
    current_streak,
    local_day,
    points_for,
    week_start,
)
from bot.srs import SrsCard
from bot.storage import (
    MIN_ANSWERS_FOR_ACCURACY,
    SORTS,
    AnswerWrite,
    GroupRow,
    PostRow,
    ScoreRow,
    Storage,
)

UTC_ZONE = ZoneInfo("UTC")
SCOPES = {"channel": "channel", "workspace": "workspace", "server": "workspace"}
PERIODS = {"all": "all", "all-time": "all", "alltime": "all", "week": "week", "weekly": "week"}
REVIEW_SESSION_SIZE = 5


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
        # workspace key -> configured zone; loaded by load_zones(), written through on change
        self._zones: dict[str, ZoneInfo] = {}

    # -- time -------------------------------------------------------------------------------

    async def load_zones(self) -> None:
        """Read every workspace's configured zone once (QuizApp.open calls this)."""
        zones = {}
        for workspace_key, name in (await self.storage.workspace_zones()).items():
            try:
                zones[workspace_key] = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue  # a zone this host's tz database lacks: fall back to UTC
        self._zones = zones

    def workspace_zone(self, workspace_key: str) -> ZoneInfo:
        """The zone a workspace's days and weeks are counted in (UTC until configured)."""
        return self._zones.get(workspace_key, UTC_ZONE)

    async def set_workspace_zone(self, actor: Actor, zone_name: str) -> ZoneInfo:
        """Set the actor's workspace zone (admins only). Weeks and days already stored keep
        the dates they were counted under; new answers count in the new zone."""
        if not actor.is_admin:
            raise QuizError("Only an admin can set the workspace's time zone.")
        zone = parse_zone(zone_name)
        await self.storage.set_workspace_zone(actor.workspace_key, zone.key)
        self._zones[actor.workspace_key] = zone
        return zone

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
        """The question ``actor`` most needs, and why: among questions due for review
        (FSRS), the one with the lowest retrievability ("due for review"); when nothing is
        due, the first never-answered question in lesson order ("new"); when everything has
        been answered and nothing is due, the one closest to being forgotten ("practice
        ahead")."""
        pool = self.pack.questions_for(self.resolve_topic(topic) if topic else None)
        if not pool:
            raise QuizError(f"No questions for {topic!r} yet.")
        now = self.clock.now()
        cards = {c.question_id: c for c in await self.storage.srs_cards(actor.user_key)}
        due = self._most_due(pool, cards, now)
        if due:
            return due[0], "due for review"
        for question in pool:  # the pack keeps questions in lesson order
            if question.id not in cards:
                return question, "new"
        ahead = min(pool, key=lambda q: _urgency(cards[q.id], now))
        return ahead, "practice ahead"

    @staticmethod
    def _most_due(
        pool: tuple[Question, ...], cards: dict[str, SrsCard], now: datetime
    ) -> list[Question]:
        """Questions of ``pool`` due at ``now``, most due first."""
        due = [q for q in pool if q.id in cards and cards[q.id].due <= now]
        return sorted(due, key=lambda q: _urgency(cards[q.id], now))

    async def review_session(
        self, actor: Actor, topic: str | None = None, size: int = REVIEW_SESSION_SIZE
    ) -> ReviewSession:
        """Up to ``size`` of the actor's due questions, most due first, each posted as a
        private ``review`` post only the actor can answer."""
        pool = self.pack.questions_for(self.resolve_topic(topic) if topic else None)
        now = self.clock.now()
        cards = {c.question_id: c for c in await self.storage.srs_cards(actor.user_key)}
        due = self._most_due(pool, cards, now)
        zone = self.workspace_zone(actor.workspace_key)
        if not due:
            later = [cards[q.id].due for q in pool if q.id in cards]
            return ReviewSession((), 0, min(later).astimezone(zone) if later else None)
        chosen = due[:size]
        post_ids = await self.storage.create_posts(
            [(q.id, q.card_id) for q in chosen],
            actor.workspace_key,
            actor.channel_key,
            now.isoformat(),
            kind="review",
            asked_by=actor.user_key,
        )
        views = tuple(
            self.view(post_id, q, "due for review")
            for post_id, q in zip(post_ids, chosen, strict=True)
        )
        return ReviewSession(views, len(due))

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
            # shield: one caller giving up (cancelled) must not cancel the shared read
            post = await asyncio.shield(cached)
        except BaseException:
            if cached.done() and (cached.cancelled() or cached.exception() is not None):
                self._posts.pop(post_id, None)
            raise
        if post is None:  # not cached: the post may be created later by another process
            self._posts.pop(post_id, None)
        return post

    def forget_posts(self, channel_key: str) -> None:
        """Drop the cached posts of a channel whose rows just changed (a daily question closed
        early because the next one was posted), so the next click reads the new window."""
        for post_id, cached in list(self._posts.items()):
            if cached.done() and not cached.cancelled() and cached.exception() is None:
                post = cached.result()
                if post is not None and post.channel_key == channel_key:
                    self._posts.pop(post_id, None)

    async def answer(self, actor: Actor, post_id: int, choice: int) -> AnswerResult:
        """Record ``actor``'s answer to a posted question. Only the first answer counts; a
        second one returns the first result with ``already_answered`` set."""
        post = await self.get_post(post_id)
        if post is None or post.workspace_key != actor.workspace_key:
            raise QuizError("That question is not available any more; ask for a new one.")
        if post.kind == "review" and post.asked_by != actor.user_key:
            raise QuizError("That is someone else's review question; try /quiz review.")
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
                scopes=(
                    f"ws:{post.workspace_key}",
                    f"ch:{post.channel_key}",
                    topic_scope(post.workspace_key, question.card_id),
                ),
                kind=post.kind,
            )
        )
        if outcome.closed:  # closed meanwhile (the check above saw a cached close time)
            self._posts.pop(post.id, None)
            fresh = await self.get_post(post.id)
            raise QuizError(await self._closed_message(fresh or post))
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
        return f"This daily question closed at {format_local(local)}; answers no longer count."

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
        progress, due_now, next_due = await self._progress(key)
        zone = self.workspace_zone(actor.workspace_key)
        return UserStats(
            user_key=key,
            display_name=user.display_name,
            points=user.points,
            answered=user.answered,
            correct=user.correct,
            streak=current_streak(user.streak, user.last_correct_day, today),
            best_streak=user.best_streak,
            per_topic=per_topic,
            progress=progress,
            next_due=next_due.astimezone(zone) if next_due else None,
            due_now=due_now,
            extra=await self._daily_streak_lines(actor, key),
        )

    async def _progress(
        self, user_key: str
    ) -> tuple[tuple[TopicProgress, ...], int, datetime | None]:
        """Mastered/learning/new per topic, how many are due now, and the next due time."""
        now = self.clock.now()
        cards = {c.question_id: c for c in await self.storage.srs_cards(user_key)}
        progress = []
        for card in self.pack.cards:
            mine = [cards[q.id] for q in self.pack.questions_for(card.id) if q.id in cards]
            total = len(self.pack.questions_for(card.id))
            mastered = sum(c.mastered for c in mine)
            progress.append(
                TopicProgress(
                    topic=card.title,
                    mastered=mastered,
                    learning=len(mine) - mastered,
                    new=total - len(mine),
                    due=sum(c.due <= now for c in mine),
                )
            )
        known = [c for q, c in cards.items() if self.pack.question(q) is not None]
        due_now = sum(c.due <= now for c in known)
        later = [c.due for c in known if c.due > now]
        return tuple(progress), due_now, min(later) if later else None

    def scope_key(self, actor: Actor, scope: str) -> tuple[str, str]:
        kind = SCOPES.get(scope.lower())
        if kind is None:
            raise QuizError(f"Unknown leaderboard scope {scope!r}; use channel or server.")
        if kind == "channel":
            return kind, f"ch:{actor.channel_key}"
        return kind, f"ws:{actor.workspace_key}"

    async def leaderboard(
        self,
        actor: Actor,
        scope: str = "workspace",
        period: str = "all",
        limit: int = 10,
        *,
        sort: str = "points",
        topic: str | None = None,
        group: GroupRow | None = None,
    ) -> Leaderboard:
        """A leaderboard with the requester's own rank (also outside the top ``limit``).

        scope: "channel" | "server"/"workspace" (study groups: GroupService.leaderboard);
        period: "all" | "week" (weeks start Monday 00:00 in the workspace's zone);
        sort: "points" | "accuracy" (ranks players with MIN_ANSWERS_FOR_ACCURACY answers or
        more) | "streak" (current streaks) | "mastered" (FSRS-mastered questions);
        topic: a card id for a per-topic board (workspace or group scope)."""
        if group is not None:
            kind, scope_key = "group", f"ws:{group.workspace_key}"
        else:
            kind, scope_key = self.scope_key(actor, scope)
        period_kind = PERIODS.get(period.lower())
        if period_kind is None:
            raise QuizError(f"Unknown period {period!r}; use all or week.")
        sort = sort.lower()
        if sort not in SORTS:
            raise QuizError(f"Unknown sort {sort!r}; use {', '.join(SORTS)}.")
        card = self.card(topic) if topic else None
        if card is not None:
            if kind == "channel":
                raise QuizError("Topic boards are per server or group, not per channel.")
            scope_key = topic_scope(actor.workspace_key, card.id)
        zone = self.workspace_zone(actor.workspace_key)
        today = local_day(self.clock.now(), zone)
        since = week_start(today)
        period_key = "all" if period_kind == "all" else since.isoformat()
        alive_since = (today - timedelta(days=1)).isoformat()
        query = (scope_key, period_key, actor.user_key, limit, sort, alive_since)
        topic_id = card.id if card else None
        if group is not None:
            rows, me, total = await self.storage.group_leaderboard(group.id, *query, topic_id)
        else:
            rows, me, total = await self.storage.leaderboard(*query, topic_id)
        daily = await self.daily_streaks(
            [r.user_key for r in (*rows, *([me] if me else []))],
            actor.channel_key if kind == "channel" else None,
            actor.workspace_key,
        )
        where = {"channel": "This channel", "workspace": "This server"}.get(
            kind, f"Group {group.name if group else ''}"
        )
        title = where + (f" · {card.title}" if card else "")
        title += " — this week" if period_kind == "week" else " — all time"
        if sort != "points":
            title += f" · by {sort}"
        return Leaderboard(
            scope=kind,
            period=period_kind,
            title=title,
            rows=tuple(self._board_row(r, today, daily) for r in rows),
            me=self._board_row(me, today, daily) if me else None,
            total_players=total,
            sort=sort,
            since=datetime.combine(since, time(0), zone) if period_kind == "week" else None,
            topic=card.title if card else None,
            group=group.name if group else None,
            min_answers=MIN_ANSWERS_FOR_ACCURACY if sort == "accuracy" else 0,
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
            mastered=row.mastered,
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


def topic_scope(workspace_key: str, card_id: str) -> str:
    """The scores scope of a workspace's per-topic board."""
    return f"wt:{workspace_key}:{card_id}"


def _urgency(card: SrsCard, now: datetime) -> tuple[float, datetime]:
    # lowest retrievability first; learning-step cards (same-day) tie at 1.0: earliest due
    return (card.retrievability(now), card.due)


def parse_zone(name: str) -> ZoneInfo:
    """An IANA zone name in any case (e.g. europe/berlin), checked against the zone database;
    QuizError names close matches. One lookup for both /quiz timezone and /quiz daily."""
    from bot.schedule import resolve_zone  # bot.schedule imports this module

    return ZoneInfo(resolve_zone(name))

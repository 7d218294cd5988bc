"""Boards: a user's stats, leaderboards (channel, server, study group; all time or this week;
per topic; by points, accuracy, streak or mastery), and the workspace time zone they count in.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content import Pack
from bot.features.boards import store
from bot.features.boards.results import (
    PERIOD_WORDS,
    SCOPE_WORDS,
    BoardScope,
    Leaderboard,
    LeaderboardRow,
    Period,
    Sort,
    TopicAccuracy,
    TopicProgress,
    UserStats,
)
from bot.features.boards.store import MIN_ANSWERS_FOR_ACCURACY, BoardQuery, RowFlag
from bot.features.daily import DailyService
from bot.features.daily import store as daily_store
from bot.features.quiz import QuizService
from bot.kernel.clock import UTC_ZONE, Clock, local_day, parse_zone, week_start
from bot.kernel.db import Database
from bot.kernel.errors import UserError
from bot.kernel.identity import (
    Actor,
    channel_scope,
    group_scope,
    group_topic_scope,
    topic_scope,
    workspace_scope,
)
from bot.pictures.specs import DayCount
from bot.scoring import current_streak

PROGRESS_DAYS = 28  # the progress picture shows the last four weeks


@dataclass(frozen=True)
class GroupBoard:
    """A study group whose members' rows make a board (the groups feature names it and keeps
    its score rows: kernel.identity.group_scope, group_topic_scope)."""

    id: int
    name: str
    workspace_key: str


@dataclass(frozen=True)
class _Day:
    """One local day in one zone, as boards use it: valid for instants in [start, end)."""

    start: datetime  # when it was computed (an earlier instant recomputes)
    end: datetime  # the next local midnight; == start when not cacheable (see ``at``)
    monday: str  # the week's Monday, YYYY-MM-DD (a weekly board's period)
    yesterday: str  # YYYY-MM-DD: a streak whose last correct day is earlier has lapsed
    week_since: datetime  # the week's start, local midnight, for display

    @classmethod
    def at(cls, now: datetime, zone: ZoneInfo) -> _Day:
        today = local_day(now, zone)
        monday = week_start(today)
        local = now.astimezone(zone)
        # the next local midnight at today's UTC offset; if the offset changes before it (a
        # daylight-saving day), the day is not cached at all: recomputed on every read
        end = datetime.combine(today + timedelta(days=1), time(0)) - local.utcoffset()
        end = end.replace(tzinfo=UTC)
        if (end - timedelta(microseconds=1)).astimezone(zone).utcoffset() != local.utcoffset():
            end = now
        return cls(
            start=now,
            end=end,
            monday=monday.isoformat(),
            yesterday=(today - timedelta(days=1)).isoformat(),
            week_since=datetime.combine(monday, time(0), zone),
        )


@functools.lru_cache(maxsize=4096)
def _has_daily_streak(channel_key: str | None, workspace_key: str) -> RowFlag:
    """The board statement's flag for "has a daily streak here" (one per channel/workspace)."""
    return RowFlag(*daily_store.has_streak_sql(channel_key, workspace_key))


class WorkspaceZones:
    """The zone each workspace counts its days and weeks in (UTC until an admin sets one).
    Read once at start; written through on change."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._zones: dict[str, ZoneInfo] = {}

    async def load(self) -> None:
        zones = {}
        for workspace_key, name in (await self.db.read(store.workspace_zones)).items():
            try:
                zones[workspace_key] = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue  # a zone this host's tz database lacks: fall back to UTC
        self._zones = zones

    def zone_of(self, workspace_key: str) -> ZoneInfo:
        return self._zones.get(workspace_key, UTC_ZONE)

    async def set(self, actor: Actor, zone_name: str) -> ZoneInfo:
        """Set the actor's workspace zone (admins only). Weeks and days already stored keep
        the dates they were counted under; new answers count in the new zone."""
        zone = parse_zone(zone_name)
        await self.db.write(store.set_workspace_zone, actor.workspace_key, zone.key)
        self._zones[actor.workspace_key] = zone
        return zone


class BoardService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        quiz: QuizService,
        daily: DailyService,
        zones: WorkspaceZones,
    ) -> None:
        self.db = db
        self.clock = clock
        self.quiz = quiz
        self.daily = daily
        self.zones = zones
        self._day_of_zone: dict[ZoneInfo, _Day] = {}

    @property
    def pack(self) -> Pack:
        """The content served now (a reload swaps it; see ``PackHolder``)."""
        return self.quiz.pack

    async def settled(self, user_key: str | None = None) -> None:
        """Wait until the rows derived from ``user_key``'s answers so far (everyone's, when
        None) are applied: they trail the click by one step of the answer writer. /stats
        waits for the requester's own; a board for every answer this process stored before
        it was asked for (at most one trailing step; another process's may still lag)."""
        await self.quiz.answers.settled(user_key)

    async def stats(self, actor: Actor, user_key: str | None = None) -> UserStats:
        key = user_key or actor.user_key
        await self.settled(key)
        user = await self.db.read(store.get_user, key)
        today = local_day(self.clock.now(), self.zones.zone_of(actor.workspace_key))
        if user is None:
            name = actor.display_name if key == actor.user_key else key.partition(":")[2]
            return UserStats(key, name, 0, 0, 0, 0, 0)
        titles = {c.id: c.title for c in self.pack.cards}
        order = [c.id for c in self.pack.cards]
        per_topic = tuple(
            TopicAccuracy(titles.get(t.topic_id, t.topic_id), t.answered, t.correct)
            for t in sorted(
                await self.db.read(store.user_topics, key),
                key=lambda t: order.index(t.topic_id) if t.topic_id in titles else 999,
            )
        )
        progress, due_now, next_due = await self._progress(key)
        zone = self.zones.zone_of(actor.workspace_key)
        days = await self._days(key, today, zone)
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
            days=days,
        )

    async def _days(self, user_key: str, today: date, zone: ZoneInfo) -> tuple[DayCount, ...]:
        """Answers and right answers per local day, the last PROGRESS_DAYS days up to today."""
        first = today - timedelta(days=PROGRESS_DAYS - 1)
        since = (self.clock.now() - timedelta(days=PROGRESS_DAYS + 1)).isoformat()
        answered: Counter[date] = Counter()
        right: Counter[date] = Counter()
        for at, correct in await self.db.read(store.answers_since, user_key, since):
            day = local_day(datetime.fromisoformat(at), zone)
            answered[day] += 1
            right[day] += correct
        return tuple(
            DayCount(day, answered[day], right[day])
            for day in (first + timedelta(days=i) for i in range(PROGRESS_DAYS))
        )

    async def _progress(
        self, user_key: str
    ) -> tuple[tuple[TopicProgress, ...], int, datetime | None]:
        """Mastered/learning/new per topic, how many are due now, and the next due time."""
        now = self.clock.now()
        cards = await self.quiz.srs_cards(user_key)
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

    @staticmethod
    def scope_key(actor: Actor, scope: str) -> tuple[BoardScope, str]:
        kind = SCOPE_WORDS.get(scope.lower())
        if kind is None:
            raise UserError(f"Unknown leaderboard scope {scope!r}; use channel or server.")
        if kind is BoardScope.CHANNEL:
            return kind, channel_scope(actor.channel_key)
        return kind, workspace_scope(actor.workspace_key)

    async def leaderboard(
        self,
        actor: Actor,
        scope: str = "workspace",
        period: str = "all",
        limit: int = 10,
        *,
        sort: str = Sort.POINTS,
        topic: str | None = None,
        group: GroupBoard | None = None,
    ) -> Leaderboard:
        """A leaderboard with the requester's own rank (also outside the top ``limit``).

        scope: "channel" | "server"/"workspace" (study groups: GroupService.leaderboard);
        period: "all" | "week" (weeks start Monday 00:00 in the workspace's zone);
        sort: "points" | "accuracy" (ranks players with MIN_ANSWERS_FOR_ACCURACY answers or
        more) | "streak" (current streaks) | "mastered" (FSRS-mastered questions);
        topic: a card id for a per-topic board (workspace or group scope)."""
        if group is not None:
            kind, scope_key = BoardScope.GROUP, group_scope(group.id)
        else:
            kind, scope_key = self.scope_key(actor, scope)
        period_kind = PERIOD_WORDS.get(period.lower())
        if period_kind is None:
            raise UserError(f"Unknown period {period!r}; use all or week.")
        try:
            sort = Sort(sort.lower())
        except ValueError:
            raise UserError(
                f"Unknown sort {sort!r}; use {', '.join(s.value for s in Sort)}."
            ) from None
        card = self.quiz.card(topic) if topic else None
        if card is not None:
            if kind is BoardScope.CHANNEL:
                raise UserError("Topic boards are per server or group, not per channel.")
            scope_key = (
                group_topic_scope(group.id, card.id)
                if group is not None
                else topic_scope(actor.workspace_key, card.id)
            )
        day = self._day(self.zones.zone_of(actor.workspace_key))
        week = period_kind is Period.WEEK
        query = BoardQuery(
            scope_key, day.monday if week else "all", actor.user_key, limit, sort, day.yesterday
        )
        channel = actor.channel_key if kind is BoardScope.CHANNEL else None
        await self.settled()

        # one statement: the board, and which of its players have a daily streak here; their
        # streaks (rarely any) are a second read
        statement = store.board_statement(query, _has_daily_streak(channel, actor.workspace_key))
        board = store.board_of(await self.db.fetch(*statement), query)
        rows, me = board.rows, board.me
        if board.flagged:
            rows, me = await self._with_daily_streaks(board, channel, actor.workspace_key)
        where = {BoardScope.CHANNEL: "This channel", BoardScope.WORKSPACE: "This server"}.get(
            kind, f"Group {group.name if group else ''}"
        )
        title = where + (f" · {card.title}" if card else "")
        title += " — this week" if week else " — all time"
        if sort is not Sort.POINTS:
            title += f" · by {sort}"
        return Leaderboard(
            scope=kind,
            period=period_kind,
            title=title,
            rows=tuple(rows),
            me=me,
            total_players=board.size,
            sort=sort,
            since=day.week_since if week else None,
            topic=card.title if card else None,
            group=group.name if group else None,
            min_answers=MIN_ANSWERS_FOR_ACCURACY if sort is Sort.ACCURACY else 0,
        )

    def _day(self, zone: ZoneInfo) -> _Day:
        """Today in ``zone`` and what boards derive from it, computed once per local day
        (every board read needs them; the clock is read each time)."""
        now = self.clock.now()
        day = self._day_of_zone.get(zone)
        if day is None or not day.start <= now < day.end:
            day = self._day_of_zone[zone] = _Day.at(now, zone)
        return day

    async def _with_daily_streaks(
        self, board: store.Board, channel: str | None, workspace_key: str
    ) -> tuple[list[LeaderboardRow], LeaderboardRow | None]:
        """The board's rows with the daily question's streaks of the players it flagged
        (this channel's; on a server board each player's best channel)."""
        listed = (*board.rows, *([board.me] if board.me else ()))
        keys = [r.user_key for r in listed if r.user_key in board.flagged]
        daily = await self.daily.streaks(keys, channel, workspace_key) if keys else {}

        def with_daily(row: LeaderboardRow) -> LeaderboardRow:
            streaks = daily.get(row.user_key)
            if not streaks:
                return row
            return replace(
                row,
                daily_streak=max(current for current, _ in streaks.values()),
                best_daily_streak=max(best for _, best in streaks.values()),
            )

        rows = [with_daily(r) for r in board.rows]
        me = board.me
        if me is not None:  # the same object when it is one of the top rows
            me = next((r for r in rows if r.user_key == me.user_key), None) or with_daily(me)
        return rows, me

    async def _daily_streak_lines(self, actor: Actor, user_key: str) -> tuple[tuple[str, str], ...]:
        streaks = (await self.daily.streaks([user_key], None, actor.workspace_key)).get(user_key)
        lines = []
        for channel_key, (current, best) in sorted(
            (streaks or {}).items(), key=lambda item: (item[0] != actor.channel_key, item[0])
        ):
            where = "" if channel_key == actor.channel_key else f" in {channel_key.split(':')[-1]}"
            lines.append((f"daily streak{where}", f"{current} (best {best})"))
        return tuple(lines)

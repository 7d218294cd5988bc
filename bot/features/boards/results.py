"""What the boards hand back to adapters: stats, leaderboards, and the words for their options."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.features.quiz.results import day_streak_text
from bot.kernel.clock import format_local
from bot.kernel.results import Fact, Image
from bot.kernel.text import count_of
from bot.pictures.specs import DayCount, ProgressChart, TopicCount


class BoardScope(StrEnum):
    CHANNEL = "channel"
    WORKSPACE = "workspace"  # a Discord server, a Slack workspace
    GROUP = "group"  # a study group's members


class Period(StrEnum):
    ALL = "all"
    WEEK = "week"  # Monday 00:00 to Sunday in the workspace's zone


class Sort(StrEnum):
    POINTS = "points"
    ACCURACY = "accuracy"  # players with MIN_ANSWERS_FOR_ACCURACY answers or more
    STREAK = "streak"  # current day streaks
    MASTERED = "mastered"  # FSRS-mastered questions


# words users may type for them
SCOPE_WORDS = {"channel": BoardScope.CHANNEL, "server": BoardScope.WORKSPACE}
SCOPE_WORDS["workspace"] = BoardScope.WORKSPACE
PERIOD_WORDS = {
    "all": Period.ALL,
    "all-time": Period.ALL,
    "alltime": Period.ALL,
    "week": Period.WEEK,
    "weekly": Period.WEEK,
}
SORTS = tuple(s.value for s in Sort)

SPACED_REPETITION = "Spaced repetition (mastered / learning / new)"


@dataclass(frozen=True)
class TopicAccuracy:
    topic: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    @property
    def text(self) -> str:
        return f"{self.topic}: {self.correct}/{self.answered} ({self.accuracy:.0%})"


@dataclass(frozen=True)
class TopicProgress:
    """Spaced-repetition progress on one topic's questions (see README "Spaced repetition")."""

    topic: str  # the card's title
    mastered: int  # FSRS stability above the mastered threshold
    learning: int  # seen, not mastered yet
    new: int  # never answered
    due: int  # due for review now

    @property
    def text(self) -> str:
        due = f" · {self.due} due" if self.due else ""
        counts = f"{self.mastered} mastered · {self.learning} learning · {self.new} new"
        return f"{self.topic}: {counts}{due}"


@dataclass(frozen=True)
class UserStats:
    user_key: str
    display_name: str
    points: int
    answered: int
    correct: int
    streak: int
    best_streak: int
    per_topic: tuple[TopicAccuracy, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()  # further (label, value) lines from other features
    progress: tuple[TopicProgress, ...] = ()  # per topic, lesson order
    next_due: datetime | None = None  # next review, in the workspace's zone (None: none due later)
    due_now: int = 0  # questions due for review right now
    days: tuple[DayCount, ...] = ()  # answers per local day over the last weeks, oldest first
    images: tuple[Image, ...] = ()

    @property
    def picture(self) -> ProgressChart | None:
        """Answers and accuracy per day, and the FSRS state per topic (once anything was
        answered)."""
        if not self.answered:
            return None
        topics = tuple(TopicCount(p.topic, p.new, p.learning, p.mastered) for p in self.progress)
        return ProgressChart(self.display_name, self.days, topics)

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    @property
    def mastered(self) -> int:
        return sum(p.mastered for p in self.progress)

    @property
    def headline(self) -> str:
        return f"{self.display_name}: {self.points} points"

    @property
    def summary_text(self) -> str:
        return (
            f"answered {self.answered}, correct {self.correct} ({self.accuracy:.0%})"
            f" · {self.streak_text}"
        )

    @property
    def facts(self) -> tuple[Fact, ...]:
        """The figures of ``summary_text`` as labelled values, for a grid."""
        return (
            Fact("Points", str(self.points)),
            Fact("Answered", str(self.answered)),
            Fact("Correct", f"{self.correct} ({self.accuracy:.0%})"),
            Fact("Day streak", f"{self.streak} (best {self.best_streak})"),
        )

    @property
    def streak_text(self) -> str:
        return f"{day_streak_text(self.streak)} (best {self.best_streak})"

    @property
    def topic_lines(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.per_topic)

    @property
    def progress_lines(self) -> tuple[str, ...]:
        """Spaced-repetition progress per topic (shown once anything was answered)."""
        if not (self.answered and self.progress):
            return ()
        return tuple(p.text for p in self.progress)

    @property
    def review_text(self) -> str:
        due = f"{self.due_now} due now — /quiz review" if self.due_now else "nothing due now"
        later = f" · next review {format_local(self.next_due)}" if self.next_due else ""
        return due + later


_new = object.__new__
_setattr = object.__setattr__


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    user_key: str
    display_name: str
    points: int
    answered: int
    correct: int
    streak: int = 0
    mastered: int = 0
    daily_streak: int = 0  # the daily question's streak (this channel; best channel on a server)
    best_daily_streak: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    @classmethod
    def of(
        cls,
        rank: int,
        user_key: str,
        display_name: str,
        points: int,
        answered: int,
        correct: int,
        streak: int,
        mastered: int,
        daily_streak: int,
        best_daily_streak: int,
    ) -> LeaderboardRow:
        """The same row as ``LeaderboardRow(...)`` with every field given, built in half the
        time: a frozen dataclass's ``__init__`` sets each field through
        ``object.__setattr__``; this sets the instance dict once (a board read builds up to
        eleven rows, and the board read's target is 1.5x its bare SQL statement)."""
        row = _new(cls)
        _setattr(
            row,
            "__dict__",
            {
                "rank": rank,
                "user_key": user_key,
                "display_name": display_name,
                "points": points,
                "answered": answered,
                "correct": correct,
                "streak": streak,
                "mastered": mastered,
                "daily_streak": daily_streak,
                "best_daily_streak": best_daily_streak,
            },
        )
        return row


@dataclass(frozen=True)
class Leaderboard:
    scope: BoardScope
    period: Period
    title: str
    rows: tuple[LeaderboardRow, ...]
    # the requester, also when outside the top rows; rank 0 = not ranked yet (accuracy boards:
    # fewer than min_answers answers)
    me: LeaderboardRow | None = None
    total_players: int = 0  # players on the board (accuracy: those who qualify)
    sort: Sort = Sort.POINTS
    since: datetime | None = None  # start of the period (local midnight), for display
    topic: str | None = None  # the card's title on a per-topic board
    group: str | None = None  # the study group's name on a group board
    min_answers: int = 0  # answers needed to be ranked (accuracy boards)

    def value_text(self, row: LeaderboardRow) -> str:
        """The value the board is sorted by, e.g. "40 points", "80% (4/5)"."""
        return {
            Sort.POINTS: f"{row.points} points",
            Sort.ACCURACY: f"{row.accuracy:.0%} ({row.correct}/{row.answered})",
            Sort.STREAK: f"a {row.streak}-day streak",
            Sort.MASTERED: f"{row.mastered} mastered",
        }.get(self.sort, f"{row.points} points")

    def values_text(self, row: LeaderboardRow) -> str:
        """A row's figures after its name: the sorted value first."""
        if self.sort == Sort.POINTS:
            values = [f"{row.points} points", f"{row.accuracy:.0%}", day_streak_text(row.streak)]
        else:
            values = [self.value_text(row), f"{row.points} points"]
        if row.best_daily_streak:
            values.append(f"daily question {row.daily_streak} (best {row.best_daily_streak})")
        return " · ".join(values)

    @property
    def empty_text(self) -> str:
        if self.sort == Sort.POINTS:
            return "No answers yet — /quiz question to start."
        return f"Nobody ranked by {self.sort} yet."

    @property
    def me_text(self) -> str:
        """Where the requester stands when the rows shown leave them out ("" otherwise)."""
        me = self.me
        if me is None or any(r.user_key == me.user_key for r in self.rows):
            return ""
        if me.rank == 0:
            more = self.min_answers - me.answered
            missing = count_of(more, "more answer")
            return f"You: not ranked yet — {missing} to qualify ({me.accuracy:.0%})."
        if self.sort == Sort.STREAK and not me.streak:
            return "You: no current day streak."
        if self.sort == Sort.MASTERED and not me.mastered:
            return "You: nothing mastered yet."
        return f"You: #{me.rank} of {self.total_players} with {self.value_text(me)}."

    @property
    def notes(self) -> tuple[str, ...]:
        """The lines under the board: the week, the ranking rule, where you stand."""
        notes = []
        if self.since is not None:
            notes.append(f"Week since {format_local(self.since)}")
        if self.min_answers:
            notes.append(f"Ranked: {self.min_answers}+ answers")
        if self.me_text:
            notes.append(self.me_text)
        return tuple(notes)

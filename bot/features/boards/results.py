"""What the boards hand back to adapters: stats, leaderboards, and the words for their options."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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


@dataclass(frozen=True)
class TopicAccuracy:
    topic: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class TopicProgress:
    """Spaced-repetition progress on one topic's questions (see README "Spaced repetition")."""

    topic: str  # the card's title
    mastered: int  # FSRS stability above the mastered threshold
    learning: int  # seen, not mastered yet
    new: int  # never answered
    due: int  # due for review now


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

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    @property
    def mastered(self) -> int:
        return sum(p.mastered for p in self.progress)


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

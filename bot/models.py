"""Plain values the core hands to adapters. Adapters render them; the core never formats."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

PLATFORMS = ("console", "discord", "slack")


@dataclass(frozen=True)
class Actor:
    """Who is acting, where. Ids are the platform's own; keys are namespaced by platform so a
    Discord user and a Slack user never collide."""

    platform: str
    user_id: str
    display_name: str
    workspace_id: str = "local"  # Discord guild id, Slack team id, "local" for the console
    channel_id: str = "terminal"
    is_admin: bool = False

    def __post_init__(self) -> None:
        if self.platform not in PLATFORMS:
            raise ValueError(f"unknown platform {self.platform!r}")

    @property
    def user_key(self) -> str:
        return f"{self.platform}:{self.user_id}"

    @property
    def workspace_key(self) -> str:
        return f"{self.platform}:{self.workspace_id}"

    @property
    def channel_key(self) -> str:
        return f"{self.platform}:{self.workspace_id}:{self.channel_id}"


@dataclass(frozen=True)
class QuestionView:
    """A posted question, ready to render with one button per choice."""

    post_id: int
    question_id: str
    card_id: str
    card_title: str
    prompt: str
    choices: tuple[str, ...]
    reason: str = ""  # why this question: "new", "due for review", "daily question", ...


@dataclass(frozen=True)
class AnswerResult:
    post_id: int
    question_id: str
    prompt: str
    correct: bool
    chosen_index: int
    chosen_text: str
    correct_index: int
    correct_text: str
    why: str
    points_gained: int
    total_points: int
    streak: int
    already_answered: bool = False


@dataclass(frozen=True)
class TopicInfo:
    id: str
    title: str
    track: str
    questions: int
    demos: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicAccuracy:
    topic: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


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

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    user_key: str
    display_name: str
    points: int
    answered: int
    correct: int
    streak: int = 0
    daily_streak: int = 0  # the daily question's streak (this channel; best channel on a server)
    best_daily_streak: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class Leaderboard:
    scope: str  # "channel" | "workspace" | "group"
    period: str  # "all" | "week"
    title: str
    rows: tuple[LeaderboardRow, ...]
    me: LeaderboardRow | None = None  # the requester, also when outside the top rows
    total_players: int = 0
    sort: str = "points"
    since: datetime | None = None  # start of the period, for display


@dataclass(frozen=True)
class Notice:
    """A short message: help text, an error, a confirmation."""

    text: str
    error: bool = False
    lines: tuple[str, ...] = field(default_factory=tuple)

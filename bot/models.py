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

    @property
    def score_text(self) -> str:
        """What this answer scored, for "✅ Correct! <score_text>"."""
        if self.correct and self.points_gained == 0 and not self.already_answered:
            return "no points this time: it is not due for review yet"
        return f"+{self.points_gained} points"


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
    scope: str  # "channel" | "workspace" | "group"
    period: str  # "all" | "week"
    title: str
    rows: tuple[LeaderboardRow, ...]
    # the requester, also when outside the top rows; rank 0 = not ranked yet (accuracy boards:
    # fewer than min_answers answers)
    me: LeaderboardRow | None = None
    total_players: int = 0  # players on the board (accuracy: those who qualify)
    sort: str = "points"  # "points" | "accuracy" | "streak" | "mastered"
    since: datetime | None = None  # start of the period (local midnight), for display
    topic: str | None = None  # the card's title on a per-topic board
    group: str | None = None  # the study group's name on a group board
    min_answers: int = 0  # answers needed to be ranked (accuracy boards)


@dataclass(frozen=True)
class StudyGroup:
    name: str
    members: int
    is_member: bool = False  # the requester is in it


@dataclass(frozen=True)
class GroupList:
    groups: tuple[StudyGroup, ...]


@dataclass(frozen=True)
class GroupMembers:
    name: str
    members: tuple[str, ...]  # display names


@dataclass(frozen=True)
class GroupMisconception:
    """The wrong choice a group picks most often, with what to revisit."""

    question_id: str
    card_title: str
    prompt: str
    wrong_choice: str
    correct_choice: str
    why: str
    times: int  # how many wrong answers picked it
    users: int  # by how many members


@dataclass(frozen=True)
class GroupSummary:
    """What a study-group lead needs to see what to revisit."""

    name: str
    members: tuple[str, ...]
    week_since: datetime  # local Monday 00:00 of this week
    answers_this_week: int
    correct_this_week: int
    per_topic: tuple[TopicAccuracy, ...]  # all time, lesson order; topics nobody answered omitted
    misconception: GroupMisconception | None = None


@dataclass(frozen=True)
class ReviewSession:
    """A private run through the questions due for one user, most due first. Adapters show
    them one at a time to that user only (ephemeral), each answered like any question."""

    questions: tuple[QuestionView, ...]
    due_total: int  # due now, including those beyond this session's size
    next_due: datetime | None = None  # when nothing is due: the next review (workspace zone)


@dataclass(frozen=True)
class Notice:
    """A short message: help text, an error, a confirmation."""

    text: str
    error: bool = False
    lines: tuple[str, ...] = field(default_factory=tuple)

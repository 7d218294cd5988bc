"""What the teacher's view hands back: item statistics per question, learner rows, dashboard
links. Every figure carries the sentence a teacher reads; adapters add markup only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.features.groups.results import GroupMisconception

NOT_ENOUGH = "not enough answers yet"


class FlagKind(StrEnum):
    """What may be wrong with a question, worst first (the order ``worst first`` sorts by)."""

    CHECK_KEY = "check the key"
    TOO_HARD = "too hard"
    TOO_EASY = "too easy"
    UNPICKED = "distractor nobody picks"
    NO_FEEDBACK = "feedback missing"

    @property
    def severity(self) -> int:
        return list(FlagKind).index(self)


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    reason: str  # one line a teacher understands: what was seen, and what to do

    @property
    def text(self) -> str:
        return f"{self.kind}: {self.reason}"


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


@dataclass(frozen=True)
class ChoiceStats:
    """One choice of a question: how often it was picked overall and by the upper and lower
    27% of learners. ``letter`` is its place in the content file (posts shuffle choices)."""

    letter: str
    text: str
    correct: bool
    picked: int
    share: float | None  # of all attempts; None when nobody answered
    upper_share: float | None  # of the upper group's attempts; None without enough answers
    lower_share: float | None
    feedback: str  # what a learner who picks it reads ("" when the author wrote none)

    @property
    def line(self) -> str:
        mark = "✓" if self.correct else "✗"
        groups = ""
        if self.upper_share is not None and self.lower_share is not None:
            groups = f" (upper {percent(self.upper_share)}, lower {percent(self.lower_share)})"
        return f"{self.letter} {mark} {self.text} — {percent(self.share)}{groups}"


@dataclass(frozen=True)
class WrongAnswer:
    """A wrong typed answer, as typed (case and spacing folded), and how many typed it."""

    text: str
    count: int


@dataclass(frozen=True)
class ItemStats:
    """One question's figures over a scope (first answers only)."""

    question_id: str
    topic_id: str  # the card the question belongs to
    card_title: str
    prompt: str
    why: str
    typed: bool
    attempts: int
    right: int
    discrimination: float | None  # upper-minus-lower 27% index; None: not enough answers yet
    median_seconds: int | None
    choices: tuple[ChoiceStats, ...] = ()
    wrong_answers: tuple[WrongAnswer, ...] = ()  # typed questions: the most common, most first
    flags: tuple[Flag, ...] = ()

    @property
    def difficulty(self) -> float | None:
        """The share answered right (higher is easier); None when nobody answered."""
        return self.right / self.attempts if self.attempts else None

    @property
    def discrimination_text(self) -> str:
        return NOT_ENOUGH if self.discrimination is None else f"{self.discrimination:+.2f}"

    @property
    def figures(self) -> str:
        """One line: attempts, share right, discrimination, median time."""
        if not self.attempts:
            return "no answers yet"
        parts = [
            f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}",
            f"{percent(self.difficulty)} right",
            f"discrimination {self.discrimination_text}",
        ]
        if self.median_seconds is not None:
            parts.append(f"median {self.median_seconds} s to answer")
        return " · ".join(parts)

    @property
    def severity(self) -> tuple[int, int, int]:
        """Sort key, worst first: the worst flag, then more flags, then more attempts."""
        worst = min((f.kind.severity for f in self.flags), default=len(FlagKind))
        return (worst, -len(self.flags), -self.attempts)


@dataclass(frozen=True)
class ItemScope:
    """Which answers an analysis reads: a workspace, optionally one channel or one study group,
    a date range (UTC days, both ends included) and a topic (card id or track)."""

    workspace_key: str
    channel_key: str | None = None
    group: str | None = None  # the study group's name as stored
    since: date | None = None
    until: date | None = None
    topic: str | None = None

    @property
    def text(self) -> str:
        parts = [self.workspace_key]
        if self.channel_key:
            parts.append(f"channel {self.channel_key.rpartition(':')[2]}")
        if self.group:
            parts.append(f"group {self.group}")
        if self.topic:
            parts.append(f"topic {self.topic}")
        if self.since:
            parts.append(f"since {self.since.isoformat()}")
        if self.until:
            parts.append(f"until {self.until.isoformat()}")
        return " · ".join(parts)


@dataclass(frozen=True)
class ItemReport:
    """Every question of the scope's topic, in lesson order, with its figures and flags."""

    scope: ItemScope
    learners: int  # learners with at least one first answer in scope
    items: tuple[ItemStats, ...]
    as_of: datetime | None = None  # when the answers were read

    @property
    def as_of_text(self) -> str:
        return "" if self.as_of is None else f"figures as of {self.as_of:%Y-%m-%d %H:%M:%S} UTC"

    @property
    def flagged(self) -> tuple[ItemStats, ...]:
        """The questions with at least one flag, worst first."""
        return tuple(sorted((i for i in self.items if i.flags), key=lambda i: i.severity))

    def item(self, question_id: str) -> ItemStats | None:
        return next((i for i in self.items if i.question_id == question_id), None)


@dataclass(frozen=True)
class FlaggedItems:
    """``/quiz items [topic]``: the flagged questions, worst first, for an admin's eyes only."""

    report: ItemReport
    limit: int = 10  # chat shows this many; the file and web reports show all

    @property
    def title(self) -> str:
        flagged = len(self.report.flagged)
        if not flagged:
            return "No flagged questions"
        return f"{flagged} flagged question{'s' if flagged != 1 else ''}, worst first"

    @property
    def summary(self) -> str:
        answered = sum(1 for i in self.report.items if i.attempts)
        return (
            f"{self.report.scope.text}: {len(self.report.items)} questions, {answered} answered"
            f" by {self.report.learners} learner{'s' if self.report.learners != 1 else ''}"
            " (first answers only)."
        )

    @property
    def shown(self) -> tuple[ItemStats, ...]:
        return self.report.flagged[: self.limit]

    @property
    def more_text(self) -> str:
        more = len(self.report.flagged) - len(self.shown)
        return f"…and {more} more: quizbot report items, or /quiz dashboard" if more > 0 else ""

    @staticmethod
    def lines(item: ItemStats) -> tuple[str, ...]:
        """What chat shows of one flagged question under its prompt."""
        out = [item.figures, *(f"⚑ {flag.text}" for flag in item.flags)]
        out.extend(choice.line for choice in item.choices)
        out.extend(f"typed “{w.text}” ×{w.count}" for w in item.wrong_answers)
        return tuple(out)


@dataclass(frozen=True)
class LearnerTopic:
    """One learner on one topic: first and later answers alike (a review is practice too)."""

    user_key: str
    display_name: str
    topic_id: str
    topic: str  # the card's title
    answers: int
    correct: int
    mastered: int  # questions of the topic the spaced-repetition schedule counts as mastered
    last_seen: datetime | None

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


@dataclass(frozen=True)
class LearnerReport:
    scope: ItemScope
    rows: tuple[LearnerTopic, ...]  # by learner name, then lesson order


@dataclass(frozen=True)
class DailyDay:
    """One day of a channel's daily question."""

    local_date: date
    question_id: str
    prompt: str
    answers: int
    correct: int
    status: str  # posted, failed, …

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


@dataclass(frozen=True)
class ChannelHistory:
    channel_key: str
    days: tuple[DailyDay, ...]  # newest first


@dataclass(frozen=True)
class DailyChannels:
    """The platform ids of a workspace's channels that had a daily question."""

    channels: tuple[str, ...]


@dataclass(frozen=True)
class DashboardLink:
    """``/quiz dashboard``: a signed link for the admin's eyes only."""

    url: str
    expires: datetime
    group: str | None = None

    @property
    def text(self) -> str:
        what = f"the study group {self.group}" if self.group else "this workspace"
        return (
            f"The teacher's dashboard for {what}, read-only, valid until"
            f" {self.expires:%Y-%m-%d %H:%M} UTC: {self.url}"
        )

    warning: str = field(
        default="Anyone with this link can read the dashboard until it expires: don't share it."
    )


@dataclass(frozen=True)
class GroupProgress:
    """A study group's page: its members' progress per topic and its misconception."""

    name: str
    members: tuple[str, ...]
    rows: tuple[LearnerTopic, ...]
    misconception: GroupMisconception | None

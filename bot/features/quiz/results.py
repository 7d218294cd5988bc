"""What the quiz hands back to adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
    typed: bool = False  # answered by typing text (no choices): adapters offer an answer box


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
    typed: str | None = None  # a typed-answer question: what the user typed ("You typed: …")
    accepted: tuple[str, ...] = ()  # a typed-answer question: the answers it accepts

    @property
    def accepted_text(self) -> str:
        """The accepted answers as one line: "TCP" or "TCP (also: Transmission Control …)"."""
        if len(self.accepted) <= 1:
            return self.correct_text
        return f"{self.accepted[0]} (also: {', '.join(self.accepted[1:])})"

    @property
    def score_text(self) -> str:
        """What this answer scored, for "✅ Correct! <score_text>"."""
        if self.correct and self.points_gained == 0 and not self.already_answered:
            return "no points this time: it is not due for review yet"
        return f"+{self.points_gained} points"


@dataclass(frozen=True)
class AnswerBox:
    """A typed-answer question the user may answer now: adapters open a text box for it."""

    post_id: int
    prompt: str
    card_title: str
    limit: int  # at most this many characters


@dataclass(frozen=True)
class TopicInfo:
    id: str
    title: str
    track: str
    questions: int
    demos: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewSession:
    """A private run through the questions due for one user, most due first. Adapters show
    them one at a time to that user only (ephemeral), each answered like any question."""

    questions: tuple[QuestionView, ...]
    due_total: int  # due now, including those beyond this session's size
    next_due: datetime | None = None  # when nothing is due: the next review (workspace zone)

"""What the daily question hands to adapters (and to their posters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.features.daily.calendar import weekdays_text
from bot.features.quiz import QuestionView
from bot.kernel.identity import ChannelRef


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
    # a typed-answer question (no choices, no counts): its accepted answers and the tallies
    accepted: tuple[str, ...] = ()
    typed_answered: int = 0
    typed_right: int = 0

    @property
    def typed(self) -> bool:
        return bool(self.accepted)

    @property
    def answered(self) -> int:
        return self.typed_answered if self.typed else sum(self.counts)

    @property
    def right(self) -> int:
        return self.typed_right if self.typed else self.counts[self.correct_index]

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

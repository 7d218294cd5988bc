"""What the daily question hands to adapters (and to their posters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.features.daily.calendar import weekdays_text
from bot.features.quiz import QuestionView
from bot.features.quiz.results import letter_of, shown_choices
from bot.kernel.clock import day_text, format_local
from bot.kernel.identity import ChannelRef
from bot.kernel.results import Fact, Image
from bot.pictures.specs import Bar, BarChart


@dataclass(frozen=True)
class DailyQuestion:
    """The day's question as it is posted; answers go to ``view.post_id`` as usual."""

    channel: ChannelRef
    view: QuestionView
    local_date: date
    zone: str
    closes_at: datetime  # in the schedule's zone

    @property
    def title(self) -> str:
        return f"📅 Daily question · {day_text(self.local_date)}"

    closes_label = "Answers close"

    @property
    def closes_text(self) -> str:
        return f"{self.closes_label} {format_local(self.closes_at)}"


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
    order: tuple[int, ...] = ()  # how the question showed its choices (letters follow it)
    feedback: tuple[str, ...] = ()  # per choice (content order): why it is wrong
    # a typed-answer question (no choices, no counts): its accepted answers and the tallies
    accepted: tuple[str, ...] = ()
    typed_answered: int = 0
    typed_right: int = 0
    images: tuple[Image, ...] = ()

    @property
    def picture(self) -> BarChart | None:
        """How many picked each choice, the right one marked (a choice question once someone
        answered)."""
        if self.typed or not self.answered:
            return None
        return BarChart(
            f"{self.title}: {self.summary_text}",
            tuple(
                Bar(f"{r.letter}) {r.text}", r.count, r.count_text, r.correct) for r in self.rows
            ),
            f"daily-{self.local_date.isoformat()}.png",
            marked_means="right answer",
        )

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

    @property
    def rows(self) -> tuple[ChoiceCount, ...]:
        """The choices in the order the question showed them, with their counts."""
        return tuple(
            ChoiceCount(
                c.letter,
                c.text,
                self.counts[c.index],
                self.share(c.index),
                c.index == self.correct_index,
                self.feedback[c.index] if c.index < len(self.feedback) else "",
            )
            for c in shown_choices(self.choices, self.order)
        )

    @property
    def title(self) -> str:
        return f"📊 Daily question results · {day_text(self.local_date)}"

    @property
    def summary_text(self) -> str:
        if not self.answered:
            return "Nobody answered this one."
        people = "1 person" if self.answered == 1 else f"{self.answered} people"
        return f"{people} answered, {self.right} right ({self.right / self.answered:.0%})."

    @property
    def correct_label(self) -> str:
        return f"{letter_of(self.order, self.correct_index)}) {self.correct_text}"

    @property
    def answer_text(self) -> str:
        return f"Answer: {self.correct_label}"

    @property
    def why_text(self) -> str:
        return f"Why: {self.why}"

    @property
    def first_right_text(self) -> str:
        return f"First right: {self.first_right}" if self.first_right else ""


@dataclass(frozen=True)
class ChoiceCount:
    """One choice of a daily result as the question showed it: its letter, text and answers."""

    letter: str
    text: str
    count: int
    share: float
    correct: bool
    feedback: str = ""  # the author's word on this (wrong) choice

    @property
    def feedback_text(self) -> str:
        """Why this choice is wrong, shown where someone picked it ("" otherwise)."""
        return self.feedback if self.count and not self.correct else ""

    @property
    def count_text(self) -> str:
        return f"{self.count} ({self.share:.0%})"


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

    @property
    def title(self) -> str:
        return "Daily question set" if self.changed else "Daily question"

    @property
    def when_text(self) -> str:
        return f"{self.local_time} {self.zone}, {self.days_text}"

    @property
    def topic_text(self) -> str:
        return self.topic or "all topics"

    @property
    def window_text(self) -> str:
        return (
            f"{self.window_hours} h after the post" if self.window_hours else "until the next post"
        )

    @property
    def facts(self) -> tuple[Fact, ...]:
        """What the schedule is, in order (the topic as a plain word: renderers may mark it)."""
        facts = [
            Fact("When", self.when_text),
            Fact("Topic", self.topic_text, literal=self.topic is not None),
            Fact("Answers open", self.window_text),
        ]
        if self.next_post is not None:
            facts.append(Fact("Next post", format_local(self.next_post), at=self.next_post))
        if self.last_post:
            facts.append(Fact("Last post", self.last_post))
        return tuple(facts)

    @property
    def admin_hint(self) -> str:
        return (
            "Admins: /quiz daily now posts today's question right away, /quiz daily off stops it."
        )

"""Spaced repetition: one FSRS card per (user, question), scheduled by the ``fsrs`` package.

We never compute intervals ourselves; this module only maps quiz answers to FSRS ratings and
converts between ``fsrs.Card`` and the plain tuple stored in ``srs_cards``.

Rating mapping (see README "Spaced repetition"): a wrong answer is ``Again``, a right answer is
``Good`` (no ``Easy``/``Hard``: a chat click says nothing reliable about effort). The review
time is the answer's time from the injected clock, in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fsrs import Card, Rating, Scheduler

# A card whose stability (days until recall probability falls to 90%) is above this counts as
# "mastered" in stats and on the mastered leaderboard.
MASTERED_STABILITY_DAYS = 21.0


@cache
def fsrs_package() -> ModuleType:
    """The fsrs package, loaded with the first card scheduled, not with every start (~4 ms of
    CPU). Kept here rather than imported in each function: a ``from fsrs import`` in a function
    runs the import machinery on every call (three a review, in the answer writer's step)."""
    import fsrs

    return fsrs


@cache
def scheduler() -> Scheduler:
    """FSRS defaults (90% desired retention, learning steps 1 min and 10 min), without interval
    fuzzing so a schedule is reproducible (tests, support questions)."""
    return fsrs_package().Scheduler(enable_fuzzing=False)


@dataclass(frozen=True)
class SrsCard:
    """One stored FSRS card (all times UTC)."""

    question_id: str
    topic_id: str  # the card (topic) the question belongs to; the srs_cards.card_id column
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0

    @property
    def mastered(self) -> bool:
        return is_mastered(self.stability)

    def fsrs_card(self) -> Card:
        fsrs = fsrs_package()
        return fsrs.Card(
            card_id=0,  # the fsrs library's own id, unused here
            state=fsrs.State(self.state),
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due,
            last_review=self.last_review,
        )

    def retrievability(self, now: datetime) -> float:
        """Predicted chance of recalling the answer at ``now`` (0 for never-reviewed)."""
        return scheduler().get_card_retrievability(self.fsrs_card(), now.astimezone(UTC))


def is_mastered(stability: float | None) -> bool:
    return stability is not None and stability > MASTERED_STABILITY_DAYS


def rating_for(correct: bool) -> Rating:
    rating = fsrs_package().Rating
    return rating.Good if correct else rating.Again


def review(
    card: SrsCard | None, question_id: str, topic_id: str, correct: bool, when: datetime
) -> SrsCard:
    """The card after answering ``question_id`` at ``when``; ``None`` means never seen."""
    when = when.astimezone(UTC)
    current = card.fsrs_card() if card else fsrs_package().Card(card_id=0, due=when)
    reviewed, _ = scheduler().review_card(current, rating_for(correct), review_datetime=when)
    return SrsCard(
        question_id=question_id,
        topic_id=topic_id,
        state=int(reviewed.state),
        step=reviewed.step,
        stability=reviewed.stability,
        difficulty=reviewed.difficulty,
        due=reviewed.due.astimezone(UTC),
        last_review=reviewed.last_review.astimezone(UTC) if reviewed.last_review else None,
        reps=(card.reps if card else 0) + 1,
        lapses=(card.lapses if card else 0) + (0 if correct else 1),
    )


def to_row(user_key: str, card: SrsCard) -> tuple[object, ...]:
    """The ``srs_cards`` row (times as ISO-8601 UTC, which sorts like time)."""
    return (
        user_key,
        card.question_id,
        card.topic_id,  # the card_id column
        card.state,
        card.step,
        card.stability,
        card.difficulty,
        iso(card.due),
        iso(card.last_review) if card.last_review else None,
        card.reps,
        card.lapses,
    )


def from_row(row: tuple[Any, ...]) -> SrsCard:
    """From ``question_id, card_id, state, step, stability, difficulty, due, last_review,
    reps, lapses`` (the card_id column is the topic)."""
    q, c, state, step, stability, difficulty, due, last, reps, lapses = row
    return SrsCard(
        q,
        c,
        state,
        step,
        stability,
        difficulty,
        datetime.fromisoformat(due),
        datetime.fromisoformat(last) if last else None,
        reps,
        lapses,
    )


def iso(when: datetime) -> str:
    """UTC ISO-8601 with a fixed width (microseconds always present) so strings sort as times."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")

"""The values one answer batch is made of, and the shape of a step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from bot.kernel.db import Connection
from bot.kernel.dispatch import Request

AnswerKey = tuple[int, str]  # (post id, user key): one answer per user per post
NO_CHOICE = -1  # the ``choice`` of a typed answer: no choice was picked


@dataclass(frozen=True, slots=True)
class PostKind:
    """What a post is; answers to it follow its kind's rules. The kind is open: the feature
    that posts a kind defines it (``PostKind.define``, once, beside its SQL), so a lower
    feature never names a higher one's kind; it reads only the rules below. ``value`` is what
    ``posts.kind`` and ``answer_outbox.kind`` store, and ``PostKind.stored`` reads it back."""

    ASK: ClassVar[PostKind]  # /quiz: anyone in the channel may answer
    REVIEW: ClassVar[PostKind]  # /quiz review: private to the user who asked

    value: str
    # a right answer scores even when its question is not yet due for review (the daily
    # question: the whole channel gets the same one, due or not)
    scores_before_due: bool = False
    # the quiz's answer path refuses it with this line: its own feature takes its answers
    quiz_refusal: str | None = None
    # the request that answers a choice on it ``(post_id, choice)``, when it is not the quiz's
    # AnswerQuestion: a click that still makes AnswerQuestion (a button posted before the
    # kind had its own request, a letter typed at it) is handed to this one
    answered_by: Callable[[int, int], Request] | None = None

    @classmethod
    def define(
        cls,
        value: str,
        *,
        scores_before_due: bool = False,
        quiz_refusal: str | None = None,
        answered_by: Callable[[int, int], Request] | None = None,
    ) -> PostKind:
        """The kind stored as ``value``, defined by the feature that posts it (again with the
        same rules: the same kind; with other rules: a bug, raised)."""
        kind = cls(value, scores_before_due, quiz_refusal, answered_by)
        known = _KINDS.setdefault(value, kind)
        if known != kind:
            raise ValueError(f"post kind {value!r} is already defined with other rules")
        return known

    @classmethod
    def stored(cls, value: str) -> PostKind:
        """The kind a row stores (its feature is imported with the app)."""
        try:
            return _KINDS[value]
        except KeyError:
            raise ValueError(f"unknown post kind {value!r}: no feature defines it") from None

    def __str__(self) -> str:
        return self.value


_KINDS: dict[str, PostKind] = {}
PostKind.ASK = PostKind.define("ask")
PostKind.REVIEW = PostKind.define("review")


@dataclass(slots=True)  # not frozen: one is built per click, and frozen init is slower
class AnswerWrite:
    """One answer as the core decided it; the batch stores it (or finds the first)."""

    post_id: int
    user_key: str
    display_name: str
    question_id: str
    topic_id: str  # the card the question belongs to (the answers.card_id column)
    choice: int
    correct: bool
    points: int  # a step may lower it (quiz: nothing for a question not due for review)
    answered_at: str  # ISO-8601 UTC
    day: str  # the answer's local date (YYYY-MM-DD) for streaks
    week: str  # the local Monday (YYYY-MM-DD) of the answer's week
    scopes: tuple[str, ...]  # leaderboard scopes this answer counts in, e.g. ("ws:…", "ch:…")
    kind: PostKind = PostKind.ASK
    typed: str | None = None  # a typed-answer question: what was typed (choice is NO_CHOICE)

    @property
    def key(self) -> AnswerKey:
        return (self.post_id, self.user_key)


@dataclass(frozen=True, slots=True)
class UserTotals:
    """A user's running totals after the batch, for the answer's reply."""

    points: int
    streak: int  # as stored: the run that ended on last_correct_day
    last_correct_day: str | None


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    choice: int
    correct: bool
    points: int
    typed: str | None = None


@dataclass(slots=True)
class AnswerOutcome:
    stored: bool  # False: the user had already answered this post; nothing changed
    choice: int
    correct: bool
    points: int
    total_points: int
    streak: int  # as stored: the run that ended on last_correct_day
    last_correct_day: str | None
    closed: bool = False  # the post's answer window had closed: nothing stored
    typed: str | None = None  # the (first) typed answer, for a typed-answer question


@dataclass
class AnswerBatch:
    """One transaction's answers and what the steps learn about them."""

    writes: list[AnswerWrite]
    first: dict[AnswerKey, AnswerWrite] = field(default_factory=dict)  # first answer per key
    stored: dict[AnswerKey, StoredAnswer] = field(default_factory=dict)  # answered before
    refused: set[AnswerKey] = field(default_factory=set)  # a step refused (window closed)
    totals: dict[str, UserTotals] = field(default_factory=dict)  # user key -> after the batch
    # FSRS: change in mastered questions per (user key, content card id)
    mastered_delta: dict[tuple[str, str], int] = field(default_factory=dict)
    # users whose streak, last correct day or mastery moved: their score rows get the new values
    moved: set[str] = field(default_factory=set)

    @property
    def new(self) -> list[AnswerWrite]:
        """The answers this batch stores: first per key, not stored before, not refused."""
        return [
            w for key, w in self.first.items() if key not in self.stored and key not in self.refused
        ]


# A step runs inside a transaction on the writer thread: a click's batch (what the reply needs)
# or a trailing batch (what is derived from answers already committed, see answers.outbox).
BatchStep = Callable[[Connection, AnswerBatch], None]

"""What the quiz hands back to adapters, with the plain sentences a user reads: renderers add
markup (embeds, Block Kit, rich) and never write these words again."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from bot.content import Card
from bot.kernel.clock import format_local
from bot.kernel.results import Image
from bot.kernel.text import count_of
from bot.pictures.specs import CardDiagram

LETTERS = "ABCDEFGHIJ"  # one per choice: at most MAX_CHOICES (bot.content)


@lru_cache(maxsize=4096)  # every click on a post asks again: seeding and shuffling cost ~10 µs
def choice_order(post_id: int, question_id: str, count: int, keep_order: bool) -> tuple[int, ...]:
    """The order a post shows its question's choices in: position -> the content's (canonical)
    choice index. Derived from the post and the question alone, so every user, every button and
    a restart agree with no column stored; ``keep_order`` (e.g. "All of the above") keeps the
    content's order. A string seed is hashed with SHA-512 by ``random``, so it is stable across
    processes (unlike ``hash()``)."""
    order = list(range(count))
    if not keep_order:
        random.Random(f"post {post_id} question {question_id}").shuffle(order)
    return tuple(order)


def letter_of(order: tuple[int, ...], canonical: int) -> str:
    """The letter a choice has on a post shown in ``order`` (``()``: the content's order)."""
    return LETTERS[order.index(canonical) if order else canonical]


@dataclass(frozen=True)
class ShownChoice:
    """A choice as a post shows it: its letter there, its text, and its canonical index (what
    buttons carry and answers store)."""

    letter: str
    text: str
    index: int

    @property
    def label(self) -> str:
        return f"{self.letter}) {self.text}"


def shown_choices(choices: tuple[str, ...], order: tuple[int, ...]) -> tuple[ShownChoice, ...]:
    positions = order or tuple(range(len(choices)))
    return tuple(ShownChoice(LETTERS[n], choices[i], i) for n, i in enumerate(positions))


@dataclass(frozen=True)
class QuestionView:
    """A posted question, ready to render with one button per choice."""

    post_id: int
    question_id: str
    topic_id: str  # the card the question belongs to
    card_title: str
    prompt: str
    choices: tuple[str, ...]  # the content's order; ``shown`` is the order users see
    reason: str = ""  # why this question: "new", "due for review", "daily question", ...
    order: tuple[int, ...] = ()  # shown position -> canonical index (see choice_order)

    @property
    def shown(self) -> tuple[ShownChoice, ...]:
        return shown_choices(self.choices, self.order)

    @property
    def private_result_text(self) -> str:
        return "Only you see your result, so everyone can answer."

    @property
    def tag(self) -> str:
        """Which post, and why this question: "Q12 · due for review"."""
        return f"Q{self.post_id}" + (f" · {self.reason}" if self.reason else "")

    typed: bool = False  # answered by typing text (no choices): adapters offer an answer box
    # a self-graded flashcard (no choices): adapters offer "Show the back" (RevealFlashcard)
    flashcard: bool = False
    # choose all that apply: adapters let the user pick several choices, then submit them
    # (AnswerChoices)
    multi: bool = False


# A flashcard's self-grades, as the choices of its back's grading view: the content index is
# what the answer stores (1: knew it, which is right), shown "Knew it" first
GRADES = ("Didn't know it", "Knew it")
KNEW = 1
GRADE_ORDER = (KNEW, 0)


@dataclass(frozen=True)
class FlashcardBack:
    """A flashcard's back, shown to the learner who asked for it, with the two grades as the
    choices of ``view`` (answered like any choice: ``AnswerQuestion(post_id, 1 or 0)``)."""

    view: QuestionView
    back: str

    @property
    def prompt_text(self) -> str:
        return "Did you know it? Say so honestly: it decides when the card comes back."


@dataclass(frozen=True)
class AnswerResult:
    post_id: int
    question_id: str
    prompt: str
    correct: bool
    chosen_index: int  # canonical (the content's order)
    chosen_text: str
    correct_index: int  # canonical
    correct_text: str
    why: str
    points_gained: int
    total_points: int
    streak: int  # days in a row with a right answer
    already_answered: bool = False
    order: tuple[int, ...] = ()  # how the post showed the choices (letters follow it)
    chosen_feedback: str = ""  # the author's word on the picked choice (wrong choices only)
    typed: str | None = None  # a typed-answer question: what the user typed ("You typed: …")
    accepted: tuple[str, ...] = ()  # a typed-answer question: the answers it accepts
    flashcard: bool = False  # self-graded: correct means "knew it"; correct_text is the back
    # choose all that apply: the chosen and the right choices (canonical indexes); the
    # per-choice verdicts are ``choice_verdicts``
    chosen_set: tuple[int, ...] = ()
    right_set: tuple[int, ...] = ()
    choices: tuple[str, ...] = ()
    feedback: tuple[str, ...] = ()

    @property
    def multi(self) -> bool:
        return bool(self.right_set)

    def _letters(self, indexes: tuple[int, ...]) -> str:
        shown = sorted(indexes, key=lambda i: letter_of(self.order, i))
        return ", ".join(f"{letter_of(self.order, i)}) {self.choices[i]}" for i in shown)

    @property
    def choice_verdicts(self) -> tuple[str, ...]:
        """Choose all that apply: one line per choice that was chosen wrongly or missed, in
        the post's letter order, with the author's feedback where there is some."""
        lines = []
        for i in sorted(range(len(self.choices)), key=lambda i: letter_of(self.order, i)):
            picked, right = i in self.chosen_set, i in self.right_set
            if picked == right:
                continue
            what = "picked, but not right" if picked else "right, but not picked"
            note = self.feedback[i] if i < len(self.feedback) and self.feedback[i] else ""
            lines.append(
                f"{letter_of(self.order, i)}) {self.choices[i]}: {what}"
                + (f" — {note}" if note else "")
            )
        return tuple(lines)

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

    @property
    def chosen_label(self) -> str:
        """The picked choice as the post showed it, e.g. "B) Threads"; a typed answer as typed."""
        if self.typed is not None:
            return self.typed
        if self.flashcard:
            return self.chosen_text
        if self.multi:
            return self._letters(self.chosen_set) or "nothing"
        return f"{letter_of(self.order, self.chosen_index)}) {self.chosen_text}"

    @property
    def correct_label(self) -> str:
        if self.flashcard:
            return self.correct_text
        if self.multi:
            return self._letters(self.right_set)
        if self.typed is not None:
            return self.accepted_text
        return f"{letter_of(self.order, self.correct_index)}) {self.correct_text}"

    @property
    def typed_text(self) -> str:
        """What was typed, for a typed-answer question ("" for a choice)."""
        return f"You typed: {self.typed}" if self.typed is not None else ""

    @property
    def headline(self) -> str:
        if self.already_answered:
            return f"You already answered: {self.chosen_label} — no change."
        if self.flashcard:
            if self.correct:
                return f"✅ You knew it! {self.score_text}"
            return "📖 Not yet: this card comes back sooner for review."
        if self.correct:
            return f"✅ Correct! {self.score_text}"
        if self.typed is not None:
            return "❌ Not quite."
        return f"❌ Not quite — you picked {self.chosen_label}."

    @property
    def answer_text(self) -> str:
        if self.flashcard:
            return f"The back: {self.correct_label}"
        if self.multi:
            return f"The right choices are {self.correct_label}."
        return f"The answer is {self.correct_label}."

    @property
    def feedback_text(self) -> str:
        """Why the picked choice is wrong ("" after a right one, or where the author wrote
        nothing): shown before the Why."""
        if self.multi and not self.correct:
            return "\n".join(self.choice_verdicts)
        if self.correct or not self.chosen_feedback:
            return ""
        return f"{letter_of(self.order, self.chosen_index)}: {self.chosen_feedback}"

    @property
    def why_text(self) -> str:
        return f"Why: {self.why}"

    @property
    def standing_text(self) -> str:
        return f"Total: {self.total_points} points · {day_streak_text(self.streak)}"


def day_streak_text(days: int) -> str:
    """The streak of days with a right answer, named for what it counts."""
    return f"day streak: {days}"


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


class CardPart(StrEnum):
    """Which part of a card to show: the short card first, the rest on request."""

    SHORT = "short"
    SECTIONS = "sections"
    MISCONCEPTIONS = "misconceptions"
    RECAP = "recap"
    FULL = "full"


# the words a user may add after the topic: /quiz card processes-vs-threads recap
CARD_PART_WORDS = {
    "sections": CardPart.SECTIONS,
    "more": CardPart.SECTIONS,
    "misconceptions": CardPart.MISCONCEPTIONS,
    "myths": CardPart.MISCONCEPTIONS,
    "recap": CardPart.RECAP,
    "full": CardPart.FULL,
    "all": CardPart.FULL,
}


@dataclass(frozen=True)
class CardView:
    """A concept card, or one part of it. The short card (the default) is the summary, the
    table or the picture, the key idea and what to do next; the rest comes on request."""

    card: Card
    part: CardPart = CardPart.SHORT
    # the table as a picture (the quiz service) and the card's diagram (bot.pictures, added by
    # the app), beside the text version
    images: tuple[Image, ...] = ()

    @property
    def picture(self) -> CardDiagram | None:
        """The short card (and the full one) shows the card's key idea as a diagram."""
        if self.card.picture is None or self.part not in (CardPart.SHORT, CardPart.FULL):
            return None
        return CardDiagram(self.card.id, self.card.title, self.card.picture)

    @property
    def title(self) -> str:
        heading = {
            CardPart.SECTIONS: " · sections",
            CardPart.MISCONCEPTIONS: " · misconceptions",
            CardPart.RECAP: " · recap",
        }.get(self.part, "")
        return self.card.title + heading

    @property
    def shows_picture(self) -> bool:
        """The short card shows the table, else the diagram; the full card shows both."""
        if self.part == CardPart.FULL:
            return True
        return self.part == CardPart.SHORT and self.card.table is None

    @property
    def shows_table(self) -> bool:
        return self.part in (CardPart.SHORT, CardPart.FULL)

    @property
    def key_idea(self) -> str:
        return self.card.recap[0] if self.card.recap else ""

    @property
    def more_parts(self) -> tuple[CardPart, ...]:
        """The parts a short card offers (those the card has)."""
        parts = []
        if self.card.sections:
            parts.append(CardPart.SECTIONS)
        if self.card.misconceptions:
            parts.append(CardPart.MISCONCEPTIONS)
        if self.card.recap:
            parts.append(CardPart.RECAP)
        return tuple(parts)

    def command_for(self, part: CardPart) -> str:
        return f"/quiz card {self.card.id} {part.value}"

    @property
    def sections_text(self) -> str:
        """What the sections hold, e.g. "Sections: What runs, Sharing memory"."""
        return "Sections: " + ", ".join(s.heading for s in self.card.sections)

    @property
    def more_text(self) -> str:
        return " · ".join(self.command_for(p) for p in self.more_parts)

    @property
    def demos_text(self) -> str:
        return ", ".join(f"/quiz demo {d}" for d in self.card.demos)

    @property
    def next_text(self) -> str:
        return ", ".join(f"/quiz card {n}" for n in self.card.next)

    @property
    def question_hint(self) -> str:
        return f"/quiz question {self.card.id} for a question"


@dataclass(frozen=True)
class ReviewSession:
    """A private run through the questions due for one user, most due first. Adapters show
    them one at a time to that user only (ephemeral), each answered like any question."""

    questions: tuple[QuestionView, ...]
    due_total: int  # due now, including those beyond this session's size
    next_due: datetime | None = None  # when nothing is due: the next review (workspace zone)

    @property
    def empty_text(self) -> str:
        later = f" Next review due {format_local(self.next_due)}." if self.next_due else ""
        return f"Nothing is due for review.{later} Try /quiz question for a new one."

    @property
    def intro_text(self) -> str:
        count = len(self.questions)
        more = self.due_total - count
        rest = f" ({more} more due after these)" if more > 0 else ""
        return f"Review: {count_of(count, 'question')} due{rest}. Answer each in turn."

"""What a content pack is made of: the cards and questions as the core uses them, the shapes a
YAML file may write them in, and the problems a load reports. ``bot.content`` loads packs
(and re-exports these names); ``bot.content_walk`` and ``bot.content_checks`` report problems."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from bot.content_files import YamlDoc
from bot.content_picture import Picture

# \A...\Z: "alpha\n" is not a slug (``$`` matches before a final newline); safe with .match too
ID_PATTERN = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")
MIN_CHOICES, MAX_CHOICES = 2, 10  # Discord: 5 buttons a row; ten letters A-J


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


class Section(_Strict):
    heading: str
    points: tuple[str, ...]


class Table(_Strict):
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class Misconception(_Strict):
    claim: str
    truth: str


class Card(_Strict):
    id: str
    title: str
    track: str
    summary: str
    sections: tuple[Section, ...]
    recap: tuple[str, ...]
    order: int = 0
    table: Table | None = None
    misconceptions: tuple[Misconception, ...] = ()
    diagram: str | None = None
    diagram_caption: str | None = None
    next: tuple[str, ...] = ()
    demos: tuple[str, ...] = ()
    picture: Picture | None = None  # the key idea as a diagram (bot.content_picture)


class Question(_Strict):
    """A question as the core uses it. A choice question (``choices`` and ``answer``), a
    typed-answer question (``accept``: the answers a learner may type), or a self-graded
    flashcard (``back``: shown on request; the learner says whether they knew it)."""

    id: str
    prompt: str
    why: str
    choices: tuple[str, ...] = ()
    answer: str = ""  # the right choice; for a typed question, the first accepted answer
    # per choice, why *that* choice is wrong ("" where the author wrote none, and for the
    # right choice, which the Why explains)
    feedback: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    keep_order: bool = False  # the choices' order means something ("All of the above")
    source: str | None = None
    back: str = ""  # a flashcard's back (its answer), as long as it needs to be
    # choose all that apply: every right choice (``answer`` joins them); right only when
    # exactly these are chosen
    answers: tuple[str, ...] = ()
    # Filled in by the loader (not allowed in YAML: see QuestionIn).
    topic_id: str = ""  # the card (topic) the question belongs to
    track: str = ""

    @property
    def correct_index(self) -> int:
        return self.choices.index(self.answer)

    @property
    def typed(self) -> bool:
        """Answered by typing text rather than by picking a choice."""
        return bool(self.accept)

    @property
    def multi(self) -> bool:
        """Choose all that apply: several choices may be right, all of them must be chosen."""
        return bool(self.answers)

    @property
    def right_indexes(self) -> frozenset[int]:
        """The right choices' indexes (one for a plain choice question)."""
        if self.answers:
            return frozenset(self.choices.index(a) for a in self.answers)
        return frozenset({self.correct_index}) if self.choices else frozenset()

    @property
    def flashcard(self) -> bool:
        """Self-graded: the learner reads the back and says whether they knew it."""
        return bool(self.back)

    def feedback_for(self, choice: int) -> str:
        """What the author says about picking ``choice`` ("" when nothing)."""
        return self.feedback[choice] if 0 <= choice < len(self.feedback) else ""


class ChoiceIn(_Strict):
    """A choice written with its feedback: ``{text: ..., feedback: ...}``."""

    text: str
    feedback: str = ""


class QuestionIn(_Strict):
    id: str
    prompt: str
    why: str
    choices: tuple[str | ChoiceIn, ...] = ()
    answer: str | None = None
    accept: tuple[str, ...] = ()
    keep_order: bool = False
    source: str | None = None
    back: str = ""
    answers: tuple[str, ...] = ()

    @property
    def choice_texts(self) -> tuple[str, ...]:
        return tuple((c if isinstance(c, str) else c.text).strip() for c in self.choices)

    @property
    def choice_feedback(self) -> tuple[str, ...]:
        return tuple("" if isinstance(c, str) else c.feedback.strip() for c in self.choices)


class CardFile(_Strict):
    card: Card
    questions: tuple[QuestionIn, ...] = ()


@dataclass(frozen=True)
class ContentProblem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{one_line(self.file)}:{self.line}: {one_line(self.message)}"


_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """Control characters (a newline in a file name or a key) as escapes: one problem, one
    line."""
    return _LINE_BREAKING.sub(lambda m: repr(m.group())[1:-1], text)


class ContentError(Exception):
    """Content that cannot be loaded; ``problems`` holds every problem found."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        first = str(problems[0]) if problems else "no problems"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)


SOUND: frozenset[str] = frozenset()


@dataclass
class Parsed:
    """One file after the schema: its card and questions as far as they are sound. ``bad``
    names the fields that were missing or malformed (already reported; checks skip them)."""

    file: Path
    doc: YamlDoc
    reported: int = 0  # problems found in this file so far (its check stops at a limit)
    card: Card | None = None
    card_bad: frozenset[str] = frozenset()
    questions: list[tuple[int, QuestionIn, frozenset[str]]] = field(default_factory=list)

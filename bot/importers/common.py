"""What every importer produces, and the text helpers they share."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

# every importer's text helpers, re-exported
from bot.importers.markup import html_to_text as html_to_text
from bot.importers.markup import plain_text as plain_text
from bot.importers.markup import tidy as tidy

# The `source` of an imported question. A question whose source file had no explanation
# gets a Why saying so and NO_EXPLANATION, which `quizbot content validate` counts.
IMPORTED = "imported"
NO_EXPLANATION = "imported-no-explanation"

KIND_CHOICE = "multiple choice"
KIND_TRUE_FALSE = "true/false"
KIND_TYPED = "typed answer"
KIND_FLASHCARD = "flashcard"
KIND_MULTI = "choose all that apply"


@dataclass(frozen=True)
class ImportedQuestion:
    """One question as read from a source file, before it gets an id."""

    prompt: str
    kind: str  # KIND_CHOICE, KIND_TRUE_FALSE or KIND_TYPED
    line: int  # where it starts in the source (item number for JSON)
    choices: tuple[str, ...] = ()
    answer: str = ""  # the right choice (choice questions)
    feedback: tuple[str, ...] = ()  # per choice; "" for none (and for the right one)
    accept: tuple[str, ...] = ()  # typed questions
    why: str = ""  # "" when the source has no explanation
    keep_order: bool = False
    # feedback the source shows for the right answer ("Well done!"): not an explanation
    # (the Why is shown after wrong answers too), so it goes into the honest Why
    right_feedback: str = ""
    back: str = ""  # a flashcard's back (KIND_FLASHCARD)
    answers: tuple[str, ...] = ()  # choose all that apply (KIND_MULTI): every right choice


@dataclass(frozen=True)
class ImportedTopic:
    """The questions of one source category / list / deck: one card."""

    name: str
    questions: tuple[ImportedQuestion, ...]
    about: tuple[str, ...] = ()  # lines for the card's "Source" section (author, licence...)


@dataclass(frozen=True)
class ParsedFile:
    """What an importer read from one file. ``problems`` (``file:line: message``) make
    the whole import fail; ``skipped`` and ``notes`` are reported and the rest imported
    (``malformed`` of the skipped could not be read at all)."""

    path: str
    format: str
    topics: tuple[ImportedTopic, ...] = ()
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    malformed: int = 0


@dataclass
class FileReport:
    """Mutable collector an importer fills while reading; ``result()`` freezes it."""

    path: str
    format: str
    topics: dict[str, list[ImportedQuestion]] = field(default_factory=dict)
    about: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    malformed_count: int = 0

    def add(self, topic: str, question: ImportedQuestion) -> None:
        self.topics.setdefault(topic, []).append(question)

    def skip(self, line: int | str, why: str) -> None:
        self.skipped.append(f"{self.path}:{line}: skipped: {why}")

    def note(self, line: int | str, what: str) -> None:
        self.notes.append(f"{self.path}:{line}: {what}")

    def problem(self, line: int | str, message: str) -> None:
        self.problems.append(f"{self.path}:{line}: {message}")

    def malformed(self, line: int | str, message: str) -> None:
        """One question that cannot be read: skipped with its line, the rest imported."""
        self.malformed_count += 1
        self.skipped.append(f"{self.path}:{line}: skipped, malformed: {message}")

    def result(self) -> ParsedFile:
        return ParsedFile(
            path=self.path,
            format=self.format,
            topics=tuple(
                ImportedTopic(name, tuple(qs), tuple(self.about.get(name, ())))
                for name, qs in self.topics.items()
                if qs
            ),
            skipped=tuple(self.skipped),
            notes=tuple(self.notes),
            problems=tuple(self.problems),
            malformed=self.malformed_count,
        )


def slug(text: str, max_words: int = 8, max_length: int = 48) -> str:
    """A lowercase ASCII slug (a-z, 0-9, '-') of ``text``; "" when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())[:max_words]
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > max_length:
            break
        out = candidate
    return out or (words[0][:max_length] if words else "")


def stable_id(prompt: str, source: str, occurrence: int) -> str:
    """A question id from its text and where it came from: the same file imported twice
    gives the same ids. ``occurrence`` tells apart identical prompts in one source."""
    key = f"{source}\0{' '.join(prompt.split())}\0{occurrence}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    return f"{slug(prompt, max_words=6, max_length=40) or 'q'}-{digest}"


ORIGINAL_RIGHT_FEEDBACK = "The original's feedback on the right answer: "


def no_explanation_why(kind: str, answers: tuple[str, ...], right_feedback: str = "") -> str:
    """The honest Why of a question whose source explains nothing."""
    quoted = [f"“{a}”" for a in answers[:4]]
    shown = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    more = f" (and {len(answers) - 4} more)" if len(answers) > 4 else ""
    if kind == KIND_FLASHCARD:
        return "The back is the answer; this imported flashcard has no explanation yet."
    if kind == KIND_MULTI:
        shown = f"{', '.join(quoted[:-1])} and {quoted[-1]}"
        return (
            f"The right choices are {shown}{more}; this imported question has no explanation yet."
        )
    if kind == KIND_TYPED:
        lead = "The accepted answer is" if len(answers) == 1 else "Accepted answers are"
    else:
        lead = "The right answer is"
    why = f"{lead} {shown}{more}; this imported question has no explanation yet."
    if right_feedback:
        why += f" {ORIGINAL_RIGHT_FEEDBACK}“{right_feedback}”"
    return why

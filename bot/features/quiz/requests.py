"""What a user can ask of the quiz, and how each request is typed as text."""

from __future__ import annotations

from dataclasses import dataclass

from bot.features.answers.writer import ANSWER_NOT_SAVED
from bot.features.quiz.results import CARD_PART_WORDS, CardPart
from bot.kernel.dispatch import Request
from bot.kernel.errors import UserError
from bot.kernel.grammar import ParseContext, TextCommand, no_arguments


@dataclass(frozen=True)
class AskQuestion(Request):
    topic: str | None = None  # a card id or track; None: any


@dataclass(frozen=True)
class ShowCard(Request):
    topic: str  # a card id or title, or a track with one card
    part: CardPart = CardPart.SHORT


@dataclass(frozen=True)
class ListTopics(Request):
    pass


@dataclass(frozen=True)
class StartReview(Request):
    topic: str | None = None


@dataclass(frozen=True)
class AnswerQuestion(Request):
    """A click on a choice (or a typed letter): one answer per user per post."""

    storage_failed = ANSWER_NOT_SAVED

    post_id: int
    choice: int  # 0-based


@dataclass(frozen=True)
class AnswerChoices(Request):
    """Choose all that apply: the choices a user submitted (0-based content indexes); right
    only when they are exactly the right ones. One answer per user per post."""

    storage_failed = ANSWER_NOT_SAVED

    post_id: int
    choices: frozenset[int]


@dataclass(frozen=True)
class AnswerTyped(Request):
    """A typed answer to a typed-answer question: one answer per user per post."""

    storage_failed = ANSWER_NOT_SAVED

    post_id: int
    text: str


@dataclass(frozen=True)
class OpenAnswerBox(Request):
    """A click on a typed-answer question's "Answer" button: the adapter then shows a text
    box (a Discord or Slack modal) whose submission is an ``AnswerTyped``."""

    post_id: int


@dataclass(frozen=True)
class RevealFlashcard(Request):
    """A click on a flashcard's "Show the back": the back, privately, with the two grades
    (each an ``AnswerQuestion`` of the post: 1 knew it, 0 didn't)."""

    post_id: int


@dataclass(frozen=True)
class RecordPostMessage(Request):
    """The platform accepted a posted question: remember its message reference."""

    post_id: int
    message_ref: str


def _topic(args: list[str]) -> str | None:
    return " ".join(args) or None


def _card(args: list[str], context: ParseContext) -> ShowCard:
    if not args:
        raise UserError(
            "Which card? Usage: /quiz card <topic>. Topics: " + ", ".join(context.topics)
        )
    part = CARD_PART_WORDS.get(args[-1].lower()) if len(args) > 1 else None
    if part is not None:
        return ShowCard(" ".join(args[:-1]), part)
    return ShowCard(" ".join(args))


def topic_fallback(name: str, args: list[str], context: ParseContext) -> AskQuestion | None:
    """``/quiz locks`` or ``/quiz Locks & Synchronization`` asks a question on that topic."""
    topic = context.topic_index.find(" ".join([name, *args]))
    return AskQuestion(topic) if topic is not None else None


COMMANDS = (
    TextCommand(
        "question",
        "question [topic]",
        "a multiple-choice question (also: /quiz <topic>)",
        lambda args, _context: AskQuestion(_topic(args)),
        aliases=("q", "ask"),
    ),
    TextCommand(
        "card",
        "card <topic> [sections|misconceptions|recap|full]",
        "the short concept card, or one part of it",
        _card,
    ),
    TextCommand("topics", "topics", "what there is to learn", no_arguments(ListTopics)),
    TextCommand(
        "review",
        "review [topic]",
        "a short private session of your questions due for review",
        lambda args, _context: StartReview(_topic(args)),
    ),
)

"""What a user can ask of the live quiz, and how each request is typed as text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.features.answers.writer import ANSWER_NOT_SAVED
from bot.kernel.dispatch import Request
from bot.kernel.errors import UserError
from bot.kernel.grammar import ParseContext, TextCommand

USAGE = "/quiz live [topic] [rounds] [seconds]s | stop | status"
MAX_NUMBER_DIGITS = 4  # more digits than this can only be a mistake


@dataclass(frozen=True)
class StartLive(Request):
    """Start a session in the actor's channel; when one runs there, its progress instead."""

    topic: str | None = None  # a card id or track; None: the whole course
    rounds: int | None = None  # None: the default
    seconds: int | None = None  # per round; None: the default


@dataclass(frozen=True)
class StopLive(Request):
    """End the channel's session now (its starter, or an admin)."""

    admin_matters = True  # its starter may stop it, and so may an admin


@dataclass(frozen=True)
class ShowLive(Request):
    pass


@dataclass(frozen=True)
class AnswerLiveRound(Request):
    """A click on a live round's button (or a letter typed at one): locked in, revealed when
    the round closes; the first answer stands. A live round's buttons carry this request, so
    the quiz's ``AnswerQuestion`` stays the quiz's."""

    storage_failed = ANSWER_NOT_SAVED

    post_id: int
    choice: int  # 0-based, the content's index


def _number(word: str, what: str) -> int:
    if len(word) > MAX_NUMBER_DIGITS:
        raise UserError(f"{word[:12]!r} is too many {what}. Usage: {USAGE}")
    return int(word)


def parse_live(args: list[str], _context: ParseContext) -> Request:
    """``live``, ``live stop``, ``live status``, ``live <topic> 5 20s`` (any order)."""
    if len(args) == 1 and args[0].lower() in ("stop", "end", "cancel"):
        return StopLive()
    if len(args) == 1 and args[0].lower() in ("status", "show"):
        return ShowLive()
    if args and args[0].lower() == "start":  # Discord's form: /quiz live start [topic] …
        args = args[1:]
    topic_words: list[str] = []
    rounds: int | None = None
    seconds: int | None = None
    for word in args:
        lowered = word.lower()
        if match := re.fullmatch(r"([0-9]+)\s*(s|sec|secs|seconds)", lowered):
            if seconds is not None:
                raise UserError(f"Two round lengths ({seconds}s and {word[:12]}). Usage: {USAGE}")
            seconds = _number(match[1], "seconds")
        elif lowered.isascii() and lowered.isdigit():
            if rounds is not None:
                raise UserError(f"Two round counts ({rounds} and {word[:12]}). Usage: {USAGE}")
            rounds = _number(lowered, "rounds")
        else:  # the service finds the topic (any words of its title) or says why not
            topic_words.append(word)
    return StartLive(" ".join(topic_words) or None, rounds, seconds)


COMMANDS = (
    TextCommand(
        "live",
        "live [topic] [rounds] [seconds]s | stop | status",
        "quiz night: timed rounds for everyone here, a reveal after each, a podium at the end",
        parse_live,
    ),
)

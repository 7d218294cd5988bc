"""The text grammar: a line of text -> one Request. Pure: no I/O, no feature knowledge.

The console types ``/quiz card processes-vs-threads`` (or the short ``/card …``), Slack sends
``/quiz`` with the text ``card processes-vs-threads``; both are parsed here, once. Each feature
declares its ``TextCommand``s next to its request types (``features/*/requests.py``); the help
text is generated from them.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.kernel.dispatch import Request
from bot.kernel.errors import UserError
from bot.kernel.names import NameIndex
from bot.kernel.results import Notice

MAX_COMMAND_LENGTH = 2000  # longer lines are refused before parsing (shlex is quadratic)


@dataclass(frozen=True)
class ParseContext:
    """What parsing may know about the content: the topics a user can name, found the way
    every service finds them (``bot.kernel.names``)."""

    topic_index: NameIndex = NameIndex()

    @property
    def topics(self) -> tuple[str, ...]:
        return self.topic_index.keys


@dataclass(frozen=True)
class TextCommand:
    name: str
    usage: str  # e.g. "card <topic>"
    summary: str
    parse: Callable[[list[str], ParseContext], Request]  # raises UserError on bad arguments
    aliases: tuple[str, ...] = ()


def split_words(text: str) -> list[str]:
    """Words of a command; quotes group words ("study group" stays one)."""
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: fall back to plain words
        return text.split()


def command_words(text: str) -> tuple[str, list[str]]:
    """``/quiz card x`` / ``quiz card x`` / ``card x`` (Slack's text) / ``/card x`` ->
    ("card", ["x"]); no words at all -> ("question", [])."""
    words = split_words(text.strip())
    if words and words[0].lower() in ("/quiz", "quiz"):
        words = words[1:]
    elif words and words[0].startswith("/"):
        words[0] = words[0][1:]
    if not words:
        return "question", []
    return words[0].lower(), words[1:]


def parse_choice(text: str, count: int) -> int | None:
    """A choice typed as a number (1-based) or a letter; ``None`` when it is neither."""
    text = text.strip().lower().rstrip(").")
    if text.isascii() and text.isdigit() and len(text) <= 3 and 1 <= int(text) <= count:
        return int(text) - 1
    if len(text) == 1 and "a" <= text < chr(ord("a") + count):
        return ord(text) - ord("a")
    return None


class Grammar:
    def __init__(
        self,
        commands: Sequence[TextCommand],
        context: ParseContext,
        fallback: Callable[[str, list[str], ParseContext], Request | None] | None = None,
    ) -> None:
        """``fallback`` gets a first word that names no command (``/quiz <topic>``)."""
        self.commands = tuple(commands)
        self.context = context
        self._fallback = fallback
        self._names: dict[str, TextCommand] = {}
        for command in self.commands:
            for name in (command.name, *command.aliases):
                if name in self._names:
                    raise ValueError(f"two commands are called {name!r}")
                self._names[name] = command

    def lookup(self, name: str) -> TextCommand | None:
        return self._names.get(name.lower())

    def parse(self, text: str) -> Request:
        """One line of text -> its Request. Raises UserError (one line) for anything else."""
        if len(text) > MAX_COMMAND_LENGTH:
            raise UserError(
                f"That command is too long ({len(text):,} characters; the limit is"
                f" {MAX_COMMAND_LENGTH:,})."
            )
        name, args = command_words(text)
        command = self._names.get(name)
        if command is None:
            request = self._fallback(name, args, self.context) if self._fallback else None
            if request is not None:
                return request
            raise UserError(self.unknown_text(name))
        return command.parse(args, self.context)

    def unknown_text(self, name: str) -> str:
        """A first word that is neither a command nor a topic: the closest command, else the
        closest topics."""
        shown = name if len(name) <= 40 else name[:40] + "…"
        close = difflib.get_close_matches(name, list(self._names), n=1, cutoff=0.6)
        if close:
            hint = f" — did you mean {self._names[close[0]].name!r}?"
        elif topics := self.context.topic_index.suggestions(name):
            return (
                f"Unknown command or topic {shown!r} — did you mean the topic"
                f" {' or '.join(topics)}? (/quiz help lists the commands)"
            )
        else:
            hint = "."
        return f"Unknown command {shown!r}{hint} (/quiz help lists them all)"

    def help(self, lead: str = "") -> Notice:
        lines = tuple(f"/quiz {c.usage} — {c.summary}" for c in self.commands)
        text = (lead + " " if lead else "") + "Commands:"
        return Notice(text, error=bool(lead), lines=lines)


def no_arguments(request: Callable[[], Request]) -> Callable[[list[str], ParseContext], Request]:
    """A parse function for a command that takes no arguments (extra words are ignored)."""
    return lambda _args, _context: request()

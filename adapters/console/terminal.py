"""Where the console's typed lines come from.

A real terminal (standard input and output both TTYs) gets prompt_toolkit: line editing, a
history kept next to the database, and Tab completion of commands and topics
(``adapters.console.line_editor``, loaded only for a terminal). Anything else (a
pipe, a file: how the tests drive the console) is read line by line exactly as before, on a daemon
thread that reads the file descriptor directly, so Ctrl-C or SIGTERM never waits for a line.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import re
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

MAX_LINE = 2000  # characters; longer lines are refused before any parsing (shlex is quadratic)
MAX_NAME = 40  # characters of an /as name


@dataclass(frozen=True)
class TooLong:
    """A line over MAX_LINE characters: only its length is kept."""

    length: int


Line = str | TooLong


class LineSource(Protocol):
    async def readline(self, prompt: str) -> Line | None:
        """The next line without its newline; ``None`` at the end of input (or Ctrl-D)."""
        ...

    def wake(self) -> None:
        """Stop waiting for a line (SIGTERM): ``readline`` then returns ``None``."""
        ...


def too_long_message(length: int) -> str:
    return f"That line is too long ({length:,} characters; the limit is {MAX_LINE:,})."


_NAME_DROPPED = {"Cc", "Cf", "Cs", "Co"}  # controls, format (bidi overrides), surrogates, private


def clean_name(name: str) -> str:
    """A display name safe to store and show: no control, format or surrogate characters, no
    replacement characters left by undecodable input, single spaces, at most MAX_NAME chars."""
    kept = "".join(
        ch for ch in name if unicodedata.category(ch) not in _NAME_DROPPED and ch != "\ufffd"
    )
    return " ".join(kept.split())[:MAX_NAME].strip()


def shorten(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for echoing input back."""
    return text if len(text) <= limit else text[:limit] + "…"


# -- piped input ---------------------------------------------------------------------------


class PipeSource:
    """Lines from a pipe or file, read by a daemon thread with ``os.read`` (no buffered-reader
    lock held at exit, no executor thread for ``asyncio.run`` to wait for). Undecodable bytes
    become U+FFFD; a line over MAX_LINE is not kept in memory, only counted."""

    def __init__(self, fd: int = 0) -> None:
        self._queue: asyncio.Queue[Line | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        threading.Thread(
            target=self._pump, args=(loop, fd), name="console-stdin", daemon=True
        ).start()

    async def readline(self, prompt: str) -> Line | None:
        return await self._queue.get()

    def wake(self) -> None:
        self._queue.put_nowait(None)

    def _pump(self, loop: asyncio.AbstractEventLoop, fd: int) -> None:
        emit = self._emit_from(loop)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        kept, length = "", 0
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                chunk = b""
            text = decoder.decode(chunk, final=not chunk)
            start = 0
            while True:
                end = text.find("\n", start)
                piece = text[start:] if end < 0 else text[start:end]
                length += len(piece)
                if len(kept) <= MAX_LINE:
                    kept += piece[: MAX_LINE + 1 - len(kept)]
                if end < 0:
                    break
                emit(_line(kept, length))
                kept, length = "", 0
                start = end + 1
            if not chunk:
                if length:
                    emit(_line(kept, length))
                emit(None)
                return

    def _emit_from(self, loop: asyncio.AbstractEventLoop) -> Callable[[Line | None], None]:
        def emit(item: Line | None) -> None:
            try:
                loop.call_soon_threadsafe(self._queue.put_nowait, item)
            except RuntimeError:  # the loop is closed: the console is exiting
                pass

        return emit


def _line(kept: str, length: int) -> Line:
    kept = kept.removesuffix("\r")
    return kept if len(kept) <= MAX_LINE else TooLong(length)


# -- a real terminal -----------------------------------------------------------------------


@dataclass
class Vocabulary:
    """What Tab completes, asked of the core's grammar each time."""

    commands: Callable[[], Iterable[str]]  # "card", "stats", … (without the slash)
    topics: Callable[[], Iterable[str]]  # card ids
    takes_topic: Callable[[str], bool]  # whether a command's arguments include a topic


def completions(vocabulary: Vocabulary, before_cursor: str) -> list[tuple[str, int]]:
    """(completion, characters it replaces) for the text before the cursor: commands after a
    leading ``/``, sub-commands and topics after ``/quiz``, topics after commands that take one."""
    if not before_cursor.startswith("/"):
        return []
    words = before_cursor.split()
    if before_cursor[-1].isspace():
        words.append("")
    if len(words) == 1:
        word = words[0].lower()
        candidates = [f"/{name}" for name in vocabulary.commands()]
    else:
        word = words[-1].lower()
        command = words[0][1:].lower()
        args = words[1:-1]
        if command == "quiz":
            if not args:
                candidates = [*vocabulary.commands(), *vocabulary.topics()]
            else:
                command, args = args[0].lower(), args[1:]
                candidates = list(vocabulary.topics()) if vocabulary.takes_topic(command) else []
        else:
            candidates = list(vocabulary.topics()) if vocabulary.takes_topic(command) else []
    seen = dict.fromkeys(c for c in candidates if c.startswith(word) and c != word)
    return [(c, len(word)) for c in sorted(seen)]


def history_path(db: Path) -> Path:
    """The console's input history lives next to the database: ``data/quizbot.history``."""
    return db.with_name(db.stem + ".history")


def is_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


_SURROGATES = re.compile(r"[\ud800-\udfff]")


def decodable(text: str) -> str:
    """Lone surrogates (from the terminal's surrogateescape decoding) as U+FFFD."""
    return _SURROGATES.sub("\ufffd", text)

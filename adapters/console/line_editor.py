"""The console's line editor on a real terminal: prompt_toolkit with the history and the Tab
completion of ``adapters.console.terminal``. Its own module because prompt_toolkit takes a
fifth of the console's start-up, and a pipe (scripts, the tests) never uses it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.application import run_in_terminal
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.shortcuts import CompleteStyle

from adapters.console.terminal import MAX_LINE, Line, TooLong, Vocabulary, completions


class _Completer(Completer):
    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        for text, replaces in completions(self.vocabulary, document.text_before_cursor):
            yield Completion(text, start_position=-replaces)


class _History(FileHistory):
    """A history file that never breaks the console (unwritable folder, unreadable file)."""

    def load_history_strings(self) -> Iterable[str]:
        try:
            return list(super().load_history_strings())
        except OSError:
            return []

    def store_string(self, string: str) -> None:
        if len(string) <= MAX_LINE:
            try:
                super().store_string(string)
            except OSError:
                pass


class PromptSource:
    """prompt_toolkit's line editor: arrows, Home/End, Ctrl-R, Up/Down through the history, Tab
    completion (readline style: the common prefix, then the list). Ctrl-C raises
    KeyboardInterrupt out of ``readline``; Ctrl-D on an empty line is the end of input."""

    def __init__(self, vocabulary: Vocabulary, history: Path | None) -> None:
        self._session: PromptSession[str] = PromptSession(
            history=_History(str(history)) if history else InMemoryHistory(),
            completer=_Completer(vocabulary),
            complete_while_typing=False,
            complete_style=CompleteStyle.READLINE_LIKE,
            enable_history_search=False,
            mouse_support=False,
        )

    async def readline(self, prompt: str) -> Line | None:
        try:
            # handle_sigint=False: SIGINT stays with the console's own handler (at the prompt,
            # in raw mode, Ctrl-C is a key press and raises KeyboardInterrupt here anyway)
            text = await self._session.prompt_async(prompt, handle_sigint=False)
        except EOFError:
            return None
        return text if len(text) <= MAX_LINE else TooLong(len(text))

    def print_above(self, write: Callable[[], None]) -> None:
        """Print now, or above the prompt if it is waiting (then drawn again below)."""
        if self._session.app.is_running:
            run_in_terminal(write, in_executor=False)
        else:
            write()

    def wake(self) -> None:
        app = self._session.app
        if app.is_running and not app.future.done():
            app.exit(exception=EOFError())

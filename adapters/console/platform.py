"""The terminal on the platform contract (adapters/platform.py): no buttons, no edits, no
private replies, pictures saved to files. A post is printed (a question becomes the one a letter
answers); the host's scheduler and live runner post here like on any platform."""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from adapters.console.render import CONSOLE
from adapters.console.session import ConsoleSession
from adapters.console.terminal import (
    LineSource,
    PipeSource,
    TooLong,
    is_terminal,
    too_long_message,
)
from adapters.platform import Lifecycle
from adapters.shutdown import GracefulStop
from bot.features.daily import DailyQuestion
from bot.features.live import LiveRound
from bot.features.live.requests import AnswerLiveRound
from bot.features.quiz import QuestionView
from bot.features.quiz.requests import AnswerQuestion
from bot.kernel.dispatch import Result
from bot.kernel.identity import ChannelRef
from bot.kernel.results import Notice

if TYPE_CHECKING:
    from bot.app import ContentReload


def question_in(result: Result) -> QuestionView | None:
    """The question a posted result asks (a daily question, a live round), if any."""
    if isinstance(result, QuestionView):
        return result
    if isinstance(result, DailyQuestion | LiveRound):
        return result.view
    return None


class ConsolePlatform:
    """The console's ``Platform``: one terminal, one channel (``console:local:terminal``)."""

    name = "console"
    capabilities = CONSOLE

    def __init__(
        self, session: ConsoleSession, history: Path | None = None, ending: Ending | None = None
    ) -> None:
        self.session = session
        self.history = history
        self.ending = ending or Ending(asyncio.current_task(), GracefulStop())
        self.stop_signal = self.ending.stop
        self._posts = 0

    async def post(self, channel: ChannelRef, result: Result, reply_to: str | None = None) -> str:
        view = question_in(result)
        if view is not None:
            live = isinstance(result, LiveRound)  # a letter at it is the live round's answer
            self.session.take_question(view, AnswerLiveRound if live else AnswerQuestion)
        self.session.show(result)
        self._posts += 1
        return f"console:{self._posts}"

    async def edit(self, channel: ChannelRef, ref: str, result: Result) -> None:
        self.session.show(result)  # a terminal cannot change what it printed: print it again

    def owns(self, workspace_id: str) -> bool:
        return True

    async def run(self, lifecycle: Lifecycle) -> None:
        session, ending = self.session, self.ending
        tty = is_terminal()
        cutoff = asyncio.create_task(_cut_off_when_stopped(ending.stop))
        ending.cancellable = True
        try:
            lifecycle.ready()
            editor = None
            if tty:
                from adapters.console.line_editor import PromptSource  # prompt_toolkit: a TTY's

                editor = PromptSource(session.vocabulary(), self.history)
            source: LineSource = editor or PipeSource()
            ending.source = source
            session.show(
                Text.assemble(
                    ("quizbot", "bold"),
                    f" — {session.app.pack.summary()}.\nOpened {session.app.db.opened_text()}."
                    f"\nYou are {session.actor.display_name}. Type /quiz for a question, /help"
                    " for commands.",
                )
            )
            if editor is not None:
                # what is printed while the prompt waits (the daily question) goes above it
                session.printer = editor.print_above
            await _loop(session, source, ending)
        except asyncio.CancelledError:  # Ctrl-C during a command (SIGINT cancels this task)
            if not ending.interrupted:
                raise
        finally:
            # from here a Ctrl-C no longer cancels this task: a cancel inside the close skipped
            # it, and the database thread kept the process alive (Ctrl-C in a shell reaches the
            # pipe's writer too, so the end of input and the signal come together)
            ending.cancellable = False
            cutoff.cancel()
            await asyncio.gather(cutoff, return_exceptions=True)
            if tty or ending.interrupted:
                session.console.print("Bye.")

    async def close(self) -> None:
        return None  # the terminal stays; the host closes the app (a hang is cut off)

    def signal_handlers(self) -> Mapping[signal.Signals, Callable[[int], object]]:
        return self.ending.handlers()

    def report_reload(self, outcome: ContentReload) -> None:
        self.session.show(outcome.notice())

    @property
    def exit_status(self) -> int:
        return 130 if self.ending.interrupted else 0


async def _loop(session: ConsoleSession, source: LineSource, ending: Ending) -> None:
    """Read and handle lines until the session ends or a stop is asked for. Each line is
    handled in a task the stop tracks, so SIGTERM can bound it (see ``_cut_off_when_stopped``)."""
    stop = ending.stop
    while stop.accepting:
        prompt = f"{session.actor.display_name}> "
        if isinstance(source, PipeSource) and sys.stdin.isatty():
            session.console.print(Text(prompt), end="")  # a terminal, but output is redirected
        ending.idle = True
        try:
            line = await source.readline(prompt)
        except KeyboardInterrupt:  # Ctrl-C at prompt_toolkit's prompt (a key, not a signal)
            ending.interrupt()
            return
        finally:
            ending.idle = False
        if line is None or not stop.accepting:  # end of input, Ctrl-D, or a stop while waiting
            return  # (a line read as the stop came is not taken)
        if isinstance(line, TooLong):
            session.show(Notice(too_long_message(line.length), error=True))
            continue
        command = asyncio.create_task(session.handle_line(line))
        stop.track(command)
        try:
            await asyncio.wait([command])
        except asyncio.CancelledError:  # Ctrl-C: the command ends first (a demo is killed)
            command.cancel()
            await asyncio.wait([command])
            raise
        if command.cancelled():  # still running QUIZBOT_STOP_TIMEOUT s after SIGTERM
            return
        if not command.result():  # /quit (a bug in handle_line is raised here)
            return


async def _cut_off_when_stopped(stop: GracefulStop) -> None:
    """After the first signal, the command in progress gets at most ``stop.timeout_s`` seconds;
    then it is cancelled (``GracefulStop.drain``, as on Slack and Discord)."""
    await stop.stopped.wait()
    await stop.drain()


class Ending:
    """How the console ends: the adapters' ``GracefulStop``, with Ctrl-C kept immediate.

    SIGTERM stops reading lines (waking an idle prompt) and lets the command in progress finish
    within QUIZBOT_STOP_TIMEOUT; SIGINT (Ctrl-C while a command runs; at the prompt it is a key)
    cancels the main task at once, exit 130. Either way the answers already taken are stored when
    the database closes. After either, a second SIGTERM or SIGINT exits at once (128 + its
    number), and a close still hanging 5 s past the timeout is cut off (``GracefulStop``)."""

    def __init__(self, task: asyncio.Task[object] | None, stop: GracefulStop) -> None:
        self.task = task
        self.stop = stop
        self.source: LineSource | None = None
        self.idle = False
        self.interrupted = False
        # whether Ctrl-C cancels the main task: only while the session runs, never while the
        # database opens or closes
        self.cancellable = False

    def interrupt(self) -> None:
        """Ctrl-C: exit 130 once closed; from now on a second signal exits at once."""
        self.interrupted = True
        self.stop.request(signal.SIGINT)

    def _on_sigint(self, signum: int) -> None:
        if not self.stop.accepting:  # a second signal while stopping: leave now
            self.stop.request(signum)
            return
        self.interrupt()
        if self.task is not None and self.cancellable:
            self.task.cancel()

    def ignore_interrupts(self) -> None:
        """SIGINT ignored for the rest of the process (the main thread's only)."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    def _on_sigterm(self, signum: int) -> None:
        self.stop.request(signum)  # the second one exits at once
        if self.idle and self.source is not None:
            self.source.wake()

    def handlers(self) -> Mapping[signal.Signals, Callable[[int], object]]:
        return {signal.SIGINT: self._on_sigint, signal.SIGTERM: self._on_sigterm}

    def signals(self) -> AbstractContextManager[None]:
        return self.stop.install_signals(self.handlers())

"""The console adapter: the embedded default, no token and no network.

A line-based chat in the terminal (line editing, history and Tab completion when it is one, see
``terminal``); works the same with piped standard input.
"""

from __future__ import annotations

import asyncio
import difflib
import getpass
import logging
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from rich.console import Console
from rich.text import Text

from adapters.console.render import safe
from adapters.console.terminal import (
    MAX_LINE,
    LineSource,
    PipeSource,
    PromptSource,
    TooLong,
    Vocabulary,
    clean_name,
    decodable,
    history_path,
    is_terminal,
    shorten,
    too_long_message,
)
from adapters.shutdown import GracefulStop
from bot.app import QuizApp
from bot.config import DEFAULT_DB
from bot.demos import DemoRunner
from bot.features.daily import DailyQuestion, DailyResults, DailyScheduler
from bot.features.live import LivePodium, LiveRound, LiveRunner, LiveScoreboard, RoundReveal
from bot.features.quiz import AnswerResult, QuestionView, ReviewSession
from bot.features.quiz.requests import AnswerQuestion, AnswerTyped
from bot.kernel.clock import SystemClock
from bot.kernel.grammar import command_words, parse_choice
from bot.kernel.identity import Actor, ChannelRef
from bot.kernel.results import Image, Notice, images_of

log = logging.getLogger(__name__)

HELP_EXTRA = (
    "A, B, C… or 1, 2, 3… — answer the last question (a typed-answer question: type it)",
    "/as <name> — speak as another user (simulate a study group)",
    "/quit — leave",
)


CONSOLE_COMMANDS = ("as", "quit", "exit")  # handled here, not by the core
TOPIC_COMMANDS = ("question", "card", "review", "leaderboard")  # Tab completes topics after them


class ConsoleSession:
    def __init__(
        self, app: QuizApp, console: Console, user: str, pictures: Path | None = None
    ) -> None:
        self.app = app
        self.console = console
        self.pictures = pictures  # where a result's pictures are saved (None: alt text only)
        self.actor = self._actor(clean_name(user) or "you")
        self.current: QuestionView | None = None
        self.review_queue: list[QuestionView] = []  # the rest of a /quiz review session
        self.reviewing = False
        # how a print reaches the terminal; on a TTY: above a waiting prompt
        self.printer: Callable[[Callable[[], None]], None] = _now

    @staticmethod
    def _actor(name: str) -> Actor:
        return Actor("console", name.lower(), name, "local", "terminal", is_admin=True)

    async def call_core(
        self, line: str = "", answer: AnswerQuestion | AnswerTyped | None = None
    ) -> object:
        """The console's only calls into the core: a command line, or an ``answer`` request.
        A failure inside the core comes back as a one-line error Notice, so one bad input
        never ends the console."""
        try:
            if answer is not None:
                return await self.app.dispatch(self.actor, answer)
            return await self.app.handle_text(self.actor, line)
        except Exception as exc:
            log.debug("the core failed on %r", shorten(line), exc_info=True)
            return Notice(
                f"That failed inside quizbot ({type(exc).__name__}: {shorten(str(exc), 80)})."
                " The console carries on.",
                error=True,
            )

    def vocabulary(self) -> Vocabulary:
        """Command and topic names for Tab completion, from the core's grammar."""
        grammar = self.app.grammar

        def commands() -> list[str]:
            return [c.name for c in grammar.commands] + ["as", "quit"]

        def takes_topic(name: str) -> bool:
            command = grammar.lookup(name)
            return command is not None and command.name in TOPIC_COMMANDS

        return Vocabulary(commands, lambda: self.app.pack.topics, takes_topic)

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; False when the session should end."""
        line = decodable(line).strip()
        if not line:
            return True
        if len(line) > MAX_LINE:
            self.show(Notice(too_long_message(len(line)), error=True))
            return True
        if not line.startswith("/"):
            await self._answer(line)
            return True
        name, args = command_words(line)
        if name in ("quit", "exit"):
            return False
        if name == "as":
            shown = clean_name(" ".join(args))
            if not shown:
                self.show(Notice("Usage: /as <name>", error=True))
            else:
                self.actor = self._actor(shown)
                self.show(Notice(f"You are now {self.actor.display_name}."))
            return True
        if self.app.grammar.lookup(name) is None and name not in self.app.pack.topics:
            self.show(self._unknown(name))
            return True
        reply = await self.call_core(line)
        if isinstance(reply, QuestionView):
            self.current = reply
            self.review_queue = []
            self.reviewing = False
        if isinstance(reply, Notice) and reply.lines and reply.text.endswith("Commands:"):
            reply = Notice(reply.text, reply.error, reply.lines + HELP_EXTRA)
        self.show(reply)
        if isinstance(reply, ReviewSession) and reply.questions:
            # the terminal is private: ask the session's questions one after another
            self.review_queue = list(reply.questions[1:])
            self.reviewing = True
            self.current = reply.questions[0]
            self.show(self.current)
        return True

    def _unknown(self, name: str) -> Notice:
        """One line instead of the whole help: the closest command names (or topics)."""
        commands = [n for c in self.app.grammar.commands for n in (c.name, *c.aliases)]
        commands += CONSOLE_COMMANDS
        close = difflib.get_close_matches(name, commands, n=3) or difflib.get_close_matches(
            name, list(self.app.pack.topics), n=1
        )
        typed = f"Unknown command {'/' + shorten(name, 30)!r}"
        if not close:
            return Notice(f"{typed}. Type /help for the commands.", error=True)
        options = [f"/{c}" for c in close]
        maybe = options[0] if len(options) == 1 else ", ".join(options[:-1]) + " or " + options[-1]
        return Notice(f"{typed} — did you mean {maybe}? (/help for all)", error=True)

    async def _answer(self, text: str) -> None:
        if self.current is None:
            self.show(Notice("No question yet: type /quiz for one, or /help.", error=True))
            return
        if self.current.typed:  # the whole line is the answer
            await self._answered(
                await self.call_core(answer=AnswerTyped(self.current.post_id, text))
            )
            return
        choice = parse_choice(text, len(self.current.choices))
        if choice is None:
            count = len(self.current.choices)
            self.show(
                Notice(
                    f"{shorten(text, 40)!r} is not a choice: answer A-{'ABCDEF'[count - 1]}"
                    f" or 1-{count} (/help for more).",
                    error=True,
                )
            )
            return
        # the letter is the one shown; the core takes the content's index
        canonical = self.current.shown[choice].index
        await self._answered(
            await self.call_core(answer=AnswerQuestion(self.current.post_id, canonical))
        )

    async def _answered(self, reply: object) -> None:
        self.show(reply)
        if isinstance(reply, AnswerResult) and self.reviewing:
            if self.review_queue:
                self.current = self.review_queue.pop(0)
                self.show(self.current)
            else:
                self.reviewing = False
                self.show(Notice("Review done. /stats shows what you have mastered."))

    def show(self, reply: object) -> None:
        self.printer(lambda: self.console.print(safe(reply)))
        for image in images_of(reply):
            self.show_picture(image)

    def show_picture(self, image: Image) -> None:
        """A terminal shows no picture: it is saved under the data folder, and its path is
        printed with the alt text (what it shows, in words)."""
        line = Notice(f"Picture: {image.alt}")
        if self.pictures is not None:
            try:
                path = save_picture(self.pictures, image)
            except OSError as exc:
                line = Notice(f"{line.text} (not saved: {exc.strerror or exc})")
            else:
                line = Notice(f"Picture saved to {path}: {image.alt}")
        self.printer(lambda: self.console.print(safe(line)))


def save_picture(folder: Path, image: Image) -> Path:
    """``image`` as ``folder/<its name>`` (a name from the core, kept to a plain file name)."""
    name = Path(image.name).name or "picture.png"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(image.png)
    return path


def _now(write: Callable[[], None]) -> None:
    write()


class ConsolePoster:
    """The daily question's poster for the terminal: print the post; a question becomes the
    current one, so a letter answers it."""

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session

    async def post_question(self, channel: ChannelRef, question: DailyQuestion) -> str:
        session = self.session
        if session.reviewing and session.current is not None:
            # the daily question cuts in: the interrupted review question comes back after it
            session.review_queue.insert(0, session.current)
        session.current = question.view
        self.session.show(question)
        return f"console:{question.view.post_id}"

    async def post_results(self, channel: ChannelRef, results: DailyResults) -> str:
        self.session.show(results)
        return f"console:results:{results.post_id}"


class ConsoleLivePoster:
    """The live quiz's poster for the terminal: a round becomes the current question (a
    letter answers it, locked in); its close, the scoreboard and the podium are printed."""

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session

    async def post_round(self, channel: ChannelRef, live_round: LiveRound) -> str:
        session = self.session
        if session.reviewing and session.current is not None:
            session.review_queue.insert(0, session.current)
        session.current = live_round.view
        session.show(live_round)
        return f"console:{live_round.view.post_id}"

    async def close_round(self, channel: ChannelRef, ref: str, reveal: RoundReveal) -> None:
        self.session.show(reveal)

    async def post_standings(
        self, channel: ChannelRef, standings: LiveScoreboard | LivePodium
    ) -> str:
        self.session.show(standings)
        return f"console:live:{standings.session_id}"


async def run(db: Path | str, content: str | None = None) -> int:
    """The console until /quit, the end of input or Ctrl-D (exit 0), SIGTERM (exit 0, after the
    command in progress, which gets at most QUIZBOT_STOP_TIMEOUT seconds), or Ctrl-C (exit 130
    at once, at the prompt or during a command). A second SIGTERM or SIGINT exits at once."""
    tty = is_terminal()
    console = Console(
        highlight=False, markup=False, emoji=False, width=None if sys.stdout.isatty() else 100
    )
    # a bad QUIZBOT_STOP_TIMEOUT is one line and exit 2, before the database is touched
    ending = _Exit(asyncio.current_task(), GracefulStop())
    # the handlers come first: a Ctrl-C while the database opens waits for the open (a cancel
    # there left its threads running, which kept the process alive), then the session ends
    with ending.signals():
        app = await QuizApp.open(db, content)
        ending.cancellable = True
        cutoff = asyncio.create_task(_cut_off_when_stopped(ending.stop))
        try:
            # a PostgreSQL URL has no folder of its own: its files go beside the default file
            data = (db if isinstance(db, Path) else DEFAULT_DB).parent
            session = ConsoleSession(app, console, _default_user(), data / "pictures")
            # SIGHUP reloads the content (before the banner: a HUP right after it is handled)
            ending.stop_reloading = app.reload_on_sighup(
                lambda outcome: session.show(outcome.notice())
            )
            scheduler = DailyScheduler(app.daily, "console", ConsolePoster(session))
            scheduler.start()
            LiveRunner(
                app.live, "console", ConsoleLivePoster(session)
            ).start()  # app.close stops it
            history = history_path(db if isinstance(db, Path) else DEFAULT_DB)
            source = PromptSource(session.vocabulary(), history) if tty else PipeSource()
            ending.source = source
            session.show(
                Text.assemble(
                    ("quizbot", "bold"),
                    f" — {app.pack.summary()}.\nOpened {app.db.opened_text()}.\nYou are"
                    f" {session.actor.display_name}. Type /quiz for a question, /help for"
                    " commands.",
                )
            )
            if isinstance(source, PromptSource):
                # what is printed while the prompt waits (the daily question) goes above it
                session.printer = source.print_above
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
            ending.stop_reloading()
            if tty or ending.interrupted:
                console.print("Bye.")
            # stops the scheduler and the live runner, stores the answers still queued, closes
            # the database; a close that hangs is cut off (GracefulStop's hard bound)
            await app.close()
    # closed (and the handlers above removed): a Ctrl-C from now on would only turn a clean
    # exit into a KeyboardInterrupt, or a death by SIGINT while the interpreter shuts down
    ending.ignore_interrupts()
    return 130 if ending.interrupted else 0


async def _loop(session: ConsoleSession, source: LineSource, ending: _Exit) -> None:
    """Read and handle lines until the session ends or a stop is asked for. Each line is
    handled in a task the stop tracks, so SIGTERM can bound it (see ``_cut_off_when_stopped``)."""
    stop = ending.stop
    while stop.accepting:
        prompt = f"{session.actor.display_name}> "
        if not isinstance(source, PromptSource) and sys.stdin.isatty():
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


class _Exit:
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
        self.stop_reloading: Callable[[], None] = lambda: None  # removes the SIGHUP handler

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

    def signals(self) -> AbstractContextManager[None]:
        return self.stop.install_signals(
            {signal.SIGINT: self._on_sigint, signal.SIGTERM: self._on_sigterm}
        )


async def run_demo(name: str) -> int:
    """``quizbot demo <name>``: one demo, run in its sandbox, printed here."""
    runner = DemoRunner(now=SystemClock().now, cooldown_s=0)
    result = await runner.run("console:cli", name)
    Console(highlight=False, markup=False, emoji=False).print(safe(result))
    return 0 if result.ok else 1


def _default_user() -> str:
    try:
        return getpass.getuser() or "you"
    except Exception:  # no login name (containers)
        return "you"

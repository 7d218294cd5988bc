"""The console adapter: the embedded default, no token and no network.

A line-based chat in the terminal; works the same with piped standard input.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path

from rich.console import Console

from adapters.console.render import render
from bot.app import QuizApp
from bot.demos import DemoRunner
from bot.features.daily import DailyQuestion, DailyResults, DailyScheduler
from bot.features.quiz import AnswerResult, QuestionView, ReviewSession
from bot.features.quiz.requests import AnswerQuestion
from bot.kernel.clock import SystemClock
from bot.kernel.grammar import command_words, parse_choice
from bot.kernel.identity import Actor, ChannelRef
from bot.kernel.results import Notice

HELP_EXTRA = (
    "A, B, C… or 1, 2, 3… — answer the last question",
    "/as <name> — speak as another user (simulate a study group)",
    "/quit — leave",
)


class ConsoleSession:
    def __init__(self, app: QuizApp, console: Console, user: str) -> None:
        self.app = app
        self.console = console
        self.actor = self._actor(user)
        self.current: QuestionView | None = None
        self.review_queue: list[QuestionView] = []  # the rest of a /quiz review session
        self.reviewing = False

    @staticmethod
    def _actor(name: str) -> Actor:
        return Actor("console", name.lower(), name, "local", "terminal", is_admin=True)

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; False when the session should end."""
        line = line.strip()
        if not line:
            return True
        if not line.startswith("/"):
            await self._answer(line)
            return True
        name, args = command_words(line)
        if name in ("quit", "exit"):
            return False
        if name == "as":
            if not args:
                self.show(Notice("Usage: /as <name>", error=True))
            else:
                self.actor = self._actor(" ".join(args))
                self.show(Notice(f"You are now {self.actor.display_name}."))
            return True
        reply = await self.app.handle_text(self.actor, line)
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

    async def _answer(self, text: str) -> None:
        if self.current is None:
            self.show(Notice("No question yet: type /quiz for one, or /help.", error=True))
            return
        choice = parse_choice(text, len(self.current.choices))
        if choice is None:
            letters = "ABCDEF"[: len(self.current.choices)]
            self.show(
                Notice(
                    f"{text!r} is not a choice: answer with {', '.join(letters)}"
                    f" or 1-{len(self.current.choices)}, or type /help.",
                    error=True,
                )
            )
            return
        reply = await self.app.dispatch(self.actor, AnswerQuestion(self.current.post_id, choice))
        self.show(reply)
        if isinstance(reply, AnswerResult) and self.reviewing:
            if self.review_queue:
                self.current = self.review_queue.pop(0)
                self.show(self.current)
            else:
                self.reviewing = False
                self.show(Notice("Review done. /stats shows what you have mastered."))

    def show(self, reply: object) -> None:
        self.console.print(render(reply))


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


async def run(db: Path, content: str | None = None) -> int:
    interactive = sys.stdin.isatty()
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 100)
    app = await QuizApp.open(db, content)
    try:
        user = _default_user()
        session = ConsoleSession(app, console, user)
        scheduler = DailyScheduler(app.daily, "console", ConsolePoster(session))
        scheduler.start()
        console.print(
            f"[bold]quizbot[/bold] — {app.pack.summary()}. You are {user}. "
            "Type /quiz for a question, /help for commands."
        )
        while True:
            if interactive:
                console.print(f"{session.actor.display_name}> ", end="")
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:  # end of input
                break
            if not await session.handle_line(line):
                break
    finally:
        await app.close()
    return 0


async def run_demo(name: str) -> int:
    """``quizbot demo <name>``: one demo, run in its sandbox, printed here."""
    runner = DemoRunner(now=SystemClock().now, cooldown_s=0)
    result = await runner.run("console:cli", name)
    Console(highlight=False).print(render(result))
    return 0 if result.ok else 1


def _default_user() -> str:
    try:
        return getpass.getuser() or "you"
    except Exception:  # no login name (containers)
        return "you"

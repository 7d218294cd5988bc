"""The console adapter: the embedded default, no token and no network.

A line-based chat in the terminal (line editing, history and Tab completion when it is one, see
``terminal``); works the same with piped standard input. ``ConsoleSession`` (session.py) turns
lines into requests; ``ConsolePlatform`` (platform.py) puts the terminal on the platform contract.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path

from rich.console import Console

from adapters.console.platform import ConsolePlatform, Ending
from adapters.console.render import safe
from adapters.console.session import ConsoleSession, save_picture
from adapters.console.terminal import history_path
from adapters.platform import serve
from adapters.shutdown import GracefulStop
from bot.app import QuizApp
from bot.config import DEFAULT_DB
from bot.demos import DemoRunner
from bot.kernel.clock import SystemClock

__all__ = ["ConsolePlatform", "ConsoleSession", "run", "run_demo", "save_picture"]


async def run(db: Path | str, content: str | None = None) -> int:
    """The console until /quit, the end of input or Ctrl-D (exit 0), SIGTERM (exit 0, after the
    command in progress, which gets at most QUIZBOT_STOP_TIMEOUT seconds), or Ctrl-C (exit 130
    at once, at the prompt or during a command). A second SIGTERM or SIGINT exits at once. The
    host (adapters/platform.py) runs the daily scheduler, the live runner and SIGHUP reloads."""
    console = Console(
        highlight=False, markup=False, emoji=False, width=None if sys.stdout.isatty() else 100
    )
    # a bad QUIZBOT_STOP_TIMEOUT is one line and exit 2, before the database is touched
    ending = Ending(asyncio.current_task(), GracefulStop())
    # the handlers come first: a Ctrl-C while the database opens waits for the open (a cancel
    # there left its threads running, which kept the process alive), then the session ends
    with ending.signals():
        app = await QuizApp.open(db, content)
        # a PostgreSQL URL has no folder of its own: its files go beside the default file
        data = db if isinstance(db, Path) else DEFAULT_DB
        session = ConsoleSession(app, console, _default_user(), data.parent / "pictures")
        status = await serve(app, ConsolePlatform(session, history_path(data), ending))
    # closed (and the handlers above removed): a Ctrl-C from now on would only turn a clean
    # exit into a KeyboardInterrupt, or a death by SIGINT while the interpreter shuts down
    ending.ignore_interrupts()
    return status


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

"""``/quiz demo <name>``: run a live experiment (in a sandboxed child process)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.demos.catalog import DEMO_NAMES
from bot.kernel.dispatch import Request
from bot.kernel.grammar import ParseContext, TextCommand


@dataclass(frozen=True)
class RunDemo(Request):
    name: str  # "" asks which demos there are


def _parse(args: list[str], _context: ParseContext) -> RunDemo:
    return RunDemo(" ".join(args))


COMMANDS = (
    TextCommand(
        "demo",
        "demo <name>",
        "run a live experiment (" + ", ".join(DEMO_NAMES) + ")",
        _parse,
    ),
)

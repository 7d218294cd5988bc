"""The mini demos as the app wires them (each runs in a sandboxed child process)."""

from __future__ import annotations

from bot.demos.requests import COMMANDS, RunDemo
from bot.kernel.dispatch import Result
from bot.kernel.errors import UserError
from bot.kernel.features import App, Feature, Handlers
from bot.kernel.identity import Actor


def handlers(app: App) -> Handlers:
    demos = app.demos

    async def demo(actor: Actor, r: RunDemo) -> Result:
        """Runs in a sandboxed child process; the bot keeps serving."""
        if not r.name:
            names = ", ".join(f"{n} ({about})" for n, about in demos.describe())
            raise UserError(f"Which demo? Usage: /quiz demo <name>. Demos: {names}")
        return await demos.run(actor.user_key, r.name)

    return ((RunDemo, demo),)


FEATURE = Feature("demos", commands=COMMANDS, handlers=handlers)

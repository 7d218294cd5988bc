"""Assembles the core: content, storage, clock, services and the command router."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.commands import CommandRouter, CommandSpec
from bot.content import Pack, default_content_path, load_pack
from bot.demos import DEMO_NAMES, DemoRunner
from bot.groups import GroupService, register_group_commands
from bot.models import Actor
from bot.quiz import QuizError, QuizService
from bot.schedule import DailyService
from bot.storage import Storage


@dataclass
class QuizApp:
    pack: Pack
    storage: Storage
    clock: Clock
    quiz: QuizService
    router: CommandRouter
    demos: DemoRunner
    daily: DailyService
    groups: GroupService

    @classmethod
    async def open(
        cls,
        db_path: Path | str,
        content_path: Path | str | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        demos: DemoRunner | None = None,
    ) -> QuizApp:
        """Load and validate the content first (so bad content touches no database), then open
        and migrate the database."""
        pack = load_pack(content_path or default_content_path(), known_demos=DEMO_NAMES)
        storage = await Storage.open(db_path)
        clock = clock or SystemClock()
        quiz = QuizService(pack, storage, clock, rng=rng)
        await quiz.load_zones()
        router = CommandRouter(quiz)
        groups = GroupService(quiz)
        register_group_commands(router, groups)
        demos = demos or DemoRunner(now=clock.now)
        daily = DailyService(quiz, storage, clock, rng=rng)
        app = cls(
            pack=pack,
            storage=storage,
            clock=clock,
            quiz=quiz,
            router=router,
            demos=demos,
            daily=daily,
            groups=groups,
        )
        router.register(
            CommandSpec(
                "demo",
                "demo <name>",
                "run a live experiment (" + ", ".join(DEMO_NAMES) + ")",
                app.run_demo,
            )
        )
        daily.register_commands(router)
        return app

    async def run_demo(self, actor: Actor, args: list[str]) -> object:
        """``demo <name>``: runs in a sandboxed child process; the bot keeps serving."""
        if not args:
            names = ", ".join(f"{n} ({d})" for n, d in self.demos.describe())
            raise QuizError(f"Which demo? Usage: /quiz demo <name>. Demos: {names}")
        return await self.demos.run(actor.user_key, " ".join(args))

    async def close(self) -> None:
        for scheduler in list(self.daily.schedulers.values()):
            await scheduler.stop()
        await self.storage.close()

"""Assembles the core: content, storage, clock, services and the command router."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.commands import CommandRouter
from bot.content import Pack, default_content_path, load_pack
from bot.quiz import QuizService
from bot.schedule import DailyService
from bot.storage import Storage


@dataclass
class QuizApp:
    pack: Pack
    storage: Storage
    clock: Clock
    quiz: QuizService
    router: CommandRouter
    daily: DailyService

    @classmethod
    async def open(
        cls,
        db_path: Path | str,
        content_path: Path | str | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> QuizApp:
        """Load and validate the content first (so bad content touches no database), then open
        and migrate the database."""
        pack = load_pack(content_path or default_content_path())
        storage = await Storage.open(db_path)
        clock = clock or SystemClock()
        quiz = QuizService(pack, storage, clock, rng=rng)
        router = CommandRouter(quiz)
        daily = DailyService(quiz, storage, clock, rng=rng)
        daily.register_commands(router)
        return cls(pack=pack, storage=storage, clock=clock, quiz=quiz, router=router, daily=daily)

    async def close(self) -> None:
        for scheduler in list(self.daily.schedulers.values()):
            await scheduler.stop()
        await self.storage.close()

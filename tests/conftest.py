from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import QuizApp
from bot.clock import FakeClock
from bot.models import Actor

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))  # a Monday


@pytest.fixture
async def app(tmp_path, clock):
    app = await QuizApp.open(tmp_path / "quiz.db", CONTENT, clock=clock)
    yield app
    await app.close()


def console_actor(name: str, channel: str = "terminal") -> Actor:
    return Actor("console", name.lower(), name, "local", channel, is_admin=True)

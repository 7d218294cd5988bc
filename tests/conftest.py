from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import QuizApp
from bot.kernel.clock import FakeClock
from bot.kernel.db import open_sync
from bot.kernel.identity import Actor

pytest_plugins = ["tests.slack_fixtures"]  # Slack fixtures, and no real SLACK_* env anywhere

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


def write_old_database(path, version: int) -> None:
    """A database at an older schema ``version`` holding one right answer by Ada (10 points,
    2026-02-25, post 7), for the migration tests."""
    db = open_sync(path, upto=version)
    db.execute(
        "INSERT INTO posts(id, question_id, card_id, workspace_key, channel_key, created_at)"
        " VALUES (7, 'pvt-threads-share-what', 'processes-vs-threads', 'console:local',"
        " 'console:local:terminal', '2026-02-25T10:00:00+00:00')"
    )
    db.execute(
        "INSERT INTO users(user_key, display_name, points, answered, correct, streak,"
        " best_streak, last_correct_day) VALUES ('console:ada', 'Ada', 10, 1, 1, 1, 1,"
        " '2026-02-25')"
    )
    db.execute(
        "INSERT INTO answers(post_id, user_key, question_id, card_id, choice, correct, points,"
        " answered_at) VALUES (7, 'console:ada', 'pvt-threads-share-what',"
        " 'processes-vs-threads', 0, 1, 10, '2026-02-25T10:00:05+00:00')"
    )
    if version >= 2:  # v2 added the answer's week
        db.execute("UPDATE answers SET week = '2026-02-23'")
    db.close()

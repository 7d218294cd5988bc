"""What the app has recorded, read the way the app itself reads it: a request's typed result
(a user's stats, as an admin asks for them) or a feature's own store function run through the
app's ``Database``. Never a table read from the database file, so a test that checks what was
stored says the same thing on SQLite and on PostgreSQL, whatever the schema looks like.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.app import QuizApp
from bot.features.boards.requests import ShowStats
from bot.features.boards.results import UserStats
from bot.features.daily import store as daily_store
from bot.features.quiz.requests import AnswerTyped
from bot.features.quiz.results import AnswerResult
from bot.kernel.identity import Actor


@dataclass(frozen=True)
class Score:
    """A user's totals as their /stats shows them."""

    points: int
    answered: int
    correct: int


NO_SCORE = Score(0, 0, 0)  # someone who has answered nothing (or whose answers were refused)


def reader(platform: str, workspace_id: str = "local", channel_id: str = "reader") -> Actor:
    """An admin of the workspace, asking on the tests' behalf (in ``channel_id``)."""
    return Actor(platform, "test-reader", "Test reader", workspace_id, channel_id, is_admin=True)


async def stats_of(app: QuizApp, user_key: str, workspace_id: str = "local") -> UserStats:
    """``user_key``'s /stats, as an admin of the workspace sees them. Through the dispatcher
    itself: a test may have wrapped ``app.dispatch`` (a slow core) and must still read."""
    platform = user_key.partition(":")[0]
    result = await app.dispatcher.dispatch(reader(platform, workspace_id), ShowStats(user_key))
    assert isinstance(result, UserStats), result
    return result


async def score_of(app: QuizApp, user_key: str, workspace_id: str = "local") -> Score:
    stats = await stats_of(app, user_key, workspace_id)
    return Score(stats.points, stats.answered, stats.correct)


async def answer_counts(app: QuizApp, post_id: int) -> dict[int, int]:
    """How many answered each choice of a post (the content's index; typed answers: -1), as
    the daily results post reads them."""
    return (await app.db.read(daily_store.post_answers, post_id)).counts


async def right_answers(app: QuizApp, post_id: int) -> int:
    """How many answered a post right (choice or typed)."""
    return (await app.db.read(daily_store.post_answers, post_id)).right


async def first_right(app: QuizApp, post_id: int) -> str | None:
    """Who answered a post right first (their user key), as the daily results name them."""
    first = (await app.db.read(daily_store.post_answers, post_id)).first_right
    return first.user_key if first else None


async def kept_answer(app: QuizApp, actor: Actor, post_id: int) -> AnswerResult:
    """The answer ``actor`` gave to a typed-answer question, as the bot shows it when they
    answer again (the first answer is kept; a second one changes nothing)."""
    again = await app.dispatcher.dispatch(actor, AnswerTyped(post_id, "(asked again)"))
    assert isinstance(again, AnswerResult) and again.already_answered, again
    return again


async def stored(app: QuizApp, sql: str, *args: object) -> list[tuple]:
    """Rows of one query through the app's own read connection (either backend), once the
    rows derived from answers so far are applied. Only for what no request can see, such as
    "nothing was stored in any workspace"; a user's view is read through requests above."""
    await app.answers.settled()
    return await app.db.read(lambda db: [tuple(r) for r in db.execute(sql, args).fetchall()])

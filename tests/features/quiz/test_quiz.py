"""The core as adapters use it: ask, answer, score, rank; on a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import timedelta

import pytest

from bot.app import SCHEMA, QuizApp
from bot.features.answers import PostKind
from bot.features.boards import Leaderboard
from bot.features.daily.store import DAILY_POST
from bot.features.live.store import LIVE_POST
from bot.features.quiz import AnswerResult, CardPart, QuestionView
from bot.features.quiz import store as quiz_store
from bot.features.quiz.requests import AnswerQuestion
from bot.kernel.db import open_sync
from bot.kernel.results import Notice
from tests.conftest import CONTENT, console_actor, write_old_database
from tests.waiting import GENEROUS_S, eventually

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)


async def ask_and_answer(app: QuizApp, name: str, right: bool, topic: str | None = None):
    actor = console_actor(name)
    view = await app.quiz.ask_question(actor, topic)
    q = app.pack.question(view.question_id)
    choice = q.correct_index if right else (q.correct_index + 1) % len(q.choices)
    return view, await app.quiz.answer(actor, view.post_id, choice)


async def test_right_and_wrong_answers_explain_and_score(app):
    view, result = await ask_and_answer(app, "Ada", right=True)
    q = app.pack.question(view.question_id)
    assert result.correct and result.points_gained == 10 and result.total_points == 10
    assert result.why == q.why and result.correct_text == q.answer
    assert result.streak == 1
    _, wrong = await ask_and_answer(app, "Ada", right=False)
    assert not wrong.correct and wrong.points_gained == 0 and wrong.total_points == 10
    assert wrong.correct_text != wrong.chosen_text


async def test_second_answer_changes_nothing_and_returns_the_first(app):
    ada = console_actor("Ada")
    view = await app.quiz.ask_question(ada)
    q = app.pack.question(view.question_id)
    first = await app.quiz.answer(ada, view.post_id, q.correct_index)
    again = await app.quiz.answer(ada, view.post_id, (q.correct_index + 1) % len(q.choices))
    assert again.already_answered and again.correct and again.chosen_index == q.correct_index
    assert again.points_gained == 0 and again.total_points == first.total_points == 10
    stats = await app.boards.stats(ada)
    assert stats.answered == 1 and stats.points == 10


async def test_concurrent_double_clicks_count_once(app):
    ada = console_actor("Ada")
    view = await app.quiz.ask_question(ada)
    q = app.pack.question(view.question_id)
    results = await asyncio.gather(
        *(app.quiz.answer(ada, view.post_id, q.correct_index) for _ in range(20))
    )
    assert sum(not r.already_answered for r in results) == 1
    assert {r.total_points for r in results} == {10}


def test_database_refuses_a_second_answer_row(tmp_path):
    db = open_sync(tmp_path / "q.db", SCHEMA)
    db.execute(
        "INSERT INTO posts(id, question_id, card_id, workspace_key, channel_key, created_at)"
        " VALUES (1, 'q', 'c', 'w', 'ch', '2026-01-01')"
    )
    row = "INSERT INTO answers(post_id, user_key, question_id, card_id, choice, correct, points,"
    row += " answered_at) VALUES (1, 'console:a', 'q', 'c', 0, 1, 10, '2026-01-01')"
    db.execute(row)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(row)


async def test_leaderboard_ranks_ties_and_shows_me_outside_the_top(app):
    for i in range(12):
        for _ in range(12 - i):
            await ask_and_answer(app, f"user{i:02d}", right=True)
    await ask_and_answer(app, "tie", right=True)  # 10 points, like user11
    await ask_and_answer(app, "zed", right=False)
    board = await app.boards.leaderboard(console_actor("zed"), "server", "all")
    assert isinstance(board, Leaderboard)
    assert [r.display_name for r in board.rows[:3]] == ["user00", "user01", "user02"]
    assert board.rows[0].points == 120 and board.rows[0].rank == 1
    assert len(board.rows) == 10
    assert board.me is not None and board.me.display_name == "zed"
    assert board.me.rank == 14 and board.total_players == 14
    tie_board = await app.boards.leaderboard(console_actor("tie"), "server", "all")
    ranks = {r.display_name: r.rank for r in tie_board.rows}
    assert tie_board.me.rank == 12 and "tie" not in ranks
    user11 = await app.boards.leaderboard(console_actor("user11"), "server", "all")
    assert user11.me.rank == tie_board.me.rank == 12  # ties share a rank


async def test_weekly_board_starts_fresh_on_monday(app, clock):
    await ask_and_answer(app, "Ada", right=True)
    clock.advance(timedelta(days=7))
    await ask_and_answer(app, "Bob", right=True)
    week = await app.boards.leaderboard(console_actor("Ada"), "server", "week")
    assert [r.display_name for r in week.rows] == ["Bob"]
    assert week.me is None
    all_time = await app.boards.leaderboard(console_actor("Ada"), "server", "all")
    assert {r.display_name for r in all_time.rows} == {"Ada", "Bob"}


async def test_channel_board_counts_only_that_channel(app):
    here, there = console_actor("Ada", "here"), console_actor("Bob", "there")
    for actor in (here, there):
        view = await app.quiz.ask_question(actor)
        await app.quiz.answer(
            actor, view.post_id, app.pack.question(view.question_id).correct_index
        )
    board = await app.boards.leaderboard(here, "channel", "all")
    assert [r.display_name for r in board.rows] == ["Ada"]


async def test_streak_grows_daily_and_resets_after_a_missed_day(app, clock):
    for expected in (1, 2, 3):
        _, result = await ask_and_answer(app, "Ada", right=True)
        assert result.streak == expected
        clock.advance(timedelta(days=1))
    clock.advance(timedelta(days=1))  # a whole day without a correct answer
    assert (await app.boards.stats(console_actor("Ada"))).streak == 0
    _, result = await ask_and_answer(app, "Ada", right=True)
    assert result.streak == 1
    assert (await app.boards.stats(console_actor("Ada"))).best_streak == 3


async def test_stats_per_topic(app):
    await ask_and_answer(app, "Ada", right=True, topic="processes-vs-threads")
    await ask_and_answer(app, "Ada", right=False, topic="locks-and-synchronization")
    stats = await app.boards.stats(console_actor("Ada"))
    assert stats.answered == 2 and stats.correct == 1 and stats.accuracy == 0.5
    assert [(t.topic, t.correct, t.answered) for t in stats.per_topic] == [
        ("Processes vs Threads", 1, 1),
        ("Locks & Synchronization", 0, 1),
    ]


async def test_router_grammar_and_errors(app):
    ada = console_actor("Ada")
    assert isinstance(await app.handle_text(ada, "/quiz processes-vs-threads"), QuestionView)
    view = await app.handle_text(ada, "/quiz question locks-and-synchronization")
    assert view.topic_id == "locks-and-synchronization"
    card = await app.handle_text(ada, "card processes-vs-threads")  # Slack sends the text only
    assert card.card.id == "processes-vs-threads" and card.part == CardPart.SHORT
    # by its title, as /topics shows it, in any case; a part after the topic
    titled = await app.handle_text(ada, "/quiz card processes VS threads recap")
    assert titled.card.id == "processes-vs-threads" and titled.part == CardPart.RECAP
    by_title = await app.handle_text(ada, "/quiz question Locks & Synchronization")
    assert by_title.topic_id == "locks-and-synchronization"
    unknown = await app.handle_text(ada, "/quiz card proceses-vs-threads")
    assert isinstance(unknown, Notice) and unknown.error
    assert "Did you mean processes-vs-threads" in unknown.text
    nonsense = await app.handle_text(ada, "/quiz frobnicate")
    assert nonsense.error and "Unknown command 'frobnicate'" in nonsense.text
    bad = await app.dispatch(ada, AnswerQuestion(999, 0))
    assert isinstance(bad, Notice) and bad.error


async def test_scores_survive_a_restart(db_target, clock):
    app = await QuizApp.open(db_target, CONTENT, clock=clock)
    _, result = await ask_and_answer(app, "Ada", right=True)
    await app.close()
    again = await QuizApp.open(db_target, CONTENT, clock=clock)
    try:
        stats = await again.boards.stats(console_actor("Ada"))
        assert stats.points == result.total_points == 10
        repeat = await again.quiz.answer(console_actor("Ada"), result.post_id, 0)
        assert isinstance(repeat, AnswerResult) and repeat.already_answered
    finally:
        await again.close()


async def test_a_first_version_database_migrates_forward(tmp_path, clock):
    path = tmp_path / "old.db"
    write_old_database(path, version=1)
    app = await QuizApp.open(path, CONTENT, clock=clock)
    try:
        assert await app.db.schema_version() == SCHEMA.version
        assert app.db.opened_text() == (
            f"SQLite database {path.resolve()} (schema upgraded from v1 to v{SCHEMA.version})"
        )
        ada = console_actor("Ada")
        board = await app.boards.leaderboard(ada, "server", "all")
        assert [(r.display_name, r.points) for r in board.rows] == [("Ada", 10)]
        channel = await app.boards.leaderboard(ada, "channel", "all")
        assert [r.points for r in channel.rows] == [10]
        stats = await app.boards.stats(ada)
        assert [(t.topic, t.answered) for t in stats.per_topic] == [("Processes vs Threads", 1)]
        clock.set(clock.now().replace(year=2026, month=2, day=26))
        week = await app.boards.leaderboard(ada, "server", "week")  # week of Mon 2026-02-23
        assert [r.points for r in week.rows] == [10]
    finally:
        await app.close()


async def test_an_answer_dated_earlier_never_breaks_the_streak(app, clock):
    # Days come from each workspace's zone: a right answer in a server whose zone is still on
    # yesterday must not reset the streak or move its last day back.
    east = console_actor("Ada")
    for _ in range(3):
        _, result = await ask_and_answer(app, "Ada", right=True)
        clock.advance(timedelta(days=1))
    clock.advance(timedelta(days=-1))
    assert result.streak == 3
    await app.boards.zones.set(east, "Pacific/Honolulu")  # 10 h behind: yesterday there
    clock.set(clock.now().replace(hour=5))
    _, earlier = await ask_and_answer(app, "Ada", right=True)
    assert earlier.streak == 3
    stats = await app.boards.stats(east)
    assert stats.best_streak == 3


async def test_a_cancelled_click_does_not_break_the_question_for_others(app):
    view = await app.quiz.ask_question(console_actor("Ann"))
    app.quiz._posts.clear()  # a fresh bot: the post is not cached yet
    first = asyncio.create_task(app.quiz.answer(console_actor("Ann"), view.post_id, 0))
    await asyncio.sleep(0)  # Ann's click starts the shared read of the post...
    first.cancel()  # ...and gives up (a timeout, a shutdown)
    with pytest.raises(asyncio.CancelledError):
        await first
    result = await app.quiz.answer(console_actor("Bob"), view.post_id, 0)
    assert isinstance(result, AnswerResult) and not result.already_answered


async def test_a_question_just_posted_is_answered_without_reading_its_post(app):
    """The burst of clicks a new question draws needs no read of its post: the process that
    posted it knows the row as stored (at 1,000 clicks in flight that first read waited
    seconds for its turn, and every click with it). Answered while every read connection is
    busy; what it remembers is the stored row, where the platform put it included."""
    view = await app.quiz.ask_question(console_actor("Ann"))
    release, busy = threading.Event(), threading.Event()

    def hold(db) -> None:  # a long read: the connection's thread is taken until released
        busy.set()
        release.wait(GENEROUS_S)

    held = [asyncio.ensure_future(app.db.read(hold)) for _ in range(4)]  # more than readers
    try:
        await eventually(busy.is_set, "a read connection held")
        q = app.pack.question(view.question_id)
        answering = app.quiz.answer(console_actor("Bob"), view.post_id, q.correct_index)
        result = await asyncio.wait_for(answering, GENEROUS_S)
        assert isinstance(result, AnswerResult) and result.correct and not result.already_answered
    finally:
        release.set()
        await asyncio.gather(*held)
    await app.quiz.set_message_ref(view.post_id, "C1:1700000000.000100")
    stored = await app.db.read(quiz_store.get_post, view.post_id)
    assert stored.message_ref == "C1:1700000000.000100"
    assert await app.quiz.get_post(view.post_id) == stored


async def test_the_grammar_names_the_commands_only_admins_may_run(app):
    def needs(text: str) -> bool:
        return app.grammar.parse(text).needs_admin

    assert needs("/quiz daily set 09:00 Europe/Berlin") and needs("daily 09:00 UTC")
    assert needs("daily off") and needs("/quiz group create Night Owls") and needs("tz UTC")
    for text in ("daily show", "daily", "group join owls", "timezone", "/quiz", "stats"):
        assert not needs(text), text


async def test_a_whole_week_counts_on_the_weekly_board(app, clock):
    clock.set(clock.now().replace(day=2, hour=0, minute=5))  # Monday 2026-03-02, just after 00:00
    await ask_and_answer(app, "Ada", right=True)
    clock.set(clock.now().replace(day=8, hour=23, minute=55))  # Sunday night, same week
    await ask_and_answer(app, "Ada", right=True)
    week = await app.boards.leaderboard(console_actor("Ada"), "server", "week")
    assert [(r.display_name, r.points, r.answered) for r in week.rows] == [("Ada", 20, 2)]
    clock.set(clock.now().replace(day=9, hour=0, minute=5))  # Monday: a new week
    assert (await app.boards.leaderboard(console_actor("Ada"), "server", "week")).rows == ()


def test_a_post_kind_is_defined_once_by_its_feature_and_read_back_with_its_rules():
    """The kinds are open (each feature defines its own), so a stored row's kind must come
    back as the defining feature's value, and a clash or an unknown kind is said clearly."""
    assert PostKind.stored("daily") is DAILY_POST and DAILY_POST.scores_before_due
    assert PostKind.stored("live") is LIVE_POST and LIVE_POST.quiz_refusal
    assert PostKind.stored("ask") is PostKind.ASK and not PostKind.ASK.scores_before_due
    assert PostKind.define("daily", scores_before_due=True) is DAILY_POST  # same rules: same
    with pytest.raises(ValueError, match="'daily' is already defined with other rules"):
        PostKind.define("daily")
    with pytest.raises(ValueError, match="unknown post kind 'poll': no feature defines it"):
        PostKind.stored("poll")

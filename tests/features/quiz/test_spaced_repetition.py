"""Spaced repetition (FSRS), learning leaderboards and workspace time zones (real SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import srs
from bot.app import QuizApp
from bot.features.boards import Leaderboard
from bot.features.boards.store import MIN_ANSWERS_FOR_ACCURACY
from bot.features.quiz import QuestionView, ReviewSession
from bot.features.quiz.requests import AnswerQuestion
from bot.kernel.identity import Actor
from bot.kernel.results import Notice
from tests.conftest import CONTENT, console_actor, write_old_database

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

LA = ZoneInfo("America/Los_Angeles")


def member(name: str) -> Actor:
    return Actor("console", name.lower(), name, "local", "terminal", is_admin=False)


async def answer_question(app: QuizApp, actor: Actor, question_id: str, right: bool):
    question = app.pack.question(question_id)
    view = await app.quiz.post_question(actor, question)
    choice = question.correct_index if right else (question.correct_index + 1) % 4
    return await app.quiz.answer(actor, view.post_id, choice)


async def card_of(app: QuizApp, actor: Actor, question_id: str) -> srs.SrsCard:
    cards = await app.quiz.srs_cards(actor.user_key)
    return cards[question_id]


# -- FSRS cards -------------------------------------------------------------------------------


async def test_wrong_answers_come_back_soon_right_answers_later(app, clock):
    ada = console_actor("Ada")
    first, second = app.pack.questions[0].id, app.pack.questions[1].id
    now = clock.now()
    await answer_question(app, ada, first, right=False)
    await answer_question(app, ada, second, right=True)
    wrong, right = await card_of(app, ada, first), await card_of(app, ada, second)
    assert wrong.last_review == right.last_review == now
    assert now < wrong.due <= now + timedelta(minutes=1)  # Again: the first learning step
    assert wrong.due < right.due
    assert wrong.lapses == 1 and right.reps == 1

    # after a right answer at the due time the interval grows; a wrong one shrinks it again
    clock.set(right.due)
    await answer_question(app, ada, second, right=True)
    graduated = await card_of(app, ada, second)
    assert graduated.due - clock.now() >= timedelta(days=1)
    clock.set(graduated.due)
    await answer_question(app, ada, second, right=True)
    longer = await card_of(app, ada, second)
    assert longer.due - clock.now() > graduated.due - graduated.last_review
    assert longer.stability > graduated.stability
    await answer_question(app, ada, second, right=False)
    lapsed = await card_of(app, ada, second)
    assert lapsed.due - clock.now() <= timedelta(minutes=10)
    assert lapsed.stability < longer.stability and lapsed.lapses == 1


async def test_a_repeated_answer_does_not_review_the_card_again(app):
    ada = console_actor("Ada")
    question = app.pack.questions[0]
    view = await app.quiz.post_question(ada, question)
    await app.quiz.answer(ada, view.post_id, question.correct_index)
    before = await card_of(app, ada, question.id)
    repeat = await app.quiz.answer(ada, view.post_id, question.correct_index)
    assert repeat.already_answered
    assert await card_of(app, ada, question.id) == before and before.reps == 1


async def test_new_questions_come_in_lesson_order(app):
    ada = console_actor("Ada")
    expected = [q.id for q in app.pack.questions[:3]]
    got = []
    for _ in range(3):
        view = await app.quiz.ask_question(ada)
        assert view.reason == "new"
        got.append(view.question_id)
        q = app.pack.question(view.question_id)
        await app.quiz.answer(ada, view.post_id, q.correct_index)
    assert got == expected
    locks = await app.quiz.ask_question(ada, "locks-and-synchronization")
    assert locks.question_id == app.pack.questions_for("locks-and-synchronization")[0].id


async def test_the_most_due_question_comes_first(app, clock):
    ada = console_actor("Ada")
    shaky, solid = app.pack.questions[0].id, app.pack.questions[1].id
    await answer_question(app, ada, solid, right=True)
    await answer_question(app, ada, shaky, right=False)
    # minutes later only the wrong one is due
    clock.advance(timedelta(minutes=2))
    view = await app.quiz.ask_question(ada)
    assert (view.question_id, view.reason) == (shaky, "due for review")
    # days later both are due; the one less likely to be remembered comes first
    clock.advance(timedelta(days=3))
    view = await app.handle_text(ada, "/quiz")
    assert isinstance(view, QuestionView)
    assert (view.question_id, view.reason) == (shaky, "due for review")
    cards = await app.quiz.srs_cards(ada.user_key)
    assert cards[shaky].retrievability(clock.now()) < cards[solid].retrievability(clock.now())
    await app.quiz.answer(ada, view.post_id, app.pack.question(shaky).correct_index)
    nxt = await app.quiz.ask_question(ada)
    assert (nxt.question_id, nxt.reason) == (solid, "due for review")
    # a topic restricts the pick: nothing due there, so its first new question
    other = await app.quiz.ask_question(ada, "interprocess-communication")
    assert other.reason == "new"
    assert other.question_id == app.pack.questions_for("interprocess-communication")[0].id


async def test_cards_survive_a_restart(db_target, clock):
    path = db_target
    app = await QuizApp.open(path, CONTENT, clock=clock)
    ada = console_actor("Ada")
    question_id = app.pack.questions[5].id
    await answer_question(app, ada, question_id, right=False)
    before = await card_of(app, ada, question_id)
    await app.close()
    clock.advance(timedelta(hours=1))
    again = await QuizApp.open(path, CONTENT, clock=clock)
    try:
        assert await card_of(again, ada, question_id) == before
        view = await again.quiz.ask_question(ada)
        assert (view.question_id, view.reason) == (question_id, "due for review")
    finally:
        await again.close()


async def test_review_session_is_private_and_lists_due_questions(app, clock):
    ada, bob = console_actor("Ada"), console_actor("Bob")
    empty = await app.handle_text(ada, "/quiz review")
    assert isinstance(empty, ReviewSession) and empty.questions == () and empty.next_due is None
    wrong = [q.id for q in app.pack.questions[:7]]
    for question_id in wrong:
        await answer_question(app, ada, question_id, right=False)
    soon = await app.quiz.review_session(ada)
    assert soon.questions == () and soon.next_due is not None  # due in a minute, not yet
    clock.advance(timedelta(minutes=5))
    session = await app.handle_text(ada, "/quiz review")
    assert isinstance(session, ReviewSession) and session.due_total == 7
    assert len(session.questions) == 5
    assert {v.question_id for v in session.questions} <= set(wrong)
    assert all(v.reason == "due for review" for v in session.questions)
    first = session.questions[0]
    refused = await app.dispatch(bob, AnswerQuestion(first.post_id, 0))
    assert isinstance(refused, Notice) and refused.error and "someone else's" in refused.text
    q = app.pack.question(first.question_id)
    result = await app.dispatch(ada, AnswerQuestion(first.post_id, q.correct_index))
    assert result.correct
    topic = await app.quiz.review_session(ada, "locks-and-synchronization")
    assert topic.questions == () and topic.due_total == 0


async def test_stats_show_mastered_learning_new_and_the_next_due_time(app, clock):
    ada = console_actor("Ada")
    await app.boards.zones.set(ada, "America/Los_Angeles")
    question_id = app.pack.questions[0].id
    await answer_question(app, ada, app.pack.questions[1].id, right=False)
    # review one question on time, always right, until FSRS calls it mastered
    for _ in range(20):
        await answer_question(app, ada, question_id, right=True)
        card = await card_of(app, ada, question_id)
        if card.mastered:
            break
        clock.set(card.due)
    assert card.stability > srs.MASTERED_STABILITY_DAYS
    stats = await app.handle_text(ada, "/quiz stats")
    pvt = stats.progress[0]
    total = len(app.pack.questions_for("processes-vs-threads"))
    assert (pvt.topic, pvt.mastered, pvt.learning, pvt.new) == (
        "Processes vs Threads",
        1,
        1,
        total - 2,
    )
    assert stats.mastered == 1 and stats.due_now == 1  # the wrong one is long overdue
    assert stats.next_due == card.due and stats.next_due.tzinfo == LA

    board = await app.boards.leaderboard(ada, "server", sort="mastered")
    assert [(r.display_name, r.mastered) for r in board.rows] == [("Ada", 1)]
    topic_board = await app.handle_text(ada, "/quiz leaderboard processes-vs-threads mastered")
    assert [(r.display_name, r.mastered) for r in topic_board.rows] == [("Ada", 1)]
    other = await app.handle_text(ada, "/quiz leaderboard locks-and-synchronization mastered")
    assert other.rows == ()


# -- leaderboards ---------------------------------------------------------------------------


async def test_accuracy_board_needs_enough_answers(app):
    questions = [q.id for q in app.pack.questions]
    lucky, steady, shaky = member("Lucky"), member("Steady"), member("Shaky")
    await answer_question(app, lucky, questions[0], right=True)  # 1/1 = 100%
    for i in range(10):
        await answer_question(app, steady, questions[i], right=i != 0)  # 9/10
    for i in range(5):
        await answer_question(app, shaky, questions[i], right=i % 2 == 0)  # 3/5
    board = await app.handle_text(lucky, "/quiz leaderboard by accuracy")
    assert isinstance(board, Leaderboard) and board.sort == "accuracy"
    assert board.min_answers == MIN_ANSWERS_FOR_ACCURACY == 5
    assert [(r.display_name, r.rank) for r in board.rows] == [("Steady", 1), ("Shaky", 2)]
    assert board.total_players == 2
    assert board.me is not None and board.me.rank == 0 and board.me.answered == 1
    shaky_board = await app.boards.leaderboard(shaky, sort="accuracy")
    assert shaky_board.me.rank == 2


async def test_accuracy_ties_share_a_rank_and_topics_have_their_own_board(app):
    questions = app.pack.questions_for("processes-vs-threads")
    names = ["Ann", "Ben", "Cat", "Dan"]
    scores = [(4, 5), (8, 10), (8, 10), (5, 10)]  # 80%, 80%, 80%, 50%
    for name, (right, total) in zip(names, scores, strict=True):
        actor = member(name)
        for i in range(total):
            await answer_question(app, actor, questions[i].id, right=i < right)
    board = await app.boards.leaderboard(
        member("Dan"), topic="processes-vs-threads", sort="accuracy"
    )
    assert board.topic == "Processes vs Threads"
    # equal accuracy: more answers first, all share rank 1; the next rank is 4
    assert [(r.display_name, r.rank) for r in board.rows] == [
        ("Ben", 1),
        ("Cat", 1),
        ("Ann", 1),
        ("Dan", 4),
    ]
    other_topic = await app.boards.leaderboard(member("Dan"), topic="locks-and-synchronization")
    assert other_topic.rows == () and other_topic.me is None
    points = await app.handle_text(member("Dan"), "/quiz leaderboard processes-vs-threads")
    assert [r.points for r in points.rows] == [80, 80, 50, 40]
    assert [r.rank for r in points.rows] == [1, 1, 3, 4]
    refused = await app.handle_text(member("Dan"), "/quiz leaderboard channel locks")
    assert refused.error


async def test_streak_board_counts_current_streaks(app, clock):
    questions = [q.id for q in app.pack.questions]
    ada, bob, cy = member("Ada"), member("Bob"), member("Cy")
    for day in range(3):
        await answer_question(app, ada, questions[day], right=True)
        if day >= 1:
            await answer_question(app, bob, questions[day], right=True)
        clock.advance(timedelta(days=1))
    await answer_question(app, cy, questions[0], right=False)
    board = await app.handle_text(cy, "/quiz leaderboard streak")
    assert [(r.display_name, r.streak, r.rank) for r in board.rows] == [
        ("Ada", 3, 1),
        ("Bob", 2, 2),
    ]
    assert board.me.display_name == "Cy" and board.me.rank == 3 and board.me.streak == 0
    clock.advance(timedelta(days=2))  # everyone missed a day: no current streaks
    assert (await app.boards.leaderboard(cy, sort="streak")).rows == ()


async def test_unknown_leaderboard_words_are_errors(app):
    reply = await app.handle_text(console_actor("Ada"), "/quiz leaderboard by speed")
    assert isinstance(reply, Notice) and reply.error and "Unknown sort 'speed'" in reply.text
    reply = await app.handle_text(console_actor("Ada"), "/quiz leaderboard galaxy")
    assert reply.error and "Unknown leaderboard option 'galaxy'" in reply.text


# -- time zones -------------------------------------------------------------------------------


async def test_sunday_night_in_los_angeles_counts_in_that_week(app, clock):
    admin = console_actor("Admin")
    refused = await app.handle_text(member("Ada"), "/quiz timezone America/Los_Angeles")
    assert refused.error and "admin" in refused.text
    bad = await app.handle_text(admin, "/quiz timezone Mars/Olympus_Mons")
    assert bad.error and "Unknown time zone" in bad.text
    sneaky = await app.handle_text(admin, "/quiz timezone ../../etc/passwd")
    assert sneaky.error and "Unknown time zone" in sneaky.text
    lower = await app.handle_text(admin, "/quiz timezone asia/tokyo")  # any case, like /daily
    assert not lower.error and app.boards.zones.zone_of(admin.workspace_key).key == "Asia/Tokyo"
    await app.handle_text(admin, "/quiz timezone UTC")
    assert app.boards.zones.zone_of(admin.workspace_key).key == "UTC"
    ok = await app.handle_text(admin, "/quiz timezone America/Los_Angeles")
    assert not ok.error and app.boards.zones.zone_of(admin.workspace_key) == LA

    # Sunday 2026-03-08 23:30 in Los Angeles is already Monday 07:30 UTC
    sunday_night = datetime(2026, 3, 8, 23, 30, tzinfo=LA)
    clock.set(sunday_night)
    ada = member("Ada")
    await answer_question(app, ada, app.pack.questions[0].id, right=True)
    week = await app.boards.leaderboard(ada, "server", "week")
    assert [r.display_name for r in week.rows] == ["Ada"]
    assert week.since == datetime(2026, 3, 2, tzinfo=LA)
    clock.set(datetime(2026, 3, 9, 0, 30, tzinfo=LA))  # Monday in LA: a new week
    assert (await app.boards.leaderboard(ada, "server", "week")).rows == ()
    clock.set(datetime(2026, 3, 8, 20, 0, tzinfo=UTC))  # back in the week of Mon 2026-03-02
    assert len((await app.boards.leaderboard(ada, "server", "week")).rows) == 1


async def test_a_board_read_just_before_local_midnight_is_not_reused_after_it(app, clock):
    # boards compute "today" once per local day: the streak shown lapses, and the week turns,
    # at the workspace's midnight even when the board was read a minute before
    await app.handle_text(console_actor("Admin"), "/quiz timezone America/Los_Angeles")
    ada = member("Ada")
    clock.set(datetime(2026, 3, 14, 12, 0, tzinfo=LA))  # Saturday
    await answer_question(app, ada, app.pack.questions[0].id, right=True)
    clock.set(datetime(2026, 3, 15, 23, 59, tzinfo=LA))  # Sunday: yesterday's streak is alive
    board = await app.boards.leaderboard(ada, "server", "week", sort="streak")
    assert [(r.display_name, r.streak) for r in board.rows] == [("Ada", 1)]
    assert board.since == datetime(2026, 3, 9, tzinfo=LA)
    clock.set(datetime(2026, 3, 16, 0, 1, tzinfo=LA))  # Monday: a new week, the streak lapsed
    board = await app.boards.leaderboard(ada, "server", "all", sort="streak")
    assert board.rows == () and board.me_text == "You: no current day streak."
    week = await app.boards.leaderboard(ada, "server", "week")
    assert week.rows == () and week.since == datetime(2026, 3, 16, tzinfo=LA)


async def test_boards_turn_the_day_at_local_midnight_across_a_clock_change(app, clock):
    # Berlin moves its clocks on Sunday 2026-03-29 at 02:00: that day's midnight is at
    # +01:00, the next at +02:00; a board read early that day must not carry over to Monday
    berlin = ZoneInfo("Europe/Berlin")
    await app.handle_text(console_actor("Admin"), "/quiz timezone Europe/Berlin")
    ada = member("Ada")
    clock.set(datetime(2026, 3, 28, 12, 0, tzinfo=berlin))  # Saturday
    await answer_question(app, ada, app.pack.questions[0].id, right=True)
    for hour, minute in ((0, 30), (12, 0), (23, 59)):  # Sunday, before and after the change
        clock.set(datetime(2026, 3, 29, hour, minute, tzinfo=berlin))
        board = await app.boards.leaderboard(ada, "server", "week", sort="streak")
        assert [(r.display_name, r.streak) for r in board.rows] == [("Ada", 1)]
        assert board.since == datetime(2026, 3, 23, tzinfo=berlin)
    clock.set(datetime(2026, 3, 30, 0, 1, tzinfo=berlin))  # Monday: a new week, streak lapsed
    week = await app.boards.leaderboard(ada, "server", "week")
    assert week.rows == () and week.since == datetime(2026, 3, 30, tzinfo=berlin)
    board = await app.boards.leaderboard(ada, "server", "all", sort="streak")
    assert board.rows == ()


async def test_the_zone_is_stored_per_workspace(db_target, clock):
    path = db_target
    app = await QuizApp.open(path, CONTENT, clock=clock)
    await app.boards.zones.set(console_actor("Admin"), "Asia/Tokyo")
    await app.close()
    again = await QuizApp.open(path, CONTENT, clock=clock)
    try:
        assert again.boards.zones.zone_of("console:local").key == "Asia/Tokyo"
        assert again.boards.zones.zone_of("slack:T1").key == "UTC"
        shown = await again.handle_text(console_actor("Ada"), "/quiz timezone")
        assert "Asia/Tokyo" in shown.text
    finally:
        await again.close()


async def test_migration_backfills_topic_boards(tmp_path, clock):
    # a database from before this feature: v3, the daily question's schema (this feature is v4)
    path = tmp_path / "old.db"
    write_old_database(path, version=3)
    app = await QuizApp.open(path, CONTENT, clock=clock)
    try:
        ada = console_actor("Ada")
        board = await app.boards.leaderboard(ada, topic="processes-vs-threads")
        assert [(r.display_name, r.points) for r in board.rows] == [("Ada", 10)]
        assert (await app.boards.stats(ada)).mastered == 0
    finally:
        await app.close()


async def test_board_sizes_stay_in_step_with_score_rows(app):
    questions = [q.id for q in app.pack.questions]
    for n, name in enumerate(["Ann", "Ben", "Cat"]):
        actor = console_actor(name, channel=f"room{n % 2}")
        for i in range(3 + 2 * n):  # 3, 5, 7 answers: Ben and Cat qualify for accuracy
            await answer_question(app, actor, questions[i], right=i % 2 == 0)
    view = await app.quiz.post_question(console_actor("Ann"), app.pack.questions[0])
    await app.quiz.answer(console_actor("Ann"), view.post_id, 0)
    await app.quiz.answer(console_actor("Ann"), view.post_id, 1)  # a repeat changes nothing

    def check(db):
        counted = db.execute(
            "SELECT scope, period, COUNT(*), SUM(CASE WHEN answered >= 5 THEN 1 ELSE 0 END)"
            " FROM scores"
            " GROUP BY scope, period ORDER BY 1, 2"
        ).fetchall()
        stored = db.execute(
            "SELECT scope, period, players, qualified FROM boards ORDER BY 1, 2"
        ).fetchall()
        return counted, stored

    await app.answers.settled()  # board sizes are derived rows: they trail the click
    counted, stored = await app.db.read(check)
    assert counted == stored and len(counted) >= 10
    board = await app.boards.leaderboard(console_actor("Ann"), sort="accuracy")
    assert board.total_players == 2 and [r.display_name for r in board.rows] == [
        "Ben",
        "Cat",
    ]  # 3/5 before 4/7


async def test_points_reward_learning_not_repetition(app, clock):
    ada = console_actor("Ada")
    question = app.pack.questions[0]

    async def right_again():
        view = await app.quiz.post_question(ada, question)
        return await app.quiz.answer(ada, view.post_id, question.correct_index)

    first = await right_again()
    assert first.points_gained == 10 and first.score_text == "+10 points"
    farmed = await right_again()  # asked again at once: not due for review yet
    assert farmed.correct and farmed.points_gained == 0 and farmed.total_points == 10
    assert "not due for review" in farmed.score_text
    due = next(iter((await app.quiz.srs_cards(ada.user_key)).values())).due
    clock.set(due + timedelta(minutes=1))  # due again: a right answer scores
    assert (await right_again()).points_gained == 10
    board = await app.boards.leaderboard(ada)
    assert board.rows[0].points == 20 and board.rows[0].answered == 3

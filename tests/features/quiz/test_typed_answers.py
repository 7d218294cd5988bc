"""Typed-answer questions through the core: scores, first answer wins, FSRS, leaderboards and
the daily question, like choice questions; on both backends (SQLite file, PostgreSQL schema)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.app import QuizApp
from bot.features.boards import Leaderboard
from bot.features.daily import DailyScheduler
from bot.features.quiz import AnswerResult, QuestionView
from bot.features.quiz.requests import AnswerQuestion, AnswerTyped, AskQuestion
from bot.kernel.identity import Actor
from bot.kernel.results import Notice
from tests.command_line import Quizbot
from tests.conftest import console_actor
from tests.features.daily.test_daily_question import RecordingPoster, admin, member, step, utc
from tests.typed_content import typed_content

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

NET = "networking-basics"


@pytest.fixture
async def app(db_target, typed_content_folder, clock):
    app = await QuizApp.open(db_target, typed_content_folder, clock=clock)
    yield app
    await app.close()


async def ask(app: QuizApp, actor: Actor, topic: str = NET) -> QuestionView:
    view = await app.dispatch(actor, AskQuestion(topic))
    assert isinstance(view, QuestionView), view
    return view


async def rows(app: QuizApp, sql: str, *args: object) -> list[tuple]:
    """What the database holds now, through the app's own read connection (either backend)."""
    await app.answers.settled()  # derived rows (FSRS, topics) trail the click
    return await app.db.read(lambda db: [tuple(r) for r in db.execute(sql, args).fetchall()])


async def test_a_typed_question_is_posted_without_choices(app):
    view = await ask(app, console_actor("Ada"))
    assert view.typed and view.choices == ()
    assert view.question_id == "net-reliable-protocol" and view.reason == "new"


async def test_right_wrong_and_forgiving_typed_answers_score_and_explain(app):
    view = await ask(app, console_actor("Ada"))
    right = await app.dispatch(console_actor("Ada"), AnswerTyped(view.post_id, "  tcp "))
    assert isinstance(right, AnswerResult)
    assert right.correct and right.typed == "tcp" and right.points_gained == 10
    assert right.correct_text == "TCP"
    assert right.accepted_text == "TCP (also: Transmission Control Protocol)"
    assert right.why.startswith("TCP acknowledges every segment")
    typo = await app.dispatch(
        console_actor("Bo"), AnswerTyped(view.post_id, "transmision control protocol")
    )
    assert isinstance(typo, AnswerResult) and typo.correct  # one letter missing: forgiven
    wrong = await app.dispatch(console_actor("Cy"), AnswerTyped(view.post_id, "UDP"))
    assert isinstance(wrong, AnswerResult)
    assert not wrong.correct and wrong.typed == "UDP" and wrong.points_gained == 0
    assert wrong.correct_text == "TCP"
    stored = await rows(
        app, "SELECT user_key, choice, correct, typed FROM answers ORDER BY answered_at, user_key"
    )
    assert sorted(stored) == [
        ("console:ada", -1, 1, "tcp"),
        ("console:bo", -1, 1, "transmision control protocol"),
        ("console:cy", -1, 0, "UDP"),
    ]
    board = await app.boards.leaderboard(console_actor("Ada"), "channel", "all")
    assert isinstance(board, Leaderboard)
    assert {r.display_name: r.points for r in board.rows} == {"Ada": 10, "Bo": 10, "Cy": 0}
    stats = await app.boards.stats(console_actor("Ada"))
    assert (stats.points, stats.answered, stats.correct, stats.streak) == (10, 1, 1, 1)


async def test_first_typed_answer_wins_even_in_one_burst(app):
    view = await ask(app, console_actor("Ada"))
    ada = console_actor("Ada")
    results = await asyncio.gather(
        app.dispatch(ada, AnswerTyped(view.post_id, "UDP")),
        app.dispatch(ada, AnswerTyped(view.post_id, "TCP")),
    )
    assert [r.already_answered for r in results] == [False, True]
    assert all(r.typed == "UDP" and not r.correct for r in results)
    again = await app.dispatch(ada, AnswerTyped(view.post_id, "TCP"))
    assert again.already_answered and again.typed == "UDP" and not again.correct
    assert await rows(app, "SELECT COUNT(*), SUM(points) FROM answers") == [(1, 0)]
    assert (await app.boards.stats(ada)).answered == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "Type an answer: the box was empty."),
        ("x" * 201, "That answer is too long (201 characters; at most 200)."),
    ],
)
async def test_empty_or_huge_typed_answers_get_one_line_and_store_nothing(app, text, message):
    view = await ask(app, console_actor("Ada"))
    reply = await app.dispatch(console_actor("Ada"), AnswerTyped(view.post_id, text))
    assert isinstance(reply, Notice) and reply.error and reply.text == message
    assert await rows(app, "SELECT COUNT(*) FROM answers") == [(0,)]


async def test_a_choice_for_a_typed_question_and_text_for_a_choice_question_are_refused(app):
    typed = await ask(app, console_actor("Ada"))
    refused = await app.dispatch(console_actor("Ada"), AnswerQuestion(typed.post_id, 0))
    assert isinstance(refused, Notice) and refused.error and "typed answer" in refused.text
    choice = await ask(app, console_actor("Ada"), "processes-vs-threads")
    assert not choice.typed and choice.choices
    refused = await app.dispatch(console_actor("Ada"), AnswerTyped(choice.post_id, "threads"))
    assert isinstance(refused, Notice) and refused.error
    assert refused.text == f"That question has choices: pick one from 1 to {len(choice.choices)}."
    assert await rows(app, "SELECT COUNT(*) FROM answers") == [(0,)]


async def test_typed_answers_feed_fsrs_review(app, clock):
    ada = console_actor("Ada")
    first = await ask(app, ada)
    await app.dispatch(ada, AnswerTyped(first.post_id, "UDP"))  # wrong: due again soon
    second = await ask(app, ada)
    assert second.question_id == "net-handshake-packets"
    await app.dispatch(ada, AnswerTyped(second.post_id, "three"))
    clock.advance(timedelta(days=1))
    session = await app.quiz.review_session(ada, NET)
    assert [q.question_id for q in session.questions][0] == "net-reliable-protocol"
    assert session.questions[0].typed
    right = await app.dispatch(ada, AnswerTyped(session.questions[0].post_id, "TCP"))
    assert right.correct and right.points_gained == 10


async def test_a_typed_daily_question_counts_answers_right_and_who_was_first(app, clock):
    poster = RecordingPoster(clock)
    scheduler = DailyScheduler(app.daily, "console", poster)
    clock.set(utc(2026, 3, 2, 6, 0))
    await app.daily.set_schedule(admin(), "09:00", "Europe/Berlin", "mon-fri", topic=NET)
    await step(scheduler, clock, utc(2026, 3, 2, 8, 0))
    daily = poster.questions[0][1]
    assert daily.view.typed and daily.view.choices == ()
    question = app.pack.question(daily.view.question_id)
    clock.advance(timedelta(minutes=1))
    await app.quiz.answer_typed(member("Bob"), daily.view.post_id, "no idea")
    clock.advance(timedelta(minutes=1))
    await app.quiz.answer_typed(member("Cy"), daily.view.post_id, question.accept[-1])
    clock.advance(timedelta(minutes=1))
    await app.quiz.answer_typed(member("Dee"), daily.view.post_id, question.accept[0])
    await step(scheduler, clock, utc(2026, 3, 3, 8, 0))
    [(_, results)] = poster.results
    assert results.typed and results.accepted == question.accept
    assert (results.answered, results.right) == (3, 2)
    assert results.correct_text == question.answer and results.why == question.why
    assert results.first_right == "Cy" and results.first_right_at == utc(2026, 3, 2, 8, 2)
    streaks = await app.daily.streaks(["console:cy", "console:bob"], None, "console:local")
    assert streaks["console:cy"]["console:local:terminal"][0] == 1
    assert streaks["console:bob"]["console:local:terminal"][0] == 0


async def test_a_group_summary_ignores_typed_wrong_answers(app):
    ada = console_actor("Ada")
    await app.groups.create(ada, "night owls")
    view = await ask(app, ada)
    await app.dispatch(ada, AnswerTyped(view.post_id, "UDP"))
    summary = await app.groups.summary(ada, "night owls")
    assert summary.misconception is None  # a typed answer is no "most-picked wrong choice"


@pytest.fixture
def quizbot(monkeypatch, capfd):
    # the console in this process, its input on fd 0: its output and status as a process's
    return Quizbot(monkeypatch, capfd, bound_s=60)


def test_console_takes_the_next_line_that_is_no_command_as_the_typed_answer(tmp_path, quizbot):
    content = typed_content(tmp_path / "content")
    lines = [
        "/as Ada",
        "/quiz networking-basics",
        "/topics",  # a command in between is still a command
        "transmision control protocol",
        "UDP",  # a second answer changes nothing
        "/quiz networking-basics",
        "B",  # a typed question takes a letter as text, not as a choice
        "/stats",
        "/quit",
    ]
    out = quizbot(
        *("console", "--db", str(tmp_path / "q.db"), "--content", str(content)),
        cwd=tmp_path,
        input="\n".join(lines) + "\n",
    )
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "Traceback" not in out.stdout + out.stderr
    assert "Which transport protocol retransmits lost segments? " in text
    assert "Networking basics · new — type your answer" in text
    assert "✅ Correct! +10 points You typed: transmision control protocol" in text
    assert "You already answered: transmision control protocol — no change." in text
    assert "❌ Not quite. You typed: B The answer is 3 (also: three)." in text
    assert "Why: SYN, SYN-ACK, ACK." in text

"""The whole flow as a user would do it: `quizbot console` as a real subprocess."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from adapters.console import ConsolePlatform, ConsoleSession
from adapters.platform import ChannelPoster
from bot.app import QuizApp
from bot.features.daily import DailyScheduler
from bot.features.quiz import QuestionView
from bot.features.quiz.results import choice_order
from bot.kernel.clock import FakeClock
from bot.kernel.pg_url import is_postgres_url
from tests.conftest import CONTENT, ROOT, console_actor

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)


def shown_number(post_id: int, question) -> int:
    """Where ``question``'s right choice is shown (0-based) on post ``post_id``."""
    order = choice_order(post_id, question.id, len(question.choices), question.keep_order)
    return order.index(question.correct_index)


def right_number(app: QuizApp, view: QuestionView) -> int:
    """The number (1-based) a user types for the right choice, as ``view`` shows it."""
    correct = app.pack.question(view.question_id).correct_index
    return [c.index for c in view.shown].index(correct) + 1


def run_console(db, commands: list[str]) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", str(db)],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    return out.stdout


@pytest.fixture
def new_db(backend, tmp_path, request) -> Path | str:
    """A database nobody has opened yet (a pooled PostgreSQL schema is already migrated, and
    the banner would rightly call it existing)."""
    if backend == "sqlite":
        return tmp_path / "quiz.db"
    return request.getfixturevalue("postgres").fresh_schema()


def says_opened(banner: str, db: Path | str, state: str) -> bool:
    """Whether the console's banner names the database ``db``, in ``state``."""
    if is_postgres_url(db):  # server and database, then the schema (never a password)
        schema = str(db).rpartition("search_path=")[2]
        return (
            re.search(rf"Opened PostgreSQL database \S+ \(schema {schema}\) \({state}\)\.", banner)
            is not None
        )
    return f"Opened SQLite database {Path(db).resolve()} ({state})." in banner


def test_two_users_answer_double_answer_and_scores_survive_restart(new_db):
    db = new_db
    out = run_console(
        db,
        [
            "/as Ada",
            "/quiz card processes-vs-threads",
            "/quiz question processes-vs-threads",
            "A",
            "B",  # Ada again on the same question: already answered
            "/as Bob",
            "2",
            "/quiz leaderboard",
            "/stats",
            "Z",
            "/nonsense",
            "/quit",
        ],
    )
    # the banner says which database it opened, and that it is new
    banner = " ".join(out.split())  # rich wraps lines at 80 columns
    assert says_opened(banner, db, "new: created just now"), banner
    assert "Processes vs Threads" in out and "Own, isolated" in out
    assert "Try it live" in out
    ada_result = re.search(r"(✅ Correct! \+10 points|❌ Not quite — you picked A\))", out)
    assert ada_result, out
    assert out.count("Why: ") == 3  # Ada, Ada's repeat, Bob
    assert out.count("Total: ") == 3 and "day streak: " in out
    assert "You already answered: A)" in out
    assert "no change" in out
    assert "'Z' is not a choice" in out
    assert "Unknown command '/nonsense'. Type /help for the commands." in out
    board = out[out.index("This server — all time") :]
    assert "Ada" in board and "Bob" in board

    # a second run on the same database: the scores are still there
    again = run_console(db, ["/as Ada", "/stats", "/as Bob", "/stats"])
    assert says_opened(" ".join(again.split()), db, "existing"), again
    points = re.findall(r"^(Ada|Bob): (\d+) points", again, flags=re.M)
    assert [name for name, _ in points] == ["Ada", "Bob"]
    first = dict(re.findall(r"^(Ada|Bob): (\d+) points", out, flags=re.M))
    assert first.get("Bob") == dict(points)["Bob"]
    assert "answered 1" in again


def test_console_with_closed_stdin_exits_cleanly(tmp_path):
    out = run_console(tmp_path / "q.db", [])
    assert "Type /quiz for a question" in out


async def test_groups_group_board_and_review_in_the_console(db_target):
    db = db_target
    # a day ago (real time: the console uses the system clock) Ada got two questions wrong,
    # so both are due for review now
    app = await QuizApp.open(db, CONTENT, clock=FakeClock(datetime.now(UTC) - timedelta(days=1)))
    ada = console_actor("Ada")
    wrong = app.pack.questions[:2]
    for question in wrong:
        view = await app.quiz.post_question(ada, question)
        await app.quiz.answer(ada, view.post_id, (question.correct_index + 1) % 4)
    await app.close()

    out = run_console(
        db,
        [
            "/as Ada --admin",  # creating a group takes an admin
            "/quiz group create Night Owls",
            "/quiz group create <@123>",
            "/quiz group join night owls",
            "/as Bob",
            "/quiz group join Night Owl",
            '/quiz group join "Night Owls"',
            "/quiz",
            "1",
            '/quiz leaderboard group "night owls"',
            "/as Ada",
            "/quiz review",
            # the review posts are 4 and 5 (after the two above and Bob's question): the number
            # typed is where the right choice is shown on each
            str(shown_number(4, wrong[0]) + 1),
            str(shown_number(5, wrong[1]) + 1),
            "/quiz review",
            "/quit",
        ],
    )
    assert "Created study group Night Owls" in out
    assert "cannot contain mentions" in out
    assert "You joined Night Owls (1 member)" in out
    assert "No group called 'Night Owl'. Did you mean Night Owls?" in out
    assert "You joined Night Owls (2 members)" in out
    board = out[out.index("Group Night Owls — all time") :]
    assert "Ada" in board and "Bob" in board
    review = out[out.index("Review: 2 questions due") :]
    assert wrong[0].prompt in review and wrong[1].prompt in review
    assert review.count("✅ Correct!") == 2 and "Review done" in review
    assert "Nothing is due for review. Next review due" in review


async def test_a_daily_question_cutting_into_a_review_hands_the_review_back(app, clock):
    output = io.StringIO()
    session = ConsoleSession(app, Console(file=output, width=100), "Ada")
    wrong = app.pack.questions[:2]
    for question in wrong:
        view = await app.quiz.post_question(session.actor, question)
        await app.quiz.answer(session.actor, view.post_id, (question.correct_index + 1) % 4)
    clock.advance(timedelta(minutes=5))
    scheduler = DailyScheduler(app.daily, "console", ChannelPoster(ConsolePlatform(session)))
    await session.handle_line("/quiz daily set 12:10 UTC daily")
    await session.handle_line("/quiz review")
    interrupted = session.current
    assert session.reviewing and interrupted is not None

    clock.advance(timedelta(minutes=6))
    await scheduler.run_due()
    daily = session.current
    assert daily is not None and daily.post_id != interrupted.post_id
    await session.handle_line(str(right_number(app, daily)))
    assert session.current == interrupted  # back to the review question the daily cut into
    for _ in wrong:
        current = session.current
        await session.handle_line(str(right_number(app, current)))
    text = output.getvalue()
    assert "📅 Daily question · " in text and "Review done" in text
    assert text.count("✅ Correct!") == 3


def test_topics_by_prefix_and_title_and_a_demo_near_miss_in_the_console(tmp_path):
    out = run_console(
        tmp_path / "q.db", ["/quiz locks", "/quiz Locks & Synchronization", "/demo gill"]
    )
    text = " ".join(out.split())
    assert text.count("Locks & Synchronization · new") == 2, out
    assert "Unknown command" not in text
    assert "unknown demo 'gill' (did you mean gil?)" in text

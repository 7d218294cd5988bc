"""Storage faults while running and at start-up: a one-line reply, the bot keeps serving,
nothing half-written, and the next answer goes through once the fault clears.

How each fault is made (tests run as root, which ignores file modes):
- locked: a real second connection holding ``BEGIN EXCLUSIVE``; busy_timeout is 200 ms here;
- read-only: the bot's own writer refuses writes (SQLite's ``PRAGMA query_only=ON``, "attempt
  to write a readonly database" as for a read-only file; PostgreSQL's read-only session);
- full disk: ``PRAGMA max_page_count`` on the writer (SQLITE_FULL, as on a full disk);
- damaged: garbage written over the answers table's pages in a copy of a real database.

The read-only fault and our own bugs run on both backends; the others are faults of the SQLite
file itself (PostgreSQL's own faults: tests/kernel/test_postgres.py).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot.app import SCHEMA, QuizApp
from bot.features.quiz import AnswerResult, QuestionView
from bot.features.quiz.requests import AnswerQuestion
from bot.kernel.db import run_on_thread
from bot.kernel.maintenance import backup_database, check_database
from bot.kernel.results import Notice
from tests.command_line import Quizbot
from tests.conftest import CONTENT
from tests.outages import read_only_writer
from tests.recorded import stored

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py), but the file's own faults

SAVE_FAILED = "Couldn't save your answer — please try again."


def user(n: int):
    from bot.kernel.identity import Actor

    return Actor("slack", f"U{n}", f"user {n}", "T1", "C1")


@pytest.fixture
async def quick_app(db_target, clock):
    app = await QuizApp.open(db_target, CONTENT, clock=clock, busy_timeout_ms=200)
    yield app
    await app.close()


async def consistent(app: QuizApp) -> bool:
    """The users' materialized totals equal a recount of the answers table (read through the
    app's own connection: either backend)."""
    rows = await stored(
        app,
        "SELECT u.points, u.answered, (SELECT COALESCE(SUM(points), 0) FROM answers a"
        " WHERE a.user_key = u.user_key), (SELECT COUNT(*) FROM answers a"
        " WHERE a.user_key = u.user_key) FROM users u",
    )
    return all(points == total and answered == count for points, answered, total, count in rows)


async def answers_of(app: QuizApp, user_key: str) -> int:
    [(count,)] = await stored(app, "SELECT COUNT(*) FROM answers WHERE user_key = ?", user_key)
    return count


@pytest.mark.sqlite_only  # SQLite's file lock; PostgreSQL's writers queue on an advisory lock
async def test_locked_database_answer_gets_one_line_then_goes_through(quick_app, db_target):
    app = quick_app
    view = await app.dispatch(user(0), _ask())
    assert isinstance(view, QuestionView)
    other = sqlite3.connect(db_target, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        reply = await app.dispatch(user(1), AnswerQuestion(view.post_id, 0))
        assert reply == Notice(SAVE_FAILED, error=True)
        asked = await app.handle_text(user(1), "quiz")  # a new post is a write too
        assert isinstance(asked, Notice) and asked.error and "try again" in asked.text
        topics = await app.handle_text(user(1), "topics")  # reads keep working (WAL)
        assert not (isinstance(topics, Notice) and topics.error)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert await answers_of(app, "slack:U1") == 0  # nothing half-written
    reply = await app.dispatch(user(1), AnswerQuestion(view.post_id, 0))
    assert isinstance(reply, AnswerResult) and not reply.already_answered
    assert await answers_of(app, "slack:U1") == 1
    assert await consistent(app)


async def test_read_only_database_then_writable_again(quick_app):
    app = quick_app
    view = await app.dispatch(user(0), _ask())
    async with read_only_writer(app):
        reply = await app.dispatch(user(1), AnswerQuestion(view.post_id, 1))
        assert reply == Notice(SAVE_FAILED, error=True)
    reply = await app.dispatch(user(1), AnswerQuestion(view.post_id, 1))
    assert isinstance(reply, AnswerResult) and reply.chosen_index == 1
    assert await consistent(app)


@pytest.mark.sqlite_only  # SQLite's page cap on the file (a full disk) has no PostgreSQL twin
async def test_full_disk_refuses_answers_whole_and_recovers(quick_app):
    app = quick_app
    view = await app.dispatch(user(0), _ask())

    def cap(db: sqlite3.Connection) -> None:
        (pages,) = db.execute("PRAGMA page_count").fetchone()
        db.execute(f"PRAGMA max_page_count={pages}")

    await run_on_thread(app.db.writer, cap)
    refused = None
    for n in range(1, 2000):
        reply = await app.dispatch(user(n), AnswerQuestion(view.post_id, n % 4))
        if isinstance(reply, Notice):
            assert reply == Notice(SAVE_FAILED, error=True)
            refused = n
            break
    assert refused is not None, "the capped database never filled up"
    assert await answers_of(app, f"slack:U{refused}") == 0
    assert await consistent(app)  # the failed batch left nothing behind
    await run_on_thread(app.db.writer, lambda db: db.execute("PRAGMA max_page_count=1073741823"))
    reply = await app.dispatch(user(refused), AnswerQuestion(view.post_id, 0))
    assert isinstance(reply, AnswerResult)
    assert await answers_of(app, f"slack:U{refused}") == 1


# SQLite only: garbage over the file's pages (PostgreSQL's pages are the server's)
async def test_damaged_pages_give_one_line_and_the_bot_keeps_serving(tmp_path, clock):
    healthy = tmp_path / "healthy.db"
    app = await QuizApp.open(healthy, CONTENT, clock=clock)
    view = await app.dispatch(user(0), _ask())
    for n in range(1, 300):  # enough answers for the table to span pages of its own
        await app.dispatch(user(n), AnswerQuestion(view.post_id, n % 4))
    await app.close()
    assert check_database(healthy, SCHEMA.version).ok

    damaged = tmp_path / "damaged.db"
    shutil.copy(healthy, damaged)
    con = sqlite3.connect(damaged)
    (page_size,) = con.execute("PRAGMA page_size").fetchone()
    roots = [
        r for (r,) in con.execute("SELECT rootpage FROM sqlite_master WHERE tbl_name = 'answers'")
    ]
    con.close()
    with open(damaged, "r+b") as f:
        for root in roots:  # the answers table and its indexes, in the middle of the file
            f.seek((root - 1) * page_size)
            f.write(os.urandom(page_size))

    found = check_database(damaged, SCHEMA.version)
    assert not found.ok and found.problems
    assert "integrity check FAILED" in found.lines()[-1]

    app = await QuizApp.open(damaged, CONTENT, clock=clock, busy_timeout_ms=200)
    try:
        reply = await app.dispatch(user(500), AnswerQuestion(view.post_id, 0))
        assert reply == Notice(SAVE_FAILED, error=True)
        card = await app.handle_text(user(500), "topics")  # the rest keeps serving
        assert not (isinstance(card, Notice) and card.error)
    finally:
        await app.close()


@pytest.mark.sqlite_only  # quizbot db backup copies a SQLite file (PostgreSQL: pg_dump)
async def test_online_backup_while_the_bot_runs(quick_app, db_target, tmp_path, clock):
    app = quick_app
    view = await app.dispatch(user(0), _ask())
    await app.dispatch(user(1), AnswerQuestion(view.post_id, 0))
    done = backup_database(db_target, tmp_path / "backup.db")
    assert done.pages > 0 and done.target.stat().st_size == done.size_bytes
    assert check_database(done.target, SCHEMA.version).ok
    copy = await QuizApp.open(done.target, CONTENT, clock=clock)  # the bot can serve the copy
    try:
        assert await answers_of(copy, "slack:U1") == 1
    finally:
        await copy.close()
    with pytest.raises(Exception, match="already exists"):
        backup_database(db_target, tmp_path / "backup.db")


@pytest.fixture
def quizbot(monkeypatch, capfd):
    return Quizbot(monkeypatch, capfd, bound_s=60)


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: (p / "dir.db").mkdir() or p / "dir.db", "it is a directory"),
        (lambda p: (p / "file").write_text("x") and p / "file" / "q.db", "is not a directory"),
        (lambda p: (p / "junk.db").write_bytes(b"not sqlite" * 500) and p / "junk.db", "not a"),
        # a new file where none can be made (read-only for root too): the line was followed by
        # a traceback from aiosqlite's thread, which reported to the closed event loop (as the
        # interpreter ended: run in a process, which also proves the command's wiring)
        (lambda p: Path("/proc/quizbot-new.db"), "unable to open database file"),
    ],
    ids=["directory", "parent-is-a-file", "not-a-database", "read-only-new-file"],
)
def test_start_up_faults_are_one_line(tmp_path, make, expected, quizbot, request):
    # SQLite paths that cannot open
    process = request.node.callspec.id == "read-only-new-file"
    result = quizbot("console", "--db", str(make(tmp_path)), cwd=tmp_path, process=process)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr + result.stdout


async def migrated(db: Path) -> None:
    """What the console does to a new database file before its first prompt."""
    app = await QuizApp.open(db, None)
    await app.close()


def test_db_check_and_backup_commands(tmp_path, quizbot):
    db = tmp_path / "q.db"
    db.touch()  # an empty file: SQLite opens it as an empty database
    asyncio.run(migrated(db))
    checked = quizbot("db", "check", "--db", str(db), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "integrity check: ok" in checked.stdout and "schema version" in checked.stdout
    backed = quizbot("db", "backup", "--db", str(db), str(tmp_path / "copy.db"), cwd=tmp_path)
    assert backed.returncode == 0 and "backed up" in backed.stdout
    again = quizbot(  # the db commands' wiring: status and stderr of `python -m bot`
        "db", "backup", "--db", str(db), str(tmp_path / "copy.db"), cwd=tmp_path, process=True
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    missing = quizbot("db", "check", "--db", str(tmp_path / "none.db"), cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.startswith("quizbot: no database file")


def test_db_check_and_backup_on_a_postgres_url_say_so_in_one_line(tmp_path, quizbot):
    url = "postgresql://quiz:s3cret@127.0.0.1:5432/quiz"
    for command, tool in (("check", "pg_amcheck"), ("backup", "pg_dump")):
        extra = [str(tmp_path / "copy.db")] if command == "backup" else []
        result = quizbot("db", command, "--db", url, *extra, cwd=tmp_path)
        assert result.returncode == 2
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert f"quizbot db {command} works on a SQLite file" in result.stderr
        assert tool in result.stderr and "s3cret" not in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "copy.db").exists()


def _ask():
    from bot.features.quiz.requests import AskQuestion

    return AskQuestion(None)


async def test_console_answer_during_a_fault_is_one_line_and_the_console_carries_on(quick_app):
    import io

    from rich.console import Console

    from adapters.console import ConsoleSession

    out = io.StringIO()
    session = ConsoleSession(quick_app, Console(file=out, width=100), "ada")
    assert await session.handle_line("/quiz")
    async with read_only_writer(quick_app):
        assert await session.handle_line("A")
        assert SAVE_FAILED in out.getvalue() and "Traceback" not in out.getvalue()
    assert await session.handle_line("A")
    assert "Total:" in out.getvalue()


async def test_a_bug_in_our_sql_is_not_passed_off_as_a_storage_fault(quick_app, backend):
    from bot.features.quiz.requests import ListTopics

    async def buggy(actor, request):
        await quick_app.db.read(lambda db: db.execute("SELECT ?", (1, 2)))

    quick_app.dispatcher.register(ListTopics, buggy, replace=True)
    # the driver's own error, which the adapter logs and answers with "sorry"
    bug = {"sqlite": sqlite3.ProgrammingError, "postgres": asyncpg.InterfaceError}[backend]
    with pytest.raises(bug):
        await quick_app.dispatch(user(1), ListTopics())


async def test_a_bug_in_an_answer_step_is_not_passed_off_as_a_storage_fault(quick_app, caplog):
    """A step of the answer batch that fails on our bug: the batch commits nothing, the
    clicker's request raises (the adapter logs it and says "something went wrong"), the log
    has the cause, and the next answer, with the bug gone, is stored."""
    from bot.features.answers.writer import AnswerBatchBug
    from bot.features.quiz.requests import AnswerQuestion, AskQuestion

    app = quick_app
    view = await app.dispatch(user(1), AskQuestion())
    steps = app.answers._steps

    def buggy_step(db, batch):
        db.execute("SELECT ?", (1, 2))  # wrong parameter count: a bug, not a fault

    app.answers._steps = (*steps, buggy_step)
    with pytest.raises(AnswerBatchBug):
        await app.dispatch(user(1), AnswerQuestion(view.post_id, 0))
    assert "a batch of 1 answers failed" in caplog.text
    app.answers._steps = steps
    assert await answers_of(app, "slack:U1") == 0
    reply = await app.dispatch(user(1), AnswerQuestion(view.post_id, 0))
    assert "please try again" not in str(reply)
    assert await answers_of(app, "slack:U1") == 1

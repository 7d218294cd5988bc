"""What only PostgreSQL adds: selecting it, processes migrating an empty database together,
three bot processes on one database counting each answer once and posting each day once, and
losing the connection mid-batch. (Every storage behaviour is tested on both backends by the
feature tests; see BOTH_BACKENDS in conftest.)"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import asyncpg
import pytest

from bot.app import QuizApp
from bot.features.answers.writer import AnswerNotSaved
from bot.kernel.clock import FakeClock
from bot.kernel.identity import Actor
from bot.kernel.migrations import SCHEMA_VERSION
from bot.kernel.pg import redact
from tests.conftest import CONTENT, ROOT, console_actor
from tests.pg_server import query

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def quizbot(db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", db],
        input="",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=ENV,
        timeout=60,
    )


@pytest.mark.parametrize(
    "url, says",
    [
        ("postgresql://ada:s3cret@127.0.0.1:1/quiz", "Connect call failed"),
        ("postgresql://ada:s3cret@127.0.0.1:notaport/quiz", "not a valid postgresql:// URL"),
        ("mysql://ada:s3cret@127.0.0.1/quiz", "postgresql://user@host/database"),
        # a password in the query string
        ("postgresql://ada@127.0.0.1:1/quiz?password=s3cret", "Connect call failed"),
    ],
)
def test_a_bad_database_setting_is_one_line_naming_it(url, says):
    run = quizbot(url)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "QUIZBOT_DB" in lines[0] and says in lines[0], run.stderr
    assert "s3cret" not in run.stderr + run.stdout


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://ada:s3cret@db/quiz", "postgresql://ada:***@db/quiz"),
        ("postgresql://ada:s3c@ret@db:5432/quiz", "postgresql://ada:***@db:5432/quiz"),
        (
            "postgres://db/quiz?sslmode=off&password=s3cret",
            "postgres://db/quiz?sslmode=off&password=***",
        ),
        ("postgresql://ada@db/quiz?sslpassword=s3cret", "postgresql://ada@db/quiz?sslpassword=***"),
        ("postgresql://db/quiz", "postgresql://db/quiz"),
    ],
)
def test_a_printed_database_url_never_shows_a_password(url, shown):
    assert redact(url) == shown


def test_refused_credentials_are_one_line(postgres):
    url = postgres.url.replace("postgresql://postgres@", "postgresql://nobody:pw@")
    run = quizbot(url)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"quizbot: cannot open the database {url.replace(':pw@', ':***@')}"
        ' (QUIZBOT_DB or --db): role "nobody" does not exist'
    ]


def test_processes_starting_together_on_an_empty_database_migrate_it_once(postgres):
    url = postgres.fresh_database()
    code = (
        "import asyncio, sys\n"
        "from bot.kernel.storage import open_database\n"
        "async def main():\n"
        "    db = await open_database(sys.argv[1])\n"
        "    print(await db.schema_version())\n"
        "    await db.close()\n"
        "asyncio.run(main())\n"
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=ENV,
        )
        for _ in range(3)
    ]
    outs = [child.communicate(timeout=60) for child in children]
    assert [child.returncode for child in children] == [0, 0, 0], outs
    assert [out.strip() for out, _ in outs] == [str(SCHEMA_VERSION)] * 3
    assert query(url, "SELECT version FROM quizbot_schema") == [(SCHEMA_VERSION,)]


def member(i: int) -> Actor:
    return Actor("console", f"u{i}", f"User {i}", "local", "terminal", is_admin=False)


async def test_three_processes_count_each_answer_once_and_post_each_day_once(postgres):
    url = postgres.fresh_schema()
    users = 60
    setup = await QuizApp.open(url, CONTENT, clock=FakeClock(datetime(2026, 3, 2, 6, tzinfo=UTC)))
    try:
        await setup.daily.set_schedule(console_actor("Ada"), "09:00", "Europe/Berlin")
        view = await setup.quiz.post_question(console_actor("Ada"), setup.pack.questions[0])
    finally:
        await setup.close()

    children = [
        subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests" / "cluster_child.py"),
                url,
                str(worker),
                str(view.post_id),
                str(users),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=ENV,
        )
        for worker in range(3)
    ]
    try:
        for child in children:  # every process open and migrated before any starts
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        reports = [json.loads(child.communicate(timeout=120)[0]) for child in children]
    finally:
        for child in children:
            child.kill()
            child.wait(timeout=10)
    assert [child.returncode for child in children] == [0, 0, 0]

    # the daily question: one claim, posted by exactly one process
    posted = [line for r in reports for line in r["posted"]]
    assert posted == ["terminal 2026-03-02"]
    [(claims, daily_post)] = query(url, "SELECT COUNT(*), MAX(post_id) FROM daily_claims")
    assert claims == 1

    # every (user, post) stored once; exactly one process heard "stored", and every process
    # was told the stored choice
    stored = {(u, p): c for u, p, c in query(url, "SELECT user_key, post_id, choice FROM answers")}
    assert len(stored) == users * 2
    heard: dict[tuple[str, int], list[bool]] = {}
    for r in reports:
        for user_key, post_id, was_stored, choice in r["answers"]:
            assert choice == stored[(user_key, post_id)]
            heard.setdefault((user_key, post_id), []).append(was_stored)
    assert set(heard) == set(stored)
    assert all(sorted(flags) == [False, False, True] for flags in heard.values())
    assert {p for _, p in stored} == {view.post_id, daily_post}

    # materialized totals agree with a recomputation from the answers table
    recomputed = query(
        url,
        "SELECT user_key, SUM(points), COUNT(*), SUM(correct) FROM answers GROUP BY user_key"
        " ORDER BY user_key",
    )
    assert (
        query(url, "SELECT user_key, points, answered, correct FROM users ORDER BY user_key")
        == recomputed
    )
    assert (
        query(
            url,
            "SELECT user_key, points, answered, correct FROM scores"
            " WHERE scope = 'ws:console:local' AND period = 'all' ORDER BY user_key",
        )
        == recomputed
    )
    app = await QuizApp.open(url, CONTENT, clock=FakeClock(datetime(2026, 3, 2, 9, tzinfo=UTC)))
    try:
        board = await app.boards.leaderboard(member(0), limit=users)
    finally:
        await app.close()
    best = sorted(recomputed, key=lambda r: (-r[1], r[0]))
    assert [(r.user_key, r.points) for r in board.rows] == [(k, p) for k, p, _, _ in best]
    assert board.total_players == users


async def test_a_dropped_connection_fails_its_batch_and_the_next_answers_go_through(
    postgres, clock
):
    url = postgres.fresh_schema()
    app = await QuizApp.open(url, CONTENT, clock=clock)
    blocker = await asyncpg.connect(url)
    try:
        first = await app.quiz.post_question(console_actor("Ada"), app.pack.questions[0])
        await app.quiz.answer(member(0), first.post_id, 0)
        view = await app.quiz.post_question(console_actor("Ada"), app.pack.questions[1])
        # lock u0's totals row from outside, so a batch holding u0 stops mid-way: after its
        # answer rows were written, at the users upsert, before COMMIT
        await blocker.execute("BEGIN")
        await blocker.execute("SELECT 1 FROM users WHERE user_key = 'console:u0' FOR UPDATE")
        writer = await app.db.writer_pid()
        burst = [
            asyncio.ensure_future(app.quiz.answer(member(i), view.post_id, i % 4))
            for i in range(50)
        ]
        async with asyncio.timeout(20):  # until that batch waits for the row
            while not await blocker.fetchval(
                "SELECT COUNT(*) FROM pg_locks WHERE pid = $1 AND NOT granted", writer
            ):
                await asyncio.sleep(0.01)
        await blocker.execute("SELECT pg_terminate_backend($1)", writer)
        outcomes = await asyncio.gather(*burst, return_exceptions=True)
        await blocker.execute("ROLLBACK")
        failed = [o for o in outcomes if isinstance(o, Exception)]
        assert failed and all(isinstance(o, AnswerNotSaved) for o in failed)
        assert str(failed[0]) == "Couldn't save your answer — please try again."
        assert isinstance(outcomes[0], AnswerNotSaved)
        saved = {f"console:u{i}" for i, o in enumerate(outcomes) if not isinstance(o, Exception)}

        # nothing of the failed batch was written; the writer reconnects and the retries count
        def stored() -> set[str]:
            rows = query(url, "SELECT user_key FROM answers WHERE post_id = ?", (view.post_id,))
            return {k for (k,) in rows}

        assert stored() == saved
        assert query(url, "SELECT SUM(answered) FROM users") == [(1 + len(saved),)]
        again = [await app.quiz.answer(member(i), view.post_id, i % 4) for i in range(50)]
        assert sum(not r.already_answered for r in again) == 50 - len(saved)
        assert len(stored()) == 50
        assert query(url, "SELECT COUNT(*), SUM(answered) FROM users") == [(50, 51)]

        # readers lost too (a server restart ends every session): the next read reconnects
        await blocker.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        board = await app.boards.leaderboard(member(0), limit=50)
        assert board.total_players == 50
        result = await app.quiz.answer(console_actor("Bea"), view.post_id, 0)
        assert not result.already_answered
    finally:
        await blocker.close()
        await app.close()

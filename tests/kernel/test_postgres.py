"""What only PostgreSQL adds: selecting it, processes migrating an empty database together,
three bot processes on one database counting each answer once and posting each day once,
losing the connection mid-batch, and the server gone while reconnecting. (Every storage
behaviour is tested on both backends by the feature tests; their modules set BACKENDS.)"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.app import SCHEMA, QuizApp
from bot.features.answers.writer import AnswerNotSaved
from bot.kernel.clock import FakeClock
from bot.kernel.errors import StorageUnavailable
from bot.kernel.identity import Actor
from bot.kernel.pg_url import check_url, redact
from bot.kernel.storage import open_database
from tests.command_line import Quizbot
from tests.conftest import CONTENT, ROOT, console_actor
from tests.pg_server import PgRun, query

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture
def schema(postgres, pg_schemas) -> Iterator[str]:
    """An empty schema from the worker's pool (tests/pg_server.py): a test here that needs no
    brand-new one skips the ~0.5 s of server DDL that migrating a new schema costs."""
    url = pg_schemas.take()
    yield url
    pg_schemas.give_back(url)


@pytest.fixture
def quizbot(monkeypatch, capfd):
    return Quizbot(monkeypatch, capfd, bound_s=60)


@pytest.mark.parametrize(
    "url, says",
    [
        # run as a user runs it (python -m bot: the wiring); the others by bot.cli.main in
        # this process, the same code without a new interpreter's imports
        ("postgresql://ada:s3cret@127.0.0.1:1/quiz", "Connect call failed"),
        ("postgresql://ada:s3cret@127.0.0.1:notaport/quiz", "not a valid postgresql:// URL"),
        ("mysql://ada:s3cret@127.0.0.1/quiz", "postgresql://user@host/database"),
        # a password in the query string
        ("postgresql://ada@127.0.0.1:1/quiz?password=s3cret", "Connect call failed"),
        # the URL parser would have quoted the password's first half as the port
        ("postgresql://ada:s3cret/xyz@127.0.0.1/quiz", "not a valid postgresql:// URL"),
        # asyncpg would connect to port 99999 % 65536 and report that one refused
        ("postgresql:///quiz?port=99999", "URL: port '99999' is not a number from 1 to 65535"),
        ("postgresql://127.0.0.1:0/quiz", "URL: port '0' is not a number from 1 to 65535"),
        ("postgresql://h1:5432,h2:-1/quiz", "URL: port '-1' is not a number from 1 to 65535"),
        ("postgresql://ada:s3cret@127.0.0.1:99999/quiz", "URL: a port is not a number from 1"),
        ("postgresql://db server/quiz", "URL: host 'db server' is not a host name, an IP"),
        ("postgresql:///quiz?host=db%20server", "URL: host 'db server' is not a host name"),
        ("postgresql://[::1]x/quiz", "URL: '[::1]x' is not an [IPv6]:port address"),
        ("postgresql://[::1/quiz", "not a valid postgresql:// URL (Invalid IPv6 URL)"),
    ],
)
def test_a_bad_database_setting_is_one_line_naming_it(url, says, quizbot, tmp_path):
    process = url == "postgresql://ada:s3cret@127.0.0.1:1/quiz"
    run = quizbot("console", "--db", url, cwd=tmp_path, process=process)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "QUIZBOT_DB" in lines[0] and says in lines[0], run.stderr
    assert "s3cret" not in run.stderr + run.stdout


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ada:pw@db.example.org:5432/quiz",
        "postgresql:///quiz?host=/var/run/postgresql&port=5433",
        "postgresql://%2Fvar%2Frun%2Fpostgresql/quiz",
        "postgresql://[::1]:5432,[fe80::1%25eth0],db-2,10.0.0.1:6432/quiz",
        "postgresql://bücher.example/quiz?port=5432,5433",
        "postgres://db_1/quiz?search_path=s1",
    ],
)
def test_good_database_urls_pass_the_check(url):
    check_url(url)  # raises BadUrl naming the bad part otherwise


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
        # an "@" after the host, a "#" or "/" inside a password
        (
            "postgresql://ada@db/quiz?password=s3cret&application_name=me@laptop",
            "postgresql://ada@db/quiz?password=***&application_name=me@laptop",
        ),
        ("postgresql://ada:pw@db/quiz?options=a@b", "postgresql://ada:***@db/quiz?options=a@b"),
        ("postgresql://ada@db/quiz?password=s3#cret", "postgresql://ada@db/quiz?password=***"),
        ("postgresql://ada:s3/cret@db/quiz", "postgresql://ada:***@db/quiz"),
    ],
)
def test_a_printed_database_url_never_shows_a_password(url, shown):
    assert redact(url) == shown


def test_refused_credentials_are_one_line(postgres, quizbot, tmp_path):
    url = postgres.url.replace("postgresql://postgres@", "postgresql://nobody:pw@")
    run = quizbot("console", "--db", url, cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"quizbot: cannot open the database {url.replace(':pw@', ':***@')}"
        ' (QUIZBOT_DB or --db): role "nobody" does not exist'
    ]


async def test_the_opened_database_is_named_without_its_password(postgres):
    schema_url = postgres.fresh_schema()  # trust auth: any password is accepted
    url = schema_url.replace("postgresql://postgres@", "postgresql://postgres:hunter2@")
    database = urlsplit(postgres.url).path
    schema = schema_url.rpartition("search_path=")[2]
    where = f"postgres@127.0.0.1:5432{database} (schema {schema})"
    first = await open_database(url, SCHEMA)
    await first.close()
    assert first.opened_text() == f"PostgreSQL database {where} (new: created just now)"
    again = await open_database(url, SCHEMA)
    await again.close()
    assert again.opened_text() == f"PostgreSQL database {where} (existing)"
    assert "hunter2" not in first.opened_text() + again.opened_text()


def test_processes_starting_together_on_an_empty_database_migrate_it_once(postgres):
    url = postgres.fresh_database()
    code = (
        "import asyncio, sys\n"
        "from bot.app import SCHEMA\n"
        "from bot.kernel.storage import open_database\n"
        "async def main():\n"
        "    db = await open_database(sys.argv[1], SCHEMA)\n"
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
    assert [out.strip() for out, _ in outs] == [str(SCHEMA.version)] * 3
    assert query(url, "SELECT version FROM quizbot_schema") == [(SCHEMA.version,)]


def member(i: int) -> Actor:
    return Actor("console", f"u{i}", f"User {i}", "local", "terminal", is_admin=False)


async def test_three_processes_count_each_answer_once_and_post_each_day_once(schema):
    url = schema
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


async def test_many_board_reads_at_once_share_the_loop_connections(postgres, schema, clock):
    """Board reads run on the event loop's own few connections (Database.fetch): forty at
    once queue for them and each gets the whole board; after every session of the database
    is ended, the next ones connect again."""
    app = await QuizApp.open(schema, CONTENT, clock=clock)
    try:
        view = await app.quiz.post_question(console_actor("Ada"), app.pack.questions[0])
        for i in range(12):
            await app.quiz.answer(member(i), view.post_id, i % 4)
        boards = await asyncio.gather(
            *(app.boards.leaderboard(member(i % 12), limit=20) for i in range(40))
        )
        assert {b.total_players for b in boards} == {12}
        assert all(len(b.rows) == 12 for b in boards)
        assert {tuple(r.user_key for r in b.rows) for b in boards} == {
            tuple(r.user_key for r in boards[0].rows)
        }
        # the loop's connections ended by the server (as a restart would)
        pids = [conn.get_server_pid() for conn in app.db._loop_reads._open]
        assert 1 <= len(pids) <= 2
        killer = await asyncpg.connect(postgres.server)
        try:
            await killer.execute(
                "SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid", pids
            )
        finally:
            await killer.close()
        again = await asyncio.gather(*(app.boards.leaderboard(member(i)) for i in range(5)))
        assert [b.total_players for b in again] == [12] * 5
    finally:
        await app.close()


async def test_a_dropped_connection_fails_its_batch_and_the_next_answers_go_through(schema, clock):
    url = schema
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


class Relay:
    """A TCP relay to the PostgreSQL server that can go down (listener and every connection
    closed: to the bot, a server that stopped) and come back on the same port, without
    touching the shared server."""

    def __init__(self, server: str) -> None:
        parts = urlsplit(server)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self._listener: asyncio.Server | None = None
        self._streams: set[asyncio.StreamWriter] = set()
        self.port = 0

    def url(self, url: str) -> str:
        """``url`` through the relay."""
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit(parts._replace(netloc=f"{netloc}127.0.0.1:{self.port}"))

    async def up(self) -> None:
        if self._listener is None:
            self._listener = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._listener.sockets[0].getsockname()[1]

    async def down(self) -> None:
        assert self._listener is not None
        self._listener.close()
        for stream in list(self._streams):
            stream.close()
        await self._listener.wait_closed()
        self._listener = None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        except OSError:
            writer.close()
            return
        self._streams |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.close()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            self._streams -= {writer, up_writer}


class ClosedDatabase:
    """The test's own database closed to connections (``ALLOW_CONNECTIONS false``) and its
    sessions ended: what a bot sees of a database taken down for maintenance."""

    def __init__(self, postgres: PgRun) -> None:
        self._server = postgres.server
        self.database_url = postgres.fresh_database()
        self._name = urlsplit(self.database_url).path.lstrip("/")

    def url(self, url: str) -> str:
        return self.database_url

    async def up(self) -> None:
        await self._admin(f"ALTER DATABASE {self._name} ALLOW_CONNECTIONS true")

    async def down(self) -> None:
        await self._admin(
            f"ALTER DATABASE {self._name} ALLOW_CONNECTIONS false;"
            " SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{self._name}'"
        )

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(self._server, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()


@pytest.mark.parametrize("outage", ["server stopped", "database closed"])
async def test_answers_while_the_server_cannot_be_reached_are_not_saved_and_count_after(
    postgres, clock, outage, request
):
    """A reconnect that finds no server fails as transient (``StorageUnavailable``): the
    answer is "couldn't save, try again", not a fault of the database; once the server is
    back, the next operations connect again."""
    if outage == "server stopped":
        down: Relay | ClosedDatabase = Relay(postgres.server)
        direct = request.getfixturevalue("schema")
    else:
        down = ClosedDatabase(postgres)
        direct = down.database_url
    await down.up()
    url = down.url(direct)
    app = await QuizApp.open(url, CONTENT, clock=clock)
    try:
        view = await app.quiz.post_question(console_actor("Ada"), app.pack.questions[0])
        await app.quiz.answer(member(0), view.post_id, 0)

        await down.down()
        with pytest.raises(AnswerNotSaved) as failed:
            await app.quiz.answer(member(1), view.post_id, 1)
        assert str(failed.value) == "Couldn't save your answer — please try again."
        assert isinstance(failed.value.__cause__, StorageUnavailable)
        with pytest.raises(StorageUnavailable):  # a read that has to connect again, too
            await app.boards.leaderboard(member(0))

        await down.up()
        assert query(direct, "SELECT user_key FROM answers") == [("console:u0",)]  # not u1
        result = await app.quiz.answer(member(1), view.post_id, 1)
        assert not result.already_answered
        board = await app.boards.leaderboard(member(0))
        assert board.total_players == 2
    finally:
        await down.up()  # (already up unless the test failed)
        await app.close()
    assert query(direct, "SELECT user_key FROM answers ORDER BY user_key") == [
        ("console:u0",),
        ("console:u1",),
    ]


async def test_a_bug_in_an_answer_step_is_a_bug_on_postgresql_too(schema, clock, caplog):
    """asyncpg raises InterfaceError for a wrong parameter count on a live connection: a bug,
    not a lost connection, so the batch's callers are not told "couldn't save" (the adapter
    logs it and says sorry), the connection is kept, and the next answer is stored."""
    from bot.features.answers.writer import AnswerBatchBug

    app = await QuizApp.open(schema, CONTENT, clock=clock)
    try:
        view = await app.quiz.post_question(console_actor("Ada"), app.pack.questions[0])
        steps = app.answers._steps

        def buggy_step(db, batch):
            db.execute("SELECT ?", (1, 2))

        app.answers._steps = (*steps, buggy_step)
        with pytest.raises(AnswerBatchBug):
            await app.quiz.answer(member(0), view.post_id, 0)
        app.answers._steps = steps
        await app.quiz.answer(member(1), view.post_id, 0)
        stored = await app.db.read(lambda db: db.execute("SELECT user_key FROM answers").fetchall())
    finally:
        await app.close()
    assert stored == [("console:u1",)]
    assert "lost the connection" not in caplog.text


async def test_a_typed_answer_with_a_nul_is_stored_without_it(schema, clock, tmp_path):
    """PostgreSQL's text cannot hold NUL: the core strips control characters from a typed
    answer before it is stored, so one user's odd input cannot fail everyone's batch."""
    from tests.typed_content import typed_content

    app = await QuizApp.open(schema, typed_content(tmp_path / "content"), clock=clock)
    try:
        question = app.pack.question("net-reliable-protocol")
        view = await app.quiz.post_question(console_actor("Ada"), question)
        result = await app.quiz.answer_typed(member(0), view.post_id, "T\x00CP")
        stored = await app.db.read(lambda db: db.execute("SELECT typed FROM answers").fetchall())
    finally:
        await app.close()
    assert result.correct and stored == [("TCP",)]

"""The PostgreSQL half of the test suite: one fresh database per test run and pytest-xdist
worker (dropped at its end), an empty schema per test, and a sync query helper that reads
either backend.

A schema a test leaves fully migrated is emptied (every row deleted, every id sequence reset)
and handed to a later test of the same worker (``SchemaPool``): migrating a new schema costs the
server ~0.5 s of DDL, emptying one a few ms. The run's database commits without waiting for its
WAL flush (``synchronous_commit = off``): what the tests check is the bot's transactions, not the
server surviving a power cut.

``QUIZBOT_TEST_PG`` names the server (default: trust auth as postgres on 127.0.0.1:5432,
database ``test``, used only to create and drop the run's own database). Where no server
answers, the PostgreSQL tests are skipped with the reason; with ``QUIZBOT_TEST_PG_REQUIRED=1``
(CI) they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.app import SCHEMA
from bot.kernel.pg import PgConnection, migrate_postgres, to_postgres
from bot.kernel.pg_url import is_postgres_url, redact
from tests.pg_drop import drop_databases

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")


def server_url() -> str:
    return os.environ.get("QUIZBOT_TEST_PG") or DEFAULT_SERVER


def required() -> bool:
    return os.environ.get("QUIZBOT_TEST_PG_REQUIRED", "") not in ("", "0")


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}", query=""))


def with_schema(url: str, schema: str) -> str:
    return f"{url}?search_path={schema}"


def _run(coro: Any) -> Any:
    """Run ``coro`` to the end on its own loop in its own thread (callable from async tests)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coro).result()


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@dataclass(frozen=True)
class PgRun:
    """This test run's own database on the server."""

    server: str  # where to connect to create and drop it
    database: str
    url: str  # the run's database

    def fresh_schema(self) -> str:
        """A new empty schema in the run's database; the URL that selects it."""
        schema = f"t_{secrets.token_hex(6)}"
        _run(_admin(self.url, f"CREATE SCHEMA {schema}"))
        return with_schema(self.url, schema)

    def fresh_database(self) -> str:
        """A new empty database (for tests of a fresh server, e.g. racing migrations)."""
        name = f"{self.database}_{secrets.token_hex(3)}"
        _run(_admin(self.server, f"CREATE DATABASE {name} TEMPLATE template0"))
        return with_database(self.url, name)

    def drop(self) -> None:
        """Drop the run's databases, and wait for it."""
        _run(drop_databases(self.server, self.database))

    def drop_later(self) -> None:
        """Drop the run's databases from a process of their own that the run does not wait
        for: DROP DATABASE makes the server checkpoint (write out every dirty page, every
        client's), 1-16 s at the end of a worker's run on a busy machine. A shell starts it in
        the background and exits at once (waited for: no child left running)."""
        subprocess.run(
            ["sh", "-c", '"$0" -m tests.pg_drop "$1" </dev/null >/dev/null 2>&1 &']
            + [sys.executable, self.database],
            cwd=ROOT,
            env={**os.environ, "QUIZBOT_TEST_PG_DROP_SERVER": self.server},
            start_new_session=True,  # outlives the run, and a Ctrl-C of it
            check=False,
        )


def start_run() -> PgRun | str:
    """This run's database, or why PostgreSQL is not available."""
    server = server_url()
    database = f"quizbot_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        _run(_admin(server, f"CREATE DATABASE {database} TEMPLATE template0"))
        _run(_admin(server, f"ALTER DATABASE {database} SET synchronous_commit = off"))
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return f"PostgreSQL not reachable at {redact(server)} (QUIZBOT_TEST_PG): {reason}"
    return PgRun(server, database, with_database(server, database))


class _Admin:
    """One connection to the run's database, on a thread of its own with a loop of its own
    (callable from sync fixtures and from inside async tests alike), kept for the worker's
    whole run: connecting costs the server a backend process each time (~10-20 ms on a busy
    machine), more than emptying a schema does."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="quizbot-test-pg-admin", daemon=True
        )
        self._thread.start()
        self._conn: asyncpg.Connection | None = None

    def run(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """``await work(connection)`` on the admin thread; its result or its exception."""
        return asyncio.run_coroutine_threadsafe(self._on_connection(work), self._loop).result(
            timeout=60
        )

    async def _on_connection(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self._url, timeout=5)
        try:
            return await work(self._conn)
        except BaseException:
            if self._conn.is_closed():
                self._conn = None  # the next call connects again
            raise

    def close(self) -> None:
        async def close_connection() -> None:
            if self._conn is not None and not self._conn.is_closed():
                await self._conn.close(timeout=5)

        try:
            asyncio.run_coroutine_threadsafe(close_connection(), self._loop).result(timeout=10)
        except Exception:  # dropped with the run's database anyway
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@dataclass(frozen=True)
class _Layout:
    """What a fully migrated schema holds: its tables (but ``quizbot_schema``) and sequences,
    learnt from the first schema a test leaves migrated (they are the same in every one)."""

    tables: tuple[str, ...]
    sequences: tuple[str, ...]

    def emptying(self, schema: str) -> str:
        """Every row deleted (triggers and foreign keys off: ``session_replication_role``, as
        the superuser the tests connect as) and every id sequence restarted, in one round trip
        of plain statements (a DO block walking the catalog took 3-4 times as long)."""
        return "".join(
            [
                "SELECT set_config('session_replication_role', 'replica', true);",
                *(f"DELETE FROM {schema}.{table};" for table in self.tables),
                *(f"SELECT setval('{schema}.{seq}', 1, false);" for seq in self.sequences),
            ]
        )


_LAYOUT_OF = """
SELECT (SELECT MAX(version) FROM {schema}.quizbot_schema),
       ARRAY(SELECT tablename::text FROM pg_tables
             WHERE schemaname = $1 AND tablename <> 'quizbot_schema' ORDER BY tablename),
       ARRAY(SELECT sequencename::text FROM pg_sequences
             WHERE schemaname = $1 ORDER BY sequencename)
"""


class SchemaPool:
    """A worker's schemas: a test gets an empty one (new, or one an earlier test left migrated,
    emptied); a schema that is not at this quizbot's version, holds other tables than the
    first one emptied, or cannot be emptied is never handed out again."""

    def __init__(self, run: PgRun) -> None:
        self.run = run
        self._migrated: list[str] = []
        self._admin = _Admin(run.url)
        self._layout: _Layout | None = None

    def take(self) -> str:
        return self._migrated.pop() if self._migrated else self.run.fresh_schema()

    def give_back(self, url: str) -> None:
        schema = url.rpartition("search_path=")[2]

        async def empty_if_migrated(conn: asyncpg.Connection) -> bool:
            migrated = f"{schema}.quizbot_schema"
            if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", migrated):
                return False
            version, tables, sequences = await conn.fetchrow(
                _LAYOUT_OF.format(schema=schema), schema
            )
            if version != SCHEMA.version:
                return False
            layout = _Layout(tuple(tables), tuple(sequences))
            if self._layout is None:
                self._layout = layout
            elif layout != self._layout:
                return False  # a table renamed away and left so, say: not for another test
            try:
                await conn.execute(f"BEGIN;{layout.emptying(schema)}COMMIT")
            except asyncpg.PostgresError:
                await conn.execute("ROLLBACK")  # the failed statement left the block open
                raise
            return True

        try:
            if self._admin.run(empty_if_migrated):
                self._migrated.append(url)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            pass  # left as it is; dropped with the run's database

    def close(self) -> None:
        self._admin.close()


def query(target: Path | str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of one ``?``-parameter query on either backend (for checking what was stored)."""
    if not is_postgres_url(target):
        con = sqlite3.connect(target)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    async def fetch() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(str(target), timeout=5)
        try:
            return [tuple(r) for r in await conn.fetch(to_postgres(sql)[0], *params)]
        finally:
            await conn.close()

    return _run(fetch())


def copy_old_database(path: Path, url: str, version: int) -> str:
    """``url`` (an empty schema) migrated to ``version`` and holding every row of the SQLite
    file ``path`` at that same version: an old PostgreSQL database for the migration tests,
    from the rows the SQLite ones write. The rows go in as they are (the tables' own triggers
    off, so derived rows such as board sizes are copied, not counted again); ``url``. The
    schema is made anew first (a pooled one may hold the current version's tables)."""
    schema = url.rpartition("search_path=")[2]
    _run(_admin(url, f"DROP SCHEMA {schema} CASCADE; CREATE SCHEMA {schema}"))
    con = sqlite3.connect(path)
    try:
        [(stored,)] = con.execute("PRAGMA user_version").fetchall()
        assert stored == version, f"{path} is at version {stored}, not {version}"
        tables = [
            (name, [c[1] for c in con.execute(f"PRAGMA table_info({name})")])
            for (name,) in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite%' ORDER BY rowid"  # created in order: FKs hold
            )
        ]
        rows = {name: con.execute(f"SELECT * FROM {name}").fetchall() for name, _ in tables}
    finally:
        con.close()

    def copy() -> None:
        loop = asyncio.new_event_loop()
        try:
            pg = PgConnection(loop, loop.run_until_complete(asyncpg.connect(url, timeout=5)))
            try:
                migrate_postgres(pg, SCHEMA, upto=version)
                for name, columns in tables:
                    if not rows[name]:
                        continue
                    pg.script(f"ALTER TABLE {name} DISABLE TRIGGER USER")
                    marks = ", ".join("?" * len(columns))
                    pg.executemany(
                        f"INSERT INTO {name}({', '.join(columns)}) VALUES ({marks})", rows[name]
                    )
                    pg.script(f"ALTER TABLE {name} ENABLE TRIGGER USER")
                    if "id" in columns:  # the next row id follows the copied ones
                        pg.execute(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                            f" (SELECT MAX(id) FROM {name}))"
                        )
            finally:
                pg.close()
        finally:
            loop.close()

    with ThreadPoolExecutor(1) as thread:
        thread.submit(copy).result()
    return url

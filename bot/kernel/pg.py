"""PostgreSQL behind the same store functions as SQLite.

The features' stores are plain functions over a connection with sqlite3's ``execute`` and
``executemany``; each operation is one function run in one transaction. Here every asyncpg
connection lives on its own thread with its own private event loop: ``write(fn)`` hands ``fn``
to that thread (one hop per operation, as with aiosqlite), and ``fn`` runs its statements
through ``PgConnection``, which translates the SQL (``to_postgres``) and runs each statement on
the private loop, one round trip each (``executemany`` is pipelined by asyncpg: one round trip
for all its rows, however many).

- Writes: one writer connection; each write transaction first takes a transaction-scoped
  advisory lock, so write transactions of every process on the database run one at a time, in
  the same order-of-commit semantics as SQLite's single writer (a batch's read-then-upsert of
  running totals can never lose another process's update).
- Reads: a few reader connections, each read in one REPEATABLE READ READ ONLY snapshot.
- A lost connection (server restart, ``pg_terminate_backend``) fails the operation that was
  running with ``StorageUnavailable`` (its transaction never committed, or the server rolled
  it back) and the next operation on that thread connects again; while the server cannot be
  reached, each operation that tries to connect fails with ``StorageUnavailable`` too.
- Migrations run under a session advisory lock, so processes starting together on an empty
  database migrate it once.
- One-statement reads (``fetch``: the boards) run on the caller's event loop through a small
  pool of its own, one round trip, no thread hop.

Long: the whole PostgreSQL backend of ``Database`` (translation, sessions, transactions,
loop reads, migrations) in one place, as SQLite's is in ``bot.kernel.db``.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import ssl
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg

from bot.kernel.db import Backend, Database, T
from bot.kernel.errors import StorageError, StorageUnavailable
from bot.kernel.migrations import Migrated, Schema
from bot.kernel.pg_url import BadUrl, check_url, has_password, redact

# advisory lock keys (first half; the second is the schema's hash, so schemas never collide)
WRITE_LOCK = 0x5155_4942  # "QUIB"
MIGRATE_LOCK = 0x5155_4943
CONNECT_TIMEOUT_S = 10.0


@lru_cache(maxsize=2048)
def to_postgres(sql: str) -> tuple[str, bool]:
    """A store's SQL for PostgreSQL, and whether it returns rows.

    The stores write SQL both dialects share (ON CONFLICT … DO UPDATE, RETURNING, window
    functions, row values, partial indexes); what differs is spelled here: ``?`` parameters
    become ``$1, $2, …``, and SQLite's ``CROSS JOIN … ON`` (which only pins SQLite's join
    order) is a plain ``JOIN`` (PostgreSQL plans the order itself)."""
    out: list[str] = []
    number, quoted = 0, False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
        elif ch == "?" and not quoted:
            number += 1
            out.append(f"${number}")
            continue
        out.append(ch)
    text = "".join(out).replace(" CROSS JOIN ", " JOIN ")
    head = text.lstrip()[:6].upper()
    returns_rows = (
        head in ("SELECT", "VALUES") or head.startswith("WITH") or (" RETURNING " in text.upper())
    )
    return text, returns_rows


_ROWS_INSERT = re.compile(
    r"^\s*(INSERT\s+INTO\s+\w+\s*\([^)]*\))\s*VALUES\s*\(\s*\?(?:\s*,\s*\?)*\s*\)(.*)$",
    re.IGNORECASE | re.DOTALL,
)


def set_insert(sql: str, types: Sequence[str]) -> str | None:
    """``INSERT INTO t(…) VALUES (?, …) …`` as one statement over arrays, one per column
    (``SELECT * FROM unnest($1::text[], …)``): every row in one execution, so ON CONFLICT,
    RETURNING and statement triggers see the batch at once. ``None`` for other statements."""
    match = _ROWS_INSERT.match(sql)
    if match is None:
        return None
    arrays = ", ".join(f"${n}::{t}[]" for n, t in enumerate(types, start=1))
    return f"{match.group(1)} SELECT * FROM unnest({arrays}){match.group(2)}"


def _rowcount(status: str) -> int:
    """Rows a statement touched, from its command tag (``UPDATE 3``, ``INSERT 0 1``)."""
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else -1


class PgCursor:
    """What ``PgConnection.execute`` returns: sqlite3's cursor surface the stores use. Rows
    are plain tuples. No ``lastrowid``: stores say ``RETURNING id``."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)


class PgConnection:
    """One asyncpg connection seen as a sync sqlite3-like connection; used only on its own
    thread, whose private event loop runs each statement."""

    def __init__(self, loop: asyncio.AbstractEventLoop, conn: asyncpg.Connection) -> None:
        self._loop = loop
        self._conn = conn
        self._set_inserts: dict[str, str | None] = {}

    @property
    def closed(self) -> bool:
        return self._conn.is_closed()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        query, returns_rows = to_postgres(sql)
        run = self._loop.run_until_complete
        if returns_rows:
            rows = [tuple(r) for r in run(self._conn.fetch(query, *params))]
            return PgCursor(rows, len(rows))
        return PgCursor([], _rowcount(run(self._conn.execute(query, *params))))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Every row in one round trip: an ``INSERT … VALUES (?, …)`` runs once over column
        arrays (``set_insert``; its rows must not repeat an ON CONFLICT key, which the
        stores' batches never do: they sum per row first); anything else is pipelined."""
        rows = list(rows)
        if not rows:
            return
        run = self._loop.run_until_complete
        if sql not in self._set_inserts:
            query = to_postgres(sql)[0]
            found = None
            if _ROWS_INSERT.match(sql):  # the column types, from the server, once per SQL
                types = [t.name for t in run(self._conn.prepare(query)).get_parameters()]
                found = set_insert(sql, types)
            self._set_inserts[sql] = found
        statement = self._set_inserts[sql]
        if statement is None or len(rows) == 1:
            run(self._conn.executemany(to_postgres(sql)[0], rows))
            return
        run(self._conn.execute(statement, *(list(column) for column in zip(*rows, strict=True))))

    def script(self, sql: str) -> None:
        """Statements without parameters (``;``-separated) in one round trip, untranslated."""
        self._loop.run_until_complete(self._conn.execute(sql))

    def terminate(self) -> None:
        self._conn.terminate()

    def close(self) -> None:
        self._loop.run_until_complete(self._conn.close(timeout=5))


_LOST = (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError)


class ConnectionLost(StorageUnavailable):
    """The connection dropped during an operation: it did not commit (or, if it dropped
    during COMMIT itself, the caller cannot know; it is told it failed)."""


class _NotStarted(Exception):
    """The connection was found dead before the operation sent anything: safe to redo."""


def _begin(pg: PgConnection, sql: str) -> None:
    try:
        pg.script(sql)
    except _LOST as exc:
        raise _NotStarted from exc
    except asyncpg.PostgresError as exc:
        if pg.closed:
            raise _NotStarted from exc
        raise


# A connection that could not be made because the server is not there now, rather than
# because the setting is wrong: refused, unreachable, timed out or dropped during the
# handshake, starting up or shutting down (57P03), out of connections (53300), or the
# database closed to new connections (55000, ``ALLOW_CONNECTIONS false``). Trying again can
# work; a bad URL, a refused login or a missing database cannot.
_UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.ObjectNotInPrerequisiteStateError,
)


def connect_error(url: str, exc: BaseException) -> StorageError:
    """One line naming the setting and the reason, never the password: a
    ``StorageUnavailable`` when the server cannot be reached (``_UNREACHABLE``; so an
    operation that has to connect again while the server is down fails as transient, like
    one whose connection dropped), else a plain ``StorageError`` (the setting is wrong).
    Either is the CLI's one-line start-up error (it catches ``StorageError``)."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, BadUrl):
        reason = f"not a valid postgresql:// URL: {exc.safe if has_password(url) else reason}"
    elif isinstance(exc, ValueError | OverflowError) and not isinstance(exc, OSError):
        # (a port over 65535 is an OverflowError from connect()) the parser's words can quote
        # a piece of a password it misread (as the port, say)
        detail = "" if has_password(url) else f" ({reason})"
        reason = f"not a valid postgresql:// URL{detail}"
    # TLS refused (a certificate, a protocol) is the setting too, though ssl's errors are OSErrors
    unreachable = isinstance(exc, _UNREACHABLE) and not isinstance(exc, ssl.SSLError)
    kind = StorageUnavailable if unreachable else StorageError
    return kind(f"cannot open the database {redact(url)} (QUIZBOT_DB or --db): {reason}")


class _Session:
    """One connection on one thread with a private event loop; connects on first use and
    again after the connection was lost."""

    def __init__(self, url: str, name: str) -> None:
        self._url = url
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pg: PgConnection | None = None

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.wrap_future(self._executor.submit(self._call, fn, *args))

    def _connection(self) -> PgConnection:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        if self._pg is None or self._pg.closed:
            try:
                conn = self._loop.run_until_complete(
                    asyncpg.connect(self._url, timeout=CONNECT_TIMEOUT_S, statement_cache_size=1024)
                )
            except (TimeoutError, OSError, ValueError, OverflowError, asyncpg.PostgresError) as exc:
                raise connect_error(self._url, exc) from exc
            except asyncpg.InterfaceError as exc:  # e.g. a bad URL option
                raise connect_error(self._url, exc) from exc
            self._pg = PgConnection(self._loop, conn)
        return self._pg

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return self._call_once(fn, *args)
        except _NotStarted:  # dead since the last operation (server restart): connect, redo
            self._drop()
            return self._call_once(fn, *args)

    def _call_once(self, fn: Callable[..., T], *args: Any) -> T:
        pg = self._connection()
        try:
            return fn(pg, *args)
        except _LOST as exc:
            if isinstance(exc, asyncpg.InterfaceError) and not pg.closed:
                # asyncpg's InterfaceError also means misuse on a live connection (a wrong
                # number of parameters, an argument of the wrong type): a bug, not a loss
                raise
            self._drop()
            raise ConnectionLost(f"lost the connection to PostgreSQL: {exc}") from exc
        except asyncpg.PostgresError as exc:
            if pg.closed:  # the server ended the session (restart, pg_terminate_backend)
                self._drop()
                raise ConnectionLost(f"lost the connection to PostgreSQL: {exc}") from exc
            raise

    def _drop(self) -> None:
        if self._pg is not None:
            self._pg.terminate()
            self._pg = None

    async def pid(self) -> int:
        """The server process id of this session's connection (tests, monitoring)."""
        return await self.call(lambda pg: pg.execute("SELECT pg_backend_pid()").fetchone()[0])

    def _close(self) -> None:
        if self._pg is not None and not self._pg.closed:
            try:
                self._pg.close()
            except Exception:  # closing anyway
                self._pg.terminate()
        self._pg = None
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    async def close(self) -> None:
        await asyncio.wrap_future(self._executor.submit(self._close))
        self._executor.shutdown(wait=True)


def _lock_args(key: int) -> str:
    return f"{key}, hashtext(current_schema())"


def write_transaction(pg: PgConnection, fn: Callable[..., T], *args: Any) -> T:
    """``fn(pg, *args)`` in one transaction that holds the database's write lock."""
    _begin(pg, f"BEGIN; SELECT pg_advisory_xact_lock({_lock_args(WRITE_LOCK)})")
    try:
        result = fn(pg, *args)
    except BaseException:
        _rollback(pg)
        raise
    pg.script("COMMIT")
    return result


def read_snapshot(pg: PgConnection, fn: Callable[..., T], *args: Any) -> T:
    _begin(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    try:
        result = fn(pg, *args)
    except BaseException:
        _rollback(pg)
        raise
    pg.script("COMMIT")
    return result


def read_alone(pg: PgConnection, fn: Callable[..., T], *args: Any) -> T:
    """``fn(pg, *args)`` with no transaction around it (each statement its own snapshot).
    A connection found dead is connected again and the read redone: a read is safe to redo,
    and without a BEGIN first nothing else would notice the loss before the read itself."""
    try:
        return fn(pg, *args)
    except _LOST as exc:
        if isinstance(exc, asyncpg.InterfaceError) and not pg.closed:
            raise  # a bug on a live connection, not a loss
        raise _NotStarted from exc
    except asyncpg.PostgresError as exc:
        if pg.closed:
            raise _NotStarted from exc
        raise


def _rollback(pg: PgConnection) -> None:
    if not pg.closed:
        try:
            pg.script("ROLLBACK")
        except (OSError, asyncpg.InterfaceError, asyncpg.PostgresError):
            pg.terminate()  # the next operation connects again


def migrate_postgres(pg: PgConnection, schema: Schema, upto: int | None = None) -> Migrated:
    """Apply every migration of ``schema`` after the database's version (``quizbot_schema``),
    up to ``upto`` (all when None), each in one transaction, holding a session advisory lock:
    a second process starting at the same time waits, then finds the work done."""
    upto = schema.version if upto is None else upto
    pg.script(f"SELECT pg_advisory_lock({_lock_args(MIGRATE_LOCK)})")
    try:
        pg.script("CREATE TABLE IF NOT EXISTS quizbot_schema(version INTEGER NOT NULL)")
        row = pg.execute("SELECT MAX(version) FROM quizbot_schema").fetchone()
        version = row[0] if row and row[0] is not None else 0
        if version > schema.version:
            raise schema.newer_error(version)
        for number in range(version + 1, upto + 1):
            pg.script("BEGIN")
            try:
                pg.script(schema.migrations[number - 1].postgres)
                pg.script(
                    f"DELETE FROM quizbot_schema; INSERT INTO quizbot_schema VALUES ({number})"
                )
            except BaseException:
                _rollback(pg)
                raise
            pg.script("COMMIT")
        return Migrated(version, max(version, upto))
    finally:
        if not pg.closed:
            pg.script(f"SELECT pg_advisory_unlock({_lock_args(MIGRATE_LOCK)})")


class PostgresDatabase(Database):
    """quizbot on a PostgreSQL database. Create with ``await PostgresDatabase.open(url,
    schema)``."""

    backend = Backend.POSTGRES

    def __init__(self, url: str, writer: _Session, readers: list[_Session]) -> None:
        self.url = redact(url)
        self._writer = writer
        self._readers = readers
        self._next_reader = itertools.cycle(readers)
        self._loop_reads = _LoopReads(url, len(readers))

    @classmethod
    async def open(cls, url: str, schema: Schema, readers: int = 2) -> PostgresDatabase:
        """Connect and migrate to ``schema`` (the app's: every feature's migrations)."""
        try:
            check_url(url)
        except ValueError as exc:  # BadUrl, or urlsplit's own (an unclosed "[")
            raise connect_error(url, exc) from None
        writer = _Session(url, "quizbot-pg-writer")
        sessions = [writer, *(_Session(url, f"quizbot-pg-reader{i}") for i in range(readers))]
        try:
            # the readers connect (now: fail at start, not later) while the writer connects and
            # migrates: each connection costs the server a new process, and one after another
            # they were most of a start on an up-to-date database; the writer's fault first
            outcomes = await asyncio.gather(
                writer.call(migrate_postgres, schema),
                *(reader.call(_connected) for reader in sessions[1:]),
                return_exceptions=True,
            )
            for outcome in outcomes:
                if isinstance(outcome, asyncpg.PostgresError):
                    raise connect_error(url, outcome) from outcome
                if isinstance(outcome, BaseException):
                    raise outcome
        except BaseException:
            await _close_all(sessions)
            raise
        migrated = outcomes[0]
        assert isinstance(migrated, Migrated)
        db = cls(url, writer, sessions[1:])
        db.migrated = migrated
        return db

    @property
    def location(self) -> str:
        """``user@host:port/database`` (never a password), and the schema when one is named."""
        parts = urlsplit(self.url)
        user = f"{parts.username}@" if parts.username else ""
        where = f"{user}{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or '/'}"
        schema = parse_qs(parts.query).get("search_path")
        return f"{where} (schema {schema[0]})" if schema else where

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._writer.call(write_transaction, fn, *args)

    async def writer_pid(self) -> int:
        """The writer connection's server process id (tests, monitoring)."""
        return await self._writer.pid()

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        return await next(self._next_reader).call(read_snapshot, fn, *args)

    async def read_single(self, fn: Callable[..., T], *args: Any) -> T:
        return await next(self._next_reader).call(read_alone, fn, *args)

    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return await self._loop_reads.fetch(sql, args)

    async def schema_version(self) -> int:
        return await self.read(
            lambda pg: pg.execute("SELECT MAX(version) FROM quizbot_schema").fetchone()[0]
        )

    async def close(self) -> None:
        await self._loop_reads.close()
        await _close_all([self._writer, *self._readers])


def _connected(pg: PgConnection) -> None:
    """Nothing: the session connected to run it."""


async def _close_all(sessions: list[_Session]) -> None:
    """Close every session, at once (each waits for the server to end its connection); the
    first fault is raised once all are closed."""
    outcomes = await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


class _LoopReads:
    """Connections on the caller's event loop for one-statement reads (``fetch``): a board
    read is one round trip from the loop, with no hop to a reader thread and back (each hop
    is a thread wake-up; on a busy machine that can cost more than the statement). Up to
    ``size`` connections, each running one statement at a time, made on first use (and again
    when the loop is another one: an asyncpg connection belongs to the loop that made it).
    A free list rather than ``asyncpg.Pool``: the pool's acquire and release cost several
    times the statement's own client CPU. A connection found lost is dropped and the read
    redone once on another (a read is safe to redo)."""

    def __init__(self, url: str, size: int) -> None:
        self._url = url
        self._size = max(1, size)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._free: list[asyncpg.Connection] = []
        self._open: set[asyncpg.Connection] = set()
        self._waiting: list[asyncio.Future[asyncpg.Connection | None]] = []
        self._connecting = 0

    async def _connect(self) -> asyncpg.Connection:
        self._connecting += 1  # counts toward ``size`` while it connects
        try:
            conn = await asyncpg.connect(
                self._url, timeout=CONNECT_TIMEOUT_S, statement_cache_size=1024
            )
        except (TimeoutError, OSError, ValueError, OverflowError, asyncpg.PostgresError) as exc:
            raise connect_error(self._url, exc) from exc
        except asyncpg.InterfaceError as exc:
            raise connect_error(self._url, exc) from exc
        finally:
            self._connecting -= 1
        self._open.add(conn)
        return conn

    async def _take(self) -> asyncpg.Connection:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # first use, or another loop's connections: let them go
            for conn in self._open:
                conn.terminate()
            self._open.clear()
            self._free.clear()
            self._waiting.clear()
            self._connecting = 0
            self._loop = loop
        if self._free:
            return self._free.pop()
        if len(self._open) + self._connecting < self._size:
            return await self._connect()
        waiter: asyncio.Future[asyncpg.Connection | None] = loop.create_future()
        self._waiting.append(waiter)
        try:
            conn = await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.result() is not None:
                self._give(waiter.result())  # handed over as the wait was cancelled
            raise
        return conn if conn is not None else await self._connect()

    def _give(self, conn: asyncpg.Connection) -> None:
        """Back to the next waiter or the free list; a lost one is dropped (a waiter then
        connects anew)."""
        lost = conn.is_closed()
        if lost:
            self._open.discard(conn)
        while self._waiting:
            waiter = self._waiting.pop(0)
            if not waiter.done():
                waiter.set_result(None if lost else conn)
                return
        if not lost:
            self._free.append(conn)

    async def fetch(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        query = to_postgres(sql)[0]
        for attempt in (1, 2):
            # the redo on a new connection: a server restart ended the free ones too
            conn = await self._take() if attempt == 1 else await self._connect()
            try:
                return [tuple(r) for r in await conn.fetch(query, *args)]
            except (*_LOST, asyncpg.PostgresError, asyncpg.InternalClientError) as exc:
                if isinstance(exc, asyncpg.InternalClientError):
                    # the server ended the session while the connection sat idle: asyncpg
                    # took its notice, but the socket is not seen closed yet, and the next
                    # statement finds the protocol out of step. Never reuse it: redo the read.
                    conn.terminate()
                if not conn.is_closed():
                    raise  # a fault of the statement (or a bug), not a lost connection
                if attempt == 2:
                    raise ConnectionLost(f"lost the connection to PostgreSQL: {exc}") from exc
            finally:
                self._give(conn)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        conns = list(self._open)
        self._open.clear()
        self._free.clear()
        same_loop = self._loop is asyncio.get_running_loop()
        for conn in conns:
            if same_loop:
                try:
                    await conn.close(timeout=5)
                except Exception:  # closing anyway
                    conn.terminate()
            else:
                conn.terminate()

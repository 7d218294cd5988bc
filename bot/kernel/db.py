"""The database: the interface the features use, and its SQLite implementation (one file, one
writer connection and one reader connection). PostgreSQL implements the same interface in
``bot.kernel.pg``; ``bot.kernel.storage.open_database`` picks one from the setting.

- One aiosqlite connection writes, one reads; WAL lets reads run while a write commits, so
  leaderboards and question picks never queue behind the writer.
- Every write is a single function run on the writer's thread (BEGIN IMMEDIATE ... COMMIT in
  one step), so writes never interleave; every read is a function run in one snapshot.
- Features own their SQL (each feature's ``store``); this module only runs it. Store functions
  take a ``Connection`` (sqlite3's ``execute``/``executemany``): ``sqlite3.Connection`` here,
  on PostgreSQL a facade that translates the few dialect differences.
"""

from __future__ import annotations

import asyncio
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TypeVar

import aiosqlite

from bot.kernel.errors import StorageError
from bot.kernel.migrations import Migrated, Schema, migrate

T = TypeVar("T")


class Cursor(Protocol):
    """What ``Connection.execute`` returns, as far as the stores use it: ``sqlite3.Cursor``
    on SQLite, ``bot.kernel.pg.PgCursor`` on PostgreSQL (rows are tuples on both)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """The connection a store function gets from ``Database.read``/``write``: sqlite3's
    ``execute``/``executemany`` surface, met by ``sqlite3.Connection`` and by PostgreSQL's
    ``PgConnection``. Stores say ``RETURNING`` instead of reading ``lastrowid`` and never
    catch a driver's IntegrityError (on PostgreSQL an error ends the transaction)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> object: ...


def run_on_thread(
    conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any
) -> asyncio.Future[T]:
    """Run ``fn(sqlite3_connection, *args)`` on the connection's own thread in one step.

    aiosqlite's public API is one await per statement; its ``_execute`` hands a whole function
    to the connection thread, which is what makes a batch cost one hop instead of hundreds.
    """
    return conn._execute(fn, conn._conn, *args)  # noqa: SLF001


def in_transaction(db: sqlite3.Connection, fn: Callable[..., T], *args: Any) -> T:
    """``fn(db, *args)`` inside BEGIN IMMEDIATE … COMMIT (ROLLBACK when it raises)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        result = fn(db, *args)
        db.execute("COMMIT")  # can fail too (a full disk): then nothing of it is kept
    except BaseException:
        _end_transaction(db)
        raise
    return result


def _end_transaction(db: sqlite3.Connection) -> None:
    """Roll back whatever is open, so a fault (locked, full, damaged) never leaves the
    connection inside a transaction that would refuse every later BEGIN."""
    if db.in_transaction:
        try:
            db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite already rolled back (e.g. SQLITE_FULL, SQLITE_CORRUPT)


def _read_snapshot(db: sqlite3.Connection, fn: Callable[..., T], *args: Any) -> T:
    db.execute("BEGIN")
    try:
        result = fn(db, *args)
        db.execute("COMMIT")
    except BaseException:
        _end_transaction(db)
        raise
    return result


def _fetch_all(db: sqlite3.Connection, sql: str, args: Sequence[Any]) -> list[Any]:
    return db.execute(sql, args).fetchall()


def chunks(items: Sequence[T], size: int = 500) -> Iterable[Sequence[T]]:
    """``items`` in slices small enough for one statement's parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(count: int) -> str:
    """``?,?,?`` for an IN list of ``count`` parameters."""
    return ",".join("?" * count)


DEFAULT_BUSY_TIMEOUT_MS = 5000  # how long a write waits for another process's lock


def configure(db: sqlite3.Connection, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL: a commit survives the process being killed (the test kills it); only an
    # OS crash or power loss can lose the last commits. FULL costs an fsync per batch.
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")


def open_sync(path: Path | str, schema: Schema, upto: int | None = None) -> sqlite3.Connection:
    """A plain sqlite3 connection with quizbot's settings, migrated to ``upto`` (all of
    ``schema`` when None; tests, tools)."""
    db = sqlite3.connect(path, isolation_level=None)
    configure(db)
    migrate(db, schema, upto)
    return db


def _check_path(path: Path) -> None:
    """What SQLite would report badly (or aiosqlite with a stray thread): a directory where the
    file should be, a parent that is a file, a folder that cannot be made."""
    if path.is_dir():
        raise StorageError(f"cannot open database {path}: it is a directory, not a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise StorageError(
            f"cannot open database {path}: {path.parent} exists and is not a directory"
        ) from None
    except OSError as exc:
        raise StorageError(f"cannot make the folder for database {path}: {exc.strerror}") from None


def _try_open(path: Path) -> None:
    """Open and close the file once (a new file on a read-only mount fails here). When
    aiosqlite's own open fails, its thread reports the failure to the event loop later,
    and after the one-line error closed the loop that was a traceback from the thread."""
    sqlite3.connect(path).close()


class Backend(StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgres"


class Database(ABC):
    """Async access to quizbot's storage: every operation is one function run on a
    connection's own thread, in one transaction (``write``) or one snapshot (``read``)."""

    backend: Backend
    # what opening did to the schema (set by ``open``)
    migrated: Migrated = Migrated(0, 0)

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the data is, for people: a file's absolute path, or PostgreSQL's host and
        database (never a password)."""

    def opened_text(self) -> str:
        """Which database the bot opened and whether it is new: the start banner's words, so
        a bot started in another folder cannot silently open an empty one."""
        kind = "SQLite" if self.backend is Backend.SQLITE else "PostgreSQL"
        if self.migrated.created:
            state = "new: created just now"
        elif self.migrated.upgraded:
            state = f"schema upgraded from v{self.migrated.found} to v{self.migrated.now}"
        else:
            state = "existing"
        return f"{kind} database {self.location} ({state})"

    @abstractmethod
    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, *args)`` in one write transaction; writes never interleave."""

    @abstractmethod
    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, *args)`` on a read connection (a consistent snapshot)."""

    async def read_single(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, *args)`` on a read connection without a transaction around it: for a
        read that is one statement (a board), which is its own snapshot, so BEGIN and COMMIT
        would only add round trips. Statements ``fn`` runs see no common snapshot."""
        return await self.read(fn, *args)

    @abstractmethod
    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read statement (the stores' SQL, ``?`` parameters), outside any
        transaction: the statement is its own snapshot. For a read that is one statement (a
        board): on PostgreSQL it runs on this event loop's own connection (one round trip,
        prepared once), not through a reader thread."""

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def close(self) -> None: ...


class SqliteDatabase(Database):
    """quizbot's SQLite file. Create with ``await SqliteDatabase.open(path, schema)``."""

    backend = Backend.SQLITE

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self.writer = writer
        self._reader = reader

    @classmethod
    async def open(
        cls, path: Path | str, schema: Schema, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
    ) -> SqliteDatabase:
        """Open and migrate to ``schema``; any fault is one StorageError line naming the
        file."""
        path = Path(path)
        if str(path) != ":memory:":
            _check_path(path)
            try:  # fail here, before aiosqlite starts a thread (see _try_open)
                _try_open(path)
            except sqlite3.Error as exc:
                raise StorageError(f"cannot open database {path}: {exc}") from None
        try:
            writer = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open database {path}: {exc}") from None
        reader: aiosqlite.Connection | None = None
        try:
            await run_on_thread(writer, configure, busy_timeout_ms)
            migrated = await run_on_thread(writer, migrate, schema)
            reader = await aiosqlite.connect(path, isolation_level=None)
            await run_on_thread(reader, configure, busy_timeout_ms)
            await reader.execute("PRAGMA query_only=ON")
        except (sqlite3.Error, StorageError) as exc:
            if reader is not None:
                await reader.close()
            await writer.close()
            raise StorageError(f"cannot open database {path}: {exc}") from None
        db = cls(path, writer, reader)
        db.migrated = migrated
        return db

    @property
    def location(self) -> str:
        return str(self.path) if str(self.path) == ":memory:" else str(self.path.resolve())

    async def close(self) -> None:
        await self._reader.close()
        await self.writer.close()

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, *args)`` in one write transaction on the writer thread."""
        return await run_on_thread(self.writer, in_transaction, fn, *args)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, *args)`` on the read connection (a consistent snapshot)."""
        return await run_on_thread(self._reader, _read_snapshot, fn, *args)

    async def read_single(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, *args)`` on the read connection in autocommit: each statement is its
        own snapshot."""
        return await run_on_thread(self._reader, fn, *args)

    async def fetch(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The statement's rows on the read connection's thread, in autocommit."""
        return await run_on_thread(self._reader, _fetch_all, sql, args)

    async def schema_version(self) -> int:
        return await self.read(lambda db: db.execute("PRAGMA user_version").fetchone()[0])

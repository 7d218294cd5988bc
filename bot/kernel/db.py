"""The database: the interface the features use, and its SQLite implementation (one file, one
writer connection and one reader connection). PostgreSQL implements the same interface in
``bot.kernel.pg``; ``bot.kernel.storage.open_database`` picks one from the setting.

- One aiosqlite connection writes, one reads; WAL lets reads run while a write commits, so
  leaderboards and question picks never queue behind the writer.
- Every write is a single function run on the writer's thread (BEGIN IMMEDIATE ... COMMIT in
  one step), so writes never interleave; every read is a function run in one snapshot.
- Features own their SQL (each feature's ``store``); this module only runs it. Store functions
  take a connection with sqlite3's ``execute``/``executemany`` (``Connection``); on PostgreSQL
  that is a facade that translates the few dialect differences.
"""

from __future__ import annotations

import asyncio
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.kernel.errors import StorageError
from bot.kernel.migrations import SCHEMA_VERSION, migrate

T = TypeVar("T")


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
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return result


def _read_snapshot(db: sqlite3.Connection, fn: Callable[..., T], *args: Any) -> T:
    db.execute("BEGIN")
    try:
        return fn(db, *args)
    finally:
        db.execute("COMMIT")


def chunks(items: Sequence[T], size: int = 500) -> Iterable[Sequence[T]]:
    """``items`` in slices small enough for one statement's parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(count: int) -> str:
    """``?,?,?`` for an IN list of ``count`` parameters."""
    return ",".join("?" * count)


def configure(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL: a commit survives the process being killed (the test kills it); only an
    # OS crash or power loss can lose the last commits. FULL costs an fsync per batch.
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=5000")


def open_sync(path: Path | str, upto: int = SCHEMA_VERSION) -> sqlite3.Connection:
    """A plain sqlite3 connection with quizbot's settings, migrated to ``upto`` (tests, tools)."""
    db = sqlite3.connect(path, isolation_level=None)
    configure(db)
    migrate(db, upto)
    return db


class Backend(StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgres"


class Database(ABC):
    """Async access to quizbot's storage: every operation is one function run on a
    connection's own thread, in one transaction (``write``) or one snapshot (``read``)."""

    backend: Backend

    @abstractmethod
    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, *args)`` in one write transaction; writes never interleave."""

    @abstractmethod
    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, *args)`` on a read connection (a consistent snapshot)."""

    @abstractmethod
    async def schema_version(self) -> int: ...

    @abstractmethod
    async def close(self) -> None: ...


class SqliteDatabase(Database):
    """quizbot's SQLite file. Create with ``await SqliteDatabase.open(path)``."""

    backend = Backend.SQLITE

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self.writer = writer
        self._reader = reader

    @classmethod
    async def open(cls, path: Path | str) -> SqliteDatabase:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            writer = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open database {path}: {exc}") from exc
        try:
            await run_on_thread(writer, configure)
            await run_on_thread(writer, migrate)
            reader = await aiosqlite.connect(path, isolation_level=None)
            await run_on_thread(reader, configure)
            await reader.execute("PRAGMA query_only=ON")
        except (sqlite3.Error, StorageError) as exc:
            await writer.close()
            raise StorageError(f"cannot open database {path}: {exc}") from exc
        return cls(path, writer, reader)

    async def close(self) -> None:
        await self._reader.close()
        await self.writer.close()

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, *args)`` in one write transaction on the writer thread."""
        return await run_on_thread(self.writer, in_transaction, fn, *args)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, *args)`` on the read connection (a consistent snapshot)."""
        return await run_on_thread(self._reader, _read_snapshot, fn, *args)

    async def schema_version(self) -> int:
        return await self.read(lambda db: db.execute("PRAGMA user_version").fetchone()[0])

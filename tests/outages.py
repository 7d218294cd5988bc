"""Storage faults made through the app's own database connections, so the same test runs on
SQLite and PostgreSQL: a writer that refuses writes, a table that is gone. (The tests run as
root, which ignores file modes: a read-only file is no outage here.)"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from bot.app import QuizApp
from bot.kernel.db import SqliteDatabase, run_on_thread

# What each backend says when a statement names a table that does not exist.
NO_SUCH_TABLE = {"sqlite": "no such table", "postgres": "does not exist"}


async def _set_read_only(app: QuizApp, on: bool) -> None:
    if isinstance(app.db, SqliteDatabase):  # outside a transaction: BEGIN IMMEDIATE is a write
        flag = "ON" if on else "OFF"
        await run_on_thread(app.db.writer, lambda db: db.execute(f"PRAGMA query_only={flag}"))
        return
    # SESSION, not LOCAL: it outlives the transaction that sets it, on the writer's connection
    sql = f"SET SESSION default_transaction_read_only = {'on' if on else 'off'}"
    await app.db.write(lambda db: db.execute(sql))


@contextlib.asynccontextmanager
async def read_only_writer(app: QuizApp) -> AsyncIterator[None]:
    """While inside, the bot's writer connection refuses every write (a read-only database)."""
    await _set_read_only(app, True)
    try:
        yield
    finally:
        await _set_read_only(app, False)


@contextlib.asynccontextmanager
async def table_gone(app: QuizApp, table: str) -> AsyncIterator[None]:
    """While inside, ``table`` is not there (renamed away; back afterwards, rows and all)."""
    await app.db.write(lambda db: db.execute(f"ALTER TABLE {table} RENAME TO {table}_gone"))
    try:
        yield
    finally:
        await app.db.write(lambda db: db.execute(f"ALTER TABLE {table}_gone RENAME TO {table}"))

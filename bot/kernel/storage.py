"""Which database: a ``postgresql://`` URL selects PostgreSQL, anything else is a SQLite path."""

from __future__ import annotations

from pathlib import Path

from bot.kernel.db import DEFAULT_BUSY_TIMEOUT_MS, Database, SqliteDatabase
from bot.kernel.migrations import Schema
from bot.kernel.pg_url import is_postgres_url


async def open_database(
    target: Path | str, schema: Schema, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
) -> Database:
    """Open the database ``target`` names and migrate it to ``schema`` (``bot.app.SCHEMA``:
    every feature's migrations). ``busy_timeout_ms`` is SQLite's wait for another process's
    write lock (PostgreSQL's writers queue on an advisory lock)."""
    if is_postgres_url(target):
        # asyncpg (and ssl) load only for PostgreSQL: a SQLite start skips them
        from bot.kernel.pg import PostgresDatabase

        return await PostgresDatabase.open(str(target), schema)
    return await SqliteDatabase.open(target, schema, busy_timeout_ms)

"""Which database: a ``postgresql://`` URL selects PostgreSQL, anything else is a SQLite path."""

from __future__ import annotations

from pathlib import Path

from bot.kernel.db import Database, SqliteDatabase
from bot.kernel.pg import PostgresDatabase, is_postgres_url


async def open_database(target: Path | str) -> Database:
    """Open (and migrate) the database ``target`` names."""
    if is_postgres_url(target):
        return await PostgresDatabase.open(str(target))
    return await SqliteDatabase.open(target)

"""Dropping a test run's PostgreSQL databases, importable without the bot (only asyncpg): run as
``python -m tests.pg_drop PREFIX`` (the server's URL in ``QUIZBOT_TEST_PG_DROP_SERVER``, not in
the arguments other users can list) by a run that does not wait for it (tests/pg_server.py)."""

from __future__ import annotations

import asyncio
import os
import sys

import asyncpg


async def drop_databases(server: str, prefix: str) -> None:
    """Drop every database whose name starts with ``prefix`` (the run's own and the fresh ones
    its tests made), whoever is still connected to them."""
    conn = await asyncpg.connect(server, timeout=5)
    try:
        names = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", prefix + "%"
        )
        for (name,) in names:
            await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(drop_databases(os.environ["QUIZBOT_TEST_PG_DROP_SERVER"], sys.argv[1]))

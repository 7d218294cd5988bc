"""A throwaway PostgreSQL database for a benchmark run: created on the server named by --pg
(or QUIZBOT_BENCH_PG; default postgres on 127.0.0.1:5432), dropped at the end."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


def server_url(cli_value: str | None = None) -> str:
    return cli_value or os.environ.get("QUIZBOT_BENCH_PG") or DEFAULT_SERVER


async def _admin(server: str, sql: str) -> None:
    conn = await asyncpg.connect(server, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def bench_database(server: str) -> Iterator[str]:
    """The URL of a fresh, empty database; dropped when the block ends."""
    name = f"quizbot_bench_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(_admin(server, f"CREATE DATABASE {name} TEMPLATE template0"))
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}", query=""))
    finally:
        asyncio.run(_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

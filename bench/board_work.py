"""How much work each board read does, counted instead of timed: on a shared machine a read's
milliseconds swing with the load, its work does not.

    python bench/board_work.py TARGET USERS [--reads 30]   # TARGET: a SQLite file or a
                                                          # postgresql:// URL (bench/scale.py
                                                          # --work runs it on each backend)

The board reads of ``bench/leaderboard.py`` (13 kinds, requesters drawn the same way) go
through the real app once each, their one statement recorded; each statement is then run again
counting its work: on SQLite the virtual machine's instructions (a progress handler called at
every one), on PostgreSQL the buffers the executed plan touched (``EXPLAIN (ANALYZE, BUFFERS)``,
shared hit + read, subplans included). Per kind, the median over ``--reads`` requesters. A
read whose count grows with the board walks the board somewhere; one that stays flat does not.
Runs on older trees too (the statement is recorded through ``Database.fetch`` or, before it,
``read_single``), so a before/after comparison counts both on the same data.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import statistics
import sys
from pathlib import Path

from _common import emit_json  # first: the repo root on sys.path
from leaderboard import CHANNELS, GROUP_SIZES, NOW, actor

from bot.app import QuizApp
from bot.features.boards import store as boards_store
from bot.features.groups import store as groups_store
from bot.kernel.clock import FakeClock
from bot.kernel.pg import to_postgres


async def record_statements(target: Path | str, users: int, reads: int) -> dict[str, list]:
    """Per board kind, the (sql, args) of ``reads`` reads by random requesters, as the app
    ran them."""
    app = await QuizApp.open(target, clock=FakeClock(NOW))
    rng = random.Random(11)
    statements: list[tuple[str, tuple]] = []
    if hasattr(app.db, "fetch"):
        fetch = app.db.fetch

        async def recording(sql, args=()):
            statements.append((sql, tuple(args)))
            return await fetch(sql, args)

        app.db.fetch = recording
    else:
        read_single = app.db.read_single

        async def recording_single(fn, *args):
            if fn is boards_store.leaderboard:
                statements.append(boards_store.board_statement(*args))
            return await read_single(fn, *args)

        app.db.read_single = recording_single
    try:
        members = {}
        for size in GROUP_SIZES:
            group = await app.groups.get(actor(0), f"study-{size}")
            rows = await app.db.read(groups_store.group_members, group.id)
            members[size] = [int(m.user_key[-5:]) for m in rows]

        def anyone():
            return actor(rng.randrange(users), rng.randrange(CHANNELS))

        topic = app.pack.cards[0].id
        boards = app.boards
        queries = {
            "channel_all": lambda: boards.leaderboard(anyone(), "channel", "all"),
            "channel_week": lambda: boards.leaderboard(anyone(), "channel", "week"),
            "server_all": lambda: boards.leaderboard(anyone(), "server", "all"),
            "server_week": lambda: boards.leaderboard(anyone(), "server", "week"),
            "topic_all_accuracy": lambda: boards.leaderboard(
                anyone(), "server", "all", sort="accuracy", topic=topic
            ),
            "topic_week_accuracy": lambda: boards.leaderboard(
                anyone(), "server", "week", sort="accuracy", topic=topic
            ),
            "server_all_accuracy": lambda: boards.leaderboard(anyone(), "server", sort="accuracy"),
            "server_all_streak": lambda: boards.leaderboard(anyone(), "server", sort="streak"),
            "server_all_mastered": lambda: boards.leaderboard(anyone(), "server", sort="mastered"),
        }
        for size in GROUP_SIZES:
            for period in ("all", "week"):
                queries[f"group{size}_{period}"] = lambda n=f"study-{size}", s=size, p=period: (
                    app.groups.leaderboard(actor(rng.choice(members[s])), n, p)
                )
        out = {}
        for name, query in queries.items():
            statements.clear()
            for _ in range(reads):
                await query()
            out[name] = list(statements)
        return out
    finally:
        await app.close()


def sqlite_work(path: Path, statements: list[tuple[str, tuple]]) -> list[int]:
    """Each statement's virtual machine instructions (SQLite calls the handler at each one)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    steps = 0

    def step() -> int:
        nonlocal steps
        steps += 1
        return 0

    db.set_progress_handler(step, 1)
    out = []
    try:
        for sql, args in statements:
            steps = 0
            db.execute(sql, args).fetchall()
            out.append(steps)
    finally:
        db.close()
    return out


async def postgres_work(url: str, statements: list[tuple[str, tuple]]) -> list[int]:
    """Each statement's buffers (shared hit + read) in its executed plan, subplans included."""
    import asyncpg

    conn = await asyncpg.connect(url)
    out = []
    try:
        for sql, args in statements:
            plan = await conn.fetchval(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + to_postgres(sql)[0], *args
            )
            top = json.loads(plan)[0]["Plan"]
            out.append(top["Shared Hit Blocks"] + top["Shared Read Blocks"])
    finally:
        await conn.close()
    return out


async def board_work(target: Path | str, users: int, reads: int = 30) -> dict[str, float]:
    """Per board kind, the median work of its reads (see the module's docstring)."""
    recorded = await record_statements(target, users, reads)
    out = {}
    for name, statements in recorded.items():
        if isinstance(target, str):
            counts = await postgres_work(target, statements)
        else:
            counts = sqlite_work(Path(target), statements)
        out[name] = statistics.median(counts)
    return out


def main() -> None:
    target: Path | str = sys.argv[1]
    if not target.startswith("postgresql://"):
        target = Path(target)
    users = int(sys.argv[2])
    reads = int(sys.argv[sys.argv.index("--reads") + 1]) if "--reads" in sys.argv else 30
    work = asyncio.run(board_work(target, users, reads))
    unit = "buffers" if isinstance(target, str) else "VM instructions"
    for name, count in work.items():
        print(f"{name:<22}{count:>12,.0f} {unit}")
    emit_json(work)


if __name__ == "__main__":
    main()

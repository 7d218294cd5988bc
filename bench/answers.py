"""Answer throughput and latency through the core's public API, against baselines.

    python bench/answers.py [--json] [--rounds 3] [--backend sqlite|postgres] [--pg URL]

- core: QuizService.answer() with N concurrent answerers (1, 100, 1,000) and a burst of 10,000
  answers submitted at once, on a real SQLite file (group-committed writer). A click's
  transaction stores the answer, the totals and an outbox row; the writer applies the derived
  rows (FSRS, boards, topics, groups, daily streaks) in a trailing transaction. For the burst,
  also how long after its reply each answer's derived rows were applied (upper bound: until
  the whole burst was applied) against the longest trailing transaction of the burst.
- raw limit: stdlib sqlite3 running the core's own steps (``store_batch`` with ANSWER_STEPS,
  then the trailing DERIVED_STEPS) in batches of 100, synchronously, with no asyncio in the
  way; the click part and the trailing part are also timed alone.
- raw answer rows alone: stdlib sqlite3 inserting just the answer rows in batches of 100: the
  floor of any design; the targets are ratios to it.
- naive: aiosqlite, one transaction per answer, one await per statement (answers, users, scores
  and user_topics only: it does less work per answer than the core, no FSRS and no boards).
- naive, same rows: one transaction per answer writing exactly the core's rows (the core's own
  click and trailing statements for a batch of one, one hop to the writer thread per answer).
Each figure is the median of --rounds runs; ratios compare figures from the same round.

With ``--backend postgres`` (a fresh database per round on --pg, dropped after) the same core
figures, against raw asyncpg writing the same rows (answers, users, scores, user_topics, FSRS
cards) in transactions of 100 answers with one ``unnest`` statement per table (all rows as
column arrays: the fewest round trips and the least per-row work), the answer rows alone the
same way, the core's own click and trailing transactions through its database layer, and
naive asyncpg: one transaction per answer, one await per statement, a pool of 10 connections.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import asyncpg
from _common import emit_json, median, percentile
from _pg import bench_database, server_url

from bot import srs
from bot.app import ANSWER_STEPS, DERIVED_STEPS, SCHEMA, QuizApp
from bot.features.answers import AnswerWrite
from bot.features.answers.outbox import apply_derived
from bot.features.answers.writer import INSERT_ANSWER, answer_row, store_answers, store_batch
from bot.kernel.clock import FakeClock
from bot.kernel.db import Connection, in_transaction, open_sync
from bot.kernel.identity import Actor, topic_scope
from bot.kernel.pg import to_postgres
from bot.kernel.storage import open_database

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def actor(i: int) -> Actor:
    return Actor("discord", f"u{i}", f"user {i}", "guild1", "chan1")


async def open_app(target: Path | str) -> QuizApp:
    return await QuizApp.open(target, clock=FakeClock(START))


async def core_concurrent(app: QuizApp, concurrency: int, total: int, first_user: int):
    """``concurrency`` answerers, each answering in a loop, ``total`` answers in all."""
    view = await app.quiz.ask_question(actor(0))
    latencies: list[float] = []
    next_user = iter(range(first_user, first_user + total))

    async def answerer() -> None:
        for i in next_user:
            t0 = time.perf_counter()
            await app.quiz.answer(actor(i), view.post_id, i % len(view.choices))
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(answerer() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    return total / elapsed, latencies


async def core_burst(app: QuizApp, total: int, first_user: int):
    """``total`` answers submitted at once; also how long after each reply its derived rows
    (boards, topics, groups) were applied: the time from the reply until the writer had
    applied the whole burst (an upper bound per answer), and the trailing batches' time."""
    view = await app.quiz.ask_question(actor(0))
    latencies: list[float] = []
    replied: list[float] = []

    async def one(i: int) -> None:
        t0 = time.perf_counter()
        await app.quiz.answer(actor(i), view.post_id, i % len(view.choices))
        replied.append(time.perf_counter())
        latencies.append(replied[-1] - t0)

    batches_before = app.answers.batches
    trailing_before = app.answers.derived_batches
    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(first_user, first_user + total)))
    elapsed = time.perf_counter() - t0
    await app.answers.settled()
    applied = time.perf_counter()
    trailing = list(app.answers.derived_seconds)[-(app.answers.derived_batches - trailing_before) :]
    return (
        total / elapsed,
        latencies,
        app.answers.batches - batches_before,
        [applied - t for t in replied],
        max(trailing, default=float("nan")),
    )


def rows(post_id: int, first_user: int, total: int) -> list[AnswerWrite]:
    now = START.isoformat()
    return [
        AnswerWrite(
            post_id=post_id,
            user_key=f"discord:u{i}",
            display_name=f"user {i}",
            question_id="pvt-threads-share-what",
            topic_id="processes-vs-threads",
            choice=i % 4,
            correct=i % 4 == 0,
            points=10 if i % 4 == 0 else 0,
            answered_at=now,
            day="2026-03-02",
            week="2026-03-02",
            # the scopes QuizService.answer gives an answer: server, channel, server per topic
            scopes=(
                "ws:discord:guild1",
                "ch:discord:guild1:chan1",
                topic_scope("discord:guild1", "processes-vs-threads"),
            ),
        )
        for i in range(first_user, first_user + total)
    ]


def new_post(db: sqlite3.Connection) -> int:
    cur = db.execute(
        "INSERT INTO posts(question_id, card_id, workspace_key, channel_key, created_at)"
        " VALUES ('pvt-threads-share-what', 'processes-vs-threads', 'discord:guild1',"
        " 'discord:guild1:chan1', ?)",
        (START.isoformat(),),
    )
    return int(cur.lastrowid)


def raw_same_rows(
    path: Path,
    total: int,
    first_user: int,
    batch_size: int = 100,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[float, float, float]:
    """The core's own work with nothing in the way: each ``batch_size`` answers' click batch,
    then its trailing batch, on a new question. Answers per second of ``clock`` (wall time;
    ``time.thread_time`` gives CPU: bench/step_cpu.py) for both, and for the click and the
    trailing parts alone."""
    db = open_sync(path, SCHEMA)
    batch = rows(new_post(db), first_user, total)
    click = trailing = 0.0
    for start in range(0, total, batch_size):
        t0 = clock()
        store_batch(db, batch[start : start + batch_size], ANSWER_STEPS)
        t1 = clock()
        while in_transaction(db, apply_derived, DERIVED_STEPS, 5000):
            pass
        trailing += clock() - t1
        click += t1 - t0
    db.close()
    return total / (click + trailing), total / click, total / trailing


def raw_answers_only(path: Path, total: int, first_user: int) -> float:
    db = open_sync(path, SCHEMA)
    batch = rows(new_post(db), first_user, total)
    t0 = time.perf_counter()
    for start in range(0, total, 100):
        db.execute("BEGIN IMMEDIATE")
        db.executemany(INSERT_ANSWER, [answer_row(w) for w in batch[start : start + 100]])
        db.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    db.close()
    return total / elapsed


async def naive(path: Path, concurrency: int, total: int, first_user: int):
    """The design the group-commit writer replaces: each answer is its own transaction, one
    await per statement, serialized on one connection."""
    setup = open_sync(path, SCHEMA)
    post_id = new_post(setup)
    setup.close()
    conn = await aiosqlite.connect(path, isolation_level=None)
    await conn.execute("PRAGMA synchronous=NORMAL")
    lock = asyncio.Lock()
    batch = iter(rows(post_id, first_user, total))
    latencies: list[float] = []

    async def answer(w: AnswerWrite) -> None:
        async with lock:
            await conn.execute("BEGIN IMMEDIATE")
            cur = await conn.execute(
                INSERT_ANSWER.replace("INSERT", "INSERT OR IGNORE", 1), answer_row(w)
            )
            if cur.rowcount:
                await conn.execute(
                    "INSERT INTO users(user_key, display_name, points, answered, correct)"
                    " VALUES (?,?,?,1,?) ON CONFLICT(user_key) DO UPDATE SET"
                    " points=points+excluded.points, answered=answered+1,"
                    " correct=correct+excluded.correct",
                    (w.user_key, w.display_name, w.points, int(w.correct)),
                )
                for scope in w.scopes:
                    for period in ("all", w.week):
                        await conn.execute(
                            "INSERT INTO scores(scope, period, user_key, points, answered,"
                            " correct) VALUES (?,?,?,?,1,?) ON CONFLICT(scope, period, user_key)"
                            " DO UPDATE SET points=points+excluded.points,"
                            " answered=answered+1, correct=correct+excluded.correct",
                            (scope, period, w.user_key, w.points, int(w.correct)),
                        )
                await conn.execute(
                    "INSERT INTO user_topics(user_key, card_id, answered, correct)"
                    " VALUES (?,?,1,?) ON CONFLICT(user_key, card_id) DO UPDATE SET"
                    " answered=answered+1, correct=correct+excluded.correct",
                    (w.user_key, w.topic_id, int(w.correct)),
                )
            await conn.execute("COMMIT")

    async def answerer() -> None:
        for w in batch:
            t0 = time.perf_counter()
            await answer(w)
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(answerer() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    await conn.close()
    return total / elapsed, latencies


def store_and_derive(db: Connection, w: AnswerWrite) -> None:
    """One answer's click rows and derived rows, in the caller's one transaction."""
    store_answers(db, [w], ANSWER_STEPS)
    apply_derived(db, DERIVED_STEPS, 5000)


NEW_POST_RETURNING = (
    "INSERT INTO posts(question_id, card_id, workspace_key, channel_key, created_at)"
    " VALUES ('pvt-threads-share-what', 'processes-vs-threads', 'discord:guild1',"
    " 'discord:guild1:chan1', ?) RETURNING id"
)


async def naive_same_rows(target: Path | str, concurrency: int, total: int, first_user: int):
    """One transaction per answer writing exactly the rows the core writes: the core's own
    batch and trailing statements for a batch of one, in one transaction, through the
    same database layer and its one writer connection. Group commit is then the only
    difference from the core: what it saves when the work per answer is equal."""
    db = await open_database(target, SCHEMA)
    try:
        post_id = await db.write(
            lambda c: c.execute(NEW_POST_RETURNING, (START.isoformat(),)).fetchone()[0]
        )
        batch = iter(rows(post_id, first_user, total))
        latencies: list[float] = []

        async def answerer() -> None:
            for w in batch:
                t0 = time.perf_counter()
                await db.write(store_and_derive, w)
                latencies.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(answerer() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    finally:
        await db.close()
    return total / elapsed, latencies


NEW_POST = (
    "INSERT INTO posts(question_id, card_id, workspace_key, channel_key, created_at)"
    " VALUES ('pvt-threads-share-what', 'processes-vs-threads', 'discord:guild1',"
    " 'discord:guild1:chan1', $1) RETURNING id"
)
PG_INSERT_ANSWER = to_postgres(INSERT_ANSWER)[0]
PG_USERS = (
    "INSERT INTO users(user_key, display_name, points, answered, correct) VALUES ($1,$2,$3,1,$4)"
    " ON CONFLICT(user_key) DO UPDATE SET points=users.points+excluded.points,"
    " answered=users.answered+1, correct=users.correct+excluded.correct"
)
PG_SCORES = (
    "INSERT INTO scores(scope, period, user_key, points, answered, correct)"
    " VALUES ($1,$2,$3,$4,1,$5) ON CONFLICT(scope, period, user_key) DO UPDATE SET"
    " points=scores.points+excluded.points, answered=scores.answered+1,"
    " correct=scores.correct+excluded.correct"
)
PG_TOPICS = (
    "INSERT INTO user_topics(user_key, card_id, answered, correct) VALUES ($1,$2,1,$3)"
    " ON CONFLICT(user_key, card_id) DO UPDATE SET answered=user_topics.answered+1,"
    " correct=user_topics.correct+excluded.correct"
)
# The raw baseline: one statement per table per batch, every row passed as column arrays
# (``unnest``), which is the fewest round trips and the least per-row work asyncpg allows.
UNNEST_ANSWERS = (
    "INSERT INTO answers(post_id, user_key, question_id, card_id, choice, correct, points,"
    " answered_at, week, typed) SELECT * FROM unnest($1::int[], $2::text[], $3::text[],"
    " $4::text[], $5::int[], $6::int[], $7::int[], $8::text[], $9::text[], $10::text[])"
)
UNNEST_USERS = (
    "INSERT INTO users(user_key, display_name, points, answered, correct)"
    " SELECT k, n, p, 1, c FROM unnest($1::text[], $2::text[], $3::int[], $4::int[])"
    " AS t(k, n, p, c) ON CONFLICT(user_key) DO UPDATE SET"
    " points=users.points+excluded.points, answered=users.answered+1,"
    " correct=users.correct+excluded.correct"
)
UNNEST_SCORES = (
    "INSERT INTO scores(scope, period, user_key, points, answered, correct)"
    " SELECT s, p, k, pts, 1, c FROM unnest($1::text[], $2::text[], $3::text[], $4::int[],"
    " $5::int[]) AS t(s, p, k, pts, c) ON CONFLICT(scope, period, user_key) DO UPDATE SET"
    " points=scores.points+excluded.points, answered=scores.answered+1,"
    " correct=scores.correct+excluded.correct"
)
UNNEST_TOPICS = (
    "INSERT INTO user_topics(user_key, card_id, answered, correct)"
    " SELECT k, c, 1, r FROM unnest($1::text[], $2::text[], $3::int[]) AS t(k, c, r)"
    " ON CONFLICT(user_key, card_id) DO UPDATE SET answered=user_topics.answered+1,"
    " correct=user_topics.correct+excluded.correct"
)
UNNEST_SRS = (
    "INSERT INTO srs_cards(user_key, question_id, card_id, state, step, stability, difficulty,"
    " due, last_review, reps, lapses) SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
    " $4::int[], $5::int[], $6::float8[], $7::float8[], $8::text[], $9::text[], $10::int[],"
    " $11::int[]) ON CONFLICT(user_key, question_id) DO UPDATE SET state=excluded.state,"
    " step=excluded.step, stability=excluded.stability, difficulty=excluded.difficulty,"
    " due=excluded.due, last_review=excluded.last_review, reps=excluded.reps,"
    " lapses=excluded.lapses"
)


def columns(rows: list[tuple]) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)]


async def raw_pg(url: str, total: int, first_user: int, answers_only: bool = False) -> float:
    """Hand-written asyncpg, no queue and no store layer: the same rows per 100 answers in
    one transaction, one ``unnest`` statement per table."""
    conn = await asyncpg.connect(url)
    post_id = await conn.fetchval(NEW_POST, START.isoformat())
    batch = rows(post_id, first_user, total)
    t0 = time.perf_counter()
    for start in range(0, total, 100):
        chunk = batch[start : start + 100]
        async with conn.transaction():
            await conn.execute(UNNEST_ANSWERS, *columns([answer_row(w) for w in chunk]))
            if answers_only:
                continue
            await conn.execute(
                UNNEST_USERS,
                *columns([(w.user_key, w.display_name, w.points, int(w.correct)) for w in chunk]),
            )
            await conn.execute(
                UNNEST_SCORES,
                *columns(
                    [
                        (scope, period, w.user_key, w.points, int(w.correct))
                        for w in chunk
                        for scope in w.scopes
                        for period in ("all", w.week)
                    ]
                ),
            )
            await conn.execute(
                UNNEST_TOPICS, *columns([(w.user_key, w.topic_id, int(w.correct)) for w in chunk])
            )
            await conn.execute(
                UNNEST_SRS,
                *columns(
                    [
                        srs.to_row(
                            w.user_key,
                            srs.review(None, w.question_id, w.topic_id, w.correct, START),
                        )
                        for w in chunk
                    ]
                ),
            )
    elapsed = time.perf_counter() - t0
    await conn.close()
    return total / elapsed


async def naive_pg(url: str, concurrency: int, total: int, first_user: int):
    """One transaction per answer, one await per statement, a pool of 10 connections."""
    pool = await asyncpg.create_pool(url, min_size=10, max_size=10)
    post_id = await pool.fetchval(NEW_POST, START.isoformat())
    batch = iter(rows(post_id, first_user, total))
    latencies: list[float] = []

    async def answer(w: AnswerWrite) -> None:
        async with pool.acquire() as conn, conn.transaction():
            status = await conn.execute(
                PG_INSERT_ANSWER + " ON CONFLICT DO NOTHING", *answer_row(w)
            )
            if status.endswith(" 1"):
                await conn.execute(PG_USERS, w.user_key, w.display_name, w.points, int(w.correct))
                for scope in w.scopes:
                    for period in ("all", w.week):
                        await conn.execute(
                            PG_SCORES, scope, period, w.user_key, w.points, int(w.correct)
                        )
                await conn.execute(PG_TOPICS, w.user_key, w.topic_id, int(w.correct))

    async def answerer() -> None:
        for w in batch:
            t0 = time.perf_counter()
            await answer(w)
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(answerer() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    await pool.close()
    return total / elapsed, latencies


async def core_steps(target: Path | str, total: int, first_user: int) -> tuple[float, float]:
    """The core's own click and trailing transactions through its database layer, 100
    answers at a time, one after the other: answers/s of the click part and of the trailing
    part alone (PostgreSQL's stand-in for the synchronous SQLite figures)."""
    db = await open_database(target, SCHEMA)
    try:
        post_id = await db.write(
            lambda c: c.execute(NEW_POST_RETURNING, (START.isoformat(),)).fetchone()[0]
        )
        batch = rows(post_id, first_user, total)
        click = trailing = 0.0
        for start in range(0, total, 100):
            t0 = time.perf_counter()
            await db.write(store_answers, batch[start : start + 100], ANSWER_STEPS)
            t1 = time.perf_counter()
            while await db.write(apply_derived, DERIVED_STEPS, 5000):
                pass
            trailing += time.perf_counter() - t1
            click += t1 - t0
    finally:
        await db.close()
    return total / click, total / trailing


async def core_figures(app: QuizApp, sizes: dict[int, int], burst: int, figures: dict) -> int:
    user = 1
    for concurrency, total in sizes.items():
        rate, lat = await core_concurrent(app, concurrency, total, user)
        await app.answers.settled()  # the next scenario starts with nothing trailing
        user += total
        figures[f"core_{concurrency}"] = (rate, percentile(lat, 50), percentile(lat, 99))
    rate, lat, batches, lags, trailing = await core_burst(app, burst, user)
    user += burst
    figures["burst"] = (rate, percentile(lat, 50), percentile(lat, 99), batches)
    figures["derived_lag_p99"] = percentile(lags, 99)
    figures["trailing_batch"] = trailing
    return user


async def one_round_pg(url: str, sizes: dict[int, int], burst: int) -> dict:
    figures: dict = {}
    app = await open_app(url)
    try:
        user = await core_figures(app, sizes, burst, figures)
    finally:
        await app.close()
    figures["raw"] = await raw_pg(url, sizes[1000], user)
    user += sizes[1000]
    figures["raw_answers_only"] = await raw_pg(url, sizes[1000], user, answers_only=True)
    user += sizes[1000]
    figures["raw_click"], figures["raw_trailing"] = await core_steps(url, sizes[1000], user)
    user += sizes[1000]
    rate, lat = await naive_pg(url, 1000, sizes[1000] // 4, user)
    figures["naive"] = (rate, percentile(lat, 50), percentile(lat, 99))
    user += sizes[1000] // 4
    rate, lat = await naive_same_rows(url, 1000, sizes[1000] // 4, user)
    figures["naive_same_rows"] = (rate, percentile(lat, 50), percentile(lat, 99))
    return figures


async def one_round(folder: Path, sizes: dict[int, int], burst: int) -> dict:
    figures: dict = {}
    app = await open_app(folder / "bench.db")
    try:
        user = await core_figures(app, sizes, burst, figures)
    finally:
        await app.close()
    figures["raw"], figures["raw_click"], figures["raw_trailing"] = raw_same_rows(
        folder / "bench.db", sizes[1000], user
    )
    user += sizes[1000]
    figures["raw_answers_only"] = raw_answers_only(folder / "bench.db", sizes[1000], user)
    user += sizes[1000]
    rate, lat = await naive(folder / "bench.db", 1000, sizes[1000] // 4, user)
    figures["naive"] = (rate, percentile(lat, 50), percentile(lat, 99))
    user += sizes[1000] // 4
    rate, lat = await naive_same_rows(folder / "bench.db", 1000, sizes[1000] // 4, user)
    figures["naive_same_rows"] = (rate, percentile(lat, 50), percentile(lat, 99))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--answers", type=int, default=20000, help="answers per scenario")
    parser.add_argument("--burst", type=int, default=10000, help="answers submitted at once")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--pg",
        help="PostgreSQL server for --backend postgres (a database is"
        " created and dropped on it; env QUIZBOT_BENCH_PG; 127.0.0.1:5432)",
    )
    args = parser.parse_args()
    sizes = {1: max(2000, args.answers // 10), 100: args.answers, 1000: args.answers}
    rounds = []
    postgres = args.backend == "postgres"
    for _ in range(args.rounds):
        if postgres:
            with bench_database(server_url(args.pg)) as url:
                rounds.append(asyncio.run(one_round_pg(url, sizes, args.burst)))
            continue
        with tempfile.TemporaryDirectory() as tmp:
            rounds.append(asyncio.run(one_round(Path(tmp), sizes, args.burst)))
    raw_name, naive_name = (
        ("raw asyncpg unnest, same rows", "naive asyncpg, 1 txn per answer")
        if postgres
        else ("raw sqlite3, same rows, batch 100", "naive aiosqlite, 1 txn per answer")
    )

    def med(key: str, i: int = 0) -> float:
        values = [r[key][i] if isinstance(r[key], tuple) else r[key] for r in rounds]
        return median(values)

    def ratio(fn) -> float:
        return median([fn(r) for r in rounds])

    engine = "PostgreSQL (asyncpg)" if postgres else f"SQLite {sqlite3.sqlite_version}"
    load = os.getloadavg()
    print(f"answers: {args.rounds} rounds, medians; {engine}; load {load[0]:.2f} {load[1]:.2f}")
    print(f"{'design':<36}{'answers/s':>12}{'p50 ms':>10}{'p99 ms':>10}")
    for c in (1, 100, 1000):
        key = f"core_{c}"
        print(
            f"{f'core, {c} concurrent':<36}{med(key):>12,.0f}"
            f"{med(key, 1) * 1e3:>10.2f}{med(key, 2) * 1e3:>10.2f}"
        )
    print(
        f"{f'core, burst of {args.burst:,} at once':<36}{med('burst'):>12,.0f}"
        f"{med('burst', 1) * 1e3:>10.2f}{med('burst', 2) * 1e3:>10.2f}"
        f"   ({med('burst', 3):.0f} transactions)"
    )
    print(f"{raw_name:<36}{med('raw'):>12,.0f}")
    print(f"{raw_name.split(',')[0] + ', answer rows only':<36}{med('raw_answers_only'):>12,.0f}")
    print(f"{'the core steps: click part alone':<36}{med('raw_click'):>12,.0f}")
    print(f"{'the core steps: trailing part alone':<36}{med('raw_trailing'):>12,.0f}")
    print(
        f"{naive_name:<36}{med('naive'):>12,.0f}"
        f"{med('naive', 1) * 1e3:>10.2f}{med('naive', 2) * 1e3:>10.2f}"
    )
    print(
        f"{naive_name.split(',')[0] + ', same rows':<36}{med('naive_same_rows'):>12,.0f}"
        f"{med('naive_same_rows', 1) * 1e3:>10.2f}{med('naive_same_rows', 2) * 1e3:>10.2f}"
    )
    ratio_raw = ratio(lambda r: r["core_1000"][0] / r["raw"])
    ratio_same = ratio(lambda r: r["core_1000"][0] / r["naive_same_rows"][0])
    ratio_naive = ratio(lambda r: r["core_1000"][0] / r["naive"][0])
    ratio_rows = ratio(lambda r: r["core_1000"][0] / r["raw_answers_only"])
    # the raw time to insert the burst's answer rows alone, in this round
    burst_vs_rows = ratio(lambda r: r["burst"][2] / (args.burst / r["raw_answers_only"]))
    # one batch: the raw limit writing 1,000 answers (click and trailing), in this round
    p99_vs_batch = ratio(lambda r: r["core_1000"][2] / (1000 / r["raw"]))
    lag_vs_trailing = ratio(lambda r: r["derived_lag_p99"] / r["trailing_batch"])
    batch_ms = 1000 / med("raw") * 1e3
    floor = "0.3" if postgres else "0.2"
    print(
        f"at 1,000 concurrent: {ratio_rows:.2f}x the raw answer rows alone (target >= {floor}),"
        f" {ratio_raw:.2f}x the raw limit, {ratio_naive:.1f}x the naive design (reference),"
        f" {ratio_same:.1f}x the naive design writing the same rows"
    )
    print(
        f"p99 at 1,000 concurrent {med('core_1000', 2) * 1e3:.1f} ms ="
        f" {p99_vs_batch:.2f}x the raw limit's time for a batch of 1,000 ({batch_ms:.1f} ms;"
        f" target <= 2)"
    )
    print(
        f"burst p99 {med('burst', 2) * 1e3:.0f} ms = {burst_vs_rows:.1f}x the raw time to insert"
        f" its answer rows (target <= 10); derived rows applied {med('derived_lag_p99') * 1e3:.0f}"
        f" ms after the reply (p99) = {lag_vs_trailing:.2f}x one trailing batch"
        f" ({med('trailing_batch') * 1e3:.0f} ms; target <= 2)"
    )
    if args.json:
        emit_json(
            {
                "backend": args.backend,
                "load_1min": round(load[0], 2),
                "answers_per_s_1000": round(med("core_1000")),
                "raw_limit_per_s": round(med("raw")),
                "raw_answer_rows_only_per_s": round(med("raw_answers_only")),
                "raw_click_per_s": round(med("raw_click")),
                "raw_trailing_per_s": round(med("raw_trailing")),
                "naive_per_s": round(med("naive")),
                "ratio_vs_raw": round(ratio_raw, 3),
                "ratio_vs_answer_rows": round(ratio_rows, 3),
                "ratio_vs_naive": round(ratio_naive, 2),
                "naive_same_rows_per_s": round(med("naive_same_rows")),
                "ratio_vs_naive_same_rows": round(ratio_same, 2),
                "p99_ms_1000": round(med("core_1000", 2) * 1e3, 2),
                "burst_p99_ms": round(med("burst", 2) * 1e3, 1),
                "burst_p99_vs_rows": round(burst_vs_rows, 2),
                "derived_lag_p99_ms": round(med("derived_lag_p99") * 1e3, 1),
                "trailing_batch_ms": round(med("trailing_batch") * 1e3, 1),
                "derived_lag_vs_trailing": round(lag_vs_trailing, 2),
                "p99_vs_batch": round(p99_vs_batch, 2),
            }
        )


if __name__ == "__main__":
    main()

"""The teacher's view at scale: item analysis over 10,000 learners and 1,000,000 answers.

Builds the data set directly with sqlite3 through the real schema (posts over eight weeks in
five channels, one in twenty a review; learners of varied strength, so the figures mean
something), then times, in the same run:

- item analysis for the whole course through the real API (``AnalyseItems`` dispatched like
  the adapters do), every run cold (nothing reused);
- the baseline: a plain ``SELECT question_id, choice, COUNT(*) FROM answers GROUP BY
  question_id, choice`` through the same database object;
- the dashboard's heaviest page (the course: every question's figures and flags) over HTTP
  from the real web adapter: opened cold (its analysis computed), again within the dashboard's
  reuse window (a teacher clicking back to the course), and once the analysis is stale (served
  at once while a new one runs in the background; the refresh is waited for between views).

Medians, p99 (the slowest of a few rounds) and, on SQLite, CPU seconds of this process (the
machine is shared: wall time swings with load, CPU much less).

    python bench/report.py [--json] [--rounds 5] [--backend postgres [--pg URL]]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import median, percentile  # noqa: E402
from _pg import bench_database, server_url  # noqa: E402

from adapters.web.server import make_web_app  # noqa: E402
from bot.app import SCHEMA, QuizApp  # noqa: E402
from bot.content import default_content_path, load_pack  # noqa: E402
from bot.features.answers.writer import INSERT_ANSWER  # noqa: E402
from bot.features.teacher import ItemReport  # noqa: E402
from bot.features.teacher.requests import AnalyseItems  # noqa: E402
from bot.features.teacher.service import reader_for  # noqa: E402
from bot.kernel.clock import FakeClock, week_start  # noqa: E402
from bot.kernel.db import open_sync  # noqa: E402
from bot.kernel.migrations import statements  # noqa: E402
from bot.kernel.storage import open_database  # noqa: E402

WORKSPACE = "console:bench"
CHANNELS = 5
WEEKS = 8
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
BASELINE_SQL = "SELECT question_id, choice, COUNT(*) FROM answers GROUP BY question_id, choice"
PAGE_TARGET_MS = 300.0
FIRST_ANSWERS_BACKFILL = next(
    s
    for migration in SCHEMA.migrations
    for s in statements(migration.sqlite)
    if s.startswith("INSERT INTO first_answers")
)


def build(path: Path, learners: int, answers: int, seed: int = 25) -> None:
    rng = random.Random(seed)
    pack = load_pack(default_content_path())
    # one right choice each (typed, all-that-apply and flashcard answers are stored otherwise)
    questions = [q for q in pack.questions if q.choices and not q.multi and not q.flashcard]
    db = open_sync(path, SCHEMA)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    post_count = max(answers // 50, 1000)
    start = NOW - timedelta(weeks=WEEKS)
    span = (NOW - start).total_seconds()
    posts = []
    for post_id in range(1, post_count + 1):
        q = questions[rng.randrange(len(questions))]
        created = start + timedelta(seconds=span * post_id / (post_count + 1))
        kind = "review" if rng.random() < 0.05 else "ask"
        channel = f"{WORKSPACE}:c{rng.randrange(CHANNELS)}"
        posts.append((post_id, q.id, q.topic_id, WORKSPACE, channel, kind, created.isoformat()))
    db.executemany(
        "INSERT INTO posts(id, question_id, card_id, workspace_key, channel_key, kind,"
        " created_at) VALUES (?,?,?,?,?,?,?)",
        posts,
    )
    by_id = {q.id: q for q in questions}
    per_learner = answers // learners
    rows = []
    for n in range(learners):
        user_key = f"console:u{n:05d}"
        skill = rng.uniform(0.2, 0.95)
        for post_id in rng.sample(range(1, post_count + 1), per_learner):
            _, qid, card_id, _, _, _, created = posts[post_id - 1]
            q = by_id[qid]
            right = q.correct_index
            if rng.random() < skill:
                choice = right
            else:  # wrong choices are not equally tempting: the last one hardly ever
                wrong = [i for i in range(len(q.choices)) if i != right]
                weights = ([6, 3] + [1] * len(wrong))[: len(wrong)]
                choice = rng.choices(wrong, weights=weights)[0]
            answered = datetime.fromisoformat(created) + timedelta(seconds=rng.randrange(5, 90))
            rows.append(
                (
                    post_id,
                    user_key,
                    qid,
                    card_id,
                    choice,
                    int(choice == right),
                    10 if choice == right else 0,
                    answered.isoformat(),
                    week_start(answered.date()).isoformat(),
                    None,
                )
            )
    rows.sort()  # primary-key order: a much faster bulk load
    db.executemany(INSERT_ANSWER, rows)
    # first answers as the answer batch keeps them: the migration's backfill, over these rows
    db.execute(FIRST_ANSWERS_BACKFILL)
    db.executemany(
        "INSERT INTO users(user_key, display_name) VALUES (?, ?)",
        [(f"console:u{n:05d}", f"Learner {n:05d}") for n in range(learners)],
    )
    db.execute("COMMIT")
    db.close()


async def copy_to_postgres(path: Path, url: str) -> None:
    """The data set into a migrated PostgreSQL database (COPY per table), then ANALYZE."""
    import sqlite3

    import asyncpg

    db = await open_database(url, SCHEMA)  # migrates
    await db.close()
    source = sqlite3.connect(path)
    conn = await asyncpg.connect(url)
    try:
        for table in ("posts", "answers", "users", "first_answers"):
            columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
            rows = source.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            await conn.copy_records_to_table(table, records=rows, columns=columns)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
        source.close()


def timed(times: list[float], cpu: list[float]):
    """A context that appends the block's wall and CPU milliseconds."""

    class _Timer:
        def __enter__(self) -> None:
            self.wall, self.cpu = time.perf_counter(), time.process_time()

        def __exit__(self, *exc: object) -> None:
            times.append((time.perf_counter() - self.wall) * 1000)
            cpu.append((time.process_time() - self.cpu) * 1000)

    return _Timer()


def summary(times: list[float], cpu: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(median(times), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "cpu_median_ms": round(median(cpu), 1),
    }


async def measure(target: Path | str, rounds: int) -> dict[str, dict[str, float]]:
    app = await QuizApp.open(target, clock=FakeClock(NOW))
    reader = reader_for(WORKSPACE)
    results: dict[str, dict[str, float]] = {}
    try:
        await app.db.read(lambda db: db.execute(BASELINE_SQL).fetchall())  # warm the cache
        for name in ("group_by_baseline", "item_analysis"):
            times: list[float] = []
            cpu: list[float] = []
            for _ in range(rounds):
                with timed(times, cpu):
                    if name == "item_analysis":
                        report = await app.dispatch(reader, AnalyseItems())
                        assert isinstance(report, ItemReport) and report.learners, "no data"
                    else:
                        await app.db.read(lambda db: db.execute(BASELINE_SQL).fetchall())
            results[name] = summary(times, cpu)
        link = await app.teacher.dashboard_link(reader_for(WORKSPACE, "bench"))
        token_path = link.url[link.url.index("/d/") :]
        web = make_web_app(app)  # the dashboard's reuse settings (FRESH_SECONDS, STALE_SECONDS)
        runner = aiohttp.web.AppRunner(web)
        await runner.setup()
        site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        try:
            async with aiohttp.ClientSession() as http:
                recent = app.teacher.recent
                for name in ("course_page_cold", "course_page_reused", "course_page_stale"):
                    times, cpu = [], []
                    for _ in range(rounds if name == "course_page_cold" else rounds * 10):
                        if name == "course_page_cold":
                            recent.clear()  # a fresh analysis for this view
                        elif name == "course_page_stale":
                            recent.fresh_s = 0.0  # every view is stale: served, then refreshed
                        with timed(times, cpu):
                            async with http.get(f"http://{host}:{port}{token_path}") as page:
                                body = await page.text()
                        assert page.status == 200 and "learners" in body, body[:300]
                        await recent.settle()  # the background refresh, outside the timing
                    results[name] = summary(times, cpu)
        finally:
            await runner.cleanup()
    finally:
        await app.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print a JSON summary last")
    parser.add_argument("--db", type=Path, help="keep the data set in this file and reuse it")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg", help="PostgreSQL server (env QUIZBOT_BENCH_PG; 127.0.0.1:5432)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="quizbot-bench-") as tmp:
        path = args.db or Path(tmp) / "report.db"
        started = time.perf_counter()
        if not path.exists():
            build(path, args.learners, args.answers)
        print(
            f"built {args.learners:,} learners / {args.answers:,} answers in"
            f" {time.perf_counter() - started:.1f}s"
        )
        if args.backend == "postgres":
            with bench_database(server_url(args.pg)) as url:
                asyncio.run(copy_to_postgres(path, url))
                results = asyncio.run(measure(url, args.rounds))
        else:
            results = asyncio.run(measure(path, args.rounds))
    base = results["group_by_baseline"]
    print(f"{'':<20} median ms   p99 ms  CPU ms (this process)  median / GROUP BY")
    for name, r in results.items():
        ratio = r["median_ms"] / base["median_ms"]
        print(
            f"{name:<20} {r['median_ms']:9.1f} {r['p99_ms']:8.1f} {r['cpu_median_ms']:9.1f}"
            f"              {ratio:6.2f}x"
        )
    verdicts = []
    for case in ("reused", "stale", "cold"):
        page_ms = results[f"course_page_{case}"]["median_ms"]
        verdicts.append(f"{case} {'met' if page_ms < PAGE_TARGET_MS else 'missed'} ({page_ms:.1f})")
    print(f"course page under {PAGE_TARGET_MS:.0f} ms (median):", ", ".join(verdicts))
    if args.json:
        ratios = {n: round(r["median_ms"] / base["median_ms"], 2) for n, r in results.items()}
        print(
            json.dumps(
                {
                    "backend": args.backend,
                    "learners": args.learners,
                    "answers": args.answers,
                    "results": results,
                    "median_vs_group_by": ratios,
                },
                sort_keys=True,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The leaderboard data set built in bulk, fast enough for 10^7 stored answers.

``bench/leaderboard.py``'s ``build`` makes every answer in Python (a random sample of posts
per user); at 10^6 answers that took six minutes here. This builds the same shape of data
set (N answers from ``users`` users, each answering ``N / users`` distinct posts spread over
eight weeks and five channels, skill 0.3-0.95 per user; users' streaks and mastered counts;
two study groups) with SQL: the posts and answers come from a recursive CTE and integer
hashes instead of a random generator (so the set is the same on every run), the derived rows
(users' totals, per-topic rows, score rows at every scope and period, the groups' copies,
board sizes, rank buckets) are aggregated from the stored answers in one pass each,
consistent with what the answer writer keeps, and the secondary indexes are dropped for the
load and built again after (a sort each, instead of 10^7 random inserts).
``copy_bulk_to_postgres`` streams the file into PostgreSQL the same way (COPY per table in
chunks, indexes built after).

    python bench/bulk_data.py FILE ANSWERS    # a data set of ANSWERS answers (ANSWERS/200
                                              # users) in a new file, for bench/scale.py --data
"""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

from leaderboard import CHANNELS, GROUP_SIZES, NOW, TABLES, WEEKS, WS_KEY

from bot.app import SCHEMA
from bot.content import default_content_path, load_pack
from bot.features.boards.store import RANK_SORTS, rank_keys, recount_ranks
from bot.kernel.db import open_sync
from bot.kernel.storage import open_database

BULK_TABLES = ("answers", "scores")  # their secondary indexes are built after the load
# multiplicative hashes (Knuth's, and xxHash's primes) of small integers: deterministic
# "random" draws in SQL; SQLite and PostgreSQL both compute them in 64-bit integers
H1 = "(({x}) * 2654435761 % 4294967296)"
H2 = "((({x}) * 2246822519 + 374761393) % 4294967296)"


def _h1(x: str) -> str:
    return H1.format(x=x)


def _h2(x: str) -> str:
    return H2.format(x=x)


def build_bulk(path: Path, users: int, answers: int, log: bool = False) -> None:
    """The data set in a new SQLite file at ``path`` (migrated to the current schema);
    ``log``: print each stage's seconds."""
    started = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal started
        if log:
            print(f"    {name}: {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()

    pack = load_pack(default_content_path())
    questions = [(q.id, q.topic_id) for q in pack.questions if not q.typed]
    db = open_sync(path, SCHEMA)
    # a bulk load into a throwaway file: no journal, no fsync, a large page cache
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")  # 1 GB
    db.execute("PRAGMA temp_store=MEMORY")  # sorts of 10^7 rows: ~2 GB
    db.execute("PRAGMA threads=2")
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({','.join('?' * len(BULK_TABLES))})",
        BULK_TABLES,
    ).fetchall()
    for name, _ in indexes:
        db.execute(f"DROP INDEX {name}")
    stage("schema")
    posts = max(answers // 50, 1000)
    per_user = answers // users
    stride = posts // per_user  # a user's posts spread evenly over the eight weeks
    start = NOW - timedelta(weeks=WEEKS)
    span = int((NOW - start).total_seconds())
    db.execute("BEGIN")
    db.execute("CREATE TEMP TABLE q(n INTEGER PRIMARY KEY, id TEXT, card_id TEXT)")
    db.executemany("INSERT INTO temp.q VALUES (?,?,?)", [(i, *q) for i, q in enumerate(questions)])
    db.execute(
        "INSERT INTO posts(id, question_id, card_id, workspace_key, channel_key, created_at)"
        " WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)"
        f" SELECT i, q.id, q.card_id, ?, ? || ':c' || ({_h2('i')} % {CHANNELS}),"
        " strftime('%Y-%m-%dT%H:%M:%S+00:00', ? + ? * i / ?, 'unixepoch')"
        f" FROM s JOIN temp.q q ON q.n = {_h1('i')} % ?",
        (posts, WS_KEY, WS_KEY, int(start.timestamp()), span, posts + 1, len(questions)),
    )
    stage("posts")
    # answer j is user j / per_user's k-th (k = j % per_user): post (u * 7919 + k * stride)
    # mod posts, so a user's posts are distinct; right with the user's skill as probability
    skill = f"(300 + {_h1('a.u + 1')} % 650)"  # per mille, 0.30-0.95
    db.execute(
        "INSERT INTO answers(post_id, user_key, question_id, card_id, choice, correct, points,"
        " answered_at, week, typed)"
        " WITH RECURSIVE s(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM s WHERE j < ?),"
        " a AS (SELECT j, j / ? AS u, j % ? AS k FROM s),"
        " r AS (SELECT p.id AS post_id, 'console:u' || printf('%05d', a.u) AS user_key,"
        f"  p.question_id, p.card_id, {_h2('a.j')} % 1000 < {skill} AS correct,"
        "  strftime('%Y-%m-%dT%H:%M:%S+00:00', p.created_at,"
        f"   '+' || ({_h1('a.j + 7')} % 3600) || ' seconds') AS at"
        "  FROM a JOIN posts p ON p.id = (a.u * 7919 + a.k * ?) % ? + 1)"
        " SELECT post_id, user_key, question_id, card_id, 1 - correct, correct, 10 * correct,"
        "  at, date(at, '-6 days', 'weekday 1'), NULL FROM r ORDER BY post_id, user_key",
        (users * per_user - 1, per_user, per_user, stride, posts),
    )
    stage("answers")
    today = NOW.date()
    n = "CAST(substr(user_key, 10) AS INTEGER)"  # the user's number: console:u00042 -> 42
    lapse = (0, 0, 1, 1, 2, 5, 30)  # days since the last correct day (as leaderboard.build)
    last = " ".join(
        f"WHEN {i} THEN '{(today - timedelta(days=d)).isoformat()}'" for i, d in enumerate(lapse)
    )
    db.execute(
        "INSERT INTO users(user_key, display_name, points, answered, correct, streak,"
        " best_streak, last_correct_day, mastered)"
        f" SELECT user_key, 'User ' || substr(user_key, -5), points, answered, correct, streak,"
        f"  streak + {_h2(f'{n} + 3')} % 5,"
        f"  CASE WHEN streak > 0 THEN CASE {_h1(f'{n} + 5')} % 7 {last} END END,"
        f"  {_h2(f'{n} + 11')} % {len(questions)}"
        " FROM (SELECT user_key, SUM(points) AS points, COUNT(*) AS answered,"
        f"  SUM(correct) AS correct, {_h1(f'{n} + 1')} % 40 AS streak"
        "  FROM answers GROUP BY user_key)"
    )
    stage("users")
    db.execute(
        "INSERT INTO user_topics(user_key, card_id, answered, correct, mastered)"
        f" SELECT user_key, card_id, COUNT(*), SUM(correct), {_h2(f'{n} + unicode(card_id)')} % 10"
        " FROM answers GROUP BY user_key, card_id"
    )
    stage("user_topics")
    # every score row the answer writer keeps: workspace, channel and topic scopes, all time
    # and per week, with the user's streak, last correct day and mastered count (a topic
    # row: the topic's mastered count)
    topics = f"wt:{WS_KEY}:"
    db.execute(
        "CREATE TEMP TABLE f AS SELECT a.user_key, p.channel_key, a.week, a.card_id,"
        " SUM(a.points) AS points, COUNT(*) AS answered, SUM(a.correct) AS correct"
        " FROM answers a JOIN posts p ON p.id = a.post_id GROUP BY 1, 2, 3, 4"
    )
    stage("per user, channel, week and topic")
    parts = (
        ("'ws:' || ?", "'all'", "NULL"),
        ("'ws:' || ?", "week", "NULL"),
        ("'ch:' || channel_key", "'all'", "NULL"),
        ("'ch:' || channel_key", "week", "NULL"),
        ("? || card_id", "'all'", "card_id"),
        ("? || card_id", "week", "card_id"),
    )
    union = " UNION ALL ".join(
        f"SELECT {scope} AS scope, {period} AS period, user_key, {card} AS card,"
        " points, answered, correct FROM temp.f"
        for scope, period, card in parts
    )
    db.execute(
        "INSERT INTO scores(scope, period, user_key, points, answered, correct, streak,"
        " last_correct_day, mastered)"
        " SELECT g.scope, g.period, g.user_key, g.points, g.answered, g.correct, u.streak,"
        "  u.last_correct_day, CASE WHEN g.card IS NULL THEN u.mastered"
        "  ELSE COALESCE(t.mastered, 0) END"
        " FROM (SELECT scope, period, user_key, card, SUM(points) AS points,"
        f"  SUM(answered) AS answered, SUM(correct) AS correct FROM ({union})"
        "  GROUP BY scope, period, user_key) g"
        " JOIN users u ON u.user_key = g.user_key"
        " LEFT JOIN user_topics t ON t.user_key = g.user_key AND t.card_id = g.card"
        " ORDER BY g.scope, g.period, g.user_key",
        (WS_KEY, WS_KEY, topics, topics),
    )
    stage("score rows")
    db.execute("DROP TABLE temp.f")
    rng = random.Random(7)
    for size in GROUP_SIZES:
        cur = db.execute(
            "INSERT INTO study_groups(workspace_key, name_key, name, created_by, created_at)"
            " VALUES (?,?,?,?,?)",
            (WS_KEY, f"study-{size}", f"study-{size}", "console:u00000", NOW.isoformat()),
        )
        members = rng.sample(range(users), min(size, users))
        db.executemany(
            "INSERT INTO group_members(group_id, user_key, display_name, joined_at)"
            " VALUES (?,?,?,?)",
            [
                (cur.lastrowid, f"console:u{m:05d}", f"User {m:05d}", NOW.isoformat())
                for m in members
            ],
        )
    into = (
        "INSERT INTO scores(scope, period, user_key, points, answered, correct, streak,"
        " last_correct_day, mastered) SELECT"
    )
    columns = "period, s.user_key, points, answered, correct, streak, last_correct_day, mastered"
    db.execute(
        f"{into} 'gr:' || m.group_id, {columns} FROM group_members m"
        " JOIN scores s ON s.user_key = m.user_key AND s.scope = ?",
        (f"ws:{WS_KEY}",),
    )
    db.execute(
        f"{into} 'gt:' || m.group_id || ':' || substr(s.scope, ?), {columns}"
        " FROM group_members m JOIN scores s ON s.user_key = m.user_key"
        " AND s.scope >= ? AND s.scope < ?",
        (len(topics) + 1, topics, topics[:-1] + ";"),  # ';' sorts right after ':'
    )
    db.execute("DELETE FROM boards")
    db.execute(
        "INSERT INTO boards(scope, period, players, qualified)"
        " SELECT scope, period, COUNT(*), SUM(answered >= 5) FROM scores GROUP BY scope, period"
    )
    stage("groups and board sizes")
    recount_ranks(db)
    stage("rank buckets")
    db.execute("COMMIT")
    for _, sql in indexes:
        db.execute(sql)
    stage("indexes")
    db.execute("PRAGMA analysis_limit=1000")  # sampled statistics: a full ANALYZE reads it all
    db.execute("ANALYZE")
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    stage("analyze")


async def copy_bulk_to_postgres(path: Path, url: str, chunk: int = 100_000) -> None:
    """The SQLite data set into the (migrated) PostgreSQL database: COPY per table, streamed
    from the file, with the bulk tables' secondary indexes dropped for the load and built
    after; then the id sequences and VACUUM ANALYZE (what autovacuum does after a load)."""
    import asyncpg

    db = await open_database(url, SCHEMA)  # migrates
    await db.close()
    source = sqlite3.connect(path)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        indexes = await conn.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            list(BULK_TABLES),
        )
        for index in indexes:
            await conn.execute(f"DROP INDEX {index['indexname']}")
        for table in TABLES:
            columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
            cursor = source.execute(f"SELECT {', '.join(columns)} FROM {table}")
            while rows := cursor.fetchmany(chunk):
                await conn.copy_records_to_table(table, records=rows, columns=columns)
        for index in indexes:
            await conn.execute(index["indexdef"])
        for table in ("posts", "study_groups"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT MAX(id) FROM {table}))"
            )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
        source.close()


def check_against_answers(path: Path) -> list[str]:
    """The derived rows a bulk build made, recomputed from its answers the slow way: what
    differs (empty when consistent). For small sets (tests, a spot check)."""
    db = sqlite3.connect(path)
    wrong = []
    for scope_sql, period_sql in (
        ("'ws:' || p.workspace_key", "'all'"),
        ("'ch:' || p.channel_key", "a.week"),
        ("'wt:' || p.workspace_key || ':' || a.card_id", "a.week"),
    ):
        expected = db.execute(
            f"SELECT {scope_sql}, {period_sql}, a.user_key, SUM(a.points), COUNT(*),"
            " SUM(a.correct) FROM answers a JOIN posts p ON p.id = a.post_id"
            " GROUP BY 1, 2, 3"
        ).fetchall()
        for scope, period, user_key, *totals in expected:
            got = db.execute(
                "SELECT points, answered, correct FROM scores"
                " WHERE scope = ? AND period = ? AND user_key = ?",
                (scope, period, user_key),
            ).fetchone()
            if list(got or ()) != totals:
                wrong.append(f"{scope} {period} {user_key}: {got} != {totals}")
    sizes = db.execute(
        "SELECT COUNT(*) FROM boards b WHERE players != (SELECT COUNT(*) FROM scores s"
        " WHERE s.scope = b.scope AND s.period = b.period)"
    ).fetchone()[0]
    if sizes:
        wrong.append(f"{sizes} board sizes differ from their rows")
    buckets: dict[tuple, int] = {}
    for scope, period, *values in db.execute(
        "SELECT scope, period, points, answered, correct, streak, last_correct_day, mastered"
        " FROM scores"
    ):
        for (sort, shifts), ranked in zip(RANK_SORTS, rank_keys(tuple(values)), strict=True):
            for shift in shifts if ranked else ():
                bucket = (scope, period, sort, ranked[0], shift, ranked[1] >> shift)
                buckets[bucket] = buckets.get(bucket, 0) + 1
    stored = {
        tuple(key): players
        for *key, players in db.execute(
            "SELECT scope, period, sort, day, shift, bucket, players FROM score_counts"
        )
    }
    if stored != buckets:
        wrong.append(f"{len(set(stored.items()) ^ set(buckets.items()))} rank buckets differ")
    db.close()
    return wrong


if __name__ == "__main__":
    import sys

    target, size = Path(sys.argv[1]), int(float(sys.argv[2]))
    if target.exists():
        sys.exit(f"{target} exists")
    started = time.perf_counter()
    build_bulk(target, max(50, size // 200), size, log=True)
    print(f"built {size:,} answers in {target} in {time.perf_counter() - started:.0f} s")

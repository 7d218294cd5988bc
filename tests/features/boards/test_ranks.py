"""A requester's rank is 1 + the players above them, summed from the buckets of
``score_counts`` (not counted along the board's index): every player's rank on every board and
sort equals the count from the score rows, with ties, both periods, channel, server, topic and
group boards, after answers over days, joins and leaves, after arbitrary moves of large values
(points past every bucket width, long streaks alive and not, accuracy ratios closer than a
bucket), and after the migration that fills the buckets from the rows there are; on both
backends."""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta

from bot.app import QuizApp
from bot.features.boards.results import Sort
from bot.features.boards.store import count_ranks
from bot.kernel.db import Connection
from bot.kernel.identity import Actor, group_scope
from tests.conftest import CONTENT, console_actor, write_old_database
from tests.features.boards.ranks import (
    ScoreValues,
    board_ranks,
    check_counts,
    expected_rank,
    score_rows,
)
from tests.pg_server import copy_old_database

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)


def person(i: int) -> Actor:
    return Actor("console", f"p{i:02d}", f"P{i:02d}", "local", ("terminal", "room")[i % 3 == 0])


async def check_every_rank(app: QuizApp, alive: str) -> int:
    """Every score row's rank on every sort equals the count from the rows, and the buckets
    are the ones the rows fill; how many ranks it compared."""
    await app.answers.settled()
    rows = await app.db.read(score_rows)
    await app.db.read(check_counts)
    compared = 0
    for sort in Sort:
        got = await board_ranks(app.db, rows, sort, alive)
        wrong = {k: v for k, v in got.items() if v[0] != v[1]}
        assert not wrong, (sort, wrong)
        compared += len(got)
    return compared


async def test_every_players_rank_is_the_count_of_those_above(app, clock):
    admin = console_actor("Admin")
    await app.groups.create(admin, "core")
    people = [person(i) for i in range(24)]
    for p in people[:10]:
        await app.groups.join(p, "core")
    questions = [q for q in app.pack.questions if not (q.typed or q.multi or q.flashcard)]
    rng = random.Random(5)
    for day in range(3):  # three days: streaks alive, broken and never started; two weeks
        posts = [await app.quiz.post_question(admin, questions[day * 6 + j]) for j in range(6)]
        for i, p in enumerate(people):
            if (i + day) % 4 == 0:
                continue  # misses the day
            skill = (i % 5) / 4  # five levels of skill: ties in points and in accuracy
            for view in posts:
                right = app.pack.question(view.question_id).correct_index
                choice = right if rng.random() < skill else (right + 1) % len(view.choices)
                await app.quiz.answer(p, view.post_id, choice)
        if day == 1:
            await app.groups.join(people[12], "core")  # joins with history: rows copied
            await app.groups.leave(people[3], "core")  # leaves: his group rows go
        clock.advance(timedelta(days=1))
    yesterday = (clock.now().date() - timedelta(days=1)).isoformat()
    assert await check_every_rank(app, yesterday) > 700

    # what a player sees: their own rank outside the top (a board of one row)
    rows = await app.db.read(score_rows)
    for p in people[::5]:
        for sort in Sort:
            board = await app.boards.leaderboard(p, "server", "all", limit=1, sort=sort)
            key = ("ws:console:local", "all", p.user_key)
            assert board.me is not None and board.me.rank == expected_rank(
                rows, key, sort, yesterday
            ), (p.user_key, sort)
    group = await app.groups.get(admin, "core")
    today = clock.now().date()
    monday = (today - timedelta(days=today.weekday())).isoformat()
    for p in people[1:10:4]:  # members (people[3] left)
        board = await app.groups.leaderboard(p, "core", "week", limit=1, sort="accuracy")
        key = (group_scope(group.id), monday, p.user_key)
        assert board.me is not None and board.me.rank == expected_rank(
            rows, key, Sort.ACCURACY, yesterday
        ), p.user_key


# values that cross every bucket width: points past 2^8 and 2^16 (a live quiz's), accuracy
# ratios less than 2^-16 apart (many answers), streaks past 2^8 on several last days
DAYS = ("2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02")
ALIVE = "2026-03-01"


def some_values(rng: random.Random) -> ScoreValues:
    points = rng.choice((rng.randrange(0, 60) * 10, rng.randrange(0, 300_000), 65_536, 65_535, 256))
    answered = rng.choice((rng.randrange(1, 12), rng.randrange(60_000, 70_000)))
    correct = rng.choice((answered // 2, answered - 1, rng.randrange(0, answered + 1)))
    streak = rng.choice((0, rng.randrange(1, 5), rng.randrange(250, 600)))
    last = rng.choice(DAYS) if streak else None
    mastered = rng.choice((0, rng.randrange(1, 4), rng.randrange(250, 700)))
    return ScoreValues(points, answered, max(correct, 0), streak, last, mastered)


def apply_moves(db: Connection, seed: int, boards: list[tuple[str, str]]) -> None:
    """One transaction of random inserts, changes and deletes of score rows, each counted
    with ``count_ranks`` as a writer does."""
    rng = random.Random(seed)
    rows = score_rows(db)
    moves = []
    for _ in range(60):
        scope, period = rng.choice(boards)
        user = f"console:u{rng.randrange(40):02d}"
        key = (scope, period, user)
        was, now = rows.get(key), some_values(rng)
        if was is not None and rng.random() < 0.2:
            db.execute("DELETE FROM scores WHERE scope = ? AND period = ? AND user_key = ?", key)
            moves.append((scope, period, was.values, None))
            del rows[key]
            continue
        if was is not None and rng.random() < 0.3:  # a close neighbour: one more answer
            now = ScoreValues(
                was.points + 10,
                was.answered + 1,
                was.correct + 1,
                was.streak,
                was.last_correct_day,
                was.mastered,
            )
        db.execute(
            "INSERT INTO users(user_key, display_name) VALUES (?, ?)"
            " ON CONFLICT(user_key) DO NOTHING",
            (user, user[-3:]),
        )
        db.execute(
            "INSERT INTO scores(scope, period, user_key, points, answered, correct, streak,"
            " last_correct_day, mastered) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(scope, period, user_key) DO UPDATE SET points = excluded.points,"
            " answered = excluded.answered, correct = excluded.correct,"
            " streak = excluded.streak, last_correct_day = excluded.last_correct_day,"
            " mastered = excluded.mastered",
            (
                *key,
                now.points,
                now.answered,
                now.correct,
                now.streak,
                now.last_correct_day,
                now.mastered,
            ),
        )
        moves.append((scope, period, was and was.values, now.values))
        rows[key] = now
    count_ranks(db, moves)


async def test_ranks_stay_exact_across_bucket_widths_and_many_batches(app):
    boards = [("ws:console:a", "all"), ("ws:console:a", "2026-02-23"), ("gr:7", "all")]
    for seed in range(8):  # many transactions; a row moves, comes back, goes
        await app.db.write(apply_moves, seed, boards)
        await app.db.read(check_counts)
    rows = await app.db.read(score_rows)
    assert len(rows) > 60
    assert {v.points >= 65_536 for v in rows.values()} == {True, False}
    assert {v.answered >= 60_000 for v in rows.values()} == {True, False}
    for sort in Sort:
        got = await board_ranks(app.db, rows, sort, ALIVE)
        assert {k: v for k, v in got.items() if v[0] != v[1]} == {}, sort
        assert len({want for _, want in got.values()}) > 10, sort  # ranks spread out


async def test_migration_fills_the_buckets_from_the_rows_there_are(
    backend, db_target, tmp_path, clock
):
    # a database from before the buckets (v13) holding score rows of every kind: written as
    # a SQLite file; on PostgreSQL its rows are copied into a schema migrated to v13
    path = tmp_path / "old.db"
    write_old_database(path, version=13)
    con = sqlite3.connect(path)
    rng = random.Random(3)
    for u in range(30):
        user = f"console:u{u:02d}"
        con.execute("INSERT INTO users(user_key, display_name) VALUES (?, ?)", (user, f"U{u:02d}"))
        for scope, period in (("ws:console:local", "all"), ("ch:console:local:terminal", "all")):
            v = some_values(rng)
            con.execute(
                "INSERT INTO scores(scope, period, user_key, points, answered, correct, streak,"
                " last_correct_day, mastered) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    scope,
                    period,
                    user,
                    v.points,
                    v.answered,
                    v.correct,
                    v.streak,
                    v.last_correct_day,
                    v.mastered,
                ),
            )
    con.commit()
    con.close()
    old = path if backend == "sqlite" else copy_old_database(path, db_target, version=13)

    assert clock.now().date() == date.fromisoformat(ALIVE) + timedelta(days=1)
    app = await QuizApp.open(old, CONTENT, clock=clock)  # migrates
    try:
        assert await check_every_rank(app, ALIVE) == 4 * 60
        # and the writers carry on from there: a new answer moves its player's rows
        u05 = Actor("console", "u05", "U05", "local", "terminal")
        question = app.pack.questions[0]
        view = await app.quiz.post_question(u05, question)
        await app.quiz.answer(u05, view.post_id, question.correct_index)
        assert await check_every_rank(app, ALIVE) > 4 * 60
    finally:
        await app.close()

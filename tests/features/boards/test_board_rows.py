"""The materialized board rows against a recomputation from ``answers``: every score row
(workspace, channel, topic, study group and group topic; all time and weekly), its streak, last
correct day and mastered count, and the board sizes, after a mix of answers over weeks,
FSRS mastery, joins, leaves and rejoins in two workspaces, on both backends (the board sizes
are counted per batch by the score step and the join, since v12; a leave counts down by
trigger), and the rank buckets (``score_counts``, v14) those rows fill. The checks read
through ``Database.read``, so the same SQL runs on either."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date, timedelta

from bot import srs
from bot.app import QuizApp
from bot.kernel.db import Connection
from bot.kernel.identity import (
    Actor,
    channel_scope,
    group_scope,
    group_topic_scope,
    topic_of_scope,
    topic_scope,
    workspace_scope,
)
from tests.conftest import CONTENT, console_actor, write_old_database
from tests.features.boards.ranks import check_counts
from tests.pg_server import copy_old_database

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)


def person(name: str, workspace: str = "local", channel: str = "terminal") -> Actor:
    return Actor("console", name.lower(), name, workspace, channel, is_admin=True)


async def answer(app: QuizApp, actor: Actor, question_id: str, right: bool) -> None:
    question = app.pack.question(question_id)
    view = await app.quiz.post_question(actor, question)
    choice = question.correct_index if right else (question.correct_index + 1) % 4
    await app.quiz.answer(actor, view.post_id, choice)


def expected_scores(con: Connection) -> dict[tuple[str, str, str], tuple[int, int, int]]:
    """(scope, period, user) -> (points, answered, correct), from the answers alone: each answer
    counts in its workspace, channel and workspace topic, and in the group and group topic of
    every group of its workspace the user is in now."""
    groups: dict[str, list[tuple[int, set[str]]]] = defaultdict(list)
    for group_id, workspace_key in con.execute("SELECT id, workspace_key FROM study_groups"):
        members = {
            u
            for (u,) in con.execute(
                "SELECT user_key FROM group_members WHERE group_id = ?", (group_id,)
            )
        }
        groups[workspace_key].append((group_id, members))
    out: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for user, card, correct, points, week, workspace, channel in con.execute(
        "SELECT a.user_key, a.card_id, a.correct, a.points, a.week, p.workspace_key,"
        " p.channel_key FROM answers a JOIN posts p ON p.id = a.post_id"
    ):
        scopes = [
            workspace_scope(workspace),
            channel_scope(channel),
            topic_scope(workspace, card),
        ]
        for group_id, members in groups[workspace]:
            if user in members:
                scopes += [group_scope(group_id), group_topic_scope(group_id, card)]
        for scope in scopes:
            for period in ("all", week):
                row = out[(scope, period, user)]
                row[0] += points
                row[1] += 1
                row[2] += correct
    return {k: (p, a, c) for k, (p, a, c) in out.items()}


def expected_streaks(con: Connection) -> dict[str, tuple[int, str]]:
    """user -> (streak, last correct day): the run of consecutive days with a right answer
    that ends on the last such day (every workspace here counts days in UTC)."""
    days: dict[str, set[date]] = defaultdict(set)
    right = "SELECT user_key, answered_at FROM answers WHERE correct != 0"
    for user, answered_at in con.execute(right):
        days[user].add(date.fromisoformat(answered_at[:10]))
    out = {}
    for user, mine in days.items():
        last = max(mine)
        run = 1
        while last - timedelta(days=run) in mine:
            run += 1
        out[user] = (run, last.isoformat())
    return out


def expected_mastery(con: Connection) -> dict[tuple[str, str], int]:
    """(user, card) -> FSRS-mastered questions, from the cards themselves."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    for user, card, stability in con.execute("SELECT user_key, card_id, stability FROM srs_cards"):
        out[(user, card)] += srs.is_mastered(stability)
    return out


def check_against_answers(con: Connection, today: date) -> int:
    """Assert the stored rows equal the recomputation; how many rows' board columns it
    checked."""
    rows = {
        (scope, period, user): (points, answered, correct, streak, last, mastered)
        for scope, period, user, points, answered, correct, streak, last, mastered in con.execute(
            "SELECT scope, period, user_key, points, answered, correct, streak,"
            " last_correct_day, mastered FROM scores"
        )
    }
    assert {k: v[:3] for k, v in rows.items()} == expected_scores(con)

    streaks, mastery = expected_streaks(con), expected_mastery(con)
    total = defaultdict(int)
    for (user, _), n in mastery.items():
        total[user] += n
    # rows a board can read (all time, this week and the week before) carry the user's
    # current values; older weeks' rows are history
    live_since = (today - timedelta(days=today.weekday() + 7)).isoformat()
    checked = 0
    for (scope, period, user), (*_, streak, last, mastered) in rows.items():
        if period != "all" and period < live_since:
            continue
        card = topic_of_scope(scope)
        want = total[user] if card is None else mastery[(user, card)]
        assert (streak, last, mastered) == (*streaks.get(user, (0, None)), want), (scope, period)
        checked += 1

    sizes = defaultdict(lambda: [0, 0])
    for (scope, period, _), (_, answered, *_) in rows.items():
        sizes[(scope, period)][0] += 1
        sizes[(scope, period)][1] += answered >= 5
    kept = {
        (scope, period): [players, qualified]
        for scope, period, players, qualified in con.execute(
            "SELECT scope, period, players, qualified FROM boards"
            " WHERE players != 0 OR qualified != 0"
        )
    }
    assert kept == dict(sizes)
    check_counts(con)  # the rank buckets: what the rows fill, joins and leaves included
    return checked


async def test_board_rows_match_a_recomputation_from_answers(app, clock):
    admin, far_admin = console_actor("Admin"), person("Admin", workspace="far")
    await app.groups.create(admin, "core")
    await app.groups.create(admin, "side")
    await app.groups.create(far_admin, "core")  # same name, another workspace
    ada, bob, cy = person("Ada"), person("Bob", channel="room"), person("Cy")
    ada_far = person("Ada", workspace="far")  # the same user in another workspace
    questions = [q.id for q in app.pack.questions]

    await app.groups.join(ada, "core")
    await app.groups.join(cy, "core")
    await app.groups.join(ada_far, "core")
    for day in range(3):  # three days in a row: streaks grow, rows of two weeks
        await answer(app, ada, questions[day], right=True)
        await answer(app, bob, questions[day + 3], right=day != 1)
        await answer(app, cy, questions[day + 6], right=True)
        await answer(app, ada_far, questions[day + 9], right=day == 0)
        clock.advance(timedelta(days=1))
    await app.groups.join(bob, "core")  # joins with history: his rows are copied
    await app.groups.join(bob, "side")
    await app.groups.leave(cy, "core")  # leaves: his group rows go
    group = await app.groups.leaderboard(ada, "core")
    assert [r.display_name for r in group.rows] == ["Ada", "Bob"] and group.total_players == 2

    clock.advance(timedelta(days=15))  # weeks later: the first weeks' rows are history
    await answer(app, cy, questions[1], right=True)
    await answer(app, bob, questions[2], right=True)
    # Ada reviews one question on time, always right, until FSRS calls it mastered
    question = questions[0]
    for _ in range(20):
        await answer(app, ada, question, right=True)
        card = (await app.quiz.srs_cards("console:ada"))[question]
        if card.mastered:
            break
        clock.set(card.due)
    assert card.mastered
    await app.groups.join(cy, "core")  # back: every answer of his in the workspace counts again
    await answer(app, bob, questions[4], right=False)
    await app.groups.leave(bob, "side")

    # what members see: the group's boards by streak and by topic mastery
    topic = app.pack.question(question).topic_id
    mastered = await app.groups.leaderboard(ada, "core", sort="mastered", topic=topic)
    assert [(r.display_name, r.mastered) for r in mastered.rows] == [("Ada", 1)]
    streaks = await app.groups.leaderboard(cy, "core", sort="streak")
    assert streaks.rows and streaks.rows[0].display_name == "Ada"
    group = await app.groups.leaderboard(bob, "core")
    assert {r.display_name for r in group.rows} == {"Ada", "Bob", "Cy"}
    assert group.total_players == 3
    side = await app.groups.leaderboard(bob, "side")
    assert side.rows == () and side.total_players == 0

    # one snapshot of the stored rows, on whichever backend the app runs
    await app.answers.settled()  # the derived rows trail the click by one writer step
    assert await app.db.read(check_against_answers, clock.now().date()) > 20


async def test_migration_gives_old_rows_their_board_columns_and_groups_their_rows(
    backend, db_target, tmp_path, clock
):
    # a database from before board columns (v5) with a study group Ada is in: written as a
    # SQLite file; on PostgreSQL its rows are copied into a schema migrated to v5, so v8's
    # PostgreSQL twin migrates the same rows
    path = tmp_path / "old.db"
    write_old_database(path, version=5)
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO study_groups(id, workspace_key, name_key, name, created_by, created_at)"
        " VALUES (3, 'console:local', 'core', 'core', 'console:admin', '2026-02-20')"
    )
    con.execute(
        "INSERT INTO group_members(group_id, user_key, display_name, joined_at)"
        " VALUES (3, 'console:ada', 'Ada', '2026-02-20')"
    )
    scopes = (
        "('ws:console:local'), ('ch:console:local:terminal'),"
        " ('wt:console:local:processes-vs-threads')"
    )
    con.execute(
        "INSERT INTO scores(scope, period, user_key, points, answered, correct)"
        f" SELECT column1, period, 'console:ada', 10, 1, 1 FROM (VALUES {scopes}),"
        " (SELECT 'all' AS period UNION ALL SELECT '2026-02-23')"
    )
    con.execute(
        "INSERT INTO user_topics(user_key, card_id, answered, correct)"
        " VALUES ('console:ada', 'processes-vs-threads', 1, 1)"
    )
    con.commit()
    con.close()
    old = path if backend == "sqlite" else copy_old_database(path, db_target, version=5)

    clock.set(clock.now().replace(month=2, day=26))  # the day after Ada's right answer
    app = await QuizApp.open(old, CONTENT, clock=clock)  # migrates
    try:
        # 5 scopes x 2 periods
        await app.answers.settled()
        assert await app.db.read(check_against_answers, date(2026, 2, 26)) == 10
        ada = person("Ada")
        board = await app.groups.leaderboard(ada, "core", sort="streak")
        assert [(r.display_name, r.streak) for r in board.rows] == [("Ada", 1)]
        topic = await app.groups.leaderboard(ada, "core", topic="processes-vs-threads")
        assert [(r.display_name, r.points) for r in topic.rows] == [("Ada", 10)]
        assert topic.total_players == 1
    finally:
        await app.close()


async def test_board_sizes_carry_on_after_their_triggers_go(backend, db_target, tmp_path, clock):
    # a database from before board sizes were counted per batch (v11): Ada's one right answer
    # on the three boards of her workspace, sized by the triggers (SQLite) or copied as they
    # are (PostgreSQL); after v12 the answer path counts new players and newly qualified ones
    path = tmp_path / "old.db"
    write_old_database(path, version=11)
    con = sqlite3.connect(path)
    scopes = (
        "('ws:console:local'), ('ch:console:local:terminal'),"
        " ('wt:console:local:processes-vs-threads')"
    )
    con.execute(
        "INSERT INTO scores(scope, period, user_key, points, answered, correct, streak,"
        " last_correct_day)"
        f" SELECT column1, period, 'console:ada', 10, 1, 1, 1, '2026-02-25'"
        f" FROM (VALUES {scopes}), (SELECT 'all' AS period UNION ALL SELECT '2026-02-23')"
    )
    con.execute(
        "INSERT INTO user_topics(user_key, card_id, answered, correct)"
        " VALUES ('console:ada', 'processes-vs-threads', 1, 1)"
    )
    con.commit()
    assert con.execute("SELECT DISTINCT players, qualified FROM boards").fetchall() == [(1, 0)]
    con.close()
    old = path if backend == "sqlite" else copy_old_database(path, db_target, version=11)

    clock.set(clock.now().replace(month=2, day=26))  # the day after, the same week
    app = await QuizApp.open(old, CONTENT, clock=clock)  # migrates
    try:
        ada, bob = person("Ada"), person("Bob")
        topic = [q.id for q in app.pack.questions if q.topic_id == "processes-vs-threads"]
        for question in topic[1:5]:  # Ada's 5th answer on the topic: she qualifies
            await answer(app, ada, question, right=True)
        await answer(app, bob, topic[1], right=False)  # a new player
        await app.answers.settled()
        assert await app.db.read(check_against_answers, date(2026, 2, 26)) == 12
        board = await app.boards.leaderboard(bob, sort="accuracy", topic="processes-vs-threads")
        assert [r.display_name for r in board.rows] == ["Ada"] and board.total_players == 1
        board = await app.boards.leaderboard(bob, topic="processes-vs-threads")
        assert [r.display_name for r in board.rows] == ["Ada", "Bob"]
        assert board.total_players == 2
    finally:
        await app.close()

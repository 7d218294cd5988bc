"""The boards' SQL: users' running totals, materialized score rows per scope and period,
per-topic accuracy, workspace time zones, and the indexed leaderboard queries.

Functions take the ``Connection`` they run on (``Database.read``/``write``): SQLite's or
PostgreSQL's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.features.answers import AnswerBatch
from bot.features.answers.batch import UserTotals
from bot.features.boards.results import Sort
from bot.kernel.db import Connection, chunks, marks


@dataclass(frozen=True)
class UserRow:
    user_key: str
    display_name: str
    points: int
    answered: int
    correct: int
    streak: int
    best_streak: int
    last_correct_day: str | None


@dataclass(frozen=True)
class ScoreRow:
    rank: int
    user_key: str
    display_name: str
    points: int
    answered: int
    correct: int
    streak: int
    best_streak: int
    last_correct_day: str | None
    mastered: int = 0


def get_user(db: Connection, user_key: str) -> UserRow | None:
    row = db.execute(
        "SELECT user_key, display_name, points, answered, correct, streak, best_streak,"
        " last_correct_day FROM users WHERE user_key = ?",
        (user_key,),
    ).fetchone()
    return UserRow(*row) if row else None


@dataclass(frozen=True)
class TopicTotals:
    card_id: str
    answered: int
    correct: int


def user_topics(db: Connection, user_key: str) -> list[TopicTotals]:
    return [
        TopicTotals(*row)
        for row in db.execute(
            "SELECT card_id, answered, correct FROM user_topics WHERE user_key = ?", (user_key,)
        )
    ]


def workspace_zones(db: Connection) -> dict[str, str]:
    """workspace key -> IANA time zone name, for every workspace that set one."""
    return dict(db.execute("SELECT workspace_key, time_zone FROM workspace_settings"))


def set_workspace_zone(db: Connection, workspace_key: str, zone: str) -> None:
    db.execute(
        "INSERT INTO workspace_settings(workspace_key, time_zone) VALUES (?, ?)"
        " ON CONFLICT(workspace_key) DO UPDATE SET time_zone = excluded.time_zone",
        (workspace_key, zone),
    )


@dataclass(frozen=True)
class BoardQuery:
    """One leaderboard read: whose rows (scope, period; a group's members), in what order."""

    scope: str
    period: str  # "all" or the week's Monday (YYYY-MM-DD)
    user_key: str | None  # the requester, ranked also outside the top rows
    limit: int = 10
    sort: Sort = Sort.POINTS
    alive_since: str = ""  # a streak is current if its last correct day is on or after this
    topic: str | None = None  # content card id of a per-topic board
    group_id: int | None = None  # a study group's board: its members only


# An accuracy board ranks only players with at least this many answers in the scope and
# period, so one lucky answer does not top it. The migration's partial index
# ``scores_by_accuracy`` is built with the same number: change both together.
MIN_ANSWERS_FOR_ACCURACY = 5
_ACCURACY = "(s.correct * 1.0 / s.answered)"


def _board_columns(mastered: str) -> str:
    return (
        "s.user_key, u.display_name, s.points, s.answered, s.correct, u.streak, u.best_streak,"
        f" u.last_correct_day, {mastered}"
    )


def _sort_value(row: ScoreRow, sort: str, alive_since: str) -> float:
    if sort == "accuracy":
        return row.correct / row.answered if row.answered else 0.0
    if sort == "streak":
        return row.streak if (row.last_correct_day or "") >= alive_since else 0
    if sort == "mastered":
        return row.mastered
    return row.points


def _ranked(
    rows: Iterable[tuple[Any, ...]], sort: str, alive_since: str, start: int = 0
) -> list[ScoreRow]:
    """Rows already in board order -> ScoreRows whose ties share a rank (1, 2, 2, 4)."""
    out: list[ScoreRow] = []
    previous: float | None = None
    for i, raw in enumerate(rows):
        row = ScoreRow(0, *raw)
        value = _sort_value(row, sort, alive_since)
        rank = out[-1].rank if out and value == previous else start + i + 1
        previous = value
        out.append(ScoreRow(rank, *raw))
    return out


def leaderboard(db: Connection, q: BoardQuery) -> tuple[list[ScoreRow], ScoreRow | None, int]:
    """Top ``limit``, the requester's row and the board's size, in three indexed queries.

    Workspace/channel/topic boards walk an index in board order (scores_by_points,
    scores_by_accuracy, users_by_streak, users_by_mastered, user_topics_by_mastered) and stop
    after ``limit`` rows; the requester's rank is 1 + a count over the same index. A group
    board starts from the group's members (group_members primary key) and looks each one up
    in the workspace's rows by primary key, so it costs O(members), not O(workspace)."""
    scope, period, user_key, limit = q.scope, q.period, q.user_key, q.limit
    sort, alive_since, topic, group_id = Sort(q.sort), q.alive_since, q.topic, q.group_id
    topic_mastery = sort == "mastered" and topic is not None
    mastered = "t.mastered" if topic_mastery else "u.mastered"
    if group_id is not None:
        source = (
            "group_members m CROSS JOIN scores s ON s.user_key = m.user_key"
            " JOIN users u ON u.user_key = m.user_key"
        )
        where = "m.group_id = ? AND s.scope = ? AND s.period = ?"
        key: tuple[Any, ...] = (group_id, scope, period)
        if topic_mastery:
            source += " JOIN user_topics t ON t.user_key = m.user_key"
    elif topic_mastery:
        # per-topic mastery lives in user_topics; scores rows only say who is on the board
        source = (
            "user_topics t CROSS JOIN scores s ON s.user_key = t.user_key"
            " JOIN users u ON u.user_key = t.user_key"
        )
        where, key = "s.scope = ? AND s.period = ?", (scope, period)
    elif sort in ("streak", "mastered"):
        # walk users in streak/mastered order (an index) and keep those on this board
        source = "users u CROSS JOIN scores s ON s.user_key = u.user_key"
        where, key = "s.scope = ? AND s.period = ?", (scope, period)
    else:
        source = "scores s JOIN users u ON u.user_key = s.user_key"
        where, key = "s.scope = ? AND s.period = ?", (scope, period)
    if topic_mastery:
        where += " AND t.card_id = ?"
        key += (topic,)
    columns = _board_columns(mastered)
    value = {"points": "s.points", "accuracy": _ACCURACY, "streak": "u.streak"}.get(sort, mastered)
    # who is listed (and ranked) on this board, beyond being on it
    if sort == "accuracy":
        listed_if = f"s.answered >= {MIN_ANSWERS_FOR_ACCURACY}"
        order = f"{_ACCURACY} DESC, s.answered DESC, s.user_key"
    elif sort == "streak":
        listed_if = "u.streak > 0 AND u.last_correct_day >= ?"
        order = "u.streak DESC, u.last_correct_day DESC, u.user_key"
    elif sort == "mastered":
        listed_if = f"{mastered} > 0"
        order = f"{mastered} DESC, s.user_key"
    else:
        listed_if, order = "1 = 1", "s.points DESC, s.user_key"
    if_args = (alive_since,) if sort == "streak" else ()

    if sort in ("points", "accuracy"):
        # rank on score rows alone; look up names for the top rows only
        scored = (
            "group_members m CROSS JOIN scores s ON s.user_key = m.user_key"
            if group_id is not None
            else "scores s"
        )
        top = db.execute(
            f"SELECT {columns} FROM (SELECT s.* FROM {scored} WHERE {where} AND {listed_if}"
            f" ORDER BY {order} LIMIT ?) s JOIN users u ON u.user_key = s.user_key"
            f" ORDER BY {order}",
            (*key, limit),
        ).fetchall()
    else:
        scored = source
        top = db.execute(
            f"SELECT {columns} FROM {source} WHERE {where} AND {listed_if}"
            f" ORDER BY {order} LIMIT ?",
            (*key, *if_args, limit),
        ).fetchall()
    rows = _ranked(top, sort, alive_since)
    me = next((r for r in rows if r.user_key == user_key), None)
    mine = None
    if me is None and user_key is not None:
        found = db.execute(
            f"SELECT {columns} FROM {source} WHERE {where} AND s.user_key = ?",
            (*key, user_key),
        ).fetchone()
        mine = ScoreRow(0, *found) if found else None
        if mine is not None and sort == "accuracy" and mine.answered < MIN_ANSWERS_FOR_ACCURACY:
            me, mine = mine, None  # rank 0: not ranked yet
    # the requester's rank is 1 + how many listed players have a better value
    my_value = _sort_value(mine, sort, alive_since) if mine else None
    if group_id is not None:
        # one pass over the members gives both the board's size and the requester's rank
        counted = f"s.answered >= {MIN_ANSWERS_FOR_ACCURACY}" if sort == "accuracy" else "1 = 1"
        total, above = db.execute(
            f"SELECT COALESCE(SUM(CASE WHEN {counted} THEN 1 ELSE 0 END), 0),"
            f" COALESCE(SUM(CASE WHEN ({listed_if}) AND {value} > ? THEN 1 ELSE 0 END), 0)"
            f" FROM {scored} WHERE {where}",
            (*if_args, my_value, *key),
        ).fetchone()
    else:
        if mine is not None:
            (above,) = db.execute(
                f"SELECT COUNT(*) FROM {scored} WHERE {where} AND {listed_if} AND {value} > ?",
                (*key, *if_args, my_value),
            ).fetchone()
        size = db.execute(
            f"SELECT {'qualified' if sort == 'accuracy' else 'players'} FROM boards"
            " WHERE scope = ? AND period = ?",
            (scope, period),
        ).fetchone()
        total = size[0] if size else 0
    if mine is not None:
        me = ScoreRow(above + 1, *_raw(mine))
    return rows, me, total


def _raw(row: ScoreRow) -> tuple[Any, ...]:
    return (
        row.user_key,
        row.display_name,
        row.points,
        row.answered,
        row.correct,
        row.streak,
        row.best_streak,
        row.last_correct_day,
        row.mastered,
    )


def previous_day(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def update_scores(db: Connection, batch: AnswerBatch) -> None:
    """Answer-batch step: users' totals and day streaks, score rows for every scope and
    period the answers count in, and per-topic accuracy and mastery. Each row is summed in
    Python first so it is written once; triggers on ``scores`` keep ``boards`` sizes."""
    new = batch.new
    mastered_delta = batch.mastered_delta
    # users: running totals and the streak of days with a correct answer
    user_keys = list(dict.fromkeys(w.user_key for w in batch.writes))
    users: dict[str, list[Any]] = {}
    for chunk in chunks(user_keys):
        for row in db.execute(
            "SELECT user_key, display_name, points, answered, correct, streak, best_streak,"
            f" last_correct_day, mastered FROM users WHERE user_key IN ({marks(len(chunk))})",
            chunk,
        ):
            users[row[0]] = list(row)
    for w in new:
        u = users.get(w.user_key)
        if u is None:
            u = users[w.user_key] = [w.user_key, w.display_name, 0, 0, 0, 0, 0, None, 0]
        u[1] = w.display_name
        u[2] += w.points
        u[3] += 1
        if w.correct:
            u[4] += 1
            last = u[7]
            # only a later day moves the streak: an answer dated earlier (another server's
            # zone, a changed zone) must not reset it or move last_correct_day back
            if last is None or w.day > last:
                u[5] = u[5] + 1 if last == previous_day(w.day) else 1
                u[6] = max(u[6], u[5])
                u[7] = w.day
    for (user_key, _), delta in mastered_delta.items():
        users[user_key][8] += delta
    changed = {w.user_key for w in new}
    db.executemany(
        "INSERT INTO users(user_key, display_name, points, answered, correct, streak,"
        " best_streak, last_correct_day, mastered) VALUES (?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT(user_key) DO UPDATE SET display_name=excluded.display_name,"
        " points=excluded.points, answered=excluded.answered, correct=excluded.correct,"
        " streak=excluded.streak, best_streak=excluded.best_streak,"
        " last_correct_day=excluded.last_correct_day, mastered=excluded.mastered",
        [users[k] for k in changed],
    )

    # scores and per-topic accuracy, summed per row first so each row is written once
    score_delta: dict[tuple[str, str, str], list[int]] = {}
    topic_delta: dict[tuple[str, str], list[int]] = {}
    for w in new:
        for scope in w.scopes:
            for period in ("all", w.week):
                d = score_delta.setdefault((scope, period, w.user_key), [0, 0, 0])
                d[0] += w.points
                d[1] += 1
                d[2] += int(w.correct)
        t = topic_delta.setdefault((w.user_key, w.card_id), [0, 0, 0])
        t[0] += 1
        t[1] += int(w.correct)
    for key, delta in mastered_delta.items():
        topic_delta[key][2] += delta
    db.executemany(
        "INSERT INTO scores(scope, period, user_key, points, answered, correct)"
        " VALUES (?,?,?,?,?,?) ON CONFLICT(scope, period, user_key) DO UPDATE SET"
        " points=scores.points+excluded.points, answered=scores.answered+excluded.answered,"
        " correct=scores.correct+excluded.correct",
        [(*k, *v) for k, v in score_delta.items()],
    )
    db.executemany(
        "INSERT INTO user_topics(user_key, card_id, answered, correct, mastered)"
        " VALUES (?,?,?,?,?) ON CONFLICT(user_key, card_id) DO UPDATE SET"
        " answered=user_topics.answered+excluded.answered,"
        " correct=user_topics.correct+excluded.correct,"
        " mastered=user_topics.mastered+excluded.mastered",
        [(*k, *v) for k, v in topic_delta.items()],
    )
    for user_key, u in users.items():
        batch.totals[user_key] = UserTotals(u[2], u[5], u[7])

"""The boards' SQL: users' running totals, materialized score rows per scope and period,
per-topic accuracy, workspace time zones, and the indexed leaderboard queries.

Functions take the ``Connection`` they run on (``Database.read``/``write``): SQLite's or
PostgreSQL's."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.features.boards.results import LeaderboardRow, Sort
from bot.kernel.db import Connection, chunks


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


def get_user(db: Connection, user_key: str) -> UserRow | None:
    row = db.execute(
        "SELECT user_key, display_name, points, answered, correct, streak, best_streak,"
        " last_correct_day FROM users WHERE user_key = ?",
        (user_key,),
    ).fetchone()
    return UserRow(*row) if row else None


@dataclass(frozen=True)
class TopicTotals:
    topic_id: str  # the user_topics.card_id column
    answered: int
    correct: int


def user_topics(db: Connection, user_key: str) -> list[TopicTotals]:
    return [
        TopicTotals(*row)
        for row in db.execute(
            "SELECT card_id, answered, correct FROM user_topics WHERE user_key = ?", (user_key,)
        )
    ]


def answers_since(db: Connection, user_key: str, since: str) -> list[tuple[str, bool]]:
    """(answered_at, correct) of a user's answers at or after ``since`` (ISO-8601 UTC)."""
    return [
        (at, bool(correct))
        for at, correct in db.execute(
            "SELECT answered_at, correct FROM answers WHERE user_key = ? AND answered_at >= ?",
            (user_key, since),
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
    """One leaderboard read: one scope's rows for one period, in one order."""

    scope: str  # a workspace, channel, topic or study group's scope key (kernel.identity)
    period: str  # "all" or the week's Monday (YYYY-MM-DD)
    user_key: str | None  # the requester, ranked also outside the top rows
    limit: int = 10
    sort: Sort = Sort.POINTS
    alive_since: str = ""  # a streak is current if its last correct day is on or after this


# An accuracy board ranks only players with at least this many answers in the scope and
# period, so one lucky answer does not top it. The migration's partial index
# ``scores_by_accuracy`` is built with the same number: change both together.
MIN_ANSWERS_FOR_ACCURACY = 5
_ACCURACY = "(s.correct * 1.0 / s.answered)"


@dataclass(frozen=True)
class _BoardOrder:
    """How one sort lists and orders a scope's rows (each has its own index)."""

    value: str  # the number ranks compare
    listed_if: str  # who is listed (and ranked), beyond having a row
    order: str


_ORDERS = {
    Sort.POINTS: _BoardOrder("s.points", "1 = 1", "s.points DESC, s.user_key"),  # scores_by_points
    Sort.ACCURACY: _BoardOrder(  # scores_by_accuracy
        _ACCURACY,
        f"s.answered >= {MIN_ANSWERS_FOR_ACCURACY}",
        f"{_ACCURACY} DESC, s.answered DESC, s.user_key",
    ),
    Sort.STREAK: _BoardOrder(  # scores_by_streak
        "s.streak",
        "s.streak > 0 AND s.last_correct_day >= ?",
        "s.streak DESC, s.last_correct_day DESC, s.user_key",
    ),
    Sort.MASTERED: _BoardOrder("s.mastered", "s.mastered > 0", "s.mastered DESC, s.user_key"),
}


# The sort value of a statement row (part, user_key, display_name, points, answered, correct,
# streak, best_streak, last_correct_day, mastered, ...): ties in it share a rank. Plain index
# reads on the tuple, so ranking a board builds no object per row.
def _points(row: tuple[Any, ...], alive_since: str) -> float:
    return row[3]


def _accuracy(row: tuple[Any, ...], alive_since: str) -> float:
    return row[5] / row[4] if row[4] else 0.0


def _streak(row: tuple[Any, ...], alive_since: str) -> float:
    return row[6] if (row[8] or "") >= alive_since else 0


def _mastered(row: tuple[Any, ...], alive_since: str) -> float:
    return row[9]


_SORT_VALUE = {
    Sort.POINTS: _points,
    Sort.ACCURACY: _accuracy,
    Sort.STREAK: _streak,
    Sort.MASTERED: _mastered,
}


def board_row(rank: int, row: tuple[Any, ...], alive_since: str) -> LeaderboardRow:
    """A statement row as the board lists it, with its current streak (0 once a whole day
    was missed: the last correct day is before ``alive_since``, yesterday). Built straight
    into the frozen result (``LeaderboardRow.of``): a board is eleven of them per read."""
    last = row[8]
    streak = row[6] if last is not None and last >= alive_since else 0
    return LeaderboardRow.of(rank, row[1], row[2], row[3], row[4], row[5], streak, row[9], 0, 0)


@dataclass(frozen=True)
class RowFlag:
    """A yes/no SQL expression over a listed row's ``x.user_key`` and its parameters, read
    with the board in its one statement (the daily feature's "has a daily streak here")."""

    sql: str = "0"
    args: tuple[object, ...] = ()


# the tie-breakers after the sort value, by output column name (the statement is a UNION)
_THEN = {
    Sort.POINTS: "user_key",
    Sort.ACCURACY: "answered DESC, user_key",
    Sort.STREAK: "last_correct_day DESC, user_key",
    Sort.MASTERED: "user_key",
}


@dataclass(frozen=True)
class Board:
    """One board read: the top rows, the requester's row (ranked, also outside the top), the
    board's size, and the listed users the ``RowFlag`` said yes for."""

    rows: list[LeaderboardRow]  # ranked; daily streaks not filled in (the service adds them)
    me: LeaderboardRow | None
    size: int
    flagged: frozenset[str]


def board_statement(q: BoardQuery, flag: RowFlag = RowFlag()) -> tuple[str, tuple[object, ...]]:
    """The one statement of a board read and its parameters (``leaderboard`` runs it; the
    board benchmark runs it raw as the reference)."""
    sort = Sort(q.sort)
    alive = (q.alive_since,) if sort is Sort.STREAK else ()
    key = (q.scope, q.period)
    args = (
        *(*key, *alive, q.limit),  # top
        *(*key, *alive, *alive, *key, q.user_key),  # mine (a streak ranks by the current one)
        *flag.args,
        *flag.args,
        *key,  # size
    )
    return _board_sql(sort, flag.sql), args


@functools.lru_cache(maxsize=64)
def _board_sql(sort: Sort, flag_sql: str) -> str:
    """The board statement's text for one sort and row flag (built once each)."""
    how = _ORDERS[sort]
    where = f"s.scope = ? AND s.period = ? AND {how.listed_if}"
    if sort is Sort.STREAK:  # a streak that is not current ranks as 0
        mine_value = "CASE WHEN m.last_correct_day >= ? THEN m.streak ELSE 0 END"
    else:
        mine_value = how.value.replace("s.", "m.")
    ranked_if = f"m.answered >= {MIN_ANSWERS_FOR_ACCURACY}" if sort is Sort.ACCURACY else "1 = 1"
    columns = (
        "x.user_key, u.display_name, x.points, x.answered, x.correct, x.streak, u.best_streak,"
        " x.last_correct_day, x.mastered"
    )
    # a UNION orders by its output columns' names
    named = ", ".join(f"{c.strip()} AS {c.strip().partition('.')[2]}" for c in columns.split(","))
    size = "qualified" if sort is Sort.ACCURACY else "players"
    return (
        f"WITH top AS (SELECT s.* FROM scores s WHERE {where} ORDER BY {how.order} LIMIT ?),"
        " mine AS (SELECT m.*, CASE WHEN "
        f"{ranked_if} THEN (SELECT COUNT(*) FROM scores s WHERE {where}"
        f" AND {how.value} > {mine_value}) END AS above"
        " FROM scores m WHERE m.scope = ? AND m.period = ? AND m.user_key = ?"
        " AND m.user_key NOT IN (SELECT user_key FROM top))"
        f" SELECT 0 AS part, {named}, {how.value.replace('s.', 'x.')} AS v, NULL AS above,"
        f" {flag_sql} AS flag FROM top x JOIN users u ON u.user_key = x.user_key"
        f" UNION ALL SELECT 1, {columns}, NULL, x.above, {flag_sql}"
        " FROM mine x JOIN users u ON u.user_key = x.user_key"
        " UNION ALL SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
        f" (SELECT {size} FROM boards WHERE scope = ? AND period = ?), 0"
        f" ORDER BY part, v DESC, {_THEN[sort]}"
    )


def leaderboard(db: Connection, q: BoardQuery, flag: RowFlag = RowFlag()) -> Board:
    """Top ``limit``, the requester's row and rank, and the board's size, in one statement.

    Every board (workspace, channel, topic, study group; any period and sort) is one scope's
    score rows: the top walks the sort's index (scores_by_points, scores_by_accuracy,
    scores_by_streak, scores_by_mastered) and stops after ``limit`` rows, names are looked
    up for those rows only, the requester's rank (when they are not in the top) is 1 + a
    count over the same index, and the board's size is kept in ``boards``. One statement is
    one round trip on PostgreSQL and its own snapshot (no BEGIN/COMMIT around it)."""
    return board_of(db.execute(*board_statement(q, flag)).fetchall(), q)


def board_of(rows: Iterable[Sequence[Any]], q: BoardQuery) -> Board:
    """The ``Board`` in the rows of ``board_statement(q, …)`` (``Database.fetch`` runs it:
    one round trip; ``leaderboard`` on a connection)."""
    value = _SORT_VALUE[Sort(q.sort)]
    alive = q.alive_since
    listed: list[LeaderboardRow] = []
    me = None
    found = 0
    flagged = []
    rank, previous = 0, None
    for row in rows:
        part = row[0]
        if part == 2:
            found = row[11] or 0
            continue
        if row[12]:
            flagged.append(row[1])
        if part == 0:  # the top, in board order: ties share a rank (1, 2, 2, 4)
            v = value(row, alive)
            if not listed or v != previous:
                rank = len(listed) + 1
            previous = v
            listed.append(board_row(rank, row, alive))
            if row[1] == q.user_key:
                me = listed[-1]
        else:  # the requester, not in the top; no count: not ranked yet (too few answers)
            me = board_row(0 if row[11] is None else row[11] + 1, row, alive)
    return Board(listed, me, found, frozenset(flagged))


# (scope, period, user key) of a score row
ScoreKey = tuple[str, str, str]


def stored_answered(db: Connection, keys: Sequence[ScoreKey]) -> dict[ScoreKey, int]:
    """``answered`` of the score rows that exist among ``keys``: each wanted key's row looked
    up along the primary key (a correlated subquery, 1,000 keys a statement). A join with
    the wanted keys instead made PostgreSQL hash-join a sequential scan of every score row
    (222 ms a statement at 180,000 rows); a subquery per key is an index lookup on both."""
    out: dict[ScoreKey, int] = {}
    for chunk in chunks(keys, 1000):
        values = ",".join(["(?,?,?)"] * len(chunk))
        for scope, period, user_key, answered in db.execute(
            f"WITH wanted(scope, period, user_key) AS (VALUES {values})"
            " SELECT w.scope, w.period, w.user_key, (SELECT s.answered FROM scores s"
            " WHERE s.scope = w.scope AND s.period = w.period AND s.user_key = w.user_key)"
            " FROM wanted w",
            [part for key in chunk for part in key],
        ):
            if answered is not None:  # NOT NULL in a stored row: None is no row
                out[(scope, period, user_key)] = answered
    return out


def count_board_sizes(db: Connection, moves: Iterable[tuple[ScoreKey, int | None, int]]) -> None:
    """Add score rows to their boards' sizes, one upsert per board: each move is a row's key,
    its ``answered`` before (None: a new row) and after. A new row is a
    player; a row reaching MIN_ANSWERS_FOR_ACCURACY answers is a qualified one. The code that
    writes score rows counts them here (no per-row trigger on the answer path, see v012)."""
    sizes: dict[tuple[str, str], list[int]] = {}
    for (scope, period, _), before, after in moves:
        players = before is None
        qualified = (before or 0) < MIN_ANSWERS_FOR_ACCURACY <= after
        if players or qualified:
            size = sizes.setdefault((scope, period), [0, 0])
            size[0] += players
            size[1] += qualified
    db.executemany(
        "INSERT INTO boards(scope, period, players, qualified) VALUES (?,?,?,?)"
        " ON CONFLICT(scope, period) DO UPDATE SET players = boards.players + excluded.players,"
        " qualified = boards.qualified + excluded.qualified",
        [
            (scope, period, players, qualified)
            for (scope, period), (players, qualified) in sizes.items()
        ],
    )

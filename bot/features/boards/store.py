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


# A requester's rank is 1 + the players above them. Counting them along the sort's index
# walks every entry above (half a board on average: ~25,000 at 50,000 players), so each
# board keeps how many players hold each value of each sort, in ``score_counts``, kept by the
# code that writes score rows in the same transaction (``count_ranks``). A rank sums the
# buckets above the requester's value: at each width in ``RANK_SHIFTS`` (values >> shift),
# only the buckets under the requester's own bucket of the next width, so a read sums at most
# 255 rows per width whatever the board's size (live quizzes give points that are mostly
# distinct: one width would be a walk again). A sort's rank key is an integer that orders
# and ties as its value does: points; the current streak, its rows kept per last correct day
# (a streak counts while that day is on or after yesterday); mastered; and accuracy's
# floor(correct * 2^16 / answered), whose rows in the requester's own key (ratios less than
# 2^-16 apart) are counted along ``scores_by_accuracy``, so accuracy ranks stay exact.
ACCURACY_BITS = 16
RANK_SHIFTS = {
    Sort.POINTS: (0, 8, 16),
    Sort.ACCURACY: (0, 8),
    Sort.STREAK: (0, 8),
    Sort.MASTERED: (0, 8),
}
# the requester's rank key, from their row ``x`` (``x.alive``: the day a streak must reach)
_RANK_KEY_SQL = {
    Sort.POINTS: "x.points",
    Sort.ACCURACY: f"CASE WHEN x.answered >= {MIN_ANSWERS_FOR_ACCURACY}"
    f" THEN CAST(x.correct AS BIGINT) * {1 << ACCURACY_BITS} / x.answered END",
    Sort.STREAK: "CASE WHEN x.last_correct_day >= x.alive THEN x.streak ELSE 0 END",
    Sort.MASTERED: "x.mastered",
}


# A score row's values as ranks read them: (points, answered, correct, streak,
# last_correct_day, mastered). Plain tuples: the trailing step makes two per score row.
RankValues = tuple[int, int, int, int, str | None, int]
# the sorts, in the order of ``rank_keys``, with their bucket widths
RANK_SORTS = tuple((sort.value, shifts) for sort, shifts in RANK_SHIFTS.items())
_NOT_RANKED = (None, None, None, None)


def rank_keys(values: RankValues | None) -> tuple[tuple[str, int] | None, ...]:
    """Per sort of ``RANK_SORTS``, the row's (day, rank key) in ``score_counts``, or None
    where it is not ranked (accuracy below MIN_ANSWERS_FOR_ACCURACY answers, no streak,
    nothing mastered). ``day`` is the streak's last correct day, '' for the other sorts."""
    if values is None:
        return _NOT_RANKED
    points, answered, correct, streak, last, mastered = values
    return (
        ("", points),
        ("", (correct << ACCURACY_BITS) // answered)
        if answered >= MIN_ANSWERS_FOR_ACCURACY
        else None,
        (last, streak) if streak > 0 and last is not None else None,
        ("", mastered) if mastered > 0 else None,
    )


# (scope, period) and a score row's values before and after a change (None: no row); the
# columns a change leaves alone may hold anything, the same before and after
RankMove = tuple[str, str, RankValues | None, RankValues | None]


def count_ranks(db: Connection, moves: Iterable[RankMove]) -> None:
    """Move score rows between the buckets of ``score_counts``, every change of a batch
    summed first: one upsert per bucket that changed, then the buckets left empty deleted
    (along the partial index ``score_counts_empty``), so a read only sums occupied ones.
    Whoever writes score rows calls it in the same transaction."""
    delta: dict[tuple[str, str, str, str, int, int], int] = {}
    get = delta.get
    for scope, period, before, after in moves:
        for (sort, shifts), was, now in zip(
            RANK_SORTS, rank_keys(before), rank_keys(after), strict=True
        ):
            if was == now:
                continue
            same_day = was is not None and now is not None and was[0] == now[0]
            for shift in shifts:
                if was is not None:
                    old = was[1] >> shift
                    if same_day and old == now[1] >> shift:
                        break  # one bucket at this width, so at every wider one too
                    k = (scope, period, sort, was[0], shift, old)
                    delta[k] = get(k, 0) - 1
                if now is not None:
                    k = (scope, period, sort, now[0], shift, now[1] >> shift)
                    delta[k] = get(k, 0) + 1
    changed = [(*k, n) for k, n in delta.items() if n]
    if not changed:
        return
    db.executemany(
        "INSERT INTO score_counts(scope, period, sort, day, shift, bucket, players)"
        " VALUES (?,?,?,?,?,?,?) ON CONFLICT(scope, period, sort, day, shift, bucket)"
        " DO UPDATE SET players = score_counts.players + excluded.players",
        changed,
    )
    if any(n < 0 for *_, n in changed):
        db.execute("DELETE FROM score_counts WHERE players = 0")


# each sort with each of its bucket widths, from RANK_SHIFTS
_WIDTHS = " UNION ALL ".join(
    f"SELECT '{sort.value}' AS sort, {shift} AS shift"
    for sort, shifts in RANK_SHIFTS.items()
    for shift in shifts
)
# every score row's rank keys, as ``rank_keys`` makes them, at the widths of RANK_SHIFTS, in
# SQL both backends run (v014 filled ``score_counts`` with the statement as it was then; the
# benchmarks' bulk builds run it)
RECOUNT_RANKS = (
    "INSERT INTO score_counts(scope, period, sort, day, shift, bucket, players)"
    " SELECT k.scope, k.period, k.sort, k.day, w.shift, k.rank_key >> w.shift, COUNT(*)"
    " FROM (SELECT scope, period, 'points' AS sort, '' AS day, points AS rank_key FROM scores"
    "  UNION ALL SELECT scope, period, 'accuracy', '',"
    f"   CAST(correct AS BIGINT) * {1 << ACCURACY_BITS} / answered FROM scores"
    f"   WHERE answered >= {MIN_ANSWERS_FOR_ACCURACY}"
    "  UNION ALL SELECT scope, period, 'streak', last_correct_day, streak FROM scores"
    "   WHERE streak > 0 AND last_correct_day IS NOT NULL"
    "  UNION ALL SELECT scope, period, 'mastered', '', mastered FROM scores"
    "   WHERE mastered > 0) k"
    f" JOIN ({_WIDTHS}) w ON w.sort = k.sort"
    " GROUP BY k.scope, k.period, k.sort, k.day, w.shift, k.rank_key >> w.shift"
)


def recount_ranks(db: Connection) -> None:
    """``score_counts`` made anew from the score rows (bulk loads that write score rows
    directly; a check compares it with what the writers kept)."""
    db.execute("DELETE FROM score_counts")
    db.execute(RECOUNT_RANKS)


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
        *(*key, *alive),  # top
        q.alive_since,  # mine: a streak ranks by the current one
        *(*key, q.user_key),
        *flag.args,
        *flag.args,
        *key,  # size
    )
    return _board_sql(sort, flag.sql, int(q.limit)), args


@functools.lru_cache(maxsize=64)
def _board_sql(sort: Sort, flag_sql: str, limit: int) -> str:
    """The board statement's text for one sort, row flag and top size (built once each).
    The top's size is in the text, not a parameter: PostgreSQL plans a prepared statement
    once (a generic plan) only when that plan is as good as one made for the parameters,
    and with ``LIMIT $n`` it guesses a tenth of the board for the top, so it joined that
    many rows with a hash join over every user: 18 ms at 50,000 players. It then planned
    every read anew instead (~0.4 ms, most of a board read from 10^6 answers on)."""
    how = _ORDERS[sort]
    where = f"s.scope = ? AND s.period = ? AND {how.listed_if}"
    ranked_if = f"x.answered >= {MIN_ANSWERS_FOR_ACCURACY}" if sort is Sort.ACCURACY else "1 = 1"
    columns = (
        "x.user_key, u.display_name, x.points, x.answered, x.correct, x.streak, u.best_streak,"
        " x.last_correct_day, x.mastered"
    )
    # a UNION orders by its output columns' names
    named = ", ".join(f"{c.strip()} AS {c.strip().partition('.')[2]}" for c in columns.split(","))
    size = "qualified" if sort is Sort.ACCURACY else "players"
    return (
        f"WITH top AS (SELECT s.* FROM scores s WHERE {where} ORDER BY {how.order} LIMIT {limit}),"
        " mine AS (SELECT m.*, CAST(? AS TEXT) AS alive"
        " FROM scores m WHERE m.scope = ? AND m.period = ? AND m.user_key = ?"
        " AND m.user_key NOT IN (SELECT user_key FROM top)),"
        f" keyed AS (SELECT x.*, {_RANK_KEY_SQL[sort]} AS v FROM mine x),"
        f" ranked AS (SELECT x.*, CASE WHEN {ranked_if} THEN {_above_sql(sort)} END AS above"
        " FROM keyed x)"
        f" SELECT 0 AS part, {named}, {how.value.replace('s.', 'x.')} AS v, NULL AS above,"
        f" {flag_sql} AS flag FROM top x JOIN users u ON u.user_key = x.user_key"
        f" UNION ALL SELECT 1, {columns}, NULL, x.above, {flag_sql}"
        " FROM ranked x JOIN users u ON u.user_key = x.user_key"
        " UNION ALL SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
        f" (SELECT {size} FROM boards WHERE scope = ? AND period = ?), 0"
        f" ORDER BY part, v DESC, {_THEN[sort]}"
    )


def _above_sql(sort: Sort) -> str:
    """How many of the board's ranked players are above the requester's row ``x`` (its
    rank key ``x.v``): one range of ``score_counts`` per bucket width (see ``RANK_SHIFTS``),
    plus, on an accuracy board, the rows in the requester's own finest bucket that are above
    them (a short range of ``scores_by_accuracy``: two ratios 2^-16 apart or less)."""
    day = "c.day >= x.alive" if sort is Sort.STREAK else "c.day = ''"
    shifts = RANK_SHIFTS[sort]
    parts = []
    for i, shift in enumerate(shifts):
        mine = f"(x.v >> {shift})"
        below_parent = ""
        if i + 1 < len(shifts):  # only the buckets under my own parent bucket
            up = shifts[i + 1]
            below_parent = f" AND c.bucket < (((x.v >> {up}) + 1) << {up - shift})"
        parts.append(
            "(SELECT COALESCE(SUM(c.players), 0) FROM score_counts c"
            f" WHERE c.scope = x.scope AND c.period = x.period AND c.sort = '{sort.value}'"
            f" AND {day} AND c.shift = {shift} AND c.bucket > {mine}{below_parent})"
        )
    if sort is Sort.ACCURACY:
        ratio = _ACCURACY
        parts.append(
            f"(SELECT COUNT(*) FROM scores s WHERE s.scope = x.scope AND s.period = x.period"
            f" AND s.answered >= {MIN_ANSWERS_FOR_ACCURACY}"
            f" AND {ratio} > {ratio.replace('s.', 'x.')}"
            f" AND {ratio} < ((x.v + 1) * 1.0 / {1 << ACCURACY_BITS}))"
        )
    return " + ".join(parts)


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


def add_scores(
    db: Connection, rows: Sequence[tuple[object, ...]]
) -> dict[ScoreKey, tuple[int, int, int]]:
    """Add a batch's totals to their score rows, a new row taking every column of ``rows``
    (scope, period, user key, points, answered, correct, streak, last correct day,
    mastered; an existing one keeps its streak, last correct day and mastered): one upsert
    of 500 rows a statement, which returns each row's (points, answered, correct) after it.
    What was there before is after minus the batch's totals, and a row whose ``answered``
    is the batch's alone is new (a stored row has at least one answer), so no read of the
    rows beforehand (a primary-key lookup per row, which the upsert makes anyway)."""
    out: dict[ScoreKey, tuple[int, int, int]] = {}
    for chunk in chunks(rows, 500):
        for scope, period, user_key, points, answered, correct in db.execute(
            "INSERT INTO scores(scope, period, user_key, points, answered, correct, streak,"
            " last_correct_day, mastered) VALUES "
            + ",".join(["(?,?,?,?,?,?,?,?,?)"] * len(chunk))
            + " ON CONFLICT(scope, period, user_key) DO UPDATE SET"
            " points=scores.points+excluded.points, answered=scores.answered+excluded.answered,"
            " correct=scores.correct+excluded.correct"
            " RETURNING scope, period, user_key, points, answered, correct",
            [part for row in chunk for part in row],
        ):
            out[(scope, period, user_key)] = (points, answered, correct)
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

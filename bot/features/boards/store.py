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
from bot.kernel.identity import topic_of_scope


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
_COLUMNS = (
    "s.user_key, u.display_name, s.points, s.answered, s.correct, s.streak, u.best_streak,"
    " s.last_correct_day, s.mastered"
)


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


def _sort_value(row: ScoreRow, sort: Sort, alive_since: str) -> float:
    if sort is Sort.ACCURACY:
        return row.correct / row.answered if row.answered else 0.0
    if sort is Sort.STREAK:
        return row.streak if (row.last_correct_day or "") >= alive_since else 0
    if sort is Sort.MASTERED:
        return row.mastered
    return row.points


def _ranked(
    rows: Iterable[tuple[Any, ...]], sort: Sort, alive_since: str, start: int = 0
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
    """Top ``limit``, the requester's row and the board's size, in four indexed reads.

    Every board (workspace, channel, topic, study group; any period and sort) is one scope's
    score rows: the top walks the sort's index (scores_by_points, scores_by_accuracy,
    scores_by_streak, scores_by_mastered) and stops after ``limit`` rows, names are looked
    up for those rows only, the requester's rank is 1 + a count over the same index, and the
    board's size is kept in ``boards``."""
    sort = Sort(q.sort)
    how = _ORDERS[sort]
    key = (q.scope, q.period)
    if_args = (q.alive_since,) if sort is Sort.STREAK else ()
    where = f"s.scope = ? AND s.period = ? AND {how.listed_if}"
    top = db.execute(
        f"SELECT {_COLUMNS} FROM (SELECT s.* FROM scores s WHERE {where}"
        f" ORDER BY {how.order} LIMIT ?) s JOIN users u ON u.user_key = s.user_key"
        f" ORDER BY {how.order}",
        (*key, *if_args, q.limit),
    ).fetchall()
    rows = _ranked(top, sort, q.alive_since)
    me = next((r for r in rows if r.user_key == q.user_key), None)
    if me is None and q.user_key is not None:
        found = db.execute(
            f"SELECT {_COLUMNS} FROM scores s JOIN users u ON u.user_key = s.user_key"
            " WHERE s.scope = ? AND s.period = ? AND s.user_key = ?",
            (*key, q.user_key),
        ).fetchone()
        mine = ScoreRow(0, *found) if found else None
        if mine is not None and sort is Sort.ACCURACY and mine.answered < MIN_ANSWERS_FOR_ACCURACY:
            me = mine  # rank 0: not ranked yet
        elif mine is not None:
            # the requester's rank is 1 + how many listed players have a better value
            (above,) = db.execute(
                f"SELECT COUNT(*) FROM scores s WHERE {where} AND {how.value} > ?",
                (*key, *if_args, _sort_value(mine, sort, q.alive_since)),
            ).fetchone()
            me = ScoreRow(above + 1, *_raw(mine))
    size = db.execute(
        f"SELECT {'qualified' if sort is Sort.ACCURACY else 'players'} FROM boards"
        " WHERE scope = ? AND period = ?",
        key,
    ).fetchone()
    return rows, me, size[0] if size else 0


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


# Rows of period "all" and of weeks from this many days before a batch's earliest week on carry
# their user's current streak and mastery; older weekly rows are history no board reads (a
# board reads this week, which a zone change moves back at most one day).
LIVE_DAYS_BACK = 7


def live_since(weeks: Iterable[str]) -> str:
    """The first week whose rows a batch with answers in ``weeks`` keeps current."""
    return (date.fromisoformat(min(weeks)) - timedelta(days=LIVE_DAYS_BACK)).isoformat()


@dataclass(frozen=True)
class BoardValues:
    """What a user's score rows carry besides the scope's own totals."""

    streak: int
    last_correct_day: str | None
    mastered: int  # FSRS-mastered questions: all topics, or the row's topic on topic rows


def _topic_mastery(db: Connection, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(user key, card id) -> mastered questions, as stored, for the pairs that have a row.
    Reads the users' rows by primary-key prefix (a row-value ``IN (VALUES …)`` would scan
    the whole table)."""
    wanted = set(pairs)
    users = list(dict.fromkeys(user_key for user_key, _ in pairs))
    out: dict[tuple[str, str], int] = {}
    for chunk in chunks(users):
        for user_key, card_id, mastered in db.execute(
            "SELECT user_key, card_id, mastered FROM user_topics"
            f" WHERE user_key IN ({marks(len(chunk))})",
            chunk,
        ):
            if (user_key, card_id) in wanted:
                out[(user_key, card_id)] = mastered
    return out


def _refresh_rows(
    db: Connection,
    values: dict[str, BoardValues],
    topic_mastered: dict[tuple[str, str], int],
    since: str,
) -> None:
    """Bring the live score rows of users whose streak or mastery moved up to date, writing
    only the rows that differ, and only the columns that differ (a streak moves daily,
    mastery rarely: each SET column rewrites its index entry)."""
    streaks, mastery = [], []
    for chunk in chunks(list(values)):
        for scope, period, user_key, streak, last, mastered in db.execute(
            "SELECT scope, period, user_key, streak, last_correct_day, mastered FROM scores"
            f" WHERE user_key IN ({marks(len(chunk))}) AND (period = 'all' OR period >= ?)",
            (*chunk, since),
        ):
            v = values[user_key]
            card = topic_of_scope(scope)
            want = v.mastered if card is None else topic_mastered.get((user_key, card), mastered)
            if (streak, last) != (v.streak, v.last_correct_day):
                streaks.append((v.streak, v.last_correct_day, scope, period, user_key))
            if mastered != want:
                mastery.append((want, scope, period, user_key))
    db.executemany(
        "UPDATE scores SET streak = ?, last_correct_day = ?"
        " WHERE scope = ? AND period = ? AND user_key = ?",
        streaks,
    )
    db.executemany(
        "UPDATE scores SET mastered = ? WHERE scope = ? AND period = ? AND user_key = ?",
        mastery,
    )


@dataclass(slots=True)
class _UserTally:
    """A user's ``users`` row while the batch adds its answers to it (mutable on purpose)."""

    user_key: str
    display_name: str
    points: int = 0
    answered: int = 0
    correct: int = 0
    streak: int = 0
    best_streak: int = 0
    last_correct_day: str | None = None
    mastered: int = 0

    @property
    def board_values(self) -> BoardValues:
        return BoardValues(self.streak, self.last_correct_day, self.mastered)

    @property
    def row(self) -> tuple[object, ...]:
        """The ``users`` row, in the upsert's column order."""
        return (
            self.user_key,
            self.display_name,
            self.points,
            self.answered,
            self.correct,
            self.streak,
            self.best_streak,
            self.last_correct_day,
            self.mastered,
        )


def update_scores(db: Connection, batch: AnswerBatch) -> None:
    """Answer-batch step: users' totals and day streaks, score rows for every scope and
    period the answers count in, and per-topic accuracy and mastery. Each row is summed in
    Python first so it is written once; triggers on ``scores`` keep ``boards`` sizes.

    Score rows also carry their user's streak, last correct day and mastered count (topic
    rows: the topic's), so every sort reads like a points board: new rows get the values as
    they are after the batch, and a user whose values moved has their live rows (period
    "all" and recent weeks, see ``live_since``) rewritten where they differ."""
    new = batch.new
    mastered_delta = batch.mastered_delta
    # users: running totals and the streak of days with a correct answer
    user_keys = list(dict.fromkeys(w.user_key for w in batch.writes))
    users: dict[str, _UserTally] = {}
    for chunk in chunks(user_keys):
        for row in db.execute(
            "SELECT user_key, display_name, points, answered, correct, streak, best_streak,"
            f" last_correct_day, mastered FROM users WHERE user_key IN ({marks(len(chunk))})",
            chunk,
        ):
            users[row[0]] = _UserTally(*row)
    before = {k: u.board_values for k, u in users.items()}
    for w in new:
        u = users.get(w.user_key)
        if u is None:
            u = users[w.user_key] = _UserTally(w.user_key, w.display_name)
        u.display_name = w.display_name
        u.points += w.points
        u.answered += 1
        if w.correct:
            u.correct += 1
            last = u.last_correct_day
            # only a later day moves the streak: an answer dated earlier (another server's
            # zone, a changed zone) must not reset it or move last_correct_day back
            if last is None or w.day > last:
                u.streak = u.streak + 1 if last == previous_day(w.day) else 1
                u.best_streak = max(u.best_streak, u.streak)
                u.last_correct_day = w.day
    for (user_key, _), delta in mastered_delta.items():
        users[user_key].mastered += delta
    changed = {w.user_key for w in new}
    db.executemany(
        "INSERT INTO users(user_key, display_name, points, answered, correct, streak,"
        " best_streak, last_correct_day, mastered) VALUES (?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT(user_key) DO UPDATE SET display_name=excluded.display_name,"
        " points=excluded.points, answered=excluded.answered, correct=excluded.correct,"
        " streak=excluded.streak, best_streak=excluded.best_streak,"
        " last_correct_day=excluded.last_correct_day, mastered=excluded.mastered",
        [users[k].row for k in changed],
    )
    after = {k: users[k].board_values for k in changed}

    # scores and per-topic accuracy, summed per row first so each row is written once
    score_delta: dict[tuple[str, str, str], list[int]] = {}
    topic_delta: dict[tuple[str, str], list[int]] = {}
    row_topic: dict[str, str | None] = {}  # scope -> its card id (topic scopes)
    for w in new:
        for scope in w.scopes:
            for period in ("all", w.week):
                d = score_delta.setdefault((scope, period, w.user_key), [0, 0, 0])
                d[0] += w.points
                d[1] += 1
                d[2] += int(w.correct)
            if scope not in row_topic:
                row_topic[scope] = topic_of_scope(scope)
        t = topic_delta.setdefault((w.user_key, w.card_id), [0, 0, 0])
        t[0] += 1
        t[1] += int(w.correct)
    for key, delta in mastered_delta.items():
        topic_delta[key][2] += delta
    # only users seen before have topic rows to read (a new user's start at 0)
    topic_mastered = _topic_mastery(db, [k for k in topic_delta if k[0] in before])
    for key, delta in topic_delta.items():
        topic_mastered[key] = topic_mastered.get(key, 0) + delta[2]
    moved = {k: v for k, v in after.items() if k in before and before[k] != v}
    moved.update(
        {k: after[k] for (k, _), d in mastered_delta.items() if d and k in before and k in after}
    )
    if moved:
        _refresh_rows(db, moved, topic_mastered, live_since(w.week for w in new))
    rows = []
    for (scope, period, user_key), (points, answered, correct) in score_delta.items():
        v = after[user_key]
        card = row_topic[scope]
        mastered = v.mastered if card is None else topic_mastered[(user_key, card)]
        rows.append(
            (
                scope,
                period,
                user_key,
                points,
                answered,
                correct,
                v.streak,
                v.last_correct_day,
                mastered,
            )
        )
    # existing rows already carry the values (refreshed above): only the totals move
    db.executemany(
        "INSERT INTO scores(scope, period, user_key, points, answered, correct, streak,"
        " last_correct_day, mastered) VALUES (?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT(scope, period, user_key) DO UPDATE SET"
        " points=scores.points+excluded.points, answered=scores.answered+excluded.answered,"
        " correct=scores.correct+excluded.correct",
        rows,
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
        batch.totals[user_key] = UserTotals(u.points, u.streak, u.last_correct_day)

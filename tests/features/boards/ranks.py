"""What a board's ranks should be, worked out from the score rows alone: each requester's rank
by counting the rows above them (exact fractions for accuracy), and the buckets
``score_counts`` should hold. Checks read through ``Database.read``, so the same SQL runs on
either backend."""

from __future__ import annotations

from collections import Counter
from dataclasses import astuple, dataclass
from fractions import Fraction

from bot.features.boards.results import Sort
from bot.features.boards.store import (
    MIN_ANSWERS_FOR_ACCURACY,
    RANK_SHIFTS,
    BoardQuery,
    RankValues,
    board_of,
    board_statement,
)
from bot.kernel.db import Connection

ROW = "points, answered, correct, streak, last_correct_day, mastered"


@dataclass(frozen=True)
class ScoreValues:
    """A score row's columns that ranks compare."""

    points: int
    answered: int
    correct: int
    streak: int
    last_correct_day: str | None
    mastered: int

    @property
    def values(self) -> RankValues:
        """As ``count_ranks`` takes them."""
        return astuple(self)


def score_rows(con: Connection) -> dict[tuple[str, str, str], ScoreValues]:
    return {
        (scope, period, user): ScoreValues(*values)
        for scope, period, user, *values in con.execute(
            f"SELECT scope, period, user_key, {ROW} FROM scores"
        )
    }


def stored_counts(con: Connection) -> Counter:
    """``score_counts`` as it is: (scope, period, sort, day, shift, bucket) -> players."""
    return Counter(
        {
            tuple(key): players
            for *key, players in con.execute(
                "SELECT scope, period, sort, day, shift, bucket, players FROM score_counts"
            )
        }
    )


def expected_counts(con: Connection) -> Counter:
    """The buckets the score rows fill: each row once per sort it is ranked on (accuracy
    from 5 answers, as floor(correct * 2^16 / answered); a streak above 0, under its last
    correct day; mastered above 0), at every width; no empty bucket."""
    out: Counter = Counter()
    for (scope, period, _), v in score_rows(con).items():
        keys = {Sort.POINTS: ("", v.points)}
        if v.answered >= MIN_ANSWERS_FOR_ACCURACY:
            keys[Sort.ACCURACY] = ("", v.correct * 65536 // v.answered)
        if v.streak > 0 and v.last_correct_day:
            keys[Sort.STREAK] = (v.last_correct_day, v.streak)
        if v.mastered > 0:
            keys[Sort.MASTERED] = ("", v.mastered)
        for sort, (day, key) in keys.items():
            for shift in RANK_SHIFTS[sort]:
                out[(scope, period, sort.value, day, shift, key >> shift)] += 1
    return out


def check_counts(con: Connection) -> None:
    """``score_counts`` holds exactly the buckets the score rows fill, none empty."""
    stored = stored_counts(con)
    assert all(players > 0 for players in stored.values()), "an empty bucket is kept"
    assert stored == expected_counts(con)


def accuracy(v: ScoreValues) -> Fraction:
    return Fraction(v.correct, v.answered)


def expected_rank(
    rows: dict[tuple[str, str, str], ScoreValues], key: tuple[str, str, str], sort: Sort, alive: str
) -> int:
    """1 + the players of the board listed above the row ``key``; 0: not ranked (an accuracy
    board's player with too few answers)."""
    scope, period, _ = key
    board = [v for (s, p, _), v in rows.items() if (s, p) == (scope, period)]
    mine = rows[key]
    if sort is Sort.POINTS:
        above = [v for v in board if v.points > mine.points]
    elif sort is Sort.ACCURACY:
        if mine.answered < MIN_ANSWERS_FOR_ACCURACY:
            return 0
        above = [
            v
            for v in board
            if v.answered >= MIN_ANSWERS_FOR_ACCURACY and accuracy(v) > accuracy(mine)
        ]
    elif sort is Sort.STREAK:

        def current(v: ScoreValues) -> int:
            return v.streak if (v.last_correct_day or "") >= alive else 0

        above = [v for v in board if current(v) > current(mine)]
    else:
        above = [v for v in board if v.mastered > mine.mastered]
    return 1 + len(above)


async def board_ranks(db, rows, sort: Sort, alive: str, limit: int = 1) -> dict:
    """Every score row's rank as its player sees it on its board (a board read with the
    requester's key, ``limit`` top rows), against the count from the rows: (got, want) per
    row key."""
    out = {}
    for key in rows:
        scope, period, user = key
        q = BoardQuery(scope, period, user, limit, sort, alive)
        board = board_of(await db.fetch(*board_statement(q)), q)
        assert board.me is not None, key
        out[key] = (board.me.rank, expected_rank(rows, key, sort, alive))
    return out

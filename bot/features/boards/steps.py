"""The boards' answer-batch steps: the users' totals and day streaks in the click (the reply
prints them), and the score rows at every scope and period, board sizes (counted per batch)
and per-topic rows in the trailing step (``answers.outbox``), in the order
bot/app.py gives them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.features.answers import AnswerBatch
from bot.features.answers.batch import UserTotals
from bot.features.boards.store import RankMove, add_scores, count_board_sizes, count_ranks
from bot.kernel.db import Connection, chunks, marks
from bot.kernel.identity import topic_of_scope


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
        for user_key, topic_id, mastered in db.execute(
            "SELECT user_key, card_id, mastered FROM user_topics"
            f" WHERE user_key IN ({marks(len(chunk))})",
            chunk,
        ):
            if (user_key, topic_id) in wanted:
                out[(user_key, topic_id)] = mastered
    return out


def _refresh_rows(
    db: Connection,
    values: dict[str, BoardValues],
    topic_mastered: dict[tuple[str, str], int],
    since: str,
) -> list[RankMove]:
    """Bring the live score rows of users whose streak or mastery moved up to date, writing
    only the rows that differ, and only the columns that differ (a streak moves daily,
    mastery rarely: each SET column rewrites its index entry). The rows' moves between
    rank buckets (streak and mastered; their totals stay)."""
    streaks, mastery, moves = [], [], []
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
            if (streak, last, mastered) != (v.streak, v.last_correct_day, want):
                after = (0, 0, 0, v.streak, v.last_correct_day, want)
                moves.append((scope, period, (0, 0, 0, streak, last, mastered), after))
    db.executemany(
        "UPDATE scores SET streak = ?, last_correct_day = ?"
        " WHERE scope = ? AND period = ? AND user_key = ?",
        streaks,
    )
    db.executemany(
        "UPDATE scores SET mastered = ? WHERE scope = ? AND period = ? AND user_key = ?",
        mastery,
    )
    return moves


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


def update_totals(db: Connection, batch: AnswerBatch) -> None:
    """Click step: the users' running totals and day streaks, which the reply prints. Notes
    in ``batch.moved`` the users whose streak or last correct day moved: the trailing
    ``update_scores`` rewrites their score rows. (Their mastered count is the trailing
    step's: the FSRS review that moves it is.)"""
    new = batch.new
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
    batch.moved.update(k for k in changed if k in before and before[k] != users[k].board_values)
    for user_key, u in users.items():
        batch.totals[user_key] = UserTotals(u.points, u.streak, u.last_correct_day)


def update_scores(db: Connection, batch: AnswerBatch) -> None:
    """Trailing step (``answers.outbox``): score rows for every scope and period the answers
    count in, and per-topic accuracy and mastery. Each row is summed in Python first so it
    is written once; the rows' totals the upsert returns give the boards' new players and
    qualified ones, one ``boards`` upsert per board, and the rows' moves between rank
    buckets (``store.count_ranks``).

    Score rows also carry their user's streak, last correct day and mastered count (topic
    rows: the topic's), so every sort reads like a points board: new rows get the values the
    ``users`` row holds now, and a user whose values moved (``batch.moved``) has their live
    rows (period "all" and recent weeks, see ``live_since``) rewritten where they differ."""
    new = batch.new
    if not new:
        return
    mastered_delta = batch.mastered_delta
    user_keys = list(dict.fromkeys(w.user_key for w in new))
    # FSRS mastery (the trailing review moved it): the user's count, and their rows below
    mastered_users: dict[str, int] = {}
    for (user_key, _), delta in mastered_delta.items():
        mastered_users[user_key] = mastered_users.get(user_key, 0) + delta
    db.executemany(
        "UPDATE users SET mastered = mastered + ? WHERE user_key = ?",
        [(delta, user_key) for user_key, delta in mastered_users.items() if delta],
    )
    # a mastered change moves topic rows even when the user's total stays (one up, one down)
    batch.moved.update(k for (k, _), d in mastered_delta.items() if d)
    values: dict[str, BoardValues] = {}
    for chunk in chunks(user_keys):
        for user_key, streak, last, mastered in db.execute(
            "SELECT user_key, streak, last_correct_day, mastered FROM users"
            f" WHERE user_key IN ({marks(len(chunk))})",
            chunk,
        ):
            values[user_key] = BoardValues(streak, last, mastered)
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
        t = topic_delta.setdefault((w.user_key, w.topic_id), [0, 0, 0])
        t[0] += 1
        t[1] += int(w.correct)
    for key, delta in mastered_delta.items():
        topic_delta[key][2] += delta
    topic_mastered = _topic_mastery(db, list(topic_delta))
    for key, delta in topic_delta.items():
        topic_mastered[key] = topic_mastered.get(key, 0) + delta[2]
    moved = {k: values[k] for k in batch.moved if k in values}
    since = live_since(w.week for w in new)
    moves = _refresh_rows(db, moved, topic_mastered, since) if moved else []
    rows = []
    for key, (points, answered, correct) in score_delta.items():
        v = values.get(key[2], BoardValues(0, None, 0))
        card = row_topic[key[0]]
        mastered = v.mastered if card is None else topic_mastered[(key[2], card)]
        rows.append((*key, points, answered, correct, v.streak, v.last_correct_day, mastered))
    stored = add_scores(db, rows)
    sizes = []
    for row, (key, (points, answered, correct)) in zip(rows, score_delta.items(), strict=True):
        now = stored[key]
        if now[1] == answered:  # a new row, with every column of ``row``
            moves.append((key[0], key[1], None, row[3:]))
            sizes.append((key, None, answered))
        else:  # an existing one carries the values already (refreshed above): its totals move
            was = (now[0] - points, now[1] - answered, now[2] - correct, 0, None, 0)
            moves.append((key[0], key[1], was, (*now, 0, None, 0)))
            sizes.append((key, was[1], now[1]))
    count_board_sizes(db, sizes)
    count_ranks(db, moves)
    db.executemany(
        "INSERT INTO user_topics(user_key, card_id, answered, correct, mastered)"
        " VALUES (?,?,?,?,?) ON CONFLICT(user_key, card_id) DO UPDATE SET"
        " answered=user_topics.answered+excluded.answered,"
        " correct=user_topics.correct+excluded.correct,"
        " mastered=user_topics.mastered+excluded.mastered",
        [(*k, *v) for k, v in topic_delta.items()],
    )

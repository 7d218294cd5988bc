"""The one module that owns SQL.

Design (see README "Storage"):
- One aiosqlite connection writes, one reads; WAL lets reads run while a write commits, so
  leaderboards and question picks never queue behind the writer.
- Every write is a single function run on the writer's thread (BEGIN IMMEDIATE ... COMMIT in
  one step), so writes never interleave.
- Answers are group-committed: they queue, and the writer commits everything queued in one
  transaction, then resolves each answer. A caller hears its result only after that commit.
- Scores are materialized as answers are written (``users``, ``scores``, ``user_topics``);
  leaderboards read those, never aggregate ``answers``. In the same transaction, answers to
  daily posts move ``daily_streaks`` (``_store_daily_streaks``) and every new answer reviews its
  FSRS card in ``srs_cards`` (``_review_cards``) — each a few statements per batch, whatever
  its size — and triggers on ``scores`` keep the ``boards`` sizes in step.
- The daily question claims (channel, local date) in ``daily_claims`` (UNIQUE) in the same
  transaction that creates its post, so a day is posted at most once, by any process.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot import srs

T = TypeVar("T")

# Each entry moves the schema one version forward; never edit a released entry, add one.
MIGRATIONS: tuple[str, ...] = (
    # v1: the walking skeleton
    """
    CREATE TABLE users(
        user_key TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        points INTEGER NOT NULL DEFAULT 0,
        answered INTEGER NOT NULL DEFAULT 0,
        correct INTEGER NOT NULL DEFAULT 0,
        streak INTEGER NOT NULL DEFAULT 0,
        best_streak INTEGER NOT NULL DEFAULT 0,
        last_correct_day TEXT
    ) WITHOUT ROWID;
    CREATE TABLE posts(
        id INTEGER PRIMARY KEY,
        question_id TEXT NOT NULL,
        card_id TEXT NOT NULL,
        workspace_key TEXT NOT NULL,
        channel_key TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'ask',
        asked_by TEXT,
        created_at TEXT NOT NULL,
        message_ref TEXT
    );
    CREATE TABLE answers(
        post_id INTEGER NOT NULL REFERENCES posts(id),
        user_key TEXT NOT NULL,
        question_id TEXT NOT NULL,
        card_id TEXT NOT NULL,
        choice INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        points INTEGER NOT NULL,
        answered_at TEXT NOT NULL,
        PRIMARY KEY(post_id, user_key)
    ) WITHOUT ROWID;
    CREATE INDEX answers_by_user ON answers(user_key, question_id);
    """,
    # v2: materialized leaderboards per scope (workspace, channel) and period (all, week)
    """
    ALTER TABLE answers ADD COLUMN week TEXT NOT NULL DEFAULT '';
    UPDATE answers SET week = date(answered_at, 'weekday 0', '-6 days');
    CREATE TABLE scores(
        scope TEXT NOT NULL,
        period TEXT NOT NULL,
        user_key TEXT NOT NULL,
        points INTEGER NOT NULL DEFAULT 0,
        answered INTEGER NOT NULL DEFAULT 0,
        correct INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY(scope, period, user_key)
    ) WITHOUT ROWID;
    CREATE INDEX scores_by_points ON scores(scope, period, points DESC, user_key);
    CREATE TABLE user_topics(
        user_key TEXT NOT NULL,
        card_id TEXT NOT NULL,
        answered INTEGER NOT NULL DEFAULT 0,
        correct INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY(user_key, card_id)
    ) WITHOUT ROWID;
    INSERT INTO scores(scope, period, user_key, points, answered, correct)
        SELECT scope, period, user_key, SUM(points), COUNT(*), SUM(correct) FROM (
            SELECT 'ws:' || p.workspace_key AS scope, 'all' AS period, a.user_key, a.points,
                   a.correct FROM answers a JOIN posts p ON p.id = a.post_id
            UNION ALL
            SELECT 'ws:' || p.workspace_key, a.week, a.user_key, a.points, a.correct
                   FROM answers a JOIN posts p ON p.id = a.post_id
            UNION ALL
            SELECT 'ch:' || p.channel_key, 'all', a.user_key, a.points, a.correct
                   FROM answers a JOIN posts p ON p.id = a.post_id
            UNION ALL
            SELECT 'ch:' || p.channel_key, a.week, a.user_key, a.points, a.correct
                   FROM answers a JOIN posts p ON p.id = a.post_id
        ) GROUP BY scope, period, user_key;
    INSERT INTO user_topics(user_key, card_id, answered, correct)
        SELECT user_key, card_id, COUNT(*), SUM(correct) FROM answers GROUP BY user_key, card_id;
    """,
    # v3: the daily question: per-channel schedules, one claim per (channel, local date) so a
    # day is posted at most once even by two processes, answer windows, per-channel streaks
    """
    CREATE TABLE daily_schedules(
        channel_key TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        local_time TEXT NOT NULL,
        zone TEXT NOT NULL,
        weekdays TEXT NOT NULL,
        topic TEXT,
        window_hours INTEGER,
        active_from TEXT NOT NULL,
        set_by TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX daily_schedules_by_platform ON daily_schedules(platform);
    CREATE TABLE daily_claims(
        id INTEGER PRIMARY KEY,
        channel_key TEXT NOT NULL,
        local_date TEXT NOT NULL,
        platform TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        zone TEXT NOT NULL,
        scheduled_at TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        claimed_by TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'claimed',
        post_id INTEGER REFERENCES posts(id),
        prev_post_id INTEGER,
        message_ref TEXT,
        error TEXT,
        closes_at TEXT NOT NULL,
        results_status TEXT,
        results_ref TEXT,
        results_error TEXT,
        UNIQUE(channel_key, local_date)
    );
    CREATE INDEX daily_claims_by_post ON daily_claims(post_id);
    CREATE INDEX daily_claims_open ON daily_claims(platform, results_status, closes_at);
    CREATE TABLE daily_streaks(
        channel_key TEXT NOT NULL,
        user_key TEXT NOT NULL,
        workspace_key TEXT NOT NULL,
        current INTEGER NOT NULL DEFAULT 0,
        best INTEGER NOT NULL DEFAULT 0,
        last_post_id INTEGER,
        last_date TEXT,
        PRIMARY KEY(channel_key, user_key)
    ) WITHOUT ROWID;
    CREATE INDEX daily_streaks_by_workspace ON daily_streaks(workspace_key, user_key);
    ALTER TABLE posts ADD COLUMN closes_at TEXT;
    CREATE INDEX posts_by_channel ON posts(channel_key, kind);
    """,
    # v4 (learn): study groups, workspace time zones, per-topic and accuracy/streak/mastered
    # leaderboards, FSRS cards. Self-contained: it only adds (v3 on its branch; renumbered to v4
    # when merged after the daily question's v3, which databases in the wild may already have).
    """
    CREATE TABLE workspace_settings(
        workspace_key TEXT PRIMARY KEY,
        time_zone TEXT NOT NULL DEFAULT 'UTC'
    ) WITHOUT ROWID;
    CREATE TABLE study_groups(
        id INTEGER PRIMARY KEY,
        workspace_key TEXT NOT NULL,
        name_key TEXT NOT NULL,
        name TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE(workspace_key, name_key)
    );
    CREATE TABLE group_members(
        group_id INTEGER NOT NULL REFERENCES study_groups(id) ON DELETE CASCADE,
        user_key TEXT NOT NULL,
        display_name TEXT NOT NULL,
        joined_at TEXT NOT NULL,
        PRIMARY KEY(group_id, user_key)
    ) WITHOUT ROWID;
    CREATE INDEX group_members_by_user ON group_members(user_key);
    CREATE TABLE srs_cards(
        user_key TEXT NOT NULL,
        question_id TEXT NOT NULL,
        card_id TEXT NOT NULL,
        state INTEGER NOT NULL,
        step INTEGER,
        stability REAL,
        difficulty REAL,
        due TEXT NOT NULL,
        last_review TEXT,
        reps INTEGER NOT NULL DEFAULT 0,
        lapses INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY(user_key, question_id)
    ) WITHOUT ROWID;
    ALTER TABLE users ADD COLUMN mastered INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE user_topics ADD COLUMN mastered INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX users_by_streak ON users(streak DESC, last_correct_day DESC, user_key);
    CREATE INDEX users_by_mastered ON users(mastered DESC, user_key);
    CREATE INDEX user_topics_by_mastered ON user_topics(card_id, mastered DESC, user_key);
    CREATE INDEX scores_by_accuracy ON scores(scope, period, (correct * 1.0 / answered) DESC,
        answered DESC, user_key, correct) WHERE answered >= 5;
    CREATE TABLE boards(
        scope TEXT NOT NULL,
        period TEXT NOT NULL,
        players INTEGER NOT NULL DEFAULT 0,
        qualified INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY(scope, period)
    ) WITHOUT ROWID;
    CREATE INDEX answers_wrong_by_user ON answers(user_key, question_id, choice)
        WHERE correct = 0;
    INSERT INTO scores(scope, period, user_key, points, answered, correct)
        SELECT scope, period, user_key, SUM(points), COUNT(*), SUM(correct) FROM (
            SELECT 'wt:' || p.workspace_key || ':' || a.card_id AS scope, 'all' AS period,
                   a.user_key, a.points, a.correct FROM answers a JOIN posts p ON p.id = a.post_id
            UNION ALL
            SELECT 'wt:' || p.workspace_key || ':' || a.card_id, a.week, a.user_key, a.points,
                   a.correct FROM answers a JOIN posts p ON p.id = a.post_id
        ) GROUP BY scope, period, user_key;
    INSERT INTO boards(scope, period, players, qualified)
        SELECT scope, period, COUNT(*), SUM(answered >= 5) FROM scores GROUP BY scope, period;
    """,
    # v5: board sizes kept by triggers inside the score upsert (no Python pass, no extra read
    # per batch); the counts carry on from v4, which kept them in code.
    """
    CREATE TRIGGER boards_count_new_player AFTER INSERT ON scores BEGIN
        INSERT INTO boards(scope, period, players, qualified)
            VALUES (new.scope, new.period, 1, new.answered >= 5)
            ON CONFLICT(scope, period) DO UPDATE SET players = players + 1,
                qualified = qualified + (new.answered >= 5);
    END;
    CREATE TRIGGER boards_count_qualified AFTER UPDATE OF answered ON scores
        WHEN old.answered < 5 AND new.answered >= 5 BEGIN
        UPDATE boards SET qualified = qualified + 1
            WHERE scope = new.scope AND period = new.period;
    END;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(slots=True)  # not frozen: one is built per click, and frozen init is slower
class AnswerWrite:
    """One answer as the core decided it; the writer only stores it (or finds the first)."""

    post_id: int
    user_key: str
    display_name: str
    question_id: str
    card_id: str
    choice: int
    correct: bool
    points: int
    answered_at: str  # ISO-8601 UTC
    day: str  # the answer's local date (YYYY-MM-DD) for streaks
    week: str  # the local Monday (YYYY-MM-DD) of the answer's week
    scopes: tuple[str, ...]  # leaderboard scopes this answer counts in, e.g. ("ws:…", "ch:…")
    kind: str = "ask"  # the post's kind; "daily" answers also move the channel's daily streak

    def answer_row(self) -> tuple[Any, ...]:
        """The ``answers`` row, in INSERT_ANSWER's column order."""
        return (
            self.post_id,
            self.user_key,
            self.question_id,
            self.card_id,
            self.choice,
            int(self.correct),
            self.points,
            self.answered_at,
            self.week,
        )


INSERT_ANSWER = (
    "INSERT INTO answers(post_id, user_key, question_id, card_id, choice, correct, points,"
    " answered_at, week) VALUES (?,?,?,?,?,?,?,?,?)"
)


@dataclass(slots=True)
class AnswerOutcome:
    stored: bool  # False: the user had already answered this post; nothing changed
    choice: int
    correct: bool
    points: int
    total_points: int
    streak: int  # as stored: the run that ended on last_correct_day
    last_correct_day: str | None
    closed: bool = False  # the post's answer window had closed: nothing stored


@dataclass(frozen=True)
class PostRow:
    id: int
    question_id: str
    card_id: str
    workspace_key: str
    channel_key: str
    kind: str
    created_at: str
    message_ref: str | None
    asked_by: str | None = None
    closes_at: str | None = None  # ISO UTC; answers from then on are refused (daily posts)


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


@dataclass(frozen=True)
class GroupRow:
    id: int
    workspace_key: str
    name_key: str
    name: str
    created_by: str
    created_at: str
    members: int = 0
    is_member: bool = False


@dataclass(frozen=True)
class Misconception:
    """The wrong choice a set of users picked most often."""

    question_id: str
    choice: int
    times: int
    users: int


@dataclass(frozen=True)
class ScheduleRow:
    """A channel's daily-question schedule: local wall time + zone name, weekdays 0=Monday."""

    channel_key: str
    platform: str
    workspace_id: str
    channel_id: str
    local_time: str  # HH:MM
    zone: str  # IANA name
    weekdays: str  # digits 0-6, Monday = 0, e.g. "01234"
    topic: str | None
    window_hours: int | None  # None: answers close at the next scheduled post
    active_from: str  # ISO UTC; occurrences before this instant are never due
    set_by: str


@dataclass(frozen=True)
class ClaimRow:
    """One (channel, local date) the daily question was claimed for, and what became of it."""

    id: int
    channel_key: str
    local_date: str
    platform: str
    workspace_id: str
    channel_id: str
    zone: str
    scheduled_at: str
    claimed_at: str
    claimed_by: str
    status: str  # claimed (delivery in flight, or the process died during it) | posted | failed
    post_id: int | None
    message_ref: str | None
    error: str | None
    closes_at: str
    results_status: str | None  # None (window open) | posting | posted | failed
    results_ref: str | None


@dataclass(frozen=True)
class NewClaim:
    channel_key: str
    local_date: str
    platform: str
    workspace_id: str
    channel_id: str
    zone: str
    scheduled_at: str
    claimed_at: str
    claimed_by: str
    closes_at: str
    question_id: str
    card_id: str


@dataclass(frozen=True)
class DailyStreakRow:
    channel_key: str
    user_key: str
    current: int  # as stored: the run that ended with last_post_id
    best: int
    last_post_id: int | None


@dataclass(frozen=True)
class DailyPostAnswers:
    counts: dict[int, int]  # choice index -> how many answered it
    first_right: tuple[str, str, str] | None  # (user_key, display_name, answered_at)


class StorageError(Exception):
    pass


def _run(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    """Run ``fn(sqlite3_connection, *args)`` on the connection's own thread in one step.

    aiosqlite's public API is one await per statement; its ``_execute`` hands a whole function
    to the connection thread, which is what makes a batch cost one hop instead of hundreds.
    """
    return conn._execute(fn, conn._conn, *args)  # noqa: SLF001


def _in_transaction(db: sqlite3.Connection, fn: Callable[..., T], *args: Any) -> T:
    db.execute("BEGIN IMMEDIATE")
    try:
        result = fn(db, *args)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return result


def _chunks(items: Sequence[T], size: int = 500) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def previous_day(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def _apply_answers(db: sqlite3.Connection, batch: list[AnswerWrite]) -> list[AnswerOutcome]:
    """Store a batch of answers in one transaction (runs on the writer thread)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        outcomes = _store_answers(db, batch)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return outcomes


def _store_answers(db: sqlite3.Connection, batch: list[AnswerWrite]) -> list[AnswerOutcome]:
    # The first answer per (post, user) wins, whether the other one is in this batch or stored.
    first: dict[tuple[int, str], AnswerWrite] = {}
    for w in batch:
        first.setdefault((w.post_id, w.user_key), w)
    # The stored close time decides, inside this transaction: a daily window may have closed
    # since the caller looked (an early post by another process, a read that raced it).
    closes = _daily_close_times(db, {w.post_id for w in batch if w.kind == "daily"})
    closed = {
        key
        for key, w in first.items()
        if w.post_id in closes and closes[w.post_id] <= datetime.fromisoformat(w.answered_at)
    }
    stored: dict[tuple[int, str], tuple[int, int, int]] = {}
    by_post: dict[int, list[str]] = {}
    for post_id, user_key in first:
        by_post.setdefault(post_id, []).append(user_key)
    for post_id, users in by_post.items():
        for chunk in _chunks(users):
            marks = ",".join("?" * len(chunk))
            for user_key, choice, correct, points in db.execute(
                "SELECT user_key, choice, correct, points FROM answers"
                f" WHERE post_id = ? AND user_key IN ({marks})",
                (post_id, *chunk),
            ):
                stored[(post_id, user_key)] = (choice, correct, points)
    new = [w for key, w in first.items() if key not in stored and key not in closed]

    # spaced repetition: every new answer reviews its (user, question) FSRS card (first, since
    # whether a right answer scores depends on the card: see _review_cards)
    mastered_delta = _review_cards(db, new)

    db.executemany(INSERT_ANSWER, [w.answer_row() for w in new])

    # users: running totals and the streak of days with a correct answer
    user_keys = list(dict.fromkeys(w.user_key for w in batch))
    users: dict[str, list[Any]] = {}
    for chunk in _chunks(user_keys):
        marks = ",".join("?" * len(chunk))
        for row in db.execute(
            "SELECT user_key, display_name, points, answered, correct, streak, best_streak,"
            f" last_correct_day, mastered FROM users WHERE user_key IN ({marks})",
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
        " points=points+excluded.points, answered=answered+excluded.answered,"
        " correct=correct+excluded.correct",
        [(*k, *v) for k, v in score_delta.items()],
    )
    db.executemany(
        "INSERT INTO user_topics(user_key, card_id, answered, correct, mastered)"
        " VALUES (?,?,?,?,?) ON CONFLICT(user_key, card_id) DO UPDATE SET"
        " answered=answered+excluded.answered, correct=correct+excluded.correct,"
        " mastered=mastered+excluded.mastered",
        [(*k, *v) for k, v in topic_delta.items()],
    )
    _store_daily_streaks(db, [w for w in new if w.kind == "daily"])

    outcomes = []
    for w in batch:
        key = (w.post_id, w.user_key)
        u = users.get(w.user_key)
        total, streak, last = (u[2], u[5], u[7]) if u else (0, 0, None)
        if key in stored:
            choice, correct, points = stored[key]
            outcomes.append(
                AnswerOutcome(False, choice, bool(correct), points, total, streak, last)
            )
        elif key in closed:
            outcomes.append(AnswerOutcome(False, w.choice, False, 0, total, streak, last, True))
        elif first[key] is w:
            outcomes.append(AnswerOutcome(True, w.choice, w.correct, w.points, total, streak, last))
        else:  # a second answer inside this batch: report the first one's
            f = first[key]
            outcomes.append(
                AnswerOutcome(False, f.choice, f.correct, f.points, total, streak, last)
            )
    return outcomes


def _daily_close_times(db: sqlite3.Connection, post_ids: set[int]) -> dict[int, datetime]:
    if not post_ids:
        return {}
    ids = list(post_ids)
    marks = ",".join("?" * len(ids))
    return {
        post_id: datetime.fromisoformat(closes_at)
        for post_id, closes_at in db.execute(
            f"SELECT id, closes_at FROM posts WHERE id IN ({marks}) AND closes_at IS NOT NULL",
            ids,
        )
    }


_SRS_COLUMNS = (
    "question_id, card_id, state, step, stability, difficulty, due, last_review, reps, lapses"
)


def _review_cards(db: sqlite3.Connection, new: list[AnswerWrite]) -> dict[tuple[str, str], int]:
    """Review the FSRS card of each newly stored answer (one read per 500 cards, one write);
    a right answer to a question not yet due again scores no points.

    Returns the change in mastered cards per (user, content card)."""
    if not new:
        return {}
    pairs = list(dict.fromkeys((w.user_key, w.question_id) for w in new))
    cards: dict[tuple[str, str], srs.SrsCard] = {}
    for chunk in _chunks(pairs):
        values = ",".join("(?,?)" for _ in chunk)
        for row in db.execute(
            f"WITH wanted(user_key, question_id) AS (VALUES {values})"
            f" SELECT s.user_key, {', '.join('s.' + c for c in _SRS_COLUMNS.split(', '))}"
            " FROM wanted w JOIN srs_cards s"
            " ON s.user_key = w.user_key AND s.question_id = w.question_id",
            [v for pair in chunk for v in pair],
        ):
            cards[(row[0], row[1])] = srs.from_row(row[1:])
    delta: dict[tuple[str, str], int] = {}
    # answers to the same question in one batch are reviewed in the order they were given
    for w in sorted(new, key=lambda w: datetime.fromisoformat(w.answered_at)):
        key = (w.user_key, w.question_id)
        before = cards.get(key)
        if (
            w.correct
            and w.kind != "daily"
            and before is not None
            and before.due > datetime.fromisoformat(w.answered_at)
        ):
            # Points reward learning, not repetition: a question answered again before it is
            # due for review scores nothing (asking /quiz over and over cannot farm points).
            # The daily question always counts: everyone in the channel gets the same one.
            w.points = 0
        after = srs.review(
            before, w.question_id, w.card_id, w.correct, datetime.fromisoformat(w.answered_at)
        )
        cards[key] = after
        change = int(after.mastered) - int(before.mastered if before else False)
        if change:
            delta[(w.user_key, w.card_id)] = delta.get((w.user_key, w.card_id), 0) + change
    db.executemany(
        f"INSERT OR REPLACE INTO srs_cards(user_key, {_SRS_COLUMNS})"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [srs.to_row(user_key, cards[(user_key, q)]) for user_key, q in pairs],
    )
    return delta


def _store_daily_streaks(db: sqlite3.Connection, writes: list[AnswerWrite]) -> None:
    """Move each answerer's streak in the daily post's channel (part of the answer batch).

    A correct answer continues the run when the user's last correct daily answer in that
    channel was the channel's previous daily post (``daily_claims.prev_post_id``), else starts
    at 1; a wrong answer sets the run to 0. Three statements per batch, whatever its size.
    """
    if not writes:
        return
    claims: dict[int, tuple[str, str, int | None, str]] = {}
    for chunk in _chunks(sorted({w.post_id for w in writes})):
        marks = ",".join("?" * len(chunk))
        for post_id, channel_key, platform, workspace_id, prev_post_id, local_date in db.execute(
            "SELECT post_id, channel_key, platform, workspace_id, prev_post_id, local_date"
            f" FROM daily_claims WHERE post_id IN ({marks})",
            chunk,
        ):
            claims[post_id] = (channel_key, f"{platform}:{workspace_id}", prev_post_id, local_date)
    writes = sorted((w for w in writes if w.post_id in claims), key=lambda w: w.post_id)
    keys = list(dict.fromkeys((claims[w.post_id][0], w.user_key) for w in writes))
    rows: dict[tuple[str, str], list[Any]] = {}
    for chunk in _chunks(keys):
        pairs = ",".join(["(?,?)"] * len(chunk))
        for row in db.execute(
            "SELECT channel_key, user_key, workspace_key, current, best, last_post_id, last_date"
            f" FROM daily_streaks WHERE (channel_key, user_key) IN (VALUES {pairs})",
            [part for key in chunk for part in key],
        ):
            rows[(row[0], row[1])] = list(row)
    for w in writes:
        channel_key, workspace_key, prev_post_id, local_date = claims[w.post_id]
        row = rows.setdefault(
            (channel_key, w.user_key), [channel_key, w.user_key, workspace_key, 0, 0, None, None]
        )
        if row[5] is not None and w.post_id <= row[5]:
            continue  # already counted a later daily post; never move backwards
        if w.correct:
            row[3] = row[3] + 1 if prev_post_id is not None and row[5] == prev_post_id else 1
            row[4] = max(row[4], row[3])
            row[5], row[6] = w.post_id, local_date
        else:
            row[3] = 0
    db.executemany(
        "INSERT INTO daily_streaks(channel_key, user_key, workspace_key, current, best,"
        " last_post_id, last_date) VALUES (?,?,?,?,?,?,?)"
        " ON CONFLICT(channel_key, user_key) DO UPDATE SET current=excluded.current,"
        " best=excluded.best, last_post_id=excluded.last_post_id, last_date=excluded.last_date",
        list(rows.values()),
    )


class AnswerWriter:
    """Group commit: whatever is queued when the writer gets to run goes in one transaction."""

    def __init__(self, conn: aiosqlite.Connection, max_batch: int = 5000) -> None:
        self._conn = conn
        self._max_batch = max_batch
        self._pending: list[tuple[AnswerWrite, asyncio.Future[AnswerOutcome]]] = []
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._loop(), name="quizbot-answer-writer")
        self.batches = 0  # for benchmarks: how many transactions carried answers

    async def submit(self, write: AnswerWrite) -> AnswerOutcome:
        if self._task.done():
            raise StorageError("the answer writer is stopped")
        future: asyncio.Future[AnswerOutcome] = asyncio.get_running_loop().create_future()
        self._pending.append((write, future))
        self._wake.set()
        # A caller that gives up (cancelled) only cancels its future: the queued answer is
        # still stored, and the writer skips resolving a future that is already done.
        return await future

    async def _loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                try:
                    outcomes = await _run(self._conn, _apply_answers, [w for w, _ in batch])
                except Exception as exc:  # every answer of a failed batch hears the error
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(StorageError(f"answer not stored: {exc}"))
                    continue
                self.batches += 1
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if not future.done():
                        future.set_result(outcome)

    async def close(self) -> None:
        # let queued answers land before stopping
        while self._pending:
            self._wake.set()
            await asyncio.sleep(0)
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass


def _migrate(db: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> int:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"database schema version {version} is newer than this quizbot ({SCHEMA_VERSION})"
        )
    for number in range(version + 1, upto + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[number - 1]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return max(version, upto)


def _statements(script: str) -> list[str]:
    # executescript would COMMIT on its own; split so each migration is one transaction
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    if current.strip():
        out.append(current.strip())
    return out


def open_sync(path: Path | str, upto: int = SCHEMA_VERSION) -> sqlite3.Connection:
    """A plain sqlite3 connection with quizbot's settings, migrated to ``upto`` (tests, tools)."""
    db = sqlite3.connect(path, isolation_level=None)
    _configure(db)
    _migrate(db, upto)
    return db


def _configure(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL: a commit survives the process being killed (the test kills it); only an
    # OS crash or power loss can lose the last commits. FULL costs an fsync per batch.
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=5000")


class Storage:
    """Async access to quizbot's SQLite file. Create with ``await Storage.open(path)``."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._w = writer
        self._r = reader
        self.answers = AnswerWriter(writer)

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            writer = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open database {path}: {exc}") from exc
        try:
            await _run(writer, _configure)
            await _run(writer, _migrate)
            reader = await aiosqlite.connect(path, isolation_level=None)
            await _run(reader, _configure)
            await reader.execute("PRAGMA query_only=ON")
        except (sqlite3.Error, StorageError) as exc:
            await writer.close()
            raise StorageError(f"cannot open database {path}: {exc}") from exc
        return cls(path, writer, reader)

    async def close(self) -> None:
        await self.answers.close()
        await self._r.close()
        await self._w.close()

    # -- generic one-step access for feature modules (schedule, groups, spaced repetition) ---

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, *args)`` in one write transaction on the writer thread."""
        return await _run(self._w, _in_transaction, fn, *args)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, *args)`` on the read connection (a consistent snapshot)."""
        return await _run(self._r, _read_snapshot, fn, *args)

    async def schema_version(self) -> int:
        return await self.read(lambda db: db.execute("PRAGMA user_version").fetchone()[0])

    # -- posts -----------------------------------------------------------------------------

    async def create_post(
        self,
        question_id: str,
        card_id: str,
        workspace_key: str,
        channel_key: str,
        created_at: str,
        kind: str = "ask",
        asked_by: str | None = None,
    ) -> int:
        def insert(db: sqlite3.Connection) -> int:
            cur = db.execute(
                "INSERT INTO posts(question_id, card_id, workspace_key, channel_key, kind,"
                " asked_by, created_at) VALUES (?,?,?,?,?,?,?)",
                (question_id, card_id, workspace_key, channel_key, kind, asked_by, created_at),
            )
            return int(cur.lastrowid or 0)

        return await self.write(insert)

    async def set_message_ref(self, post_id: int, message_ref: str) -> None:
        await self.write(
            lambda db: db.execute(
                "UPDATE posts SET message_ref = ? WHERE id = ?", (message_ref, post_id)
            )
        )

    async def get_post(self, post_id: int) -> PostRow | None:
        def fetch(db: sqlite3.Connection) -> PostRow | None:
            row = db.execute(
                "SELECT id, question_id, card_id, workspace_key, channel_key, kind, created_at,"
                " message_ref, asked_by, closes_at FROM posts WHERE id = ?",
                (post_id,),
            ).fetchone()
            return PostRow(*row) if row else None

        return await self.read(fetch)

    # -- answers ---------------------------------------------------------------------------

    async def record_answer(self, write: AnswerWrite) -> AnswerOutcome:
        return await self.answers.submit(write)

    async def answered_questions(self, user_key: str) -> dict[str, int]:
        """question id -> how many times this user answered it."""

        def fetch(db: sqlite3.Connection) -> dict[str, int]:
            return dict(
                db.execute(
                    "SELECT question_id, COUNT(*) FROM answers WHERE user_key = ?"
                    " GROUP BY question_id",
                    (user_key,),
                ).fetchall()
            )

        return await self.read(fetch)

    # -- users and leaderboards --------------------------------------------------------------

    async def get_user(self, user_key: str) -> UserRow | None:
        return await self.read(_fetch_user, user_key)

    async def user_topics(self, user_key: str) -> list[tuple[str, int, int]]:
        def fetch(db: sqlite3.Connection) -> list[tuple[str, int, int]]:
            return db.execute(
                "SELECT card_id, answered, correct FROM user_topics WHERE user_key = ?",
                (user_key,),
            ).fetchall()

        return await self.read(fetch)

    async def leaderboard(
        self,
        scope: str,
        period: str,
        user_key: str | None,
        limit: int = 10,
        sort: str = "points",
        alive_since: str = "",
        topic: str | None = None,
    ) -> tuple[list[ScoreRow], ScoreRow | None, int]:
        """Top ``limit`` of a scope and period, the requester's row, and how many players the
        board has. Ties share a rank (1, 2, 2, 4).

        ``sort``: points | accuracy (only rows with MIN_ANSWERS_FOR_ACCURACY answers rank; the
        requester below it comes back with rank 0) | streak (current streaks: last correct day
        on or after ``alive_since``) | mastered (of ``topic``'s questions when given). For
        streak and mastered only players above 0 are listed; the requester at 0 gets the rank
        after them."""
        return await self.read(
            _leaderboard, scope, period, user_key, limit, sort, alive_since, topic
        )

    async def group_leaderboard(
        self,
        group_id: int,
        scope: str,
        period: str,
        user_key: str | None,
        limit: int = 10,
        sort: str = "points",
        alive_since: str = "",
        topic: str | None = None,
    ) -> tuple[list[ScoreRow], ScoreRow | None, int]:
        """Like ``leaderboard`` over a study group's members only. Served from the
        workspace's rows (``scope`` is "ws:…" or "wt:…"): members join scores by primary key,
        so a group needs no score rows of its own."""
        return await self.read(
            _group_leaderboard, group_id, scope, period, user_key, limit, sort, alive_since, topic
        )

    # -- workspace settings -----------------------------------------------------------------

    async def workspace_zones(self) -> dict[str, str]:
        """workspace key -> IANA time zone name, for every workspace that set one."""
        return await self.read(
            lambda db: dict(db.execute("SELECT workspace_key, time_zone FROM workspace_settings"))
        )

    async def set_workspace_zone(self, workspace_key: str, zone: str) -> None:
        await self.write(
            lambda db: db.execute(
                "INSERT INTO workspace_settings(workspace_key, time_zone) VALUES (?, ?)"
                " ON CONFLICT(workspace_key) DO UPDATE SET time_zone = excluded.time_zone",
                (workspace_key, zone),
            )
        )

    # -- study groups -----------------------------------------------------------------------

    async def create_group(
        self, workspace_key: str, name_key: str, name: str, created_by: str, created_at: str
    ) -> GroupRow | None:
        """The new group, or ``None`` when the workspace already has one with ``name_key``."""

        def insert(db: sqlite3.Connection) -> GroupRow | None:
            cur = db.execute(
                "INSERT INTO study_groups(workspace_key, name_key, name, created_by, created_at)"
                " VALUES (?,?,?,?,?) ON CONFLICT(workspace_key, name_key) DO NOTHING",
                (workspace_key, name_key, name, created_by, created_at),
            )
            if cur.rowcount == 0:
                return None
            return GroupRow(
                int(cur.lastrowid or 0), workspace_key, name_key, name, created_by, created_at
            )

        return await self.write(insert)

    async def find_group(self, workspace_key: str, name_key: str) -> GroupRow | None:
        def fetch(db: sqlite3.Connection) -> GroupRow | None:
            row = db.execute(
                f"SELECT {_GROUP_COLUMNS}, 0 FROM study_groups g"
                " WHERE g.workspace_key = ? AND g.name_key = ?",
                (workspace_key, name_key),
            ).fetchone()
            return GroupRow(*row) if row else None

        return await self.read(fetch)

    async def list_groups(self, workspace_key: str, user_key: str | None = None) -> list[GroupRow]:
        """The workspace's groups by name, with member counts and whether ``user_key`` is in."""

        def fetch(db: sqlite3.Connection) -> list[GroupRow]:
            return [
                GroupRow(*row[:-1], is_member=bool(row[-1]))
                for row in db.execute(
                    f"SELECT {_GROUP_COLUMNS}, EXISTS(SELECT 1 FROM group_members m"
                    "  WHERE m.group_id = g.id AND m.user_key = ?)"
                    " FROM study_groups g WHERE g.workspace_key = ? ORDER BY g.name_key",
                    (user_key, workspace_key),
                )
            ]

        return await self.read(fetch)

    async def join_group(
        self, group_id: int, user_key: str, display_name: str, joined_at: str
    ) -> bool:
        """True when the user joined, False when already a member (the name is refreshed)."""

        def insert(db: sqlite3.Connection) -> bool:
            cur = db.execute(
                "INSERT INTO group_members(group_id, user_key, display_name, joined_at)"
                " VALUES (?,?,?,?) ON CONFLICT(group_id, user_key) DO NOTHING",
                (group_id, user_key, display_name, joined_at),
            )
            if cur.rowcount:
                return True
            db.execute(
                "UPDATE group_members SET display_name = ? WHERE group_id = ? AND user_key = ?",
                (display_name, group_id, user_key),
            )
            return False

        return await self.write(insert)

    async def leave_group(self, group_id: int, user_key: str) -> bool:
        """True when the user was a member."""
        return await self.write(
            lambda db: (
                db.execute(
                    "DELETE FROM group_members WHERE group_id = ? AND user_key = ?",
                    (group_id, user_key),
                ).rowcount
                > 0
            )
        )

    async def group_members(self, group_id: int) -> list[tuple[str, str]]:
        """(user_key, display name) of every member, by name."""
        return await self.read(
            lambda db: db.execute(
                "SELECT m.user_key, COALESCE(u.display_name, m.display_name) AS name"
                " FROM group_members m LEFT JOIN users u ON u.user_key = m.user_key"
                " WHERE m.group_id = ? ORDER BY lower(name), m.user_key",
                (group_id,),
            ).fetchall()
        )

    async def group_totals(
        self, group_id: int, scopes: Sequence[str], period: str
    ) -> dict[str, tuple[int, int]]:
        """scope -> (answered, correct) summed over the group's members, for each scope."""

        def fetch(db: sqlite3.Connection) -> dict[str, tuple[int, int]]:
            out: dict[str, tuple[int, int]] = {}
            for scope in scopes:
                answered, correct = db.execute(
                    "SELECT COALESCE(SUM(s.answered), 0), COALESCE(SUM(s.correct), 0)"
                    " FROM group_members m JOIN scores s"
                    " ON s.scope = ? AND s.period = ? AND s.user_key = m.user_key"
                    " WHERE m.group_id = ?",
                    (scope, period, group_id),
                ).fetchone()
                out[scope] = (answered, correct)
            return out

        return await self.read(fetch)

    async def group_misconception(
        self, group_id: int, workspace_key: str, since: str | None = None
    ) -> Misconception | None:
        """The wrong choice the group's members picked most often in this workspace (since
        ``since``, ISO UTC, when given); ties go to more distinct users, then the question."""

        def fetch(db: sqlite3.Connection) -> Misconception | None:
            row = db.execute(
                "SELECT a.question_id, a.choice, COUNT(*) AS times,"
                " COUNT(DISTINCT a.user_key) AS people"
                " FROM group_members m"
                " JOIN answers a ON a.user_key = m.user_key AND a.correct = 0"
                " JOIN posts p ON p.id = a.post_id"
                " WHERE m.group_id = ? AND p.workspace_key = ? AND a.answered_at >= ?"
                " GROUP BY a.question_id, a.choice"
                " ORDER BY times DESC, people DESC, a.question_id, a.choice LIMIT 1",
                (group_id, workspace_key, since or ""),
            ).fetchone()
            return Misconception(*row) if row else None

        return await self.read(fetch)

    # -- spaced repetition --------------------------------------------------------------------

    async def srs_cards(self, user_key: str) -> list[srs.SrsCard]:
        """Every FSRS card of a user (one per question answered at least once)."""
        return await self.read(
            lambda db: [
                srs.from_row(row)
                for row in db.execute(
                    f"SELECT {_SRS_COLUMNS} FROM srs_cards WHERE user_key = ?", (user_key,)
                )
            ]
        )

    async def create_posts(
        self,
        questions: Sequence[tuple[str, str]],
        workspace_key: str,
        channel_key: str,
        created_at: str,
        kind: str,
        asked_by: str | None,
    ) -> list[int]:
        """Several posts (question id, card id) in one transaction; their ids in order."""

        def insert(db: sqlite3.Connection) -> list[int]:
            ids = []
            for question_id, card_id in questions:
                cur = db.execute(
                    "INSERT INTO posts(question_id, card_id, workspace_key, channel_key, kind,"
                    " asked_by, created_at) VALUES (?,?,?,?,?,?,?)",
                    (question_id, card_id, workspace_key, channel_key, kind, asked_by, created_at),
                )
                ids.append(int(cur.lastrowid or 0))
            return ids

        return await self.write(insert)

    # -- daily question ----------------------------------------------------------------------

    async def daily_set_schedule(self, row: ScheduleRow) -> None:
        await self.write(_daily_set_schedule, row)

    async def daily_delete_schedule(self, channel_key: str) -> bool:
        return await self.write(
            lambda db: (
                db.execute(
                    "DELETE FROM daily_schedules WHERE channel_key = ?", (channel_key,)
                ).rowcount
                > 0
            )
        )

    async def daily_schedule(self, channel_key: str) -> ScheduleRow | None:
        def fetch(db: sqlite3.Connection) -> ScheduleRow | None:
            row = db.execute(
                f"SELECT {_SCHEDULE_COLUMNS} FROM daily_schedules WHERE channel_key = ?",
                (channel_key,),
            ).fetchone()
            return ScheduleRow(*row) if row else None

        return await self.read(fetch)

    async def daily_schedules(self, platform: str) -> list[ScheduleRow]:
        def fetch(db: sqlite3.Connection) -> list[ScheduleRow]:
            return [
                ScheduleRow(*row)
                for row in db.execute(
                    f"SELECT {_SCHEDULE_COLUMNS} FROM daily_schedules WHERE platform = ?"
                    " ORDER BY channel_key",
                    (platform,),
                )
            ]

        return await self.read(fetch)

    async def daily_claim(self, channel_key: str, local_date: str) -> ClaimRow | None:
        return await self.read(
            _fetch_claim, "channel_key = ? AND local_date = ?", (channel_key, local_date)
        )

    async def daily_claim_for_post(self, post_id: int) -> ClaimRow | None:
        return await self.read(_fetch_claim, "post_id = ?", (post_id,))

    async def daily_last_claim(self, channel_key: str) -> ClaimRow | None:
        return await self.read(
            _fetch_claim, "channel_key = ? ORDER BY local_date DESC LIMIT 1", (channel_key,)
        )

    async def daily_claim_and_post(self, claim: NewClaim) -> tuple[int, int] | None:
        """Claim (channel, local date) and create its post in one transaction; ``None`` when
        the day was already claimed (by this or another process): then nothing changed."""
        return await self.write(_daily_claim_and_post, claim)

    async def daily_mark_posted(self, claim_id: int, post_id: int, message_ref: str) -> None:
        def mark(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE daily_claims SET status = 'posted', message_ref = ? WHERE id = ?",
                (message_ref, claim_id),
            )
            db.execute("UPDATE posts SET message_ref = ? WHERE id = ?", (message_ref, post_id))

        await self.write(mark)

    async def daily_release_failed_claim(self, channel_key: str, local_date: str) -> None:
        """Forget a day whose post the platform refused, so it can be claimed again."""
        await self.write(
            lambda db: db.execute(
                "DELETE FROM daily_claims WHERE channel_key = ? AND local_date = ?"
                " AND status = 'failed'",
                (channel_key, local_date),
            )
        )

    async def daily_mark_failed(self, claim_id: int, post_id: int, error: str, now: str) -> None:
        """The platform refused the post: the day stays claimed (never retried), the post takes
        no answers, and no results are posted for it."""

        def mark(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE daily_claims SET status = 'failed', error = ?, results_status = 'skipped'"
                " WHERE id = ?",
                (error[:500], claim_id),
            )
            db.execute("UPDATE posts SET closes_at = ? WHERE id = ?", (now, post_id))

        await self.write(mark)

    async def daily_due_results(self, platform: str, now: str) -> list[ClaimRow]:
        """Posted daily questions of ``platform`` whose answer window has ended, results not
        yet taken by any process."""

        def fetch(db: sqlite3.Connection) -> list[ClaimRow]:
            return [
                ClaimRow(*row)
                for row in db.execute(
                    f"SELECT {_CLAIM_COLUMNS} FROM daily_claims WHERE platform = ?"
                    " AND results_status IS NULL AND status = 'posted' AND closes_at <= ?"
                    " ORDER BY closes_at, id",
                    (platform, now),
                )
            ]

        return await self.read(fetch)

    async def daily_next_closing(self, platform: str, after: str) -> str | None:
        """The earliest window end after ``after`` among open daily posts of ``platform``."""

        def fetch(db: sqlite3.Connection) -> str | None:
            return db.execute(
                "SELECT MIN(closes_at) FROM daily_claims WHERE platform = ?"
                " AND results_status IS NULL AND status = 'posted' AND closes_at > ?",
                (platform, after),
            ).fetchone()[0]

        return await self.read(fetch)

    async def daily_take_results(self, claim_id: int) -> bool:
        """Take the job of posting a claim's results; False when another process has it."""
        return await self.write(
            lambda db: (
                db.execute(
                    "UPDATE daily_claims SET results_status = 'posting'"
                    " WHERE id = ? AND results_status IS NULL",
                    (claim_id,),
                ).rowcount
                == 1
            )
        )

    async def daily_mark_results(
        self, claim_id: int, status: str, ref: str | None = None, error: str | None = None
    ) -> None:
        await self.write(
            lambda db: db.execute(
                "UPDATE daily_claims SET results_status = ?, results_ref = ?, results_error = ?"
                " WHERE id = ?",
                (status, ref, error[:500] if error else None, claim_id),
            )
        )

    async def daily_history(
        self, channel_key: str
    ) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
        """How often each question was the channel's daily question (failed posts do not
        count), and the channel's (answered, correct) per card over all its posts."""
        return await self.read(_daily_history, channel_key)

    async def daily_answers(self, post_id: int) -> DailyPostAnswers:
        return await self.read(_daily_answers, post_id)

    async def daily_streaks(
        self, user_keys: Sequence[str], channel_key: str | None, workspace_key: str | None
    ) -> tuple[list[DailyStreakRow], dict[str, list[tuple[int, str]]]]:
        """Stored daily streaks of ``user_keys`` in one channel or across a workspace, and per
        channel its last two posted daily posts (post id, closes_at), newest first."""
        return await self.read(_daily_streaks, list(user_keys), channel_key, workspace_key)


_GROUP_COLUMNS = (
    "g.id, g.workspace_key, g.name_key, g.name, g.created_by, g.created_at,"
    " (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id)"
)


def _read_snapshot(db: sqlite3.Connection, fn: Callable[..., T], *args: Any) -> T:
    db.execute("BEGIN")
    try:
        return fn(db, *args)
    finally:
        db.execute("COMMIT")


def _fetch_user(db: sqlite3.Connection, user_key: str) -> UserRow | None:
    row = db.execute(
        "SELECT user_key, display_name, points, answered, correct, streak, best_streak,"
        " last_correct_day FROM users WHERE user_key = ?",
        (user_key,),
    ).fetchone()
    return UserRow(*row) if row else None


# An accuracy board ranks only players with at least this many answers in the scope and
# period, so one lucky answer does not top it. The migration's partial index
# ``scores_by_accuracy`` is built with the same number: change both together.
MIN_ANSWERS_FOR_ACCURACY = 5
_ACCURACY = "(s.correct * 1.0 / s.answered)"
SORTS = ("points", "accuracy", "streak", "mastered")


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


def _leaderboard(
    db: sqlite3.Connection,
    scope: str,
    period: str,
    user_key: str | None,
    limit: int,
    sort: str = "points",
    alive_since: str = "",
    topic: str | None = None,
    group_id: int | None = None,
) -> tuple[list[ScoreRow], ScoreRow | None, int]:
    """Top ``limit``, the requester's row and the board's size, in three indexed queries.

    Workspace/channel/topic boards walk an index in board order (scores_by_points,
    scores_by_accuracy, users_by_streak, users_by_mastered, user_topics_by_mastered) and stop
    after ``limit`` rows; the requester's rank is 1 + a count over the same index. A group
    board starts from the group's members (group_members primary key) and looks each one up
    in the workspace's rows by primary key, so it costs O(members), not O(workspace)."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
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
        listed_if, order = "1", "s.points DESC, s.user_key"
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
        counted = f"s.answered >= {MIN_ANSWERS_FOR_ACCURACY}" if sort == "accuracy" else "1"
        total, above = db.execute(
            f"SELECT COALESCE(SUM({counted}), 0),"
            f" COALESCE(SUM(({listed_if}) AND {value} > ?), 0) FROM {scored} WHERE {where}",
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


def _group_leaderboard(
    db: sqlite3.Connection,
    group_id: int,
    scope: str,
    period: str,
    user_key: str | None,
    limit: int,
    sort: str = "points",
    alive_since: str = "",
    topic: str | None = None,
) -> tuple[list[ScoreRow], ScoreRow | None, int]:
    return _leaderboard(db, scope, period, user_key, limit, sort, alive_since, topic, group_id)


# -- daily question ------------------------------------------------------------------------

_SCHEDULE_COLUMNS = (
    "channel_key, platform, workspace_id, channel_id, local_time, zone, weekdays, topic,"
    " window_hours, active_from, set_by"
)
_CLAIM_COLUMNS = (
    "id, channel_key, local_date, platform, workspace_id, channel_id, zone, scheduled_at,"
    " claimed_at, claimed_by, status, post_id, message_ref, error, closes_at, results_status,"
    " results_ref"
)


def _daily_set_schedule(db: sqlite3.Connection, row: ScheduleRow) -> None:
    db.execute(
        f"INSERT OR REPLACE INTO daily_schedules({_SCHEDULE_COLUMNS})"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            row.channel_key,
            row.platform,
            row.workspace_id,
            row.channel_id,
            row.local_time,
            row.zone,
            row.weekdays,
            row.topic,
            row.window_hours,
            row.active_from,
            row.set_by,
        ),
    )


def _fetch_claim(db: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> ClaimRow | None:
    row = db.execute(f"SELECT {_CLAIM_COLUMNS} FROM daily_claims WHERE {where}", args).fetchone()
    return ClaimRow(*row) if row else None


def _daily_claim_and_post(db: sqlite3.Connection, c: NewClaim) -> tuple[int, int] | None:
    try:
        cur = db.execute(
            "INSERT INTO daily_claims(channel_key, local_date, platform, workspace_id,"
            " channel_id, zone, scheduled_at, claimed_at, claimed_by, closes_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                c.channel_key,
                c.local_date,
                c.platform,
                c.workspace_id,
                c.channel_id,
                c.zone,
                c.scheduled_at,
                c.claimed_at,
                c.claimed_by,
                c.closes_at,
            ),
        )
    except sqlite3.IntegrityError:  # UNIQUE(channel_key, local_date): the day is taken
        return None
    claim_id = int(cur.lastrowid or 0)
    prev = db.execute(
        "SELECT post_id FROM daily_claims WHERE channel_key = ? AND status = 'posted'"
        " AND local_date < ? ORDER BY local_date DESC LIMIT 1",
        (c.channel_key, c.local_date),
    ).fetchone()
    post = db.execute(
        "INSERT INTO posts(question_id, card_id, workspace_key, channel_key, kind, asked_by,"
        " created_at, closes_at) VALUES (?,?,?,?,'daily',NULL,?,?)",
        (
            c.question_id,
            c.card_id,
            f"{c.platform}:{c.workspace_id}",
            c.channel_key,
            c.claimed_at,
            c.closes_at,
        ),
    )
    post_id = int(post.lastrowid or 0)
    db.execute(
        "UPDATE daily_claims SET post_id = ?, prev_post_id = ? WHERE id = ?",
        (post_id, prev[0] if prev else None, claim_id),
    )
    # A window closes at the next post: when that comes early (/quiz daily now), earlier
    # daily questions of the channel close now, so their results follow and streaks stay in
    # post order.
    db.execute(
        "UPDATE posts SET closes_at = ? WHERE channel_key = ? AND kind = 'daily' AND id != ?"
        " AND closes_at > ?",
        (c.claimed_at, c.channel_key, post_id, c.claimed_at),
    )
    db.execute(
        "UPDATE daily_claims SET closes_at = ? WHERE channel_key = ? AND id != ? AND closes_at > ?",
        (c.claimed_at, c.channel_key, claim_id, c.claimed_at),
    )
    return claim_id, post_id


def _daily_history(
    db: sqlite3.Connection, channel_key: str
) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    asked = dict(
        db.execute(
            "SELECT p.question_id, COUNT(*) FROM daily_claims c JOIN posts p ON p.id = c.post_id"
            " WHERE c.channel_key = ? AND c.status != 'failed' GROUP BY p.question_id",
            (channel_key,),
        ).fetchall()
    )
    accuracy = {
        card_id: (answered, correct)
        for card_id, answered, correct in db.execute(
            "SELECT a.card_id, COUNT(*), SUM(a.correct) FROM posts p"
            " JOIN answers a ON a.post_id = p.id WHERE p.channel_key = ? GROUP BY a.card_id",
            (channel_key,),
        )
    }
    return asked, accuracy


def _daily_answers(db: sqlite3.Connection, post_id: int) -> DailyPostAnswers:
    counts = dict(
        db.execute(
            "SELECT choice, COUNT(*) FROM answers WHERE post_id = ? GROUP BY choice", (post_id,)
        ).fetchall()
    )
    first = db.execute(
        "SELECT a.user_key, COALESCE(u.display_name, a.user_key), a.answered_at FROM answers a"
        " LEFT JOIN users u ON u.user_key = a.user_key WHERE a.post_id = ? AND a.correct = 1"
        " ORDER BY a.answered_at, a.user_key LIMIT 1",
        (post_id,),
    ).fetchone()
    return DailyPostAnswers(counts, tuple(first) if first else None)


def _daily_streaks(
    db: sqlite3.Connection,
    user_keys: list[str],
    channel_key: str | None,
    workspace_key: str | None,
) -> tuple[list[DailyStreakRow], dict[str, list[tuple[int, str]]]]:
    rows: list[DailyStreakRow] = []
    column, value = "channel_key", channel_key
    if channel_key is None:
        column, value = "workspace_key", workspace_key
    for chunk in _chunks(user_keys):
        marks = ",".join("?" * len(chunk))
        rows += [
            DailyStreakRow(*row)
            for row in db.execute(
                "SELECT channel_key, user_key, current, best, last_post_id FROM daily_streaks"
                f" WHERE {column} = ? AND user_key IN ({marks})",
                (value, *chunk),
            )
        ]
    latest = {
        key: db.execute(
            "SELECT post_id, closes_at FROM daily_claims WHERE channel_key = ?"
            " AND status = 'posted' ORDER BY local_date DESC LIMIT 2",
            (key,),
        ).fetchall()
        for key in {r.channel_key for r in rows}
    }
    return rows, latest

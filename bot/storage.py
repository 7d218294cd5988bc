"""The one module that owns SQL.

Design (see README "Storage"):
- One aiosqlite connection writes, one reads; WAL lets reads run while a write commits, so
  leaderboards and question picks never queue behind the writer.
- Every write is a single function run on the writer's thread (BEGIN IMMEDIATE ... COMMIT in
  one step), so writes never interleave.
- Answers are group-committed: they queue, and the writer commits everything queued in one
  transaction, then resolves each answer. A caller hears its result only after that commit.
- Scores are materialized as answers are written (``users``, ``scores``, ``user_topics``);
  leaderboards read those, never aggregate ``answers``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

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


@dataclass(slots=True)
class AnswerOutcome:
    stored: bool  # False: the user had already answered this post; nothing changed
    choice: int
    correct: bool
    points: int
    total_points: int
    streak: int  # as stored: the run that ended on last_correct_day
    last_correct_day: str | None


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
    new = [w for key, w in first.items() if key not in stored]

    db.executemany(
        "INSERT INTO answers(post_id, user_key, question_id, card_id, choice, correct, points,"
        " answered_at, week) VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (
                w.post_id,
                w.user_key,
                w.question_id,
                w.card_id,
                w.choice,
                int(w.correct),
                w.points,
                w.answered_at,
                w.week,
            )
            for w in new
        ],
    )

    # users: running totals and the streak of days with a correct answer
    user_keys = list(dict.fromkeys(w.user_key for w in batch))
    users: dict[str, list[Any]] = {}
    for chunk in _chunks(user_keys):
        marks = ",".join("?" * len(chunk))
        for row in db.execute(
            "SELECT user_key, display_name, points, answered, correct, streak, best_streak,"
            f" last_correct_day FROM users WHERE user_key IN ({marks})",
            chunk,
        ):
            users[row[0]] = list(row)
    for w in new:
        u = users.get(w.user_key)
        if u is None:
            u = users[w.user_key] = [w.user_key, w.display_name, 0, 0, 0, 0, 0, None]
        u[1] = w.display_name
        u[2] += w.points
        u[3] += 1
        if w.correct:
            u[4] += 1
            last = u[7]
            if last != w.day:
                u[5] = u[5] + 1 if last == previous_day(w.day) else 1
                u[6] = max(u[6], u[5])
                u[7] = w.day
    changed = {w.user_key for w in new}
    db.executemany(
        "INSERT INTO users(user_key, display_name, points, answered, correct, streak,"
        " best_streak, last_correct_day) VALUES (?,?,?,?,?,?,?,?)"
        " ON CONFLICT(user_key) DO UPDATE SET display_name=excluded.display_name,"
        " points=excluded.points, answered=excluded.answered, correct=excluded.correct,"
        " streak=excluded.streak, best_streak=excluded.best_streak,"
        " last_correct_day=excluded.last_correct_day",
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
        t = topic_delta.setdefault((w.user_key, w.card_id), [0, 0])
        t[0] += 1
        t[1] += int(w.correct)
    db.executemany(
        "INSERT INTO scores(scope, period, user_key, points, answered, correct)"
        " VALUES (?,?,?,?,?,?) ON CONFLICT(scope, period, user_key) DO UPDATE SET"
        " points=points+excluded.points, answered=answered+excluded.answered,"
        " correct=correct+excluded.correct",
        [(*k, *v) for k, v in score_delta.items()],
    )
    db.executemany(
        "INSERT INTO user_topics(user_key, card_id, answered, correct) VALUES (?,?,?,?)"
        " ON CONFLICT(user_key, card_id) DO UPDATE SET answered=answered+excluded.answered,"
        " correct=correct+excluded.correct",
        [(*k, *v) for k, v in topic_delta.items()],
    )

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
        elif first[key] is w:
            outcomes.append(AnswerOutcome(True, w.choice, w.correct, w.points, total, streak, last))
        else:  # a second answer inside this batch: report the first one's
            f = first[key]
            outcomes.append(
                AnswerOutcome(False, f.choice, f.correct, f.points, total, streak, last)
            )
    return outcomes


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
                " message_ref FROM posts WHERE id = ?",
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
        self, scope: str, period: str, user_key: str | None, limit: int = 10
    ) -> tuple[list[ScoreRow], ScoreRow | None, int]:
        """Top ``limit`` of a scope and period by points, the requester's row, and how many
        players the board has. Ties share a rank (1, 2, 2, 4)."""
        return await self.read(_leaderboard, scope, period, user_key, limit)


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


_BOARD_COLUMNS = (
    "s.user_key, u.display_name, s.points, s.answered, s.correct, u.streak, u.best_streak,"
    " u.last_correct_day"
)


def _leaderboard(
    db: sqlite3.Connection, scope: str, period: str, user_key: str | None, limit: int
) -> tuple[list[ScoreRow], ScoreRow | None, int]:
    top = db.execute(
        f"SELECT {_BOARD_COLUMNS} FROM scores s JOIN users u ON u.user_key = s.user_key"
        " WHERE s.scope = ? AND s.period = ? ORDER BY s.points DESC, s.user_key LIMIT ?",
        (scope, period, limit),
    ).fetchall()
    rows: list[ScoreRow] = []
    for i, r in enumerate(top):
        rank = rows[-1].rank if rows and rows[-1].points == r[2] else i + 1
        rows.append(ScoreRow(rank, *r))
    me = next((r for r in rows if r.user_key == user_key), None)
    if me is None and user_key is not None:
        mine = db.execute(
            f"SELECT {_BOARD_COLUMNS} FROM scores s JOIN users u ON u.user_key = s.user_key"
            " WHERE s.scope = ? AND s.period = ? AND s.user_key = ?",
            (scope, period, user_key),
        ).fetchone()
        if mine is not None:
            (above,) = db.execute(
                "SELECT COUNT(*) FROM scores WHERE scope = ? AND period = ? AND points > ?",
                (scope, period, mine[2]),
            ).fetchone()
            me = ScoreRow(above + 1, *mine)
    (total,) = db.execute(
        "SELECT COUNT(*) FROM scores WHERE scope = ? AND period = ?", (scope, period)
    ).fetchone()
    return rows, me, total

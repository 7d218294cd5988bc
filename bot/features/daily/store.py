"""The daily question's SQL: schedules, claims (one per channel and local date), answer
windows, results and per-channel streaks (its answer-batch steps are in ``steps.py``).

Functions take the ``Connection`` they run on (``Database.read``/``write``): SQLite's or
PostgreSQL's."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.features.answers import PostKind
from bot.kernel.db import Connection, chunks, marks

# the daily question: answers close with its window, and a right one scores even when the
# question is not yet due for the user's review (the whole channel gets the same one)
DAILY_POST = PostKind.define("daily", scores_before_due=True)


class ClaimStatus(StrEnum):
    CLAIMED = "claimed"  # delivery in flight, or the process died during it
    POSTED = "posted"
    FAILED = "failed"  # the platform refused it; never retried by the scheduler


class ResultsStatus(StrEnum):
    POSTING = "posting"  # a process took the job
    POSTED = "posted"
    FAILED = "failed"
    SKIPPED = "skipped"  # nothing to show (the post failed, or its question left the content)


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
    status: ClaimStatus
    post_id: int | None
    message_ref: str | None
    error: str | None
    closes_at: str
    results_status: ResultsStatus | None  # None: the window is open
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
    topic_id: str  # the posts.card_id column


@dataclass(frozen=True)
class RecentPost:
    """One of a channel's latest daily posts, for reading a streak as current or not."""

    post_id: int
    closes_at: str


@dataclass(frozen=True)
class DailyHistory:
    """How often each question was the channel's daily question (failed posts do not count),
    and the channel's (answered, correct) per content card over all its posts."""

    asked: dict[str, int]
    accuracy: dict[str, tuple[int, int]]


@dataclass(frozen=True)
class DailyStreakRow:
    channel_key: str
    user_key: str
    current: int  # as stored: the run that ended with last_post_id
    best: int
    last_post_id: int | None


@dataclass(frozen=True)
class FirstRight:
    """Who answered a daily question right first."""

    user_key: str
    display_name: str
    answered_at: str


@dataclass(frozen=True)
class DailyPostAnswers:
    counts: dict[int, int]  # choice index -> how many answered it (typed answers: -1)
    first_right: FirstRight | None
    right: int = 0  # how many answered right (choice or typed)


_SCHEDULE_COLUMNS = (
    "channel_key, platform, workspace_id, channel_id, local_time, zone, weekdays, topic,"
    " window_hours, active_from, set_by"
)
_SCHEDULE_UPDATE = ", ".join(
    f"{c}=excluded.{c}" for c in _SCHEDULE_COLUMNS.replace(" ", "").split(",")[1:]
)
_CLAIM_COLUMNS = (
    "id, channel_key, local_date, platform, workspace_id, channel_id, zone, scheduled_at,"
    " claimed_at, claimed_by, status, post_id, message_ref, error, closes_at, results_status,"
    " results_ref"
)


def _claim(row: tuple[Any, ...]) -> ClaimRow:
    values = list(row)
    values[10] = ClaimStatus(values[10])
    values[15] = ResultsStatus(values[15]) if values[15] is not None else None
    return ClaimRow(*values)


def set_schedule(db: Connection, row: ScheduleRow) -> None:
    db.execute(
        f"INSERT INTO daily_schedules({_SCHEDULE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        f" ON CONFLICT(channel_key) DO UPDATE SET {_SCHEDULE_UPDATE}",
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


def delete_schedule(db: Connection, channel_key: str) -> bool:
    """True when the channel had a schedule."""
    cur = db.execute("DELETE FROM daily_schedules WHERE channel_key = ?", (channel_key,))
    return cur.rowcount > 0


def schedule(db: Connection, channel_key: str) -> ScheduleRow | None:
    row = db.execute(
        f"SELECT {_SCHEDULE_COLUMNS} FROM daily_schedules WHERE channel_key = ?", (channel_key,)
    ).fetchone()
    return ScheduleRow(*row) if row else None


def schedules(db: Connection, platform: str) -> list[ScheduleRow]:
    return [
        ScheduleRow(*row)
        for row in db.execute(
            f"SELECT {_SCHEDULE_COLUMNS} FROM daily_schedules WHERE platform = ?"
            " ORDER BY channel_key",
            (platform,),
        )
    ]


def claim_on(db: Connection, channel_key: str, local_date: str) -> ClaimRow | None:
    """The claim of (channel, local date), if that day was claimed."""
    return _fetch_claim(db, "channel_key = ? AND local_date = ?", (channel_key, local_date))


def claim_for_post(db: Connection, post_id: int) -> ClaimRow | None:
    return _fetch_claim(db, "post_id = ?", (post_id,))


def last_claim(db: Connection, channel_key: str) -> ClaimRow | None:
    return _fetch_claim(db, "channel_key = ? ORDER BY local_date DESC LIMIT 1", (channel_key,))


def mark_posted(db: Connection, claim_id: int, post_id: int, message_ref: str) -> None:
    db.execute(
        "UPDATE daily_claims SET status = 'posted', message_ref = ? WHERE id = ?",
        (message_ref, claim_id),
    )
    db.execute("UPDATE posts SET message_ref = ? WHERE id = ?", (message_ref, post_id))


def release_failed_claim(db: Connection, channel_key: str, local_date: str) -> None:
    """Forget a day whose post the platform refused, so it can be claimed again."""
    db.execute(
        "DELETE FROM daily_claims WHERE channel_key = ? AND local_date = ? AND status = 'failed'",
        (channel_key, local_date),
    )


def mark_failed(db: Connection, claim_id: int, post_id: int, error: str, now: str) -> None:
    """The platform refused the post: the day stays claimed (never retried), the post takes
    no answers, and no results are posted for it."""
    db.execute(
        "UPDATE daily_claims SET status = 'failed', error = ?, results_status = 'skipped'"
        " WHERE id = ?",
        (error[:500], claim_id),
    )
    db.execute("UPDATE posts SET closes_at = ? WHERE id = ?", (now, post_id))


def due_results(db: Connection, platform: str, now: str) -> list[ClaimRow]:
    """Posted daily questions of ``platform`` whose answer window has ended, results not yet
    taken by any process."""
    return [
        _claim(row)
        for row in db.execute(
            f"SELECT {_CLAIM_COLUMNS} FROM daily_claims WHERE platform = ?"
            " AND results_status IS NULL AND status = 'posted' AND closes_at <= ?"
            " ORDER BY closes_at, id",
            (platform, now),
        )
    ]


def next_closing(db: Connection, platform: str, after: str) -> str | None:
    """The earliest window end after ``after`` among open daily posts of ``platform``."""
    return db.execute(
        "SELECT MIN(closes_at) FROM daily_claims WHERE platform = ?"
        " AND results_status IS NULL AND status = 'posted' AND closes_at > ?",
        (platform, after),
    ).fetchone()[0]


def take_results(db: Connection, claim_id: int) -> bool:
    """Take the job of posting a claim's results; False when another process has it."""
    cur = db.execute(
        "UPDATE daily_claims SET results_status = 'posting'"
        " WHERE id = ? AND results_status IS NULL",
        (claim_id,),
    )
    return cur.rowcount == 1


def mark_results(
    db: Connection,
    claim_id: int,
    status: ResultsStatus,
    ref: str | None = None,
    error: str | None = None,
) -> None:
    db.execute(
        "UPDATE daily_claims SET results_status = ?, results_ref = ?, results_error = ?"
        " WHERE id = ?",
        (status.value, ref, error[:500] if error else None, claim_id),
    )


def _fetch_claim(db: Connection, where: str, args: tuple[Any, ...]) -> ClaimRow | None:
    row = db.execute(f"SELECT {_CLAIM_COLUMNS} FROM daily_claims WHERE {where}", args).fetchone()
    return _claim(row) if row else None


def claim_and_post(db: Connection, c: NewClaim) -> tuple[int, int] | None:
    """Claim (channel, local date) and create its post in one transaction: (claim id, post
    id), or ``None`` when the day was already claimed (by this or another process): then
    nothing changed."""
    # UNIQUE(channel_key, local_date): a day already taken inserts nothing and returns no id
    # (no error: on PostgreSQL an error would end the transaction)
    claimed = db.execute(
        "INSERT INTO daily_claims(channel_key, local_date, platform, workspace_id,"
        " channel_id, zone, scheduled_at, claimed_at, claimed_by, closes_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(channel_key, local_date) DO NOTHING"
        " RETURNING id",
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
    ).fetchone()
    if claimed is None:
        return None
    claim_id = int(claimed[0])
    prev = db.execute(
        "SELECT post_id FROM daily_claims WHERE channel_key = ? AND status = 'posted'"
        " AND local_date < ? ORDER BY local_date DESC LIMIT 1",
        (c.channel_key, c.local_date),
    ).fetchone()
    (post_id,) = db.execute(
        "INSERT INTO posts(question_id, card_id, workspace_key, channel_key, kind, asked_by,"
        " created_at, closes_at) VALUES (?,?,?,?,?,NULL,?,?) RETURNING id",
        (
            c.question_id,
            c.topic_id,
            f"{c.platform}:{c.workspace_id}",
            c.channel_key,
            DAILY_POST.value,
            c.claimed_at,
            c.closes_at,
        ),
    ).fetchone()
    db.execute(
        "UPDATE daily_claims SET post_id = ?, prev_post_id = ? WHERE id = ?",
        (post_id, prev[0] if prev else None, claim_id),
    )
    # A window closes at the next post: when that comes early (/quiz daily now), earlier
    # daily questions of the channel close now, so their results follow and streaks stay in
    # post order.
    db.execute(
        "UPDATE posts SET closes_at = ? WHERE channel_key = ? AND kind = ? AND id != ?"
        " AND closes_at > ?",
        (c.claimed_at, c.channel_key, DAILY_POST.value, post_id, c.claimed_at),
    )
    db.execute(
        "UPDATE daily_claims SET closes_at = ? WHERE channel_key = ? AND id != ? AND closes_at > ?",
        (c.claimed_at, c.channel_key, claim_id, c.claimed_at),
    )
    return claim_id, post_id


def history(db: Connection, channel_key: str) -> DailyHistory:
    asked = dict(
        db.execute(
            "SELECT p.question_id, COUNT(*) FROM daily_claims c JOIN posts p ON p.id = c.post_id"
            " WHERE c.channel_key = ? AND c.status != 'failed' GROUP BY p.question_id",
            (channel_key,),
        ).fetchall()
    )
    accuracy = {
        topic_id: (answered, correct)
        for topic_id, answered, correct in db.execute(
            "SELECT a.card_id, COUNT(*), SUM(a.correct) FROM posts p"
            " JOIN answers a ON a.post_id = p.id WHERE p.channel_key = ? GROUP BY a.card_id",
            (channel_key,),
        )
    }
    return DailyHistory(asked, accuracy)


def post_answers(db: Connection, post_id: int) -> DailyPostAnswers:
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
    right = db.execute(
        "SELECT COUNT(*) FROM answers WHERE post_id = ? AND correct = 1", (post_id,)
    ).fetchone()[0]
    return DailyPostAnswers(counts, FirstRight(*first) if first else None, right)


def has_streak_sql(channel_key: str | None, workspace_key: str) -> tuple[str, tuple[str]]:
    """A yes/no (1/0) SQL expression over a row's ``x.user_key``: the user has a daily
    streak row in the channel (or, without one, in the workspace), and its parameters; read
    inside another feature's statement (a board's) along daily_streaks' indexes."""
    column, value = (
        ("channel_key", channel_key) if channel_key else ("workspace_key", workspace_key)
    )
    return (
        f"CASE WHEN EXISTS (SELECT 1 FROM daily_streaks d WHERE d.{column} = ?"
        " AND d.user_key = x.user_key) THEN 1 ELSE 0 END",
        (value,),
    )


def streaks(
    db: Connection,
    user_keys: list[str],
    channel_key: str | None,
    workspace_key: str | None,
) -> tuple[list[DailyStreakRow], dict[str, list[RecentPost]]]:
    """Stored daily streaks of ``user_keys`` in one channel or across a workspace, and per
    channel its last two posted daily posts, newest first."""
    rows: list[DailyStreakRow] = []
    column, value = "channel_key", channel_key
    if channel_key is None:
        column, value = "workspace_key", workspace_key
    for chunk in chunks(user_keys):
        rows += [
            DailyStreakRow(*row)
            for row in db.execute(
                "SELECT channel_key, user_key, current, best, last_post_id FROM daily_streaks"
                f" WHERE {column} = ? AND user_key IN ({marks(len(chunk))})",
                (value, *chunk),
            )
        ]
    latest = {
        key: [
            RecentPost(*row)
            for row in db.execute(
                "SELECT post_id, closes_at FROM daily_claims WHERE channel_key = ?"
                " AND status = 'posted' ORDER BY local_date DESC LIMIT 2",
                (key,),
            )
        ]
        for key in {r.channel_key for r in rows}
    }
    return rows, latest

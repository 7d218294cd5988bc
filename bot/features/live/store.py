"""The live quiz's SQL: sessions (one running per channel: the claim), their rounds, the
session's own answers with speed points, and its answer-batch step.

Every change a runner makes to a session checks, in the same transaction, that the runner still
owns the session (``owner`` + ``lease_until``): two processes never drive one session. A session
the runner ended stays its own (``podium_owed``) until its podium is posted.
Functions take the ``Connection`` they run on (``Database.read``/``write``): SQLite's or
PostgreSQL's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.features.answers import AnswerBatch, PostKind
from bot.features.live.requests import AnswerLiveRound
from bot.features.quiz.store import NewPost, create_posts
from bot.kernel.db import Connection, marks

# Points for a right answer fall linearly with the time taken: FULL_POINTS at once, MIN_POINTS
# at the buzzer. A wrong or missing answer scores 0.
FULL_POINTS = 1000
MIN_POINTS = 500

# a round of a live quiz: answers locked in with its buttons (each an AnswerLiveRound),
# revealed when the round closes; the quiz hands a choice made with its own AnswerQuestion on
# (a button posted before the upgrade that gave live rounds their own request)
LIVE_POST = PostKind.define(
    "live",
    quiz_refusal="That is a live quiz round: answer it with its buttons.",
    answered_by=AnswerLiveRound,
)


def live_points(correct: bool, elapsed: float, duration: float) -> int:
    """``round(1000 - 500 * t / T)`` for a right answer given ``t`` seconds into a round of
    ``T`` seconds (``t`` clamped to 0..T); 0 for a wrong one."""
    if not correct:
        return 0
    share = min(max(elapsed / duration, 0.0), 1.0) if duration > 0 else 1.0
    return round(FULL_POINTS - (FULL_POINTS - MIN_POINTS) * share)


class SessionStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"  # all rounds played (or the questions ran out)
    STOPPED = "stopped"  # the starter or an admin stopped it
    IDLE = "idle"  # two rounds in a row without an answer
    INTERRUPTED = "interrupted"  # it could not go on (a post failed, a round was lost)


class RoundStatus(StrEnum):
    POSTING = "posting"  # the round's post is being delivered (or the process died doing so)
    OPEN = "open"  # answers are taken until closes_at
    CLOSING = "closing"  # answers refused; the reveal is being delivered
    CLOSED = "closed"


@dataclass(frozen=True)
class SessionRow:
    id: int
    channel_key: str
    platform: str
    workspace_id: str
    channel_id: str
    topic: str | None
    rounds: int
    seconds: int
    started_by: str  # user key
    started_by_name: str
    started_at: str
    status: SessionStatus
    owner: str | None  # the runner driving it
    lease_until: str | None
    stop_requested_by: str | None  # display name of who asked to stop it
    # ended by its runner, the podium not posted yet (whoever drives it next posts it)
    podium_owed: bool = False
    end_detail: str = ""  # what the podium says about an interruption


@dataclass(frozen=True)
class RoundRow:
    session_id: int
    number: int  # 1-based
    post_id: int
    question_id: str
    status: RoundStatus
    opened_at: str
    closes_at: str
    closed_at: str | None
    message_ref: str | None


@dataclass(frozen=True)
class LiveAnswerRow:
    number: int
    user_key: str
    display_name: str
    choice: int
    correct: bool
    points: int
    answered_at: str


@dataclass(frozen=True)
class NewSession:
    channel_key: str
    platform: str
    workspace_id: str
    channel_id: str
    topic: str | None
    rounds: int
    seconds: int
    started_by: str
    started_by_name: str
    started_at: str
    owner: str | None
    lease_until: str | None


@dataclass(frozen=True)
class NewRound:
    session_id: int
    number: int
    owner: str
    post: NewPost
    opened_at: str
    closes_at: str


_SESSION_COLUMNS = (
    "id, channel_key, platform, workspace_id, channel_id, topic, rounds, seconds, started_by,"
    " started_by_name, started_at, status, owner, lease_until, stop_requested_by, podium_owed,"
    " end_detail"
)
_ROUND_COLUMNS = (
    "session_id, number, post_id, question_id, status, opened_at, closes_at, closed_at, message_ref"
)
# the session is still ours to drive
_OWNED = "status = 'running' AND owner = ?"
# running, or ended with its podium still to post: a runner drives it (renews, adopts, hands back)
_DRIVEN = "(status = 'running' OR podium_owed = 1)"


def _session(row: tuple) -> SessionRow:  # type: ignore[type-arg]
    values = list(row)
    values[11] = SessionStatus(values[11])
    values[15] = bool(values[15])
    return SessionRow(*values)


def _round(row: tuple) -> RoundRow:  # type: ignore[type-arg]
    values = list(row)
    values[4] = RoundStatus(values[4])
    return RoundRow(*values)


def claim_session(db: Connection, new: NewSession) -> int | None:
    """Start a session in a channel: its id, or ``None`` when one is running there already
    (this or another process; the partial unique index decides). Nothing changes then.

    ON CONFLICT DO NOTHING rather than catching the IntegrityError: on PostgreSQL an error
    ends the whole transaction, and the caller's transaction must go on either way."""
    row = db.execute(
        "INSERT INTO live_sessions(channel_key, platform, workspace_id, channel_id, topic,"
        " rounds, seconds, started_by, started_by_name, started_at, owner, lease_until)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id",
        (
            new.channel_key,
            new.platform,
            new.workspace_id,
            new.channel_id,
            new.topic,
            new.rounds,
            new.seconds,
            new.started_by,
            new.started_by_name,
            new.started_at,
            new.owner,
            new.lease_until,
        ),
    ).fetchone()
    return int(row[0]) if row else None


def running_session(db: Connection, channel_key: str) -> SessionRow | None:
    row = db.execute(
        f"SELECT {_SESSION_COLUMNS} FROM live_sessions WHERE channel_key = ?"
        " AND status = 'running'",
        (channel_key,),
    ).fetchone()
    return _session(row) if row else None


def get_session(db: Connection, session_id: int) -> SessionRow | None:
    row = db.execute(
        f"SELECT {_SESSION_COLUMNS} FROM live_sessions WHERE id = ?", (session_id,)
    ).fetchone()
    return _session(row) if row else None


def rounds_of(db: Connection, session_id: int) -> list[RoundRow]:
    return [
        _round(row)
        for row in db.execute(
            f"SELECT {_ROUND_COLUMNS} FROM live_rounds WHERE session_id = ? ORDER BY number",
            (session_id,),
        )
    ]


def round_of_post(db: Connection, post_id: int) -> RoundRow | None:
    row = db.execute(
        f"SELECT {_ROUND_COLUMNS} FROM live_rounds WHERE post_id = ?", (post_id,)
    ).fetchone()
    return _round(row) if row else None


def answers_of(db: Connection, session_id: int) -> list[LiveAnswerRow]:
    return [
        LiveAnswerRow(number, user_key, name, choice, bool(correct), points, answered_at)
        for number, user_key, name, choice, correct, points, answered_at in db.execute(
            "SELECT number, user_key, display_name, choice, correct, points, answered_at"
            " FROM live_answers WHERE session_id = ? ORDER BY number, answered_at, user_key",
            (session_id,),
        )
    ]


@dataclass(frozen=True)
class RoundTurnout:
    players: int  # who answered any earlier round of the session
    missing: int  # of those, who has not answered this round yet


def turnout(db: Connection, session_id: int, number: int) -> RoundTurnout:
    """For closing a round early: two index range reads, whatever the session's size."""
    players, missing = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN a.user_key IS NULL THEN 1 ELSE 0 END), 0) FROM"
        " (SELECT DISTINCT user_key FROM live_answers WHERE session_id = ? AND number < ?) p"
        " LEFT JOIN live_answers a ON a.session_id = ? AND a.number = ?"
        " AND a.user_key = p.user_key",
        (session_id, number, session_id, number),
    ).fetchone()
    return RoundTurnout(players, missing)


def adoptable(db: Connection, platform: str, owner: str, now: str) -> list[int]:
    """Sessions of ``platform`` (running, or ended with their podium owed) that ``owner``
    drives or may take over: nobody's, or their owner's lease has run out (the process stopped
    or died). Two reads, each on its index (ended sessions pile up; owed ones are few)."""
    free = "(owner IS NULL OR owner = ? OR lease_until IS NULL OR lease_until <= ?)"
    return [
        row[0]
        for row in db.execute(
            f"SELECT id FROM live_sessions WHERE platform = ? AND status = 'running' AND {free}"
            f" UNION SELECT id FROM live_sessions WHERE platform = ? AND podium_owed = 1"
            f" AND {free} ORDER BY id",
            (platform, owner, now, platform, owner, now),
        )
    ]


def adopt(db: Connection, session_id: int, owner: str, now: str, lease_until: str) -> bool:
    """Take (or keep) a session; False when another runner holds a live lease on it."""
    cur = db.execute(
        f"UPDATE live_sessions SET owner = ?, lease_until = ? WHERE id = ? AND {_DRIVEN}"
        " AND (owner IS NULL OR owner = ? OR lease_until IS NULL OR lease_until <= ?)",
        (owner, lease_until, session_id, owner, now),
    )
    return cur.rowcount == 1


def renew(db: Connection, session_id: int, owner: str, lease_until: str) -> bool:
    cur = db.execute(
        f"UPDATE live_sessions SET lease_until = ? WHERE id = ? AND {_DRIVEN} AND owner = ?",
        (lease_until, session_id, owner),
    )
    return cur.rowcount == 1


def release(db: Connection, owner: str) -> int:
    """A runner stopping hands its sessions back, running or owing a podium (another process,
    or the same one restarted, adopts them at once)."""
    return db.execute(
        f"UPDATE live_sessions SET owner = NULL, lease_until = NULL WHERE owner = ? AND {_DRIVEN}",
        (owner,),
    ).rowcount


def open_round(db: Connection, new: NewRound) -> int | None:
    """The round's post (kind 'live', closing at ``closes_at``) and its row, status 'posting':
    the post id, or ``None`` when the session is no longer ours or the round exists."""
    owned = db.execute(
        f"SELECT 1 FROM live_sessions WHERE id = ? AND {_OWNED}", (new.session_id, new.owner)
    ).fetchone()
    if owned is None:
        return None
    (post_id,) = create_posts(db, [new.post])
    db.execute("UPDATE posts SET closes_at = ? WHERE id = ?", (new.closes_at, post_id))
    taken = db.execute(
        "INSERT INTO live_rounds(session_id, number, post_id, question_id, opened_at,"
        " closes_at) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING number",
        (
            new.session_id,
            new.number,
            post_id,
            new.post.question_id,
            new.opened_at,
            new.closes_at,
        ),
    ).fetchone()
    if taken is None:  # not an IntegrityError: PostgreSQL would end the transaction with it
        raise RoundTaken(new.number)  # rolls the post back with it
    return post_id


class RoundTaken(Exception):
    """The round already exists (only a second driver could get here)."""


def mark_round_open(db: Connection, session_id: int, number: int, ref: str) -> None:
    db.execute(
        "UPDATE live_rounds SET status = 'open', message_ref = ? WHERE session_id = ?"
        " AND number = ? AND status = 'posting'",
        (ref, session_id, number),
    )
    db.execute(
        "UPDATE posts SET message_ref = ? WHERE id = (SELECT post_id FROM live_rounds"
        " WHERE session_id = ? AND number = ?)",
        (ref, session_id, number),
    )


def begin_close(db: Connection, session_id: int, number: int, owner: str, now: str) -> bool:
    """Stop taking answers for a round (from this transaction on, the answer step refuses
    them); False when the session is no longer ours."""
    owned = db.execute(
        f"SELECT 1 FROM live_sessions WHERE id = ? AND {_OWNED}", (session_id, owner)
    ).fetchone()
    if owned is None:
        return False
    cur = db.execute(
        "UPDATE live_rounds SET status = 'closing', closed_at = ? WHERE session_id = ?"
        " AND number = ? AND status = 'open'",
        (now, session_id, number),
    )
    if cur.rowcount:
        db.execute(
            "UPDATE posts SET closes_at = CASE WHEN closes_at > ? THEN ? ELSE closes_at END"
            " WHERE id = (SELECT post_id FROM live_rounds WHERE session_id = ? AND number = ?)",
            (now, now, session_id, number),
        )
    return True


def finish_close(db: Connection, session_id: int, number: int) -> None:
    db.execute(
        "UPDATE live_rounds SET status = 'closed' WHERE session_id = ? AND number = ?",
        (session_id, number),
    )


def request_stop(db: Connection, session_id: int, by_name: str) -> bool:
    cur = db.execute(
        "UPDATE live_sessions SET stop_requested_by = COALESCE(stop_requested_by, ?)"
        " WHERE id = ? AND status = 'running'",
        (by_name, session_id),
    )
    return cur.rowcount == 1


def end_session(
    db: Connection,
    session_id: int,
    status: SessionStatus,
    now: str,
    owner: str | None,
    podium_owed: bool = False,
    detail: str = "",
) -> bool:
    """End a running session (``owner`` None: whoever holds it, for an orphan); False when it
    had ended already or is no longer ours. Its open rounds close with it.

    ``podium_owed``: the owner posts the podium next and keeps the session (and its lease)
    until ``podium_posted``; the channel is free for a new session from this write on."""
    owner_check = " AND owner = ?" if owner is not None else ""
    kept = "" if podium_owed else ", owner = NULL, lease_until = NULL"
    args = (
        status.value,
        now,
        int(podium_owed),
        detail,
        session_id,
        *((owner,) if owner is not None else ()),
    )
    cur = db.execute(
        f"UPDATE live_sessions SET status = ?, ended_at = ?, podium_owed = ?, end_detail = ?{kept}"
        f" WHERE id = ? AND status = 'running'{owner_check}",
        args,
    )
    if cur.rowcount != 1:
        return False
    db.execute(
        "UPDATE posts SET closes_at = CASE WHEN closes_at > ? THEN ? ELSE closes_at END"
        " WHERE id IN (SELECT post_id FROM live_rounds WHERE session_id = ?"
        " AND status != 'closed')",
        (now, now, session_id),
    )
    db.execute(
        "UPDATE live_rounds SET status = 'closed', closed_at = COALESCE(closed_at, ?)"
        " WHERE session_id = ? AND status != 'closed'",
        (now, session_id),
    )
    return True


def podium_posted(db: Connection, session_id: int, owner: str) -> bool:
    """The owed podium went out (or the platform refused it): the session lets go of its
    runner. False when it was not ours to post."""
    return (
        db.execute(
            "UPDATE live_sessions SET podium_owed = 0, owner = NULL, lease_until = NULL"
            " WHERE id = ? AND podium_owed = 1 AND owner = ?",
            (session_id, owner),
        ).rowcount
        == 1
    )


def record_answers(db: Connection, batch: AnswerBatch) -> None:
    """Answer-batch step, before the answer rows: the stored round decides, inside this
    transaction, whether a live answer still counts (its round open, before its close time);
    the ones that count get their session row with the speed points."""
    live = [
        w
        for key, w in batch.first.items()
        if w.kind == LIVE_POST and key not in batch.stored and key not in batch.refused
    ]
    if not live:
        return
    ids = list({w.post_id for w in live})
    rounds: dict[int, tuple[RoundRow, int]] = {}  # post id -> (round, seconds per round)
    for row in db.execute(
        f"SELECT {', '.join('r.' + c for c in _ROUND_COLUMNS.split(', '))}, s.seconds"
        " FROM live_rounds r JOIN live_sessions s ON s.id = r.session_id"
        f" WHERE r.post_id IN ({marks(len(ids))})",
        ids,
    ):
        rounds[row[2]] = (_round(row[:-1]), row[-1])
    rows = []
    for w in live:
        found, seconds = rounds.get(w.post_id, (None, 0))
        answered = datetime.fromisoformat(w.answered_at)
        if (
            found is None
            or found.status not in (RoundStatus.OPEN, RoundStatus.POSTING)
            or answered >= datetime.fromisoformat(found.closes_at)
        ):
            batch.refused.add(w.key)
            continue
        elapsed = (answered - datetime.fromisoformat(found.opened_at)).total_seconds()
        points = live_points(w.correct, elapsed, float(seconds))
        rows.append(
            (
                w.post_id,
                w.user_key,
                found.session_id,
                found.number,
                w.display_name,
                w.choice,
                int(w.correct),
                points,
                w.answered_at,
            )
        )
    db.executemany(
        "INSERT INTO live_answers(post_id, user_key, session_id, number, display_name, choice,"
        " correct, points, answered_at) VALUES (?,?,?,?,?,?,?,?,?)",
        rows,
    )

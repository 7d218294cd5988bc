"""The answer outbox: what is derived from answers is applied after the click, not in it.

A click's transaction stores what its reply prints (the answer with its points, the user's
totals and day streak) and one ``answer_outbox`` row per new answer. The writer later runs
the trailing steps (FSRS reviews and mastery, score rows at every scope and period, board
sizes, topic and group rows, daily streaks) over the outbox rows, oldest first, in one transaction
that also deletes them: applied exactly once, in the order the answers committed (every write
transaction holds the database's write lock, so ids grow in commit order), and whatever a
crash left in the outbox is applied by the next start."""

from __future__ import annotations

from collections.abc import Sequence

from bot.features.answers.batch import AnswerBatch, AnswerWrite, BatchStep, PostKind
from bot.kernel.db import Connection

SCOPE_SEPARATOR = "\n"  # scope keys are built from platform ids and card slugs: one line each

INSERT_OUTBOX = (
    "INSERT INTO answer_outbox(post_id, user_key, display_name, day, scopes, kind, moved)"
    " VALUES (?,?,?,?,?,?,?)"
)

_PENDING = (
    "SELECT o.id, a.post_id, a.user_key, o.display_name, a.question_id, a.card_id, a.choice,"
    " a.correct, a.points, a.answered_at, o.day, a.week, o.scopes, o.kind, a.typed,"
    " o.moved"
    " FROM answer_outbox o JOIN answers a ON a.post_id = o.post_id AND a.user_key = o.user_key"
    " ORDER BY o.id LIMIT ?"
)


def record_derived(db: Connection, batch: AnswerBatch) -> None:
    """Click step, last: one outbox row per answer this batch stores, so the trailing steps
    can derive its rows later (after the totals step: it carries the ``moved`` flag)."""
    moved = batch.moved
    db.executemany(
        INSERT_OUTBOX,
        [
            (
                w.post_id,
                w.user_key,
                w.display_name,
                w.day,
                SCOPE_SEPARATOR.join(w.scopes),
                w.kind.value,
                int(w.user_key in moved),
            )
            for w in batch.new
        ],
    )


def apply_derived(db: Connection, steps: Sequence[BatchStep], limit: int) -> int:
    """Trailing transaction: run ``steps`` over the oldest ``limit`` outbox rows as one batch
    and delete them. How many rows it applied (0: the outbox was empty)."""
    rows = db.execute(_PENDING, (limit,)).fetchall()
    if not rows:
        return 0
    writes: list[AnswerWrite] = []
    batch = AnswerBatch(writes)
    for row in rows:
        w = AnswerWrite(
            post_id=row[1],
            user_key=row[2],
            display_name=row[3],
            question_id=row[4],
            topic_id=row[5],  # a.card_id
            choice=row[6],
            correct=bool(row[7]),
            points=row[8],
            answered_at=row[9],
            day=row[10],
            week=row[11],
            scopes=tuple(row[12].split(SCOPE_SEPARATOR)),
            kind=PostKind.stored(row[13]),
            typed=row[14],
        )
        writes.append(w)
        batch.first[w.key] = w
        if row[15]:
            batch.moved.add(w.user_key)
    for step in steps:
        step(db, batch)
    db.execute("DELETE FROM answer_outbox WHERE id <= ?", (rows[-1][0],))
    return len(rows)


def pending_derived(db: Connection) -> int:
    """How many answers wait for their derived rows (tools, tests, benchmarks)."""
    return db.execute("SELECT COUNT(*) FROM answer_outbox").fetchone()[0]

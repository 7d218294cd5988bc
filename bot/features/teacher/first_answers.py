"""The teacher's answer-batch step: each learner's first answer to each question in its
workspace, kept for item analysis (``first_answers``; read by store.py). Apart from the
reports' SQL, which loads with the first report: every answer runs this, few ask for one."""

from __future__ import annotations

import math
from datetime import datetime

from bot.features.answers import AnswerBatch, PostKind
from bot.kernel.db import Connection, chunks, marks


def record_first_answers(db: Connection, batch: AnswerBatch) -> None:
    """Answer-batch step: keep each learner's first answer to each question in its workspace
    (reviews are practice, never a first answer); a later answer finds the row and keeps it."""
    new = sorted((w for w in batch.new if w.kind != PostKind.REVIEW), key=lambda w: w.answered_at)
    if not new:
        return
    post_ids = list(dict.fromkeys(w.post_id for w in new))
    posts: dict[int, tuple[str, str, str]] = {}
    for chunk in chunks(post_ids):
        for post_id, workspace_key, channel_key, created_at in db.execute(
            "SELECT id, workspace_key, channel_key, created_at FROM posts"
            f" WHERE id IN ({marks(len(chunk))})",
            list(chunk),
        ):
            posts[int(post_id)] = (workspace_key, channel_key, created_at)
    rows: dict[tuple[str, str, str], tuple[object, ...]] = {}
    for w in new:
        workspace_key, channel_key, created_at = posts[w.post_id]
        key = (workspace_key, w.user_key, w.question_id)
        if key in rows:
            continue  # the same question twice in one batch: the earlier answer is the first
        waited = datetime.fromisoformat(w.answered_at) - datetime.fromisoformat(created_at)
        rows[key] = (
            *key,
            w.topic_id,
            w.post_id,
            channel_key,
            w.choice,
            int(w.correct),
            w.typed,
            w.answered_at,
            math.floor(waited.total_seconds() + 0.5),  # as SQL's ROUND does for the backfill
        )
    db.executemany(
        "INSERT INTO first_answers(workspace_key, user_key, question_id, card_id, post_id,"
        " channel_key, choice, correct, typed, answered_at, seconds)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT(workspace_key, user_key, question_id) DO NOTHING",
        list(rows.values()),
    )

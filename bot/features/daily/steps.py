"""The daily question's two answer-batch steps (run inside the answer transaction, in the
order bot/app.py gives them): refuse answers to closed windows first, move streaks last."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import datetime

from bot.features.answers import AnswerBatch
from bot.features.daily.store import DAILY_POST
from bot.kernel.db import Connection, chunks, marks


def refuse_closed_windows(db: Connection, batch: AnswerBatch) -> None:
    """Answer-batch step, before anything is stored: the stored close time decides, inside
    this transaction: a daily window may have closed since the caller looked (an early post
    by another process, a read that raced it)."""
    daily = [w for w in batch.first.values() if w.kind == DAILY_POST]
    if not daily:
        return
    ids = list({w.post_id for w in daily})
    closes = {
        post_id: datetime.fromisoformat(closes_at)
        for post_id, closes_at in db.execute(
            f"SELECT id, closes_at FROM posts WHERE id IN ({marks(len(ids))})"
            " AND closes_at IS NOT NULL",
            ids,
        )
    }
    for w in daily:
        if w.post_id in closes and closes[w.post_id] <= datetime.fromisoformat(w.answered_at):
            batch.refused.add(w.key)


@dataclass(frozen=True, slots=True)
class _DailyPost:
    """What the streak step needs of a daily post's claim."""

    channel_key: str
    workspace_key: str
    prev_post_id: int | None  # the channel's previous posted daily question
    local_date: str


@dataclass(slots=True)
class _StreakTally:
    """A ``daily_streaks`` row while the batch moves it (mutable on purpose); fields in the
    upsert's column order."""

    channel_key: str
    user_key: str
    workspace_key: str
    current: int = 0
    best: int = 0
    last_post_id: int | None = None
    last_date: str | None = None


def update_streaks(db: Connection, batch: AnswerBatch) -> None:
    """Answer-batch step: move each answerer's streak in the daily post's channel.

    A correct answer continues the run when the user's last correct daily answer in that
    channel was the channel's previous daily post (``daily_claims.prev_post_id``), else starts
    at 1; a wrong answer sets the run to 0. Three statements per batch, whatever its size.
    """
    writes = [w for w in batch.new if w.kind == DAILY_POST]
    if not writes:
        return
    claims: dict[int, _DailyPost] = {}
    for chunk in chunks(sorted({w.post_id for w in writes})):
        for post_id, channel_key, platform, workspace_id, prev_post_id, local_date in db.execute(
            "SELECT post_id, channel_key, platform, workspace_id, prev_post_id, local_date"
            f" FROM daily_claims WHERE post_id IN ({marks(len(chunk))})",
            chunk,
        ):
            claims[post_id] = _DailyPost(
                channel_key, f"{platform}:{workspace_id}", prev_post_id, local_date
            )
    writes = sorted((w for w in writes if w.post_id in claims), key=lambda w: w.post_id)
    keys = list(dict.fromkeys((claims[w.post_id].channel_key, w.user_key) for w in writes))
    rows: dict[tuple[str, str], _StreakTally] = {}
    for chunk in chunks(keys):
        pairs = ",".join(["(?,?)"] * len(chunk))
        # a join with the wanted keys walks the primary key; a row-value IN (VALUES …) made
        # SQLite scan the whole table on every daily batch
        for row in db.execute(
            f"WITH wanted(channel_key, user_key) AS (VALUES {pairs})"
            " SELECT d.channel_key, d.user_key, d.workspace_key, d.current, d.best,"
            " d.last_post_id, d.last_date FROM wanted w JOIN daily_streaks d"
            " ON d.channel_key = w.channel_key AND d.user_key = w.user_key",
            [part for key in chunk for part in key],
        ):
            rows[(row[0], row[1])] = _StreakTally(*row)
    for w in writes:
        post = claims[w.post_id]
        row = rows.setdefault(
            (post.channel_key, w.user_key),
            _StreakTally(post.channel_key, w.user_key, post.workspace_key),
        )
        if row.last_post_id is not None and w.post_id <= row.last_post_id:
            continue  # already counted a later daily post; never move backwards
        if w.correct:
            continues = post.prev_post_id is not None and row.last_post_id == post.prev_post_id
            row.current = row.current + 1 if continues else 1
            row.best = max(row.best, row.current)
            row.last_post_id, row.last_date = w.post_id, post.local_date
        else:
            row.current = 0
    db.executemany(
        "INSERT INTO daily_streaks(channel_key, user_key, workspace_key, current, best,"
        " last_post_id, last_date) VALUES (?,?,?,?,?,?,?)"
        " ON CONFLICT(channel_key, user_key) DO UPDATE SET current=excluded.current,"
        " best=excluded.best, last_post_id=excluded.last_post_id, last_date=excluded.last_date",
        [astuple(row) for row in rows.values()],
    )

"""The quiz's SQL: posts (a question posted somewhere) and FSRS cards (spaced repetition).

Functions take the ``Connection`` they run on (``Database.read``/``write``): SQLite's or
PostgreSQL's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot import srs
from bot.features.answers import AnswerBatch, PostKind
from bot.kernel.db import Connection, chunks


@dataclass(frozen=True)
class PostRow:
    id: int
    question_id: str
    topic_id: str  # the card the question belongs to (the posts.card_id column)
    workspace_key: str
    channel_key: str
    kind: PostKind
    created_at: str
    message_ref: str | None
    asked_by: str | None = None
    closes_at: str | None = None  # ISO UTC; answers from then on are refused (daily posts)


@dataclass(frozen=True)
class NewPost:
    question_id: str
    topic_id: str  # the card the question belongs to (the posts.card_id column)
    workspace_key: str
    channel_key: str
    created_at: str
    kind: PostKind = PostKind.ASK
    asked_by: str | None = None


def create_posts(db: Connection, posts: Sequence[NewPost]) -> list[int]:
    """Several posts in one transaction; their ids in order."""
    ids = []
    for p in posts:
        (post_id,) = db.execute(
            "INSERT INTO posts(question_id, card_id, workspace_key, channel_key, kind,"
            " asked_by, created_at) VALUES (?,?,?,?,?,?,?) RETURNING id",
            (
                p.question_id,
                p.topic_id,  # the card_id column
                p.workspace_key,
                p.channel_key,
                p.kind.value,
                p.asked_by,
                p.created_at,
            ),
        ).fetchone()
        ids.append(int(post_id))
    return ids


def new_post_row(post_id: int, p: NewPost) -> PostRow:
    """The row ``get_post`` reads back for a post just created with ``create_posts``."""
    return PostRow(
        id=post_id,
        question_id=p.question_id,
        topic_id=p.topic_id,
        workspace_key=p.workspace_key,
        channel_key=p.channel_key,
        kind=p.kind,
        created_at=p.created_at,
        message_ref=None,  # set once the platform has posted it (set_message_ref)
        asked_by=p.asked_by,
    )


def get_post(db: Connection, post_id: int) -> PostRow | None:
    row = db.execute(
        "SELECT id, question_id, card_id, workspace_key, channel_key, kind, created_at,"
        " message_ref, asked_by, closes_at FROM posts WHERE id = ?",
        (post_id,),
    ).fetchone()
    if row is None:
        return None
    return PostRow(
        id=row[0],
        question_id=row[1],
        topic_id=row[2],  # the card_id column
        workspace_key=row[3],
        channel_key=row[4],
        kind=PostKind.stored(row[5]),
        created_at=row[6],
        message_ref=row[7],
        asked_by=row[8],
        closes_at=row[9],
    )


def set_message_ref(db: Connection, post_id: int, message_ref: str) -> None:
    db.execute("UPDATE posts SET message_ref = ? WHERE id = ?", (message_ref, post_id))


_SRS_COLUMNS = (
    "question_id, card_id, state, step, stability, difficulty, due, last_review, reps, lapses"
)


_SRS_UPDATE = ", ".join(f"{c}=excluded.{c}" for c in _SRS_COLUMNS.split(", ")[1:])


def srs_cards(db: Connection, user_key: str) -> list[srs.SrsCard]:
    """Every FSRS card of a user (one per question answered at least once)."""
    return [
        srs.from_row(row)
        for row in db.execute(
            f"SELECT {_SRS_COLUMNS} FROM srs_cards WHERE user_key = ?", (user_key,)
        )
    ]


def _stored_cards(
    db: Connection, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], srs.SrsCard]:
    """(user key, question id) -> the stored FSRS card, for the pairs that have one (one read
    per 500 pairs, along the primary key)."""
    cards: dict[tuple[str, str], srs.SrsCard] = {}
    for chunk in chunks(pairs):
        values = ",".join("(?,?)" for _ in chunk)
        for row in db.execute(
            f"WITH wanted(user_key, question_id) AS (VALUES {values})"
            f" SELECT s.user_key, {', '.join('s.' + c for c in _SRS_COLUMNS.split(', '))}"
            " FROM wanted w JOIN srs_cards s"
            " ON s.user_key = w.user_key AND s.question_id = w.question_id",
            [v for pair in chunk for v in pair],
        ):
            cards[(row[0], row[1])] = srs.from_row(row[1:])
    return cards


def score_by_due(db: Connection, batch: AnswerBatch) -> None:
    """Click step, before the answer rows: a right answer to a question not yet due for
    review scores no points (asking /quiz over and over cannot farm points); the daily
    question always counts (everyone in the channel gets the same one). Reads the cards and
    writes nothing: the review itself is the trailing ``review_cards``. The writer applies
    the trailing step before a batch that answers a question whose last answer by the same
    user is not reviewed yet, so the due time read here is the reviewed one; two answers to
    one question in this batch: the later one sees the earlier one's review."""
    new = batch.new
    if not new:
        return
    pairs = [(w.user_key, w.question_id) for w in new]
    cards = _stored_cards(db, list(dict.fromkeys(pairs)))
    # a question answered twice in this batch by the same user (two posts of it): the later
    # answer is scored against the earlier one's review, done here in memory
    twice = {key for key, n in Counter(pairs).items() if n > 1}
    if not cards and not twice:
        return  # every question is new to its answerer: nothing is due later
    ordered = sorted(new, key=lambda w: datetime.fromisoformat(w.answered_at)) if twice else new
    for w in ordered:
        key = (w.user_key, w.question_id)
        before = cards.get(key)
        if before is None and key not in twice:
            continue
        answered = datetime.fromisoformat(w.answered_at)
        if (
            w.correct
            and not w.kind.scores_before_due
            and before is not None
            and before.due > answered
        ):
            w.points = 0
        if key in twice:
            cards[key] = srs.review(before, w.question_id, w.topic_id, w.correct, answered)


def review_cards(db: Connection, batch: AnswerBatch) -> None:
    """Trailing step: review the FSRS card of each answer (one read per 500 cards, one write),
    in the order the answers were given. Notes the change in mastered questions per (user,
    content card) in ``batch.mastered_delta``."""
    new = batch.new
    if not new:
        return
    pairs = list(dict.fromkeys((w.user_key, w.question_id) for w in new))
    cards = _stored_cards(db, pairs)
    delta = batch.mastered_delta
    for w in sorted(new, key=lambda w: datetime.fromisoformat(w.answered_at)):
        key = (w.user_key, w.question_id)
        before = cards.get(key)
        after = srs.review(
            before, w.question_id, w.topic_id, w.correct, datetime.fromisoformat(w.answered_at)
        )
        cards[key] = after
        change = int(after.mastered) - int(before.mastered if before else False)
        if change:
            delta[(w.user_key, w.topic_id)] = delta.get((w.user_key, w.topic_id), 0) + change
    db.executemany(
        f"INSERT INTO srs_cards(user_key, {_SRS_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        f" ON CONFLICT(user_key, question_id) DO UPDATE SET {_SRS_UPDATE}",
        [srs.to_row(user_key, cards[(user_key, q)]) for user_key, q in pairs],
    )

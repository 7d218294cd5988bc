"""The teacher's view's SQL: item tallies over first answers, learner rows, a channel's daily
history, the dashboard's link secret. Reads other features' tables (answers, posts, groups,
daily claims), never writes them. Parameterized SQL that both backends run. Loaded with the
first report (bot.features.teacher.service); the answer step that keeps the first answers is
in first_answers.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.features.teacher.ranking import groups
from bot.features.teacher.results import ItemScope
from bot.kernel.db import Connection, marks


@dataclass(frozen=True)
class Filter:
    """An ItemScope in SQL terms: the study group by id, the topic as the ids of its cards
    (a track: several)."""

    scope: ItemScope
    group_id: int | None = None
    topic_ids: tuple[str, ...] | None = None  # None: every topic


@dataclass(frozen=True)
class ChoiceTally:
    """First answers to one question that picked one choice (typed: -1) and were right or not,
    with the upper and lower groups' weight among them."""

    question_id: str
    choice: int
    correct: bool
    count: int
    upper: float
    lower: float


@dataclass(frozen=True)
class TimeTally:
    question_id: str
    seconds: int  # time from the post to the answer, rounded to a whole second
    count: int


@dataclass(frozen=True)
class TypedTally:
    question_id: str
    typed: str
    count: int


@dataclass(frozen=True)
class ItemTallies:
    learners: int
    choices: tuple[ChoiceTally, ...]
    times: tuple[TimeTally, ...]
    typed: tuple[TypedTally, ...]  # wrong typed answers only


def _topics(topic_ids: tuple[str, ...], column: str = "a.card_id") -> str:
    """The condition that keeps a topic's answers (no cards: none); ``column`` holds the
    topic (the card_id columns)."""
    return f"{column} IN ({marks(len(topic_ids))})" if topic_ids else "0 = 1"


def _firsts(where: Filter) -> tuple[str, list[object]]:
    """The ``firsts`` CTE: the first answers (``first_answers``) given in the scope's
    workspace, channel, study group, days and topic. One row per (learner, question)."""
    params: list[object] = [where.scope.workspace_key]
    conditions = ["workspace_key = ?"]
    if where.topic_ids is not None:
        conditions.append(_topics(where.topic_ids, "card_id"))
        params.extend(where.topic_ids)
    if where.scope.channel_key:
        conditions.append("channel_key = ?")
        params.append(where.scope.channel_key)
    if where.scope.since:
        conditions.append("answered_at >= ?")
        params.append(where.scope.since.isoformat())
    if where.scope.until:
        conditions.append("answered_at < ?")
        params.append((where.scope.until + timedelta(days=1)).isoformat())
    if where.group_id is not None:
        conditions.append("user_key IN (SELECT user_key FROM group_members WHERE group_id = ?)")
        params.append(where.group_id)
    sql = (
        "firsts AS (SELECT user_key, question_id, choice, correct, typed, seconds"
        f" FROM first_answers WHERE {' AND '.join(conditions)})"
    )
    return sql, params


def item_tallies(db: Connection, where: Filter) -> ItemTallies:
    """Everything item analysis needs, in two statements over one snapshot: how many learners
    have each (right, answered) count, which gives the upper and lower 27% (``ranking``);
    then per question and choice the first answers, and how many came from learners beyond
    or at each group's boundary (scores compared as integers: right * b > a * answered)."""
    firsts, params = _firsts(where)
    distribution = db.execute(
        f"WITH {firsts} SELECT right_count, answered, COUNT(*) FROM (SELECT user_key,"
        " SUM(correct) AS right_count, COUNT(*) AS answered FROM firsts GROUP BY user_key)"
        " AS learners GROUP BY right_count, answered",
        params,
    ).fetchall()
    found = groups((int(r), int(n), int(c)) for r, n, c in distribution)
    if found is None:
        return ItemTallies(0, (), (), ())
    up, low = found.upper.score, found.lower.score
    cut = [up.numerator, up.denominator, low.numerator, low.denominator]
    sql = (
        f"WITH {firsts},"
        " scored AS (SELECT question_id, choice, correct, SUM(correct) OVER mine AS r,"
        " COUNT(*) OVER mine AS n FROM firsts WINDOW mine AS (PARTITION BY user_key))"
        " SELECT 'c', question_id, choice, correct, COUNT(*),"
        " SUM(CASE WHEN r * ? > ? * n THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN r * ? = ? * n THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN r * ? < ? * n THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN r * ? = ? * n THEN 1 ELSE 0 END), NULL"
        " FROM scored GROUP BY question_id, choice, correct"
        " UNION ALL SELECT 't', question_id, seconds, NULL, COUNT(*), NULL, NULL, NULL, NULL,"
        " NULL FROM firsts GROUP BY question_id, seconds"
        " UNION ALL SELECT 'w', question_id, NULL, NULL, COUNT(*), NULL, NULL, NULL, NULL,"
        " typed FROM firsts WHERE correct = 0 AND typed IS NOT NULL GROUP BY question_id, typed"
    )
    cuts = [cut[1], cut[0], cut[1], cut[0], cut[3], cut[2], cut[3], cut[2]]
    choices, times, typed = [], [], []
    upper_weight, lower_weight = found.upper.weight, found.lower.weight
    for kind, question_id, number, correct, count, above, at_up, below, at_low, text in db.execute(
        sql, [*params, *cuts]
    ).fetchall():
        if kind == "c":
            choices.append(
                ChoiceTally(
                    question_id,
                    int(number),
                    bool(correct),
                    int(count),
                    int(above) + int(at_up) * upper_weight,
                    int(below) + int(at_low) * lower_weight,
                )
            )
        elif kind == "t" and number is not None:
            times.append(TimeTally(question_id, int(number), int(count)))
        elif kind == "w":
            typed.append(TypedTally(question_id, text, int(count)))
    return ItemTallies(found.learners, tuple(choices), tuple(times), tuple(typed))


@dataclass(frozen=True)
class LearnerTopicRow:
    user_key: str
    display_name: str
    topic_id: str  # the card_id columns
    answers: int
    correct: int
    mastered: int
    last_seen: str


def learner_topics(db: Connection, where: Filter) -> list[LearnerTopicRow]:
    """Per learner per topic in scope: every answer (reviews too), right ones, the topic's
    mastered questions (all time) and the last answer's time."""
    params: list[object] = [where.scope.workspace_key]
    conditions = ["p.workspace_key = ?"]
    if where.topic_ids is not None:
        conditions.append(_topics(where.topic_ids))
        params.extend(where.topic_ids)
    if where.scope.channel_key:
        conditions.append("p.channel_key = ?")
        params.append(where.scope.channel_key)
    if where.scope.since:
        conditions.append("a.answered_at >= ?")
        params.append(where.scope.since.isoformat())
    if where.scope.until:
        conditions.append("a.answered_at < ?")
        params.append((where.scope.until + timedelta(days=1)).isoformat())
    if where.group_id is not None:
        conditions.append("a.user_key IN (SELECT user_key FROM group_members WHERE group_id = ?)")
        params.append(where.group_id)
    sql = (
        "SELECT t.user_key, COALESCE(u.display_name, t.user_key), t.card_id, t.answers,"
        " t.correct, COALESCE(ut.mastered, 0), t.last_seen FROM ("
        " SELECT a.user_key, a.card_id, COUNT(*) AS answers, SUM(a.correct) AS correct,"
        " MAX(a.answered_at) AS last_seen FROM answers a JOIN posts p ON p.id = a.post_id"
        f" WHERE {' AND '.join(conditions)} GROUP BY a.user_key, a.card_id) AS t"
        " LEFT JOIN users u ON u.user_key = t.user_key"
        " LEFT JOIN user_topics ut ON ut.user_key = t.user_key AND ut.card_id = t.card_id"
    )
    return [
        LearnerTopicRow(user_key, name, topic_id, int(n), int(right), int(mastered), last)
        for user_key, name, topic_id, n, right, mastered, last in db.execute(sql, params)
    ]


@dataclass(frozen=True)
class DailyRow:
    local_date: str
    question_id: str
    status: str
    answers: int
    correct: int


def daily_history(db: Connection, channel_key: str, limit: int) -> list[DailyRow]:
    """A channel's daily questions, newest first, with their answer counts."""
    sql = (
        "SELECT c.local_date, COALESCE(p.question_id, ''), c.status,"
        " (SELECT COUNT(*) FROM answers a WHERE a.post_id = c.post_id),"
        " (SELECT COALESCE(SUM(a.correct), 0) FROM answers a WHERE a.post_id = c.post_id)"
        " FROM daily_claims c LEFT JOIN posts p ON p.id = c.post_id"
        " WHERE c.channel_key = ? ORDER BY c.local_date DESC LIMIT ?"
    )
    return [
        DailyRow(day, question_id, status, int(n), int(right))
        for day, question_id, status, n, right in db.execute(sql, (channel_key, limit))
    ]


def workspace_channels(db: Connection, workspace_key: str) -> list[str]:
    """The channels of a workspace that have a daily schedule or had a daily question."""
    platform, _, workspace_id = workspace_key.partition(":")
    sql = (
        "SELECT DISTINCT channel_key FROM daily_claims WHERE platform = ? AND workspace_id = ?"
        " ORDER BY channel_key"
    )
    return [row[0] for row in db.execute(sql, (platform, workspace_id))]


WEB_LINK_SECRET = "web-link"


def kept_secret(db: Connection, name: str, generated: str) -> str:
    """The secret kept under ``name``: ``generated`` if none was kept yet (the first process
    to ask wins; the others read its value)."""
    db.execute(
        "INSERT INTO secrets(name, value) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
        (name, generated),
    )
    return db.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()[0]

"""Study groups' SQL: groups, members (and their score rows in the group's scopes), the
group's totals and its most-picked wrong choice.

Functions take the ``Connection`` they run on (``Database.read``/``write``): SQLite's or
PostgreSQL's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.features.answers import AnswerBatch
from bot.features.boards.store import count_board_sizes, count_ranks
from bot.kernel.db import Connection, chunks, marks
from bot.kernel.identity import group_scope, group_topic_scope, topic_scope, workspace_scope

_GROUP_COLUMNS = (
    "g.id, g.workspace_key, g.name_key, g.name, g.created_by, g.created_at,"
    " (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id)"
)


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
class WrongChoice:
    """The wrong choice a set of users picked most often."""

    question_id: str
    choice: int
    times: int
    users: int


@dataclass(frozen=True)
class Member:
    user_key: str
    display_name: str


def create_group(
    db: Connection,
    workspace_key: str,
    name_key: str,
    name: str,
    created_by: str,
    created_at: str,
) -> GroupRow | None:
    """The new group, or ``None`` when the workspace already has one with ``name_key``."""
    row = db.execute(
        "INSERT INTO study_groups(workspace_key, name_key, name, created_by, created_at)"
        " VALUES (?,?,?,?,?) ON CONFLICT(workspace_key, name_key) DO NOTHING RETURNING id",
        (workspace_key, name_key, name, created_by, created_at),
    ).fetchone()
    if row is None:
        return None
    return GroupRow(int(row[0]), workspace_key, name_key, name, created_by, created_at)


def find_group(db: Connection, workspace_key: str, name_key: str) -> GroupRow | None:
    row = db.execute(
        f"SELECT {_GROUP_COLUMNS}, 0 FROM study_groups g"
        " WHERE g.workspace_key = ? AND g.name_key = ?",
        (workspace_key, name_key),
    ).fetchone()
    return GroupRow(*row[:-1]) if row else None


def list_groups(db: Connection, workspace_key: str, user_key: str | None = None) -> list[GroupRow]:
    """The workspace's groups by name, with member counts and whether ``user_key`` is in."""
    return [
        GroupRow(*row[:-1], is_member=bool(row[-1]))
        for row in db.execute(
            f"SELECT {_GROUP_COLUMNS}, EXISTS(SELECT 1 FROM group_members m"
            "  WHERE m.group_id = g.id AND m.user_key = ?)"
            " FROM study_groups g WHERE g.workspace_key = ? ORDER BY g.name_key",
            (user_key, workspace_key),
        )
    ]


def join_group(
    db: Connection,
    group_id: int,
    workspace_key: str,
    user_key: str,
    display_name: str,
    joined_at: str,
) -> bool:
    """True when the user joined, False when already a member (the name is refreshed).

    A new member's score rows in the group's workspace (workspace and per-topic, every
    period) are copied to the group's scopes in the same transaction."""
    cur = db.execute(
        "INSERT INTO group_members(group_id, user_key, display_name, joined_at)"
        " VALUES (?,?,?,?) ON CONFLICT(group_id, user_key) DO NOTHING",
        (group_id, user_key, display_name, joined_at),
    )
    if cur.rowcount:
        workspace, topics = workspace_scope(workspace_key), topic_scope(workspace_key, "")
        copied = db.execute(
            "INSERT INTO scores(scope, period, user_key, points, answered, correct, streak,"
            " last_correct_day, mastered)"
            " SELECT CASE WHEN scope = ? THEN ? ELSE ? || substr(scope, ?) END, period,"
            " user_key, points, answered, correct, streak, last_correct_day, mastered"
            " FROM scores WHERE user_key = ? AND (scope = ? OR substr(scope, 1, ?) = ?)"
            " ON CONFLICT(scope, period, user_key) DO NOTHING"
            " RETURNING scope, period, user_key, points, answered, correct, streak,"
            " last_correct_day, mastered",
            (
                workspace,
                group_scope(group_id),
                group_topic_scope(group_id, ""),
                len(topics) + 1,
                user_key,
                workspace,
                len(topics),
                topics,
            ),
        ).fetchall()
        # the rows inserted (not those already there) are new players on the group's boards
        count_board_sizes(db, (((s, p, u), None, values[1]) for s, p, u, *values in copied))
        count_ranks(db, ((s, p, None, tuple(values)) for s, p, _, *values in copied))
        return True
    db.execute(
        "UPDATE group_members SET display_name = ? WHERE group_id = ? AND user_key = ?",
        (display_name, group_id, user_key),
    )
    return False


def leave_group(db: Connection, group_id: int, user_key: str) -> bool:
    """True when the user was a member; their rows in the group's scopes go with them."""
    cur = db.execute(
        "DELETE FROM group_members WHERE group_id = ? AND user_key = ?", (group_id, user_key)
    )
    if cur.rowcount == 0:
        return False
    topics = group_topic_scope(group_id, "")
    gone = db.execute(
        "DELETE FROM scores WHERE user_key = ? AND (scope = ? OR substr(scope, 1, ?) = ?)"
        " RETURNING scope, period, points, answered, correct, streak, last_correct_day,"
        " mastered",
        (user_key, group_scope(group_id), len(topics), topics),
    ).fetchall()
    # the boards' sizes count down by trigger (boards_count_gone_player); their ranks here
    count_ranks(db, ((s, p, tuple(values), None) for s, p, *values in gone))
    return True


def add_group_scopes(db: Connection, batch: AnswerBatch) -> None:
    """Answer-batch step (before the score step): an answer in a workspace also counts in
    the answerer's study groups there, on the group's board and its per-topic board. One
    query per batch finds the answerers' groups."""
    new = batch.new
    users = list(dict.fromkeys(w.user_key for w in new))
    groups: dict[str, list[tuple[int, str]]] = {}
    for chunk in chunks(users):
        for user_key, group_id, workspace_key in db.execute(
            "SELECT m.user_key, m.group_id, g.workspace_key FROM group_members m"
            " JOIN study_groups g ON g.id = m.group_id"
            f" WHERE m.user_key IN ({marks(len(chunk))})",
            chunk,
        ):
            groups.setdefault(user_key, []).append((group_id, workspace_scope(workspace_key)))
    for w in new:
        extra = [
            scope
            for group_id, workspace in groups.get(w.user_key, ())
            if workspace in w.scopes
            for scope in (group_scope(group_id), group_topic_scope(group_id, w.topic_id))
        ]
        if extra:  # once each, should a batch ever be stored twice
            w.scopes = tuple(dict.fromkeys((*w.scopes, *extra)))


def group_members(db: Connection, group_id: int) -> list[Member]:
    """Every member, by name."""
    return [
        Member(*row)
        for row in db.execute(
            "SELECT m.user_key, COALESCE(u.display_name, m.display_name)"
            " FROM group_members m LEFT JOIN users u ON u.user_key = m.user_key"
            " WHERE m.group_id = ?"
            " ORDER BY lower(COALESCE(u.display_name, m.display_name)), m.user_key",
            (group_id,),
        )
    ]


def group_totals(db: Connection, scopes: Sequence[str], period: str) -> dict[str, tuple[int, int]]:
    """scope -> (answered, correct) summed over a group's rows (group_scope and
    group_topic_scope keys), for each scope."""
    out: dict[str, tuple[int, int]] = {}
    for scope in scopes:
        answered, correct = db.execute(
            "SELECT COALESCE(SUM(answered), 0), COALESCE(SUM(correct), 0) FROM scores"
            " WHERE scope = ? AND period = ?",
            (scope, period),
        ).fetchone()
        out[scope] = (answered, correct)
    return out


def group_misconception(
    db: Connection, group_id: int, workspace_key: str, since: str | None = None
) -> WrongChoice | None:
    """The wrong choice the group's members picked most often in this workspace (since
    ``since``, ISO UTC, when given); ties go to more distinct users, then the question."""
    row = db.execute(
        "SELECT a.question_id, a.choice, COUNT(*) AS times,"
        " COUNT(DISTINCT a.user_key) AS people"
        " FROM group_members m"
        " JOIN answers a ON a.user_key = m.user_key AND a.correct = 0 AND a.choice >= 0"
        " JOIN posts p ON p.id = a.post_id"
        " WHERE m.group_id = ? AND p.workspace_key = ? AND a.answered_at >= ?"
        " GROUP BY a.question_id, a.choice"
        " ORDER BY times DESC, people DESC, a.question_id, a.choice LIMIT 1",
        (group_id, workspace_key, since or ""),
    ).fetchone()
    return WrongChoice(*row) if row else None

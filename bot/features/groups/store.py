"""Study groups' SQL: groups, members, the group's totals and its most-picked wrong choice.

Functions take the ``Connection`` they run on (``Database.read``/``write``): SQLite's or
PostgreSQL's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.kernel.db import Connection

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
    db: Connection, group_id: int, user_key: str, display_name: str, joined_at: str
) -> bool:
    """True when the user joined, False when already a member (the name is refreshed)."""
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


def leave_group(db: Connection, group_id: int, user_key: str) -> bool:
    """True when the user was a member."""
    cur = db.execute(
        "DELETE FROM group_members WHERE group_id = ? AND user_key = ?", (group_id, user_key)
    )
    return cur.rowcount > 0


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


def group_totals(
    db: Connection, group_id: int, scopes: Sequence[str], period: str
) -> dict[str, tuple[int, int]]:
    """scope -> (answered, correct) summed over the group's members, for each scope."""
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

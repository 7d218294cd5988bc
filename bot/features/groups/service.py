"""Study groups: named sets of users in a workspace, with their own leaderboard and summary.

A group is a subset of its workspace with score rows of its own (group_scope,
group_topic_scope): the answer batch adds a member's answers to them (``store.add_group_scopes``),
joining copies the member's workspace rows, leaving deletes them. So a group board is an index
walk like a server board, whatever the group's size.
"""

from __future__ import annotations

import difflib
import unicodedata
from datetime import datetime, time

from bot.content import Pack
from bot.features.boards import BoardService, GroupBoard, Leaderboard, TopicAccuracy
from bot.features.groups import store
from bot.features.groups.results import (
    GroupList,
    GroupMembers,
    GroupMisconception,
    GroupSummary,
    StudyGroup,
)
from bot.features.groups.store import GroupRow
from bot.kernel.clock import local_day, week_start
from bot.kernel.errors import UserError
from bot.kernel.identity import Actor, group_scope, group_topic_scope
from bot.kernel.results import Notice

MAX_GROUP_NAME = 32
# chat mentions and broadcast words that must never end up in a name the bot echoes back
_MENTION_WORDS = ("@here", "@everyone", "@channel")
_KNOWN_BOARDS = 10_000  # groups whose board lookups are remembered (then forgotten at once)


def clean_group_name(name: str) -> str:
    """A group name as it is stored and shown: checked, inner whitespace collapsed.

    Raises UserError (one line) for an empty or too long name, a mention (<@123>, <#1>,
    <!channel>, @here, @everyone, or any '@', '<', '>'), control characters or newlines."""
    if any(c in name for c in "\r\n"):
        raise UserError("A group name must be on one line.")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in name):
        raise UserError("A group name cannot contain control or invisible characters.")
    cleaned = " ".join(name.split())
    if not cleaned:
        raise UserError("Give the group a name, e.g. /quiz group create os-study.")
    lowered = cleaned.lower()
    if any(c in cleaned for c in "@<>") or any(w in lowered for w in _MENTION_WORDS):
        raise UserError("A group name cannot contain mentions or the characters @ < >.")
    if len(cleaned) > MAX_GROUP_NAME:
        raise UserError(
            f"A group name can have at most {MAX_GROUP_NAME} characters ({len(cleaned)} given)."
        )
    return cleaned


def group_key(name: str) -> str:
    """The case-insensitive key names are unique by (per workspace)."""
    return unicodedata.normalize("NFKC", " ".join(name.split())).casefold()


class GroupService:
    """Study groups. Every method takes the acting user; names are case-insensitive."""

    def __init__(self, boards: BoardService) -> None:
        self.boards = boards
        self.db = boards.db
        self.clock = boards.clock
        # (workspace, name key) -> the group's board, once found: a group is never renamed
        # or deleted (no statement does either), so a board read skips the lookup's read
        self._boards: dict[tuple[str, str], GroupBoard] = {}

    @property
    def pack(self) -> Pack:
        """The content served now (a reload swaps it; see ``PackHolder``)."""
        return self.boards.pack

    async def create(self, actor: Actor, name: str) -> StudyGroup:
        """Create a group in the actor's workspace (admins only)."""
        cleaned = clean_group_name(name)
        row = await self.db.write(
            store.create_group,
            actor.workspace_key,
            group_key(cleaned),
            cleaned,
            actor.user_key,
            self.clock.now().isoformat(),
        )
        if row is None:
            existing = await self.db.read(store.find_group, actor.workspace_key, group_key(cleaned))
            shown = existing.name if existing else cleaned
            raise UserError(f"There is already a group called {shown!r}.")
        return StudyGroup(row.name, 0, created=True)

    async def get(self, actor: Actor, name: str) -> GroupRow:
        """The group called ``name`` in the actor's workspace; UserError lists close names."""
        cleaned = " ".join(name.split())
        if not cleaned:
            raise UserError("Which group? Name one; /quiz group list shows them all.")
        row = await self.db.read(store.find_group, actor.workspace_key, group_key(cleaned))
        if row is not None:
            return row
        groups = await self.db.read(store.list_groups, actor.workspace_key)
        keys = {g.name_key: g.name for g in groups}
        close = difflib.get_close_matches(group_key(cleaned), list(keys), n=3, cutoff=0.5)
        if close:
            hint = " Did you mean " + ", ".join(keys[k] for k in close) + "?"
        elif groups:
            hint = " Groups: " + ", ".join(g.name for g in groups[:10])
        else:
            hint = " There are no groups yet; an admin can /quiz group create <name>."
        raise UserError(f"No group called {cleaned[:MAX_GROUP_NAME]!r}.{hint}")

    async def join(self, actor: Actor, name: str) -> Notice:
        group = await self.get(actor, name)
        joined = await self.db.write(
            store.join_group,
            group.id,
            group.workspace_key,
            actor.user_key,
            actor.display_name,
            self.clock.now().isoformat(),
        )
        if not joined:
            return Notice(f"You are already in {group.name}.")
        count = group.members + 1
        return Notice(f"You joined {group.name} ({count} member{'s' if count != 1 else ''}).")

    async def leave(self, actor: Actor, name: str) -> Notice:
        group = await self.get(actor, name)
        if not await self.db.write(store.leave_group, group.id, actor.user_key):
            raise UserError(f"You are not in {group.name}.")
        return Notice(f"You left {group.name}.")

    async def list(self, actor: Actor) -> GroupList:
        rows = await self.db.read(store.list_groups, actor.workspace_key, actor.user_key)
        return GroupList(tuple(StudyGroup(g.name, g.members, g.is_member) for g in rows))

    async def members(self, actor: Actor, name: str) -> GroupMembers:
        group = await self.get(actor, name)
        members = await self.db.read(store.group_members, group.id)
        return GroupMembers(group.name, tuple(m.display_name for m in members))

    async def leaderboard(
        self,
        actor: Actor,
        name: str,
        period: str = "all",
        *,
        sort: str = "points",
        topic: str | None = None,
        limit: int = 10,
    ) -> Leaderboard:
        """The group's board; same periods, sorts and topics as QuizService.leaderboard."""
        key = (actor.workspace_key, group_key(name))
        board = self._boards.get(key)
        if board is None:
            group = await self.get(actor, name)
            board = GroupBoard(group.id, group.name, group.workspace_key)
            if len(self._boards) >= _KNOWN_BOARDS:
                self._boards.clear()
            self._boards[key] = board
        return await self.boards.leaderboard(
            actor, "group", period, limit, sort=sort, topic=topic, group=board
        )

    async def summary(self, actor: Actor, name: str) -> GroupSummary:
        """Members, answers this week, accuracy per topic (all time) and the wrong choice the
        group picks most often (all time), with its question and Why."""
        group = await self.get(actor, name)
        pack = self.pack
        zone = self.boards.zones.zone_of(actor.workspace_key)
        monday = week_start(local_day(self.clock.now(), zone))
        members = await self.db.read(store.group_members, group.id)
        await self.boards.settled()
        board = group_scope(group.id)
        (week_answered, week_correct) = (
            await self.db.read(store.group_totals, [board], monday.isoformat())
        )[board]
        scopes = [group_topic_scope(group.id, c.id) for c in pack.cards]
        totals = await self.db.read(store.group_totals, scopes, "all")
        per_topic = tuple(
            TopicAccuracy(card.title, *totals[scope])
            for card, scope in zip(pack.cards, scopes, strict=True)
            if totals[scope][0]
        )
        found = await self.db.read(store.group_misconception, group.id, actor.workspace_key)
        misconception = None
        question = pack.question(found.question_id) if found else None
        if found and question and 0 <= found.choice < len(question.choices):
            card = pack.card(question.topic_id)
            misconception = GroupMisconception(
                question_id=question.id,
                card_title=card.title if card else question.topic_id,
                prompt=question.prompt,
                wrong_choice=question.choices[found.choice],
                correct_choice=question.answer,
                why=question.why,
                times=found.times,
                users=found.users,
            )
        return GroupSummary(
            name=group.name,
            members=tuple(m.display_name for m in members),
            week_since=datetime.combine(monday, time(0), zone),
            answers_this_week=week_answered,
            correct_this_week=week_correct,
            per_topic=per_topic,
            misconception=misconception,
        )

"""Study groups: named sets of users in a workspace, with their own leaderboard and summary.

A group is a subset of its workspace, so its boards are served from the workspace's
materialized score rows (joined by member); groups write nothing per answer.
"""

from __future__ import annotations

import difflib
import unicodedata
from datetime import datetime, time

from bot.commands import CommandRouter, CommandSpec, Reply
from bot.models import (
    Actor,
    GroupList,
    GroupMembers,
    GroupMisconception,
    GroupSummary,
    Leaderboard,
    Notice,
    StudyGroup,
    TopicAccuracy,
)
from bot.quiz import QuizError, QuizService, topic_scope
from bot.scoring import local_day, week_start
from bot.storage import GroupRow

MAX_GROUP_NAME = 32
# chat mentions and broadcast words that must never end up in a name the bot echoes back
_MENTION_WORDS = ("@here", "@everyone", "@channel")


def clean_group_name(name: str) -> str:
    """A group name as it is stored and shown: checked, inner whitespace collapsed.

    Raises QuizError (one line) for an empty or too long name, a mention (<@123>, <#1>,
    <!channel>, @here, @everyone, or any '@', '<', '>'), control characters or newlines."""
    if any(c in name for c in "\r\n"):
        raise QuizError("A group name must be on one line.")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in name):
        raise QuizError("A group name cannot contain control or invisible characters.")
    cleaned = " ".join(name.split())
    if not cleaned:
        raise QuizError("Give the group a name, e.g. /quiz group create os-study.")
    lowered = cleaned.lower()
    if any(c in cleaned for c in "@<>") or any(w in lowered for w in _MENTION_WORDS):
        raise QuizError("A group name cannot contain mentions or the characters @ < >.")
    if len(cleaned) > MAX_GROUP_NAME:
        raise QuizError(
            f"A group name can have at most {MAX_GROUP_NAME} characters ({len(cleaned)} given)."
        )
    return cleaned


def group_key(name: str) -> str:
    """The case-insensitive key names are unique by (per workspace)."""
    return unicodedata.normalize("NFKC", " ".join(name.split())).casefold()


class GroupService:
    """Study groups. Every method takes the acting user; names are case-insensitive."""

    def __init__(self, quiz: QuizService) -> None:
        self.quiz = quiz
        self.storage = quiz.storage

    async def create(self, actor: Actor, name: str) -> StudyGroup:
        """Create a group in the actor's workspace (admins only)."""
        if not actor.is_admin:
            raise QuizError("Only an admin can create study groups.")
        cleaned = clean_group_name(name)
        row = await self.storage.create_group(
            actor.workspace_key,
            group_key(cleaned),
            cleaned,
            actor.user_key,
            self.quiz.clock.now().isoformat(),
        )
        if row is None:
            existing = await self.storage.find_group(actor.workspace_key, group_key(cleaned))
            shown = existing.name if existing else cleaned
            raise QuizError(f"There is already a group called {shown!r}.")
        return StudyGroup(row.name, 0)

    async def get(self, actor: Actor, name: str) -> GroupRow:
        """The group called ``name`` in the actor's workspace; QuizError lists close names."""
        cleaned = " ".join(name.split())
        if not cleaned:
            raise QuizError("Which group? Name one; /quiz group list shows them all.")
        row = await self.storage.find_group(actor.workspace_key, group_key(cleaned))
        if row is not None:
            return row
        groups = await self.storage.list_groups(actor.workspace_key)
        keys = {g.name_key: g.name for g in groups}
        close = difflib.get_close_matches(group_key(cleaned), list(keys), n=3, cutoff=0.5)
        if close:
            hint = " Did you mean " + ", ".join(keys[k] for k in close) + "?"
        elif groups:
            hint = " Groups: " + ", ".join(g.name for g in groups[:10])
        else:
            hint = " There are no groups yet; an admin can /quiz group create <name>."
        raise QuizError(f"No group called {cleaned[:MAX_GROUP_NAME]!r}.{hint}")

    async def join(self, actor: Actor, name: str) -> Notice:
        group = await self.get(actor, name)
        joined = await self.storage.join_group(
            group.id, actor.user_key, actor.display_name, self.quiz.clock.now().isoformat()
        )
        if not joined:
            return Notice(f"You are already in {group.name}.")
        count = group.members + 1
        return Notice(f"You joined {group.name} ({count} member{'s' if count != 1 else ''}).")

    async def leave(self, actor: Actor, name: str) -> Notice:
        group = await self.get(actor, name)
        if not await self.storage.leave_group(group.id, actor.user_key):
            raise QuizError(f"You are not in {group.name}.")
        return Notice(f"You left {group.name}.")

    async def list(self, actor: Actor) -> GroupList:
        rows = await self.storage.list_groups(actor.workspace_key, actor.user_key)
        return GroupList(tuple(StudyGroup(g.name, g.members, g.is_member) for g in rows))

    async def members(self, actor: Actor, name: str) -> GroupMembers:
        group = await self.get(actor, name)
        members = await self.storage.group_members(group.id)
        return GroupMembers(group.name, tuple(display for _, display in members))

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
        group = await self.get(actor, name)
        return await self.quiz.leaderboard(
            actor, "group", period, limit, sort=sort, topic=topic, group=group
        )

    async def summary(self, actor: Actor, name: str) -> GroupSummary:
        """Members, answers this week, accuracy per topic (all time) and the wrong choice the
        group picks most often (all time), with its question and Why."""
        group = await self.get(actor, name)
        pack = self.quiz.pack
        zone = self.quiz.workspace_zone(actor.workspace_key)
        monday = week_start(local_day(self.quiz.clock.now(), zone))
        members = await self.storage.group_members(group.id)
        ws_scope = f"ws:{actor.workspace_key}"
        (week_answered, week_correct) = (
            await self.storage.group_totals(group.id, [ws_scope], monday.isoformat())
        )[ws_scope]
        scopes = [topic_scope(actor.workspace_key, c.id) for c in pack.cards]
        totals = await self.storage.group_totals(group.id, scopes, "all")
        per_topic = tuple(
            TopicAccuracy(card.title, *totals[scope])
            for card, scope in zip(pack.cards, scopes, strict=True)
            if totals[scope][0]
        )
        found = await self.storage.group_misconception(group.id, actor.workspace_key)
        misconception = None
        question = pack.question(found.question_id) if found else None
        if found and question and 0 <= found.choice < len(question.choices):
            card = pack.card(question.card_id)
            misconception = GroupMisconception(
                question_id=question.id,
                card_title=card.title if card else question.card_id,
                prompt=question.prompt,
                wrong_choice=question.choices[found.choice],
                correct_choice=question.answer,
                why=question.why,
                times=found.times,
                users=found.users,
            )
        return GroupSummary(
            name=group.name,
            members=tuple(display for _, display in members),
            week_since=datetime.combine(monday, time(0), zone),
            answers_this_week=week_answered,
            correct_this_week=week_correct,
            per_topic=per_topic,
            misconception=misconception,
        )


GROUP_USAGE = "group create|join|leave|members|summary <name> · group list"


def register_group_commands(router: CommandRouter, groups: GroupService) -> None:
    """Add ``/quiz group …`` to the router and let its leaderboard serve group boards."""
    router.groups = groups

    async def handle(actor: Actor, args: list[str]) -> Reply:
        if not args:
            raise QuizError(f"Usage: /quiz {GROUP_USAGE}")
        action, name = args[0].lower(), " ".join(args[1:])
        if action == "list":
            return await groups.list(actor)
        if action == "create":
            group = await groups.create(actor, name)
            return Notice(
                f"Created study group {group.name}. Join with /quiz group join {group.name}"
            )
        if action == "join":
            return await groups.join(actor, name)
        if action == "leave":
            return await groups.leave(actor, name)
        if action == "members":
            return await groups.members(actor, name)
        if action == "summary":
            return await groups.summary(actor, name)
        raise QuizError(f"Unknown group action {args[0]!r}. Usage: /quiz {GROUP_USAGE}")

    router.register(
        CommandSpec(
            "group",
            GROUP_USAGE,
            "study groups",
            handle,
            aliases=("groups",),
            needs_admin=lambda args: bool(args) and args[0].lower() == "create",
        )
    )

"""The study groups feature as the app wires it, and every leaderboard (a group's, or the
boards' own: groups sit above boards)."""

from __future__ import annotations

from bot.features.boards.requests import ShowLeaderboard
from bot.features.groups import requests as groups
from bot.features.groups import store
from bot.kernel.dispatch import Result
from bot.kernel.features import AnswerStep, App, Feature, Handlers, StepPhase
from bot.kernel.identity import Actor


def handlers(app: App) -> Handlers:
    g, b = app.groups, app.boards

    async def leaderboard(actor: Actor, r: ShowLeaderboard) -> Result:
        if r.group is not None:
            return await g.leaderboard(actor, r.group, r.period, sort=r.sort, topic=r.topic)
        return await b.leaderboard(actor, r.scope, r.period, sort=r.sort, topic=r.topic)

    async def create_group(actor: Actor, r: groups.CreateGroup) -> Result:
        return await g.create(actor, r.name)  # a StudyGroup: each adapter escapes its name

    async def join_group(actor: Actor, r: groups.JoinGroup) -> Result:
        return await g.join(actor, r.name)

    async def leave_group(actor: Actor, r: groups.LeaveGroup) -> Result:
        return await g.leave(actor, r.name)

    async def list_groups(actor: Actor, r: groups.ListGroups) -> Result:
        return await g.list(actor)

    async def group_members(actor: Actor, r: groups.ShowGroupMembers) -> Result:
        return await g.members(actor, r.name)

    async def group_summary(actor: Actor, r: groups.ShowGroupSummary) -> Result:
        return await g.summary(actor, r.name)

    return (
        (ShowLeaderboard, leaderboard),
        (groups.CreateGroup, create_group),
        (groups.JoinGroup, join_group),
        (groups.LeaveGroup, leave_group),
        (groups.ListGroups, list_groups),
        (groups.ShowGroupMembers, group_members),
        (groups.ShowGroupSummary, group_summary),
    )


# the answerers' study groups: the scopes the score step also counts the answers in
SCOPES = AnswerStep("groups.add_group_scopes", store.add_group_scopes, phase=StepPhase.DERIVED)

FEATURE = Feature(
    "groups",
    commands=groups.COMMANDS,
    handlers=handlers,
    answer_steps=(SCOPES,),
    # its schema: v004 made the groups with the time zones, board sizes and FSRS cards they
    # came with (one released file, owned by the highest feature whose tables it touches)
    migrations="bot.features.groups.migrations",
)

"""The teacher's view as the app wires it (every request admins only: the dispatcher checks)."""

from __future__ import annotations

from bot.features.teacher import requests as teacher
from bot.features.teacher.first_answers import record_first_answers
from bot.kernel.dispatch import Result
from bot.kernel.features import AnswerStep, App, Feature, Handlers, StepPhase
from bot.kernel.identity import Actor


def handlers(app: App) -> Handlers:
    t = app.teacher

    async def flagged(actor: Actor, r: teacher.ShowFlaggedItems) -> Result:
        return await t.flagged(actor, r)

    async def items(actor: Actor, r: teacher.AnalyseItems) -> Result:
        return await t.item_report(actor, r)

    async def item(actor: Actor, r: teacher.ShowItem) -> Result:
        return await t.item(actor, r, r.question_id)

    async def learners(actor: Actor, r: teacher.ReportLearners) -> Result:
        return await t.learners(actor, r)

    async def group(actor: Actor, r: teacher.ShowGroupProgress) -> Result:
        return await t.group_progress(actor, r.group)

    async def channel(actor: Actor, r: teacher.ShowChannelHistory) -> Result:
        return await t.channel_history(actor, r.channel)

    async def channels(actor: Actor, r: teacher.ListDailyChannels) -> Result:
        return await t.daily_channels(actor)

    async def dashboard(actor: Actor, r: teacher.OpenDashboard) -> Result:
        return await t.dashboard_link(actor, r.group)

    return (
        (teacher.ShowFlaggedItems, flagged),
        (teacher.AnalyseItems, items),
        (teacher.ShowItem, item),
        (teacher.ReportLearners, learners),
        (teacher.ShowGroupProgress, group),
        (teacher.ShowChannelHistory, channel),
        (teacher.ListDailyChannels, channels),
        (teacher.OpenDashboard, dashboard),
    )


# derived: each learner's first answer to each question in its workspace (item analysis)
FIRST_ANSWERS = AnswerStep(
    "teacher.record_first_answers", record_first_answers, phase=StepPhase.DERIVED
)

FEATURE = Feature(
    "teacher",
    commands=teacher.COMMANDS,
    handlers=handlers,
    answer_steps=(FIRST_ANSWERS,),
    migrations="bot.features.teacher.migrations",  # its schema
)

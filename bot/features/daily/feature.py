"""The daily question feature as the app wires it (the schedules; posting is the host's
scheduler, adapters/platform.py)."""

from __future__ import annotations

from bot.features.daily import requests as daily
from bot.features.daily import steps
from bot.kernel.dispatch import Result
from bot.kernel.errors import UserError
from bot.kernel.features import AnswerStep, App, Feature, Handlers, StepPhase
from bot.kernel.identity import Actor


def handlers(app: App) -> Handlers:
    d = app.daily

    async def daily_set(actor: Actor, r: daily.SetDailySchedule) -> Result:
        if r.problem:  # after the dispatcher's admin check: a non-admin learns nothing else
            raise UserError(r.problem)
        return await d.set_schedule(
            actor, r.at, r.zone, tuple(r.days), r.topic, r.window_hours, r.channel
        )

    async def daily_show(actor: Actor, r: daily.ShowDailySchedule) -> Result:
        return await d.show(actor, r.channel)

    async def daily_off(actor: Actor, r: daily.StopDailySchedule) -> Result:
        return await d.stop_schedule(actor, r.channel)

    async def daily_now(actor: Actor, r: daily.PostDailyNow) -> Result:
        return await d.post_now(actor, r.channel)

    return (
        (daily.SetDailySchedule, daily_set),
        (daily.ShowDailySchedule, daily_show),
        (daily.StopDailySchedule, daily_off),
        (daily.PostDailyNow, daily_now),
    )


async def stop_schedulers(app: App) -> None:
    for scheduler in list(app.daily.schedulers.values()):
        await scheduler.stop()


# before anything is stored: answers to a daily post whose window has closed are refused
REFUSE = AnswerStep("daily.refuse_closed_windows", steps.refuse_closed_windows)
# derived: the answerers' streaks in the daily post's channel
STREAKS = AnswerStep("daily.update_streaks", steps.update_streaks, phase=StepPhase.DERIVED)

FEATURE = Feature(
    "daily",
    commands=daily.COMMANDS,
    handlers=handlers,
    answer_steps=(REFUSE, STREAKS),
    stop=stop_schedulers,
    migrations="bot.features.daily.migrations",  # its schema
)

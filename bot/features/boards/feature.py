"""The boards feature as the app wires it: stats, the workspace's time zone. Leaderboards are
the study groups' feature's to answer (a group board is one of them)."""

from __future__ import annotations

from bot.features.boards import requests as boards
from bot.features.boards import steps
from bot.kernel.dispatch import Result
from bot.kernel.features import AnswerStep, App, Feature, Handlers, StepPhase
from bot.kernel.identity import Actor
from bot.kernel.results import Notice


def handlers(app: App) -> Handlers:
    b = app.boards

    async def stats(actor: Actor, r: boards.ShowStats) -> Result:
        return await b.stats(actor, r.user_key)

    async def show_zone(actor: Actor, r: boards.ShowTimezone) -> Result:
        zone = b.zones.zone_of(actor.workspace_key)
        return Notice(
            f"Days and weeks here are counted in {zone.key}."
            " Admins can change it: /quiz timezone <IANA zone>"
        )

    async def set_zone(actor: Actor, r: boards.SetTimezone) -> Result:
        zone = await b.zones.set(actor, r.zone)
        return Notice(f"Time zone set to {zone.key}: weeks start Monday 00:00 there.")

    return (
        (boards.ShowStats, stats),
        (boards.ShowTimezone, show_zone),
        (boards.SetTimezone, set_zone),
    )


async def load_zones(app: App) -> None:
    await app.boards.zones.load()


# in the click: the users' totals and day streaks, which the reply prints
TOTALS = AnswerStep("boards.update_totals", steps.update_totals, after=("quiz.score_by_due",))
# derived: score rows at every scope the answers count in (the groups' too), with mastery
SCORES = AnswerStep(
    "boards.update_scores",
    steps.update_scores,
    after=("groups.add_group_scopes", "quiz.review_cards"),
    phase=StepPhase.DERIVED,
)

FEATURE = Feature(
    "boards",
    commands=boards.COMMANDS,
    handlers=handlers,
    answer_steps=(TOTALS, SCORES),
    start=load_zones,
    migrations="bot.features.boards.migrations",  # its schema
)

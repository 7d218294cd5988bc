"""The live quiz (quiz night) as the app wires it: its commands, and a live round's answer
(``AnswerLiveRound``, what its buttons carry), locked in until the round closes."""

from __future__ import annotations

from bot.features.live import requests as live
from bot.features.live import store
from bot.features.live.store import LIVE_POST
from bot.kernel.dispatch import Result
from bot.kernel.features import AnswerStep, App, Feature, Handlers
from bot.kernel.identity import Actor
from bot.kernel.results import Notice

NOT_A_LIVE_ROUND = "That question is not a live quiz round; answer it with its own buttons."


def handlers(app: App) -> Handlers:
    q, lv = app.quiz, app.live

    async def answer(actor: Actor, r: live.AnswerLiveRound) -> Result:
        post = await q.get_post(r.post_id)
        if post is None or post.workspace_key != actor.workspace_key:
            return Notice("That question is not available any more.", error=True)
        if post.kind != LIVE_POST:  # a forged or mixed-up button: no quiz answer is made here
            return Notice(NOT_A_LIVE_ROUND, error=True)
        return await lv.answer(actor, post, r.choice)  # locked in, not revealed

    async def live_start(actor: Actor, r: live.StartLive) -> Result:
        return await lv.start(actor, r.topic, r.rounds, r.seconds)

    async def live_stop(actor: Actor, r: live.StopLive) -> Result:
        return await lv.stop(actor)

    async def live_show(actor: Actor, r: live.ShowLive) -> Result:
        return await lv.show(actor)

    return (
        (live.AnswerLiveRound, answer),
        (live.StartLive, live_start),
        (live.StopLive, live_stop),
        (live.ShowLive, live_show),
    )


async def stop_runners(app: App) -> None:
    for runner in list(app.live.runners.values()):
        await runner.stop()


# before the answer rows: a live answer counts only while its round is open (stored rule)
RECORD = AnswerStep(
    "live.record_answers", store.record_answers, after=("daily.refuse_closed_windows",)
)

FEATURE = Feature(
    "live",
    commands=live.COMMANDS,
    handlers=handlers,
    answer_steps=(RECORD,),
    stop=stop_runners,
    migrations="bot.features.live.migrations",  # its schema
)

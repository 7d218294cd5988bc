"""The live quiz (quiz night) as the app wires it, and every answer click: a live round's
answer is locked in (live sits above the quiz), any other post's is the quiz's."""

from __future__ import annotations

from bot.features.live import requests as live
from bot.features.live import store
from bot.features.live.store import LIVE_POST
from bot.features.quiz.requests import AnswerQuestion
from bot.kernel.dispatch import Result
from bot.kernel.features import AnswerStep, App, Feature, Handlers
from bot.kernel.identity import Actor


def handlers(app: App) -> Handlers:
    q, lv = app.quiz, app.live

    async def answer(actor: Actor, r: AnswerQuestion) -> Result:
        post = await q.get_post(r.post_id)
        if post is not None and post.kind == LIVE_POST:
            return await lv.answer(actor, post, r.choice)  # locked in, not revealed
        return await q.answer(actor, r.post_id, r.choice)

    async def live_start(actor: Actor, r: live.StartLive) -> Result:
        return await lv.start(actor, r.topic, r.rounds, r.seconds)

    async def live_stop(actor: Actor, r: live.StopLive) -> Result:
        return await lv.stop(actor)

    async def live_show(actor: Actor, r: live.ShowLive) -> Result:
        return await lv.show(actor)

    return (
        (AnswerQuestion, answer),
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
)

"""The clicks of the question kinds beyond one right choice: a flashcard's "Show the back",
and choose-all-that-apply's ticks and Submit. Mixed into ``SlackAdapter``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.context.respond.async_respond import AsyncRespond

from adapters.slack_bot.payloads import click_actor
from adapters.slack_bot.render import render
from adapters.slack_bot.render_base import checked_choices
from bot.features.quiz.requests import AnswerChoices, RevealFlashcard
from bot.kernel.results import SORRY, Notice

if TYPE_CHECKING:
    from adapters.shutdown import GracefulStop
    from adapters.slack_bot.blocks import SlackMessage
    from bot.app import QuizApp

log = logging.getLogger("adapters.slack_bot.adapter")


class QuestionKindClicks:
    app: QuizApp
    stop_signal: GracefulStop

    if TYPE_CHECKING:  # SlackAdapter's

        async def reply_privately(
            self,
            messages: list[SlackMessage],
            respond: AsyncRespond,
            replace_original: bool | None = None,
        ) -> None: ...

    async def on_multi_pick(self, ack: Callable[..., Any]) -> None:
        """A box ticked or cleared: nothing to do until the choices are submitted."""
        await ack()

    async def on_multi_submit(
        self,
        ack: Callable[..., Any],
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
    ) -> None:
        """Choose all that apply: the boxes ticked on the post, answered privately."""
        self.stop_signal.track()  # before the ack, as for a click on a choice
        await ack()
        try:
            value = str(action.get("value", ""))
            actor = click_actor(body)
            reply: object = Notice("Tick the right choices first, then submit them.", error=True)
            if value.isascii() and value.isdigit() and len(value) <= 18:
                chosen = checked_choices(body.get("state"), int(value))
                if chosen is not None and actor is not None:
                    reply = await self.app.dispatch(actor, AnswerChoices(int(value), chosen))
            await self.reply_privately(render(reply), respond, replace_original=False)
        except Exception:
            log.exception("choices submit failed")
            await self.reply_privately(render(SORRY), respond, replace_original=False)

    async def on_flip(
        self,
        ack: Callable[..., Any],
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
    ) -> None:
        """A flashcard's "Show the back": the back and the two grades, privately."""
        await ack()
        try:
            value = str(action.get("value", ""))
            reply: object = Notice("That button is not a flashcard; ask for a new one.", error=True)
            if value.isascii() and value.isdigit() and len(value) <= 18:
                reply = await self.app.dispatch(click_actor(body), RevealFlashcard(int(value)))
            await self.reply_privately(render(reply), respond, replace_original=False)
        except Exception:
            log.exception("flashcard click failed")
            await self.reply_privately(render(SORRY), respond, replace_original=False)

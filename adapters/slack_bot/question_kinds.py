"""The clicks of the question kinds beyond one right choice: a flashcard's "Show the back",
and choose-all-that-apply's ticks and Submit. Mixed into ``SlackAdapter``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.context.respond.async_respond import AsyncRespond

from adapters.slack_bot.payloads import click_actor
from adapters.slack_bot.render import render
from adapters.slack_bot.render_base import checked_choices, post_id_value
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

        async def reply() -> object:
            post_id, actor = post_id_value(action.get("value", "")), click_actor(body)
            chosen = checked_choices(body.get("state"), post_id) if post_id is not None else None
            if post_id is None or chosen is None or actor is None:
                return Notice("Tick the right choices first, then submit them.", error=True)
            return await self.app.dispatch(actor, AnswerChoices(post_id, chosen))

        await self._reply_to_click(respond, reply, "choices submit")

    async def on_flip(
        self,
        ack: Callable[..., Any],
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
    ) -> None:
        """A flashcard's "Show the back": the back and the two grades, privately."""
        await ack()

        async def reply() -> object:
            post_id = post_id_value(action.get("value", ""))
            if post_id is None:
                return Notice("That button is not a flashcard; ask for a new one.", error=True)
            return await self.app.dispatch(click_actor(body), RevealFlashcard(post_id))

        await self._reply_to_click(respond, reply, "flashcard click")

    async def _reply_to_click(
        self, respond: AsyncRespond, reply: Callable[[], Awaitable[object]], what: str
    ) -> None:
        """The click's reply, privately; a failure is logged and the clicker told."""
        try:
            await self.reply_privately(render(await reply()), respond, replace_original=False)
        except Exception:
            log.exception("%s failed", what)
            await self.reply_privately(render(SORRY), respond, replace_original=False)

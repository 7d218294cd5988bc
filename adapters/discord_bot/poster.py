"""Posting without an interaction (the daily question): plain REST through a logged-in client."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from adapters.discord_bot.render import render
from bot.commands import Reply
from bot.models import QuestionView

if TYPE_CHECKING:
    from bot.app import QuizApp


class DiscordPostError(RuntimeError):
    """A message could not be posted (no access to the channel, channel gone, ...)."""


class DiscordPoster:
    """Sends rendered core results to a channel by id; needs only a logged-in client (REST),
    not the gateway. Channel ids are Discord's (``Actor.channel_id``), as str or int. With an
    ``app``, a posted question's ``message_ref`` ("channel:message") is stored on its post."""

    def __init__(self, client: discord.Client, app: QuizApp | None = None) -> None:
        self.client = client
        self.app = app

    async def post_question(self, channel_id: str | int, view: QuestionView) -> str:
        """Post ``view`` (embed + answer buttons) to the channel; returns the message id."""
        return (await self.post(channel_id, view))[0]

    async def post_to_channel(self, channel_id: str, reply: Reply) -> str | None:
        """Same shape as the Slack adapter's: post any result, return "channel:message" of the
        first message."""
        ids = await self.post(channel_id, reply)
        return f"{channel_id}:{ids[0]}" if ids else None

    async def post(self, channel_id: str | int, reply: Reply) -> list[str]:
        """Post any core result (e.g. the daily results); returns the message ids in order."""
        channel = self.client.get_partial_messageable(int(channel_id))
        ids = []
        for message in render(reply):
            try:
                sent = await channel.send(**message.send_kwargs())
            except discord.HTTPException as exc:
                raise DiscordPostError(
                    f"cannot post to Discord channel {channel_id}: {exc.status} {exc.text}"
                ) from exc
            ids.append(str(sent.id))
        if ids and self.app is not None and isinstance(reply, QuestionView):
            await self.app.storage.set_message_ref(reply.post_id, f"{channel_id}:{ids[0]}")
        return ids

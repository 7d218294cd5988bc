"""Posting without an interaction (the daily question): plain REST through a logged-in client."""

from __future__ import annotations

import discord

from adapters.discord_bot.render import render
from bot.commands import Reply
from bot.models import QuestionView


class DiscordPostError(RuntimeError):
    """A message could not be posted (no access to the channel, channel gone, ...)."""


class DiscordPoster:
    """Sends rendered core results to a channel by id; needs only a logged-in client (REST),
    not the gateway. Channel ids are Discord's (``Actor.channel_id``), as str or int."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def post_question(self, channel_id: str | int, view: QuestionView) -> str:
        """Post ``view`` (embed + answer buttons) to the channel; returns the message id."""
        return (await self.post(channel_id, view))[0]

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
        return ids

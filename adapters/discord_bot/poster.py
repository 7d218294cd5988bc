"""Posting without an interaction (the daily question, live rounds): plain REST through a
logged-in client. ``DiscordPoster`` sends any rendered core result to a channel, as a reply to an
earlier message when asked, and edits a message in place; ``DiscordPlatform`` (platform.py) puts
it on the platform contract. A refused post raises ``DiscordPostError``, which the scheduler
records (and does not retry).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from adapters.discord_bot.render import render
from bot.features.quiz import QuestionView
from bot.features.quiz.requests import RecordPostMessage
from bot.kernel.dispatch import Result
from bot.kernel.identity import Actor

if TYPE_CHECKING:
    from bot.app import QuizApp


# Discord refuses a reply when the bot may not read the channel's history
CANNOT_REPLY_WITHOUT_HISTORY = 160002


# who records where a posted question went (no user is behind a post the bot makes itself)
POSTER = Actor("discord", "quizbot", "quizbot")


class DiscordPostError(RuntimeError):
    """A message could not be posted (no access to the channel, channel gone, ...)."""


def message_ref(channel_id: str | int, message_id: str | int) -> str:
    return f"{channel_id}:{message_id}"


def reply_target(ref: str | None, channel_id: str | int) -> discord.MessageReference | None:
    """The message ``ref`` ("channel:message") to reply to, if it is in ``channel_id``."""
    channel, _, message = (ref or "").partition(":")
    if channel != str(channel_id) or not message.isdigit():
        return None
    # fail_if_not_exists=False: a deleted question message must not cost us the results post
    return discord.MessageReference(
        message_id=int(message), channel_id=int(channel), fail_if_not_exists=False
    )


class DiscordPoster:
    """Sends rendered core results to a channel by id; needs only a logged-in client (REST),
    not the gateway. Channel ids are Discord's (``Actor.channel_id``), as str or int. With an
    ``app``, a question posted through ``post_to_channel``/``post`` gets its ``message_ref``
    stored on its post (the daily scheduler stores the ref of its own posts itself)."""

    def __init__(self, client: discord.Client, app: QuizApp | None = None) -> None:
        self.client = client
        self.app = app

    async def post_reply(self, channel_id: str, reply: Result, reply_to: str | None) -> str:
        """``reply`` as a reply to the message ``reply_to`` when it is in this channel (a plain
        post when the bot lacks Read Message History, which replies need); returns
        "channel:message" of the first message."""
        reference = reply_target(reply_to, channel_id)
        try:
            ids = await self.post(channel_id, reply, reference=reference)
        except DiscordPostError as exc:
            cause = exc.__cause__
            if reference is None or getattr(cause, "code", None) != CANNOT_REPLY_WITHOUT_HISTORY:
                raise
            ids = await self.post(channel_id, reply)
        if not ids:
            raise DiscordPostError(f"nothing to post to Discord channel {channel_id}")
        return message_ref(channel_id, ids[0])

    async def edit(self, ref: str, reply: Result) -> None:
        """Replace the message ``ref`` ("channel:message") with ``reply`` (one message)."""
        channel_id, _, message_id = ref.partition(":")
        if not channel_id.isdigit() or not message_id.isdigit():
            raise DiscordPostError(f"no Discord message in {ref!r}")
        [message] = render(reply)
        partial = self.client.get_partial_messageable(int(channel_id))
        try:
            await partial.get_partial_message(int(message_id)).edit(**message.edit_kwargs())
        except discord.HTTPException as exc:
            raise DiscordPostError(
                f"cannot edit Discord message {ref}: {exc.status} {exc.text}"
            ) from exc

    # -- any result -------------------------------------------------------------------------

    async def post_to_channel(self, channel_id: str, reply: Result) -> str | None:
        """Same shape as the Slack adapter's: post any result, return "channel:message" of the
        first message."""
        ids = await self.post(channel_id, reply)
        return message_ref(channel_id, ids[0]) if ids else None

    async def post(
        self,
        channel_id: str | int,
        reply: Result,
        *,
        reference: discord.MessageReference | None = None,
    ) -> list[str]:
        """Post any core result; returns the message ids in order. ``reference`` makes the
        first message a reply."""
        channel = self.client.get_partial_messageable(int(channel_id))
        ids = []
        for index, message in enumerate(render(reply)):
            kwargs = message.send_kwargs()
            if index == 0 and reference is not None:
                kwargs["reference"] = reference
                kwargs["mention_author"] = False  # the "author" is the bot itself
            try:
                sent = await channel.send(**kwargs)
            except discord.HTTPException as exc:
                raise DiscordPostError(
                    f"cannot post to Discord channel {channel_id}: {exc.status} {exc.text}"
                ) from exc
            ids.append(str(sent.id))
        if ids and self.app is not None and isinstance(reply, QuestionView):
            ref = message_ref(channel_id, ids[0])
            await self.app.dispatch(POSTER, RecordPostMessage(reply.post_id, ref))
        return ids

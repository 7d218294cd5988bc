"""Posting without an interaction (the daily question): plain REST through a logged-in client.

``DiscordPoster`` implements ``bot.schedule.DailyPoster``: the scheduler hands it a
``DailyQuestion`` (sent as an embed with the usual answer buttons, so clicks take the normal
answer path) and, when the answer window ends, ``DailyResults`` (sent as a reply to the question
message). Both return the message reference "channel:message"; a refused post raises
``DiscordPostError``, which the scheduler records (and does not retry).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from adapters.discord_bot.render import render
from bot.features.daily import DailyQuestion, DailyResults
from bot.features.live import LivePodium, LiveRound, LiveScoreboard, RoundReveal
from bot.features.quiz import QuestionView
from bot.features.quiz.requests import RecordPostMessage
from bot.kernel.dispatch import Result
from bot.kernel.identity import Actor, ChannelRef

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

    # -- bot.schedule.DailyPoster -------------------------------------------------------------

    async def post_question(self, channel: ChannelRef, question: DailyQuestion) -> str:
        """The day's question (embed + answer buttons); returns "channel:message"."""
        ids = await self.post(channel.channel_id, question)
        return message_ref(channel.channel_id, ids[0])

    async def post_results(self, channel: ChannelRef, results: DailyResults) -> str:
        """The results, as a reply to the question message when it is in this channel (a plain
        post when the bot lacks Read Message History, which replies need)."""
        reference = reply_target(results.question_ref, channel.channel_id)
        try:
            ids = await self.post(channel.channel_id, results, reference=reference)
        except DiscordPostError as exc:
            cause = exc.__cause__
            if reference is None or getattr(cause, "code", None) != CANNOT_REPLY_WITHOUT_HISTORY:
                raise
            ids = await self.post(channel.channel_id, results)
        return message_ref(channel.channel_id, ids[0])

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


class DiscordLivePoster:
    """``bot.features.live.LivePoster`` for Discord: the round as an embed with answer buttons
    (clicks take the normal answer path, which locks live answers in), one message edit when it
    closes (the reveal, buttons disabled), the scoreboard or podium as a post."""

    def __init__(self, poster: DiscordPoster) -> None:
        self.poster = poster

    async def post_round(self, channel: ChannelRef, live_round: LiveRound) -> str:
        ids = await self.poster.post(channel.channel_id, live_round)
        return message_ref(channel.channel_id, ids[0])

    async def close_round(self, channel: ChannelRef, ref: str, reveal: RoundReveal) -> None:
        channel_id, _, message_id = ref.partition(":")
        if not message_id.isdigit():
            raise DiscordPostError(f"no Discord message in {ref!r}")
        [message] = render(reveal)
        partial = self.poster.client.get_partial_messageable(int(channel_id))
        try:
            await partial.get_partial_message(int(message_id)).edit(**message.edit_kwargs())
        except discord.HTTPException as exc:
            raise DiscordPostError(
                f"cannot edit Discord message {ref}: {exc.status} {exc.text}"
            ) from exc

    async def post_standings(
        self, channel: ChannelRef, standings: LiveScoreboard | LivePodium
    ) -> str:
        ids = await self.poster.post(channel.channel_id, standings)
        return message_ref(channel.channel_id, ids[0])

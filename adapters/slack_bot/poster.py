"""The daily question on Slack: the core's ``DailyPoster``, posting with the bot token.

The question is the usual question message (same answer buttons, so clicks take the ordinary
answer path) under a "question of the day" header, with when answers close. The results go in
the question's thread and are broadcast to the channel too: the thread keeps question and
results together, the broadcast lets everyone who did not open the thread see them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from adapters.slack_bot.render import render
from bot.features.daily import DailyQuestion, DailyResults
from bot.features.live import LivePodium, LiveRound, LiveScoreboard, RoundReveal
from bot.kernel.identity import ChannelRef

if TYPE_CHECKING:
    from adapters.slack_bot.adapter import SlackAdapter

# Why Slack refuses a scheduled post, in words an admin can act on (shown by /quiz daily show
# and /quiz daily now).
REFUSALS = {
    "not_in_channel": "the bot is not in the channel; invite it with /invite @quizbot",
    "channel_not_found": "the channel is gone, or private without the bot; invite the bot",
    "is_archived": "the channel is archived",
    "missing_scope": "the app lacks the chat:write scope; reinstall it from the manifest",
    "restricted_action": "the workspace does not let the bot post in that channel",
}
# The question's message was deleted (or its ts is bad): post the results on their own.
THREAD_GONE = frozenset({"thread_not_found", "invalid_thread_ts", "message_not_found"})


class SlackPostRefused(Exception):
    """Slack refused a daily post; the message says why and what to do."""

    def __init__(self, error: str) -> None:
        reason = REFUSALS.get(error)
        super().__init__(f"Slack said {error}" + (f": {reason}" if reason else ""))
        self.error = error


class SlackPoster:
    """Posts daily questions and results to Slack channels through ``adapter``'s client."""

    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter

    async def post_question(self, channel: ChannelRef, question: DailyQuestion) -> str:
        return await self._post(channel, question)

    async def post_results(self, channel: ChannelRef, results: DailyResults) -> str:
        thread_ts = question_ts(results.question_ref)
        if thread_ts is None:
            return await self._post(channel, results)
        try:
            return await self._post(channel, results, thread_ts)
        except SlackPostRefused as exc:
            if exc.error not in THREAD_GONE:
                raise
        return await self._post(channel, results)

    async def _post(self, channel: ChannelRef, reply: object, thread_ts: str | None = None) -> str:
        try:
            ref = await self.adapter.post_to_channel(
                channel.channel_id, reply, thread_ts=thread_ts, broadcast=True
            )
        except SlackApiError as exc:
            raise SlackPostRefused(str(exc.response.get("error") or "unknown_error")) from exc
        if not ref:
            raise SlackPostRefused("nothing_to_post")
        return ref


def question_ts(ref: str | None) -> str | None:
    """The message ts in a "channel:ts" message reference, if it has one."""
    if not ref:
        return None
    _, sep, ts = ref.partition(":")
    return ts if sep and ts else None


class SlackLivePoster:
    """``bot.features.live.LivePoster`` for Slack: rounds, scoreboards and the podium are
    posted with the bot token; a round's close is one ``chat.update`` of its message (the
    reveal, its buttons removed)."""

    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter
        self._posts = SlackPoster(adapter)

    async def post_round(self, channel: ChannelRef, live_round: LiveRound) -> str:
        return await self._posts._post(channel, live_round)  # noqa: SLF001

    async def close_round(self, channel: ChannelRef, ref: str, reveal: RoundReveal) -> None:
        channel_id, _, ts = ref.partition(":")
        if not ts:
            raise SlackPostRefused("message_not_found")
        [message] = render(reveal)
        try:
            await self.adapter.bolt.client.chat_update(
                channel=channel_id or channel.channel_id,
                ts=ts,
                text=message.text,
                blocks=message.blocks,
            )
        except SlackApiError as exc:
            raise SlackPostRefused(str(exc.response.get("error") or "unknown_error")) from exc
        # an edit cannot carry files: the reveal's pictures go into the round's thread
        await self.adapter.share_images(message.images, channel_id or channel.channel_id, ts)

    async def post_standings(
        self, channel: ChannelRef, standings: LiveScoreboard | LivePodium
    ) -> str:
        return await self._posts._post(channel, standings)  # noqa: SLF001

"""Slack on the platform contract (adapters/platform.py): posts and edits with the bot token,
the Bolt app served by an HTTP or Socket Mode runner.

A daily question is the usual question message (same answer buttons, so clicks take the ordinary
answer path); its results go in the question's thread and are broadcast to the channel too: the
thread keeps question and results together, the broadcast lets everyone who did not open the
thread see them. A live round's close is one ``chat.update`` of its message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from slack_sdk.errors import SlackApiError

from adapters.platform import Capabilities, Lifecycle, ServerPlatform
from adapters.slack_bot.adapter import SlackAdapter
from adapters.slack_bot.render import render
from bot.kernel.dispatch import Result
from bot.kernel.identity import ChannelRef


class Serving(Protocol):
    """How the Bolt app meets Slack (runner.py: HTTP or Socket Mode)."""

    async def serve(self, on_ready: Callable[[], None] | None = None) -> None: ...


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


class SlackPlatform(ServerPlatform):
    """The Slack adapter's ``Platform``: ``SlackAdapter`` handles the requests (Bolt listeners),
    this posts, edits and runs the ``runner`` (None: posting only, e.g. tests)."""

    name = "slack"
    capabilities = Capabilities()

    def __init__(self, adapter: SlackAdapter, runner: Serving | None = None) -> None:
        self.adapter = adapter
        self.runner = runner
        self.stop_signal = adapter.stop_signal

    async def post(self, channel: ChannelRef, result: Result, reply_to: str | None = None) -> str:
        """A follow-up (``reply_to``) goes in that message's thread, broadcast to the channel;
        on its own when the message is gone."""
        thread_ts = question_ts(reply_to)
        if thread_ts is None:
            return await self._post(channel, result)
        try:
            return await self._post(channel, result, thread_ts)
        except SlackPostRefused as exc:
            if exc.error not in THREAD_GONE:
                raise
        return await self._post(channel, result)

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

    async def edit(self, channel: ChannelRef, ref: str, result: Result) -> None:
        channel_id, _, ts = ref.partition(":")
        if not ts:
            raise SlackPostRefused("message_not_found")
        [message] = render(result)
        try:
            await self.adapter.bolt.client.chat_update(
                channel=channel_id or channel.channel_id,
                ts=ts,
                text=message.text,
                blocks=message.blocks,
            )
        except SlackApiError as exc:
            raise SlackPostRefused(str(exc.response.get("error") or "unknown_error")) from exc
        # an edit cannot carry files: the new pictures go into the message's thread
        await self.adapter.share_images(message.images, channel_id or channel.channel_id, ts)

    def owns(self, workspace_id: str) -> bool:
        return True

    async def run(self, lifecycle: Lifecycle) -> None:
        if self.runner is None:
            raise RuntimeError("SlackPlatform.run needs a runner")
        await self.runner.serve(on_ready=lifecycle.ready)

    async def close(self) -> None:
        await self.adapter.close()


def question_ts(ref: str | None) -> str | None:
    """The message ts in a "channel:ts" message reference, if it has one."""
    if not ref:
        return None
    _, sep, ts = ref.partition(":")
    return ts if sep and ts else None

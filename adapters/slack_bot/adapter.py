"""The Slack adapter: Bolt listeners that translate Slack requests into core calls.

Every listener acks first (Slack wants an answer within 3 seconds) and then does the work.
Commands are parsed once by the core's text grammar (``app.parse``) into a Request and
dispatched; clicks become ``AnswerQuestion`` requests; results are rendered in one place
(render.py). Questions are posted to the channel for everyone; every other reply is ephemeral
to the person who asked.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.http_guard import reply_room
from adapters.shutdown import GracefulStop
from adapters.slack_bot.blocks import MAX_BLOCKS, Block, SlackMessage, clip, image_block
from adapters.slack_bot.payloads import QuizBolt, click_actor, is_slack_id, slack_id_or
from adapters.slack_bot.question_kinds import QuestionKindClicks
from adapters.slack_bot.render import (
    CARD_PART_ACTION_PREFIX,
    TYPED_ANSWER_BLOCK,
    TYPED_ANSWER_INPUT,
    TYPED_ANSWER_VIEW,
    parse_card_part_value,
    render,
    render_home,
    result_modal,
    typed_answer_modal,
)
from adapters.slack_bot.render_base import (
    ANSWER_ACTION_PREFIX,
    FLIP_ACTION_PREFIX,
    LIVE_ANSWER_ACTION_PREFIX,
    MULTI_ACTION_PREFIX,
    MULTI_PICK_ACTION_PREFIX,
    TYPED_ACTION_PREFIX,
    parse_answer_value,
    post_id_value,
)
from adapters.slack_settings import SlackSettings
from bot.app import QuizApp
from bot.features.boards.requests import ShowLeaderboard, ShowStats
from bot.features.live.requests import AnswerLiveRound
from bot.features.quiz import AnswerBox, QuestionView
from bot.features.quiz.requests import (
    AnswerQuestion,
    AnswerTyped,
    OpenAnswerBox,
    RecordPostMessage,
    ShowCard,
)
from bot.kernel.dispatch import Request
from bot.kernel.grammar import command_words
from bot.kernel.identity import Actor
from bot.kernel.results import SORRY, Image, Notice

log = logging.getLogger(__name__)

ANSWER_ACTION = re.compile(rf"^{ANSWER_ACTION_PREFIX}\d+$")
LIVE_ANSWER_ACTION = re.compile(rf"^{LIVE_ANSWER_ACTION_PREFIX}\d+$")
CARD_PART_ACTION = re.compile(rf"^{CARD_PART_ACTION_PREFIX}\d+$")
TYPED_ACTION = re.compile(rf"^{TYPED_ACTION_PREFIX}\d+$")
FLIP_ACTION = re.compile(rf"^{FLIP_ACTION_PREFIX}\d+$")
MULTI_PICK_ACTION = re.compile(rf"^{MULTI_PICK_ACTION_PREFIX}\d+$")
MULTI_ACTION = re.compile(rf"^{MULTI_ACTION_PREFIX}\d+$")
ADMIN_CACHE_SECONDS = 300.0
# Posting publicly fails like this when the bot is not in the channel; the slash command's
# response_url can still post there.
NOT_IN_CHANNEL = ("not_in_channel", "channel_not_found")
MAX_FILE_ALT_TEXT = 1000  # files.getUploadURLExternal's alt_txt
NO_USER = Notice("That request did not say who sent it; nothing was done.", error=True)


# who records where a posted question went (no user is behind a post the bot makes itself)
POSTER = Actor("slack", "quizbot", "quizbot")


class SlackAdapter(QuestionKindClicks):
    """Owns the Bolt app for one QuizApp; ``bolt`` is what the runners serve."""

    def __init__(
        self,
        app: QuizApp,
        settings: SlackSettings,
        client: AsyncWebClient | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        stop_signal: GracefulStop | None = None,
        reply_connections: int | None = None,
    ) -> None:
        self.app = app
        self.settings = settings
        # the runner's stop: listeners count as in-flight work from before their ack
        self.stop_signal = stop_signal or GracefulStop()
        self._monotonic = monotonic
        self._admin_cache: dict[str, tuple[float, bool]] = {}
        # Request verification stays on in both modes; Bolt skips it for Socket Mode requests,
        # which arrive authenticated over the app-token WebSocket.
        if client is not None:  # tests: a client pointed at the fake
            self.bolt = QuizBolt(
                name="quizbot", signing_secret=settings.signing_secret or "", client=client
            )
        else:
            # Bolt builds its own client from the token (a client *and* SLACK_BOT_TOKEN in the
            # environment would make it warn); per-request clients copy its base_url.
            self.bolt = QuizBolt(
                name="quizbot",
                signing_secret=settings.signing_secret or "",
                token=settings.bot_token,
            )
            self.bolt.client.base_url = settings.api_url
        self._replies: aiohttp.ClientSession | None = None  # response_url posts, shared
        self.reply_connections = reply_connections or reply_room()  # replies posted at once
        self._reply_slots = asyncio.Semaphore(self.reply_connections)
        self.bolt.middleware(self.refuse_when_stopping)
        self.bolt.command("/quiz")(self.on_command)
        self.bolt.action(ANSWER_ACTION)(self.on_answer)
        self.bolt.action(LIVE_ANSWER_ACTION)(self.on_answer)
        self.bolt.action(CARD_PART_ACTION)(self.on_card_part)
        self.bolt.action(TYPED_ACTION)(self.on_typed_answer_click)
        self.bolt.action(FLIP_ACTION)(self.on_flip)
        self.bolt.action(MULTI_PICK_ACTION)(self.on_multi_pick)
        self.bolt.action(MULTI_ACTION)(self.on_multi_submit)
        self.bolt.view(TYPED_ANSWER_VIEW)(self.on_typed_answer)
        self.bolt.event("app_home_opened")(self.on_home_opened)

    async def refuse_when_stopping(
        self, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Every request passes here first. While the bot is stopping nothing new is
        acknowledged: HTTP gets 503, a Socket Mode envelope stays unacknowledged (Slack
        delivers it again). A request let in counts as in-flight (its task: aiohttp and Socket
        Mode run one per request) until answered, and its listener until done."""
        if not self.stop_signal.accepting:
            return BoltResponse(
                status=503, body="quizbot is restarting", headers={"retry-after": "10"}
            )
        self.stop_signal.track()
        await next()
        return None

    # -- listeners ------------------------------------------------------------------------

    async def on_command(
        self,
        ack: Callable[..., Any],
        command: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        self.stop_signal.track()  # before the ack: whatever Slack hears "200" for, finishes
        await ack()
        if not command.get("response_url"):
            log.warning("/quiz without a response_url: dropped, nothing done")
            return
        if not is_slack_id(command.get("user_id")):
            await self.reply_privately(render(NO_USER), respond)
            return
        text = command.get("text") or ""
        request = self.app.parse(text)  # parsed once
        try:
            if isinstance(request, Notice):
                await self.reply_privately(render(request), respond)
                return
            actor = await self.command_actor(command, client, request)
            reply = await self.app.dispatch(actor, request)
            ref = await self.deliver(render(reply), actor, respond, client)
            if ref and isinstance(reply, QuestionView):
                # where the question is, for features that follow up on it (daily results)
                await self.app.dispatch(actor, RecordPostMessage(reply.post_id, ref))
        except Exception:
            log.exception("/quiz %s failed", command_words(text)[0])
            await self.reply_privately(render(SORRY), respond)

    async def on_answer(
        self,
        ack: Callable[..., Any],
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
    ) -> None:
        """A choice's button: a quiz answer, or (action id ``live_answer_…``) a live round's,
        locked in."""
        self.stop_signal.track()  # before the ack: an acknowledged click is stored and answered
        await ack()
        if not body.get("response_url"):
            log.warning("answer click without a response_url: dropped, nothing stored")
            return
        try:
            parsed = parse_answer_value(str(action.get("value", "")))
            actor = click_actor(body)
            if parsed is None:
                reply: object = Notice(
                    "That button is not a quiz answer; ask for a new question.", error=True
                )
            elif actor is None:
                reply = Notice("That click did not say who made it; nothing was saved.", error=True)
            else:
                live = LIVE_ANSWER_ACTION.match(str(action.get("action_id", "")))
                answer = AnswerLiveRound if live else AnswerQuestion
                reply = await self.app.dispatch(actor, answer(*parsed))
            await self.reply_privately(render(reply), respond, replace_original=False)
        except Exception:
            log.exception("answer click failed")
            await self.reply_privately(render(SORRY), respond, replace_original=False)

    async def on_card_part(
        self,
        ack: Callable[..., Any],
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
    ) -> None:
        """A card's part button (sections, misconceptions, recap): that part, privately."""
        await ack()
        try:
            parsed = parse_card_part_value(str(action.get("value", "")))
            if parsed is None:
                reply: object = Notice("That button is not part of a card.", error=True)
            else:
                card_id, part = parsed
                reply = await self.app.dispatch(click_actor(body), ShowCard(card_id, part))
            await self.reply_privately(render(reply), respond, replace_original=False)
        except Exception:
            log.exception("card part click failed")
            await self.reply_privately(render(SORRY), respond, replace_original=False)

    async def on_typed_answer_click(
        self,
        ack: Callable[..., Any],
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        """The "Answer" button of a typed-answer question: open the modal with the click's
        trigger_id (valid for 3 seconds), or say privately why not (retired, gone, ...)."""
        await ack()
        try:
            post_id = post_id_value(action.get("value", ""))
            actor = click_actor(body)
            reply: object = Notice(
                "That button is not a quiz answer; ask for a new one.", error=True
            )
            if post_id is not None:
                reply = await self.app.dispatch(actor, OpenAnswerBox(post_id))
            if isinstance(reply, AnswerBox):
                modal = typed_answer_modal(reply, actor.channel_id)
                await client.views_open(trigger_id=body["trigger_id"], view=modal)
                return
            await self.reply_privately(render(reply), respond, replace_original=False)
        except Exception:
            log.exception("typed answer click failed")
            await self.reply_privately(render(SORRY), respond, replace_original=False)

    async def on_typed_answer(
        self, ack: Callable[..., Any], body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """The modal's submission: the result (with its Why) replaces the modal, so only the
        person who answered sees it; a mistake (empty, too long, closed) shows under the box."""
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            values = (view.get("state") or {}).get("values") or {}
            text = (values.get(TYPED_ANSWER_BLOCK) or {}).get(TYPED_ANSWER_INPUT) or {}
            user = body.get("user") or {}
            actor = Actor(
                "slack",
                user["id"],
                display_name=user.get("username") or user.get("name") or user["id"],
                workspace_id=(body.get("team") or {}).get("id") or user.get("team_id") or "unknown",
                channel_id=str(meta.get("channel") or "unknown"),
            )
            request = AnswerTyped(int(meta["post"]), str(text.get("value") or ""))
            reply = await self.app.dispatch(actor, request)
        except Exception:
            log.exception("typed answer failed")
            reply = SORRY
        if isinstance(reply, Notice) and reply.error:
            await ack(response_action="errors", errors={TYPED_ANSWER_BLOCK: reply.text[:150]})
            return
        await ack(response_action="update", view=result_modal(reply))

    async def on_home_opened(
        self, event: dict[str, Any], context: Mapping[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = event.get("user")
        if not is_slack_id(user_id):
            log.warning("app_home_opened without a valid user: ignored")
            return
        actor = Actor(
            "slack",
            user_id,
            display_name=user_id,
            workspace_id=context.get("team_id") or "unknown",
            channel_id=event.get("channel") or "app_home",
        )
        stats = await self.app.dispatch(actor, ShowStats(), pictures=False)  # a view: no files
        board = await self.app.dispatch(actor, ShowLeaderboard())
        if isinstance(stats, Notice) or isinstance(board, Notice):
            return  # e.g. a storage fault (logged): the tab keeps what it showed last
        await client.views_publish(user_id=user_id, view=render_home(stats, board))

    # -- replies --------------------------------------------------------------------------

    async def deliver(
        self,
        messages: list[SlackMessage],
        actor: Actor,
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> str | None:
        """Send ``messages``; returns "channel:ts" of the first public post, if any."""
        ref = None
        for message in messages:
            if message.public:
                posted = await self.post_public(message, actor.channel_id, respond, client)
                ref = ref or posted
            else:
                await self.reply_privately([message], respond)
        return ref

    async def post_public(
        self,
        message: SlackMessage,
        channel_id: str,
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> str | None:
        try:
            posted = await client.chat_postMessage(
                channel=channel_id, text=message.text, blocks=message.blocks
            )
        except SlackApiError as exc:
            if exc.response.get("error") not in NOT_IN_CHANNEL:
                raise
            blocks = message.blocks + await self.image_blocks(message.images, len(message.blocks))
            await respond(response_type="in_channel", text=message.text, blocks=blocks)
            return None
        await self.share_images(message.images, channel_id)
        return f"{posted.get('channel', channel_id)}:{posted.get('ts', '')}"

    async def post_to_channel(
        self,
        channel_id: str,
        reply: object,
        thread_ts: str | None = None,
        broadcast: bool = False,
    ) -> str | None:
        """Post a core result to a channel with no slash command behind it (e.g. a scheduled
        daily question or its results); the bot must be in the channel. ``thread_ts`` posts
        it as a reply in that message's thread, ``broadcast`` then also shows the first message
        in the channel. Returns "channel:ts" of the first message (also stored as the post's
        message_ref for a question)."""
        ref = None
        for message in render(reply):
            threading: dict[str, Any] = {}
            if thread_ts:
                threading = {"thread_ts": thread_ts, "reply_broadcast": broadcast and not ref}
            posted = await self.bolt.client.chat_postMessage(
                channel=channel_id, text=message.text, blocks=message.blocks, **threading
            )
            await self.share_images(message.images, channel_id, thread_ts)
            ref = ref or f"{posted.get('channel', channel_id)}:{posted.get('ts', '')}"
        if ref and isinstance(reply, QuestionView):
            await self.app.dispatch(POSTER, RecordPostMessage(reply.post_id, ref))
        return ref

    async def reply_privately(
        self,
        messages: list[SlackMessage],
        respond: AsyncRespond,
        replace_original: bool | None = None,
    ) -> None:
        for message in messages:
            pictures = await self.image_blocks(message.images, len(message.blocks))
            await self.respond_to(
                respond,
                response_type="ephemeral",
                replace_original=replace_original,
                text=message.text,
                blocks=message.blocks + pictures,
            )

    # -- pictures ---------------------------------------------------------------------------

    async def upload(
        self, images: tuple[Image, ...], channel_id: str | None = None, thread_ts: str | None = None
    ) -> list[str]:
        """Upload pictures with ``files_upload_v2`` (files.getUploadURLExternal, the upload,
        files.completeUploadExternal); returns their file ids. With a channel they are shared
        there (in ``thread_ts``'s thread) as Slack's own file messages; without one the bot
        keeps them, for image blocks. A failed upload (e.g. no files:write scope) is logged and
        the text goes out alone: the text version of every picture is in the message."""
        if not images:
            return []
        uploads = [
            {
                "content": image.png,
                "filename": image.name,
                "title": image.name,
                "alt_txt": clip(image.alt, MAX_FILE_ALT_TEXT),
            }
            for image in images
        ]
        try:
            uploaded = await self.bolt.client.files_upload_v2(
                file_uploads=uploads, channel=channel_id, thread_ts=thread_ts
            )
        except (SlackApiError, aiohttp.ClientError) as exc:
            reason = exc.response.get("error") if isinstance(exc, SlackApiError) else exc
            log.warning("picture upload failed (%s): sent the text alone", reason)
            return []
        return [str(f.get("id")) for f in uploaded.get("files") or [] if f.get("id")]

    async def share_images(
        self, images: tuple[Image, ...], channel_id: str, thread_ts: str | None = None
    ) -> None:
        """A public post's pictures: shared into its channel (and thread) right after it."""
        await self.upload(images, channel_id, thread_ts)

    async def image_blocks(self, images: tuple[Image, ...], blocks_before: int = 0) -> list[Block]:
        """A private reply's pictures: files cannot be ephemeral, so the bot uploads them
        unshared and the reply shows them in image blocks (within the 50-block limit)."""
        room = MAX_BLOCKS - blocks_before
        images = images[: max(room, 0)]
        ids = await self.upload(images)
        return [image_block(file_id, image) for file_id, image in zip(ids, images, strict=False)]

    async def respond_to(self, respond: AsyncRespond, **message: Any) -> None:
        """Post ``message`` to the request's response_url over one shared HTTP session (Bolt's
        ``respond`` opens a new session and connection for every reply: the largest single
        cost per click in the end-to-end benchmark). At most ``reply_connections`` at once, then
        first come first served: asyncio's semaphore hands a freed slot to its longest waiter,
        where aiohttp's own connection limit let newcomers overtake it (docs/benchmarks.md)."""
        url = getattr(respond, "response_url", None)
        if not url:
            await respond(**message)
            return
        if self._replies is None or self._replies.closed:
            limit = aiohttp.TCPConnector(limit=self.reply_connections)  # the slots come first
            self._replies = aiohttp.ClientSession(connector=limit)
        async with self._reply_slots:
            await AsyncWebhookClient(url, session=self._replies).send(**message)

    async def close(self) -> None:
        """Close what the adapter opened itself (the shared reply session)."""
        if self._replies is not None:
            await self._replies.close()
            self._replies = None

    # -- identities -----------------------------------------------------------------------

    async def command_actor(
        self, command: Mapping[str, Any], client: AsyncWebClient, request: Request
    ) -> Actor:
        team_id = slack_id_or(command.get("team_id"), "unknown")
        user_id = command["user_id"]  # checked by on_command (is_slack_id)
        # admin rights cost a users.info call: looked up only for requests that need them
        is_admin = request.wants_admin_rights and await self.is_admin(client, team_id, user_id)
        return Actor(
            "slack",
            user_id,
            display_name=command.get("user_name") or user_id,
            workspace_id=team_id,
            channel_id=slack_id_or(command.get("channel_id"), "unknown"),
            is_admin=is_admin,
        )

    async def is_admin(self, client: AsyncWebClient, team_id: str, user_id: str) -> bool:
        """Configured admins, else Slack's own admins/owners (users.info, cached a while)."""
        if user_id in self.settings.admins:
            return True
        key = f"{team_id}:{user_id}"
        now = self._monotonic()
        cached = self._admin_cache.get(key)
        if cached is not None and now - cached[0] < ADMIN_CACHE_SECONDS:
            return cached[1]
        try:
            info = await client.users_info(user=user_id)
        except SlackApiError as exc:  # e.g. missing users:read; treat as not an admin
            log.warning("users.info for %s failed: %s", user_id, exc.response.get("error"))
            return False
        user = info.get("user") or {}
        flag = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        self._admin_cache[key] = (now, flag)
        return flag

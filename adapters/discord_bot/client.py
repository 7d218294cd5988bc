"""The Discord client: who is acting, replying with rendered results, answer clicks, sync; and
``DiscordPlatform``, Discord on the platform contract (adapters/platform.py): posts and edits
over REST, the gateway connection (login, command sync, sharding) run until the host's stop."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import discord
from discord import app_commands

from adapters.discord_bot.buttons import (
    ANSWER_TEMPLATE,
    CARD_TEMPLATE,
    FLIP_TEMPLATE,
    FORGED_ANSWER,
    LIVE_ANSWER_TEMPLATE,
    MULTI_TEMPLATE,
    chosen_values,
)
from adapters.discord_bot.commands import QuizCommands
from adapters.discord_bot.identity import actor_for
from adapters.discord_bot.poster import DiscordPoster
from adapters.discord_bot.render import render
from adapters.discord_bot.typed import (
    TYPED_TEMPLATE,
    submitted_text,
    typed_answer_modal,
    typed_modal_post,
)
from adapters.discord_settings import TOKEN, ShardSet
from adapters.platform import Background, Capabilities, Lifecycle, ServerPlatform
from adapters.shutdown import GracefulStop
from bot.app import QuizApp
from bot.config import ConfigError
from bot.features.daily import DailyScheduler
from bot.features.live import LiveRunner
from bot.features.live.requests import AnswerLiveRound
from bot.features.quiz import AnswerBox, CardPart
from bot.features.quiz.requests import (
    AnswerChoices,
    AnswerQuestion,
    AnswerTyped,
    OpenAnswerBox,
    RevealFlashcard,
    ShowCard,
)
from bot.kernel.dispatch import Request, Result
from bot.kernel.identity import ChannelRef
from bot.kernel.results import SORRY, Notice

log = logging.getLogger(__name__)
ADMINS_HERE = "On Discord, admins are members with the Manage Server permission."
RESTARTING = Notice(
    "quizbot is restarting; nothing was saved. Please try again in a minute.", error=True
)

# Discord's deadline for the first response to an interaction is 3 s from its creation; an
# answer still being stored this long after the click is deferred privately.
ANSWER_DEADLINE_S = 2.0
DISCORD_DEADLINE_S = 3.0

# the custom ids a click is routed by, compiled once (an answer click is matched first)
ANSWER_ID = re.compile(ANSWER_TEMPLATE)
LIVE_ANSWER_ID = re.compile(LIVE_ANSWER_TEMPLATE)
CARD_ID = re.compile(CARD_TEMPLATE)
TYPED_ID = re.compile(TYPED_TEMPLATE)
MULTI_ID = re.compile(MULTI_TEMPLATE)
FLIP_ID = re.compile(FLIP_TEMPLATE)


def seconds_left(interaction: discord.Interaction, margin: float) -> float:
    """How long an answer may take before it must be deferred: ``margin`` counted from the
    interaction's creation (its snowflake's time), so time spent queued in our event loop
    counts too. A clock that disagrees with Discord's (an age below 0 or past Discord's own
    deadline) can't be trusted: then the margin counts from now."""
    # interaction.created_at in plain seconds (no datetimes: this runs for every click)
    age = time.time() - ((interaction.id >> 22) + discord.utils.DISCORD_EPOCH) / 1000
    if 0 <= age <= DISCORD_DEADLINE_S:
        return max(0.0, margin - age)
    return margin


def card_part(name: str) -> CardPart:
    try:
        return CardPart(name)
    except ValueError:  # a part a later version dropped: the short card
        return CardPart.SHORT


def bot_intents() -> discord.Intents:
    """Default intents without the privileged ones: slash commands and buttons need no more."""
    intents = discord.Intents.default()
    intents.members = False
    intents.presences = False
    intents.message_content = False
    return intents


class QuizCommandTree(app_commands.CommandTree):
    """Every slash command passes here first: counted as in-flight work, or refused with a
    reply while the bot is stopping."""

    client: QuizBot

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await self.client.accept(interaction)


class QuizBot(discord.Client):
    """A thin adapter: every command and click becomes one core call; results go to render."""

    def __init__(
        self,
        app: QuizApp,
        *,
        guild_id: int | None = None,
        sync_commands: bool = True,
        shard_set: ShardSet | None = None,
        answer_deadline: float = ANSWER_DEADLINE_S,
        stop_signal: GracefulStop | None = None,
        **options: Any,
    ) -> None:
        # never ping anyone, whatever text a reply carries
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(intents=bot_intents(), **options)
        self.app = app
        self.answer_deadline = answer_deadline
        self.guild_id = guild_id
        self.sync_commands = sync_commands
        self.stop_signal = stop_signal or GracefulStop()
        self.tree = QuizCommandTree(self)
        self.tree.on_error = self._on_command_error  # type: ignore[method-assign]
        self.quiz_commands = QuizCommands(self)
        self.tree.add_command(self.quiz_commands)
        self.shard_set = shard_set  # None: this process runs every shard (or isn't sharded)
        # the daily scheduler and the live runner: the host's (adapters.platform.serve), or,
        # for a client run on its own (tests), one of the client's own
        self.platform = DiscordPlatform(self)
        self.lifecycle: Lifecycle = Background(app, self.platform)
        self.after_login: Callable[[], None] | None = None  # e.g. set up logging

    async def setup_hook(self) -> None:
        # Buttons are not registered as discord.py DynamicItems: for every click the view store
        # would first rebuild a whole View from the clicked message (bench/e2e_discord.py found
        # this the bot's largest cost against a bare client). on_interaction routes them by
        # custom id instead; the ids are unchanged, so old messages' buttons keep working.
        if not self.sync_commands:
            return
        if self.guild_id is not None:
            # one server, updated instantly: for development
            guild = discord.Object(self.guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            # every server the bot is in; Discord may take a while to show changes
            await self.tree.sync()

    async def on_ready(self) -> None:
        # READY comes again after a reconnect that could not resume: ready() is then a no-op
        self.lifecycle.ready()

    @property
    def daily_scheduler(self) -> DailyScheduler | None:
        """The running daily scheduler of Discord channels (None before ready, after close)."""
        return getattr(self.lifecycle, "scheduler", None)

    @property
    def live_runner(self) -> LiveRunner | None:
        return getattr(self.lifecycle, "live", None)

    async def close(self) -> None:
        # first: a pass in progress may finish its post while the HTTP session is still open
        await self.lifecycle.wind_down()
        await super().close()

    @property
    def poster(self) -> DiscordPoster:
        """Posts results to a channel over REST."""
        return self.platform.poster

    # -- calling the core ---------------------------------------------------------------------

    async def run(self, interaction: discord.Interaction, request: Request) -> Result:
        """Dispatch a request built from the command's options, as the user who sent it."""
        actor = actor_for(interaction)
        reply = await self.app.dispatch(actor, request)
        if isinstance(reply, Notice) and reply.error and reply.text == request.admin_refusal:
            # the dispatcher refused; who counts as an admin is Discord's to say
            return Notice(f"{reply.text} {ADMINS_HERE}", error=True)
        return reply

    # -- replying -----------------------------------------------------------------------------

    async def respond(
        self, interaction: discord.Interaction, reply: Result, *, ephemeral: bool = False
    ) -> None:
        """Render ``reply`` and send it: as the interaction's response, or as follow-ups when
        the response was deferred. Error notices are always private."""
        messages = render(reply)
        private = ephemeral or messages[0].ephemeral
        for index, message in enumerate(messages):
            kwargs = message.send_kwargs()
            if index == 0 and not interaction.response.is_done():
                await interaction.response.send_message(**kwargs, ephemeral=private)
            else:
                await interaction.followup.send(**kwargs, ephemeral=private)

    async def accept(self, interaction: discord.Interaction) -> bool:
        """Count the interaction being handled as in-flight work, or (stopping) refuse it with a
        private reply so the user never sees "This interaction failed"."""
        if self.stop_signal.accepting:
            self.stop_signal.track()
            return True
        if interaction.type is not discord.InteractionType.autocomplete:
            try:
                await self.respond(interaction, RESTARTING, ephemeral=True)
            except discord.HTTPException:
                log.warning("could not tell the user the bot is restarting")
        return False

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Modal submissions (typed answers) go to on_modal_submit. A click on a component no
        handler claims (a forged or outdated custom id) would show "This interaction failed":
        answer it privately instead."""
        if interaction.type is discord.InteractionType.modal_submit:
            await self.on_modal_submit(interaction)
            return
        if interaction.type is not discord.InteractionType.component:
            return
        custom_id = (interaction.data or {}).get("custom_id")
        if isinstance(custom_id, str):
            if answer := ANSWER_ID.fullmatch(custom_id):
                request = AnswerQuestion(int(answer["post"]), int(answer["choice"]))
                await self.on_answer_click(interaction, request)
                return
            if answer := LIVE_ANSWER_ID.fullmatch(custom_id):
                request = AnswerLiveRound(int(answer["post"]), int(answer["choice"]))
                await self.on_answer_click(interaction, request)
                return
            if card := CARD_ID.fullmatch(custom_id):
                await self.on_card_part_click(interaction, card["card"], card_part(card["part"]))
                return
            if typed := TYPED_ID.fullmatch(custom_id):
                await self.on_typed_answer_click(interaction, int(typed["post"]))
                return
            if multi := MULTI_ID.fullmatch(custom_id):
                chosen = chosen_values((interaction.data or {}).get("values"))
                if chosen is not None:
                    await self.on_multi_submit(interaction, int(multi["post"]), chosen)
                    return
            if flip := FLIP_ID.fullmatch(custom_id):
                await self.on_flip_click(interaction, int(flip["post"]))
                return
        log.warning("click on an unknown button %r", str(custom_id)[:40])
        try:
            await self.respond(interaction, Notice(FORGED_ANSWER, error=True), ephemeral=True)
        except discord.HTTPException:
            log.warning("could not answer a click on an unknown button")

    async def on_answer_click(
        self, interaction: discord.Interaction, request: AnswerQuestion | AnswerLiveRound
    ) -> None:
        """A choice's button: a quiz answer, or a live round's (locked in)."""
        if not await self.accept(interaction):
            return
        await self.answer_in_time(interaction, request)

    async def answer_in_time(self, interaction: discord.Interaction, request: Request) -> None:
        """Store an answer and reply privately, deferred when the store is slow (``reply_in_time``),
        so no click or typed answer ever shows "interaction failed"."""
        try:
            await self.reply_in_time(interaction, request, ephemeral=True)
        except Exception as exc:  # a bug or an outage: log it, and tell the clicker
            await self._on_command_error(interaction, exc)

    async def reply_in_time(
        self, interaction: discord.Interaction, request: Request, *, ephemeral: bool = False
    ) -> None:
        """Run ``request`` and reply. Discord fails an interaction with no response within 3 s:
        a result not ready by the safe margin (a slow store, a picture still being drawn) is
        deferred ("thinking", as private as the reply will be) and follows up."""
        # the request runs in this task; a timer starts the defer only if the margin passes
        # first (no second task and no asyncio.wait per click: most answers need neither)
        loop = asyncio.get_running_loop()
        answered = False
        deferring: list[asyncio.Task[None]] = []

        async def defer_unless_answered() -> None:
            # runs a loop turn after the margin passed: a result ready by then (its reply
            # about to be sent) needs no defer and no follow-up
            if not answered and not interaction.response.is_done():
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)

        def margin_passed() -> None:
            deferring.append(loop.create_task(defer_unless_answered()))

        timer = loop.call_later(seconds_left(interaction, self.answer_deadline), margin_passed)
        try:
            reply = await self.run(interaction, request)
        finally:
            answered = True
            timer.cancel()
            if deferring:  # the result follows up once the defer is acknowledged
                await deferring[0]
        await self.respond(interaction, reply, ephemeral=ephemeral)

    async def on_card_part_click(
        self, interaction: discord.Interaction, card_id: str, part: CardPart
    ) -> None:
        """A card's part button: that part (with its picture, drawn in time or deferred), to the
        clicker only."""
        try:
            await self.reply_in_time(interaction, ShowCard(card_id, part), ephemeral=True)
        except Exception as exc:
            await self._on_command_error(interaction, exc)

    async def on_typed_answer_click(self, interaction: discord.Interaction, post_id: int) -> None:
        """The "Answer" button of a typed-answer question: open the text box, or say privately
        why not (already gone, retired, someone else's review)."""
        try:
            reply = await self.app.dispatch(actor_for(interaction), OpenAnswerBox(post_id))
            if isinstance(reply, AnswerBox):
                modal = typed_answer_modal(
                    reply.post_id, reply.card_title, reply.prompt, reply.limit
                )
                await interaction.response.send_modal(modal)
            else:
                await self.respond(interaction, reply, ephemeral=True)
        except Exception as exc:
            await self._on_command_error(interaction, exc)

    async def on_multi_submit(
        self, interaction: discord.Interaction, post_id: int, chosen: frozenset[int]
    ) -> None:
        """Choose all that apply: the choices picked in the menu, answered privately."""
        if not await self.accept(interaction):
            return
        await self.answer_in_time(interaction, AnswerChoices(post_id, chosen))

    async def on_flip_click(self, interaction: discord.Interaction, post_id: int) -> None:
        """A flashcard's "Show the back": the back and the two grades, to the clicker only."""
        try:
            reply = await self.app.dispatch(actor_for(interaction), RevealFlashcard(post_id))
            await self.respond(interaction, reply, ephemeral=True)
        except Exception as exc:
            await self._on_command_error(interaction, exc)

    async def on_modal_submit(self, interaction: discord.Interaction) -> None:
        """A typed answer comes back as a modal submission; its custom id carries the post, so
        no modal is kept in memory and a restart in between loses nothing."""
        data: Any = interaction.data or {}
        post_id = typed_modal_post(str(data.get("custom_id", "")))
        if post_id is None:
            return
        if not await self.accept(interaction):  # counted as in-flight work, or refused
            return
        try:
            request = AnswerTyped(post_id, submitted_text(data.get("components")))
        except Exception as exc:
            await self._on_command_error(interaction, exc)
            return
        await self.answer_in_time(interaction, request)

    async def _on_command_error(self, interaction: discord.Interaction, error: Exception) -> None:
        what = getattr(interaction.command, "qualified_name", None) or "answer click"
        log.error("%s failed", what, exc_info=error)
        try:
            await self.respond(interaction, SORRY, ephemeral=True)
        except discord.HTTPException:  # e.g. the 3-second deadline has passed
            log.warning("could not tell the user about the failure")


class ShardedQuizBot(QuizBot, discord.AutoShardedClient):
    """QuizBot on discord.py's AutoShardedClient: one process runs several shards (all of
    them, with Discord's recommended count, when neither count nor ids are given)."""


class DiscordPlatform(ServerPlatform):
    """The Discord adapter's ``Platform``: ``QuizBot`` handles the interactions; this posts,
    edits, and (with a ``token``) logs in and keeps the gateway connection until stopped."""

    name = "discord"
    capabilities = Capabilities()

    def __init__(self, client: QuizBot, token: str | None = None) -> None:
        self.client = client
        self.token = token
        self.stop_signal = client.stop_signal
        self.poster = DiscordPoster(client, client.app)

    async def post(self, channel: ChannelRef, result: Result, reply_to: str | None = None) -> str:
        return await self.poster.post_reply(channel.channel_id, result, reply_to)

    async def edit(self, channel: ChannelRef, ref: str, result: Result) -> None:
        await self.poster.edit(ref, result)

    def owns(self, workspace_id: str) -> bool:
        shards = self.client.shard_set
        return shards is None or shards.owns(workspace_id)

    async def run(self, lifecycle: Lifecycle) -> None:
        """Log in (a rejected token or missing permission is one ConfigError line), connect,
        and on the stop: refuse new interactions with a reply, finish the accepted ones, stop
        the scheduler and the runner (posts need the HTTP session), then close."""
        if self.token is None:
            raise RuntimeError("DiscordPlatform.run needs the bot token")
        client = self.client
        client.lifecycle = lifecycle  # on_ready starts it, close() winds it down first
        async with client:
            try:
                await client.login(self.token)
            except discord.LoginFailure:
                raise ConfigError(
                    f"{TOKEN} was rejected by Discord (401 Unauthorized): "
                    "copy the bot token again from the Developer Portal"
                ) from None
            except discord.Forbidden as exc:
                guild_id = client.guild_id
                where = f"server {guild_id}" if guild_id is not None else "Discord"
                raise ConfigError(
                    f"cannot register the slash commands with {where} ({exc.text}): invite"
                    " the bot with the bot and applications.commands scopes"
                ) from None
            except (aiohttp.ClientError, OSError) as exc:
                raise ConfigError(f"cannot reach Discord to log in: {_reason(exc)}") from None
            if client.after_login is not None:  # after login: a failed one prints one line
                client.after_login()
            log.info("opened %s", client.app.db.opened_text())
            stopper = asyncio.create_task(self._stop_when_asked())
            try:
                await client.connect()
            except discord.ConnectionClosed as exc:
                if exc.code != 4004:  # 4004: the gateway refused the token
                    raise
                raise ConfigError(f"{TOKEN} was rejected by the Discord gateway") from None
            finally:
                if self.stop_signal.accepting:  # connect() ended by itself: nothing to drain
                    stopper.cancel()
                await asyncio.gather(stopper, return_exceptions=True)

    async def _stop_when_asked(self) -> None:
        await self.stop_signal.stopped.wait()
        await self.stop_signal.drain()
        await self.client.close()

    async def close(self) -> None:
        if not self.client.is_closed():
            await self.client.close()


def _reason(exc: BaseException) -> str:
    """The first line of what went wrong, without a traceback."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

"""The Discord client: who is acting, replying with rendered results, answer clicks, sync."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from adapters.discord_bot.buttons import AnswerButton
from adapters.discord_bot.poster import DiscordPoster
from adapters.discord_bot.render import render
from bot.app import QuizApp
from bot.features.daily import DailyScheduler
from bot.features.quiz.requests import AnswerQuestion
from bot.kernel.dispatch import Request, Result
from bot.kernel.identity import Actor
from bot.kernel.results import Notice
from bot.kernel.shards import ShardSet

log = logging.getLogger(__name__)


def bot_intents() -> discord.Intents:
    """Default intents without the privileged ones: slash commands and buttons need no more."""
    intents = discord.Intents.default()
    intents.members = False
    intents.presences = False
    intents.message_content = False
    return intents


def actor_for(interaction: discord.Interaction) -> Actor:
    """The core's Actor for whoever triggered ``interaction``. A DM is a workspace of its own
    (``dm-<user id>``), so DM users never share boards, groups or settings."""
    user = interaction.user
    guild_id = interaction.guild_id
    return Actor(
        platform="discord",
        user_id=str(user.id),
        display_name=user.display_name,
        workspace_id=str(guild_id) if guild_id is not None else f"dm-{user.id}",
        channel_id=str(interaction.channel_id),
        is_admin=guild_id is not None and interaction.permissions.manage_guild,
    )


class QuizBot(discord.Client):
    """A thin adapter: every command and click becomes one core call; results go to render."""

    def __init__(
        self,
        app: QuizApp,
        *,
        guild_id: int | None = None,
        sync_commands: bool = True,
        shard_set: ShardSet | None = None,
        **options: Any,
    ) -> None:
        # never ping anyone, whatever text a reply carries
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(intents=bot_intents(), **options)
        self.app = app
        self.guild_id = guild_id
        self.sync_commands = sync_commands
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self._on_command_error  # type: ignore[method-assign]
        from adapters.discord_bot.commands import QuizCommands  # commands need QuizBot's type

        self.quiz_commands = QuizCommands(self)
        self.tree.add_command(self.quiz_commands)
        self.daily_scheduler: DailyScheduler | None = None
        self.shard_set = shard_set  # None: this process runs every shard (or isn't sharded)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(AnswerButton)
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
        # READY comes again after a reconnect that could not resume: start() is then a no-op
        self.start_daily_scheduler()

    def start_daily_scheduler(self) -> DailyScheduler:
        """Post the daily questions and results of Discord channels (``/quiz daily set``)."""
        if self.daily_scheduler is None:
            self.daily_scheduler = DailyScheduler(
                self.app.daily,
                "discord",
                self.poster,
                owns=self.shard_set.owns if self.shard_set is not None else None,
            )
        self.daily_scheduler.start()
        return self.daily_scheduler

    async def close(self) -> None:
        # first: a pass in progress may finish its post while the HTTP session is still open
        scheduler, self.daily_scheduler = self.daily_scheduler, None
        if scheduler is not None:
            await scheduler.stop()
        await super().close()

    @property
    def poster(self) -> DiscordPoster:
        """For the daily scheduler: posts questions and results to a channel over REST."""
        return DiscordPoster(self, self.app)

    # -- calling the core ---------------------------------------------------------------------

    async def run(self, interaction: discord.Interaction, request: Request) -> Result:
        """Dispatch a request built from the command's options, as the user who sent it."""
        return await self.app.dispatch(actor_for(interaction), request)

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

    async def on_answer_click(
        self, interaction: discord.Interaction, post_id: int, choice: int
    ) -> None:
        try:
            reply = await self.app.dispatch(actor_for(interaction), AnswerQuestion(post_id, choice))
            await self.respond(interaction, reply, ephemeral=True)
        except Exception as exc:  # a bug or an outage: log it, and tell the clicker
            await self._on_command_error(interaction, exc)

    async def _on_command_error(self, interaction: discord.Interaction, error: Exception) -> None:
        what = getattr(interaction.command, "qualified_name", None) or "answer click"
        log.error("%s failed", what, exc_info=error)
        sorry = Notice("Something went wrong on our side; please try again.", error=True)
        try:
            await self.respond(interaction, sorry, ephemeral=True)
        except discord.HTTPException:  # e.g. the 3-second deadline has passed
            log.warning("could not tell the user about the failure")


class ShardedQuizBot(QuizBot, discord.AutoShardedClient):
    """QuizBot on discord.py's AutoShardedClient: one process runs several shards (all of
    them, with Discord's recommended count, when neither count nor ids are given)."""

"""The Discord adapter: ``/quiz`` slash commands, answer buttons that survive restarts,
private ("ephemeral") results. A thin layer over the core: no quiz logic lives here.

``quizbot discord [--guild ID]`` runs it; DISCORD_TOKEN (environment or .env) is required.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord

from adapters.discord_bot.client import QuizBot, ShardedQuizBot, actor_for, bot_intents
from adapters.discord_bot.poster import DiscordPoster, DiscordPostError
from adapters.discord_bot.render import Message, render
from bot.app import QuizApp
from bot.config import ConfigError, require
from bot.kernel.shards import ShardSet

__all__ = [
    "DiscordPostError",
    "DiscordPoster",
    "Message",
    "QuizBot",
    "ShardedQuizBot",
    "actor_for",
    "bot_intents",
    "render",
    "run",
]

TOKEN = "DISCORD_TOKEN"


async def run(
    db: Path | str,
    content: str | None = None,
    guild_id: int | None = None,
    *,
    configure_logging: bool = True,
    shard_count: int | None = None,
    shards: ShardSet | None = None,
) -> int:
    """Run the bot until it is stopped. A missing or rejected token is a ConfigError naming
    DISCORD_TOKEN (one line, never the token itself)."""
    token = require(TOKEN, "the bot token from the Discord Developer Portal")
    app = await QuizApp.open(db, content)
    try:
        # AutoShardedClient: Discord's recommended shard count unless --shards gives one;
        # --shard-ids: this process runs only those, and posts daily only for their guilds
        sharding: dict[str, Any] = {}
        if shards is not None:
            sharding = {"shard_count": shards.count, "shard_ids": sorted(shards.ids)}
        elif shard_count is not None:
            sharding = {"shard_count": shard_count}
        async with ShardedQuizBot(app, guild_id=guild_id, shard_set=shards, **sharding) as client:
            try:
                await client.login(token)
            except discord.LoginFailure:
                raise ConfigError(
                    f"{TOKEN} was rejected by Discord (401 Unauthorized): "
                    "copy the bot token again from the Developer Portal"
                ) from None
            except discord.Forbidden as exc:
                where = f"server {guild_id}" if guild_id is not None else "Discord"
                raise ConfigError(
                    f"cannot register the slash commands with {where} ({exc.text}): invite the "
                    "bot with the bot and applications.commands scopes"
                ) from None
            if configure_logging:  # after login: a failed login prints only the one-line error
                discord.utils.setup_logging()
            try:
                await client.connect()
            except discord.ConnectionClosed as exc:
                if exc.code != 4004:  # 4004: the gateway refused the token
                    raise
                raise ConfigError(f"{TOKEN} was rejected by the Discord gateway") from None
    finally:
        await app.close()
    return 0

"""The Discord adapter: ``/quiz`` slash commands, answer buttons that survive restarts,
private ("ephemeral") results. A thin layer over the core: no quiz logic lives here.

``quizbot discord [--guild ID]`` runs it; DISCORD_TOKEN (environment or .env) is required.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import discord
import yarl

from adapters.discord_bot.client import (
    DiscordPlatform,
    QuizBot,
    ShardedQuizBot,
    bot_intents,
)
from adapters.discord_bot.identity import actor_for
from adapters.discord_bot.poster import DiscordPoster, DiscordPostError
from adapters.discord_bot.render import Message, render
from adapters.discord_settings import ShardSet, bot_token, shards_from_options
from adapters.logs import redact_secrets
from adapters.platform import serve
from adapters.shutdown import GracefulStop
from bot.app import QuizApp
from bot.config import ConfigError, setting

__all__ = [
    "DiscordPlatform",
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

# where Discord is: only tests (a loopback fake) set these
API_URL = "DISCORD_API_URL"  # the REST base, e.g. https://discord.com/api/v10
GATEWAY_URL = "DISCORD_GATEWAY_URL"  # e.g. wss://gateway.discord.gg/
log = logging.getLogger(__name__)


async def run(
    db: Path | str,
    content: str | None = None,
    guild_id: int | None = None,
    *,
    configure_logging: bool = True,
    shard_count: int | None = None,
    shard_ids: str | None = None,
    shards: ShardSet | None = None,
    token: str | None = None,
) -> int:
    """Run the bot until it is stopped (the host, adapters/platform.py: stop, reload, scheduler,
    live runner). A missing or rejected token is a ConfigError naming DISCORD_TOKEN (one line,
    never the token itself)."""
    shards = shards or shards_from_options(shard_count, shard_ids)
    token = token or bot_token()
    _point_at_discord()
    stop_signal = GracefulStop()
    app = await QuizApp.open(db, content)
    # AutoShardedClient: Discord's recommended shard count unless --shards gives one;
    # --shard-ids: this process runs only those, and posts daily only for their guilds
    sharding: dict[str, Any] = {}
    if shards is not None:
        sharding = {"shard_count": shards.count, "shard_ids": sorted(shards.ids)}
    elif shard_count is not None:
        sharding = {"shard_count": shard_count}
    client = ShardedQuizBot(
        app, guild_id=guild_id, shard_set=shards, stop_signal=stop_signal, **sharding
    )
    if configure_logging:

        def set_up_logging() -> None:
            discord.utils.setup_logging()
            redact_secrets((token,))

        client.after_login = set_up_logging
    return await serve(app, DiscordPlatform(client, token))


def _point_at_discord() -> None:
    """DISCORD_API_URL and DISCORD_GATEWAY_URL, when set (tests point them at a fake)."""
    api_url, gateway_url = setting(API_URL), setting(GATEWAY_URL)
    if api_url is not None:
        if not api_url.startswith(("https://", "http://")):
            raise ConfigError(
                f"{API_URL} should be an http(s) URL like https://discord.com/api/v10"
            )
        discord.http.Route.BASE = api_url.rstrip("/")
    if gateway_url is not None:
        if not gateway_url.startswith(("wss://", "ws://")):
            raise ConfigError(f"{GATEWAY_URL} should be a ws(s) URL like wss://gateway.discord.gg/")
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

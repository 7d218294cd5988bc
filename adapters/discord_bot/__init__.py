"""The Discord adapter: ``/quiz`` slash commands, answer buttons that survive restarts,
private ("ephemeral") results. A thin layer over the core: no quiz logic lives here.

``quizbot discord [--guild ID]`` runs it; DISCORD_TOKEN (environment or .env) is required.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import aiohttp
import discord
import yarl

from adapters.discord_bot.client import QuizBot, ShardedQuizBot, bot_intents
from adapters.discord_bot.identity import actor_for
from adapters.discord_bot.poster import DiscordPoster, DiscordPostError
from adapters.discord_bot.render import Message, render
from adapters.logs import redact_secrets
from adapters.shutdown import GracefulStop
from bot.app import QuizApp
from bot.config import ConfigError, require, setting
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
# where Discord is: only tests (a loopback fake) set these
API_URL = "DISCORD_API_URL"  # the REST base, e.g. https://discord.com/api/v10
GATEWAY_URL = "DISCORD_GATEWAY_URL"  # e.g. wss://gateway.discord.gg/
log = logging.getLogger(__name__)


async def stop_when_asked(client: QuizBot, stop_signal: GracefulStop) -> None:
    """On SIGTERM or SIGINT: stop dispatching (interactions are refused with a reply), finish
    the ones being handled, then close (the daily scheduler first, then the gateway)."""
    await stop_signal.stopped.wait()
    await stop_signal.drain()
    await client.close()


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
    _point_at_discord()
    stop_signal = GracefulStop()
    app = await QuizApp.open(db, content)
    stop_reloading = app.reload_on_sighup()  # SIGHUP: reload the content, logged
    try:
        # AutoShardedClient: Discord's recommended shard count unless --shards gives one;
        # --shard-ids: this process runs only those, and posts daily only for their guilds
        sharding: dict[str, Any] = {}
        if shards is not None:
            sharding = {"shard_count": shards.count, "shard_ids": sorted(shards.ids)}
        elif shard_count is not None:
            sharding = {"shard_count": shard_count}
        async with ShardedQuizBot(
            app, guild_id=guild_id, shard_set=shards, stop_signal=stop_signal, **sharding
        ) as client:
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
            except (aiohttp.ClientError, OSError) as exc:
                raise ConfigError(f"cannot reach Discord to log in: {_reason(exc)}") from None
            if configure_logging:  # after login: a failed login prints only the one-line error
                discord.utils.setup_logging()
                redact_secrets((token,))
            log.info("opened %s", app.db.opened_text())
            with stop_signal.install_signals():
                stopper = asyncio.create_task(stop_when_asked(client, stop_signal))
                try:
                    await client.connect()
                except discord.ConnectionClosed as exc:
                    if exc.code != 4004:  # 4004: the gateway refused the token
                        raise
                    raise ConfigError(f"{TOKEN} was rejected by the Discord gateway") from None
                finally:
                    if stop_signal.accepting:  # connect() ended by itself: nothing to drain
                        stopper.cancel()
                    await asyncio.gather(stopper, return_exceptions=True)
    finally:
        stop_reloading()
        await app.close()
    if stop_signal.signal_name:
        log.info("quizbot stopped (%s)", stop_signal.signal_name)
    return 0


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


def _reason(exc: BaseException) -> str:
    """The first line of what went wrong, without a traceback."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

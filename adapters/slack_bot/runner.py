"""How the Bolt app meets Slack: Socket Mode (outbound WebSocket, no public URL) when an
app-level token is set, otherwise an HTTP server for signed requests on ``/slack/events``."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.slack_bot.adapter import SlackAdapter
from adapters.slack_bot.settings import SlackSettings, load_settings
from bot.app import QuizApp
from bot.config import ConfigError

log = logging.getLogger(__name__)


@dataclass
class HttpRunner:
    """Serves the Bolt app's aiohttp application on host:port at ``path``."""

    bolt: AsyncApp
    host: str
    port: int
    path: str
    _runner: web.AppRunner | None = field(default=None, repr=False)

    @property
    def mode(self) -> str:
        return "http"

    async def start(self) -> None:
        runner = web.AppRunner(self.bolt.web_app(path=self.path, port=self.port), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, self.host, self.port).start()
        self._runner = runner
        # With --port 0 the OS picks the port; report the real one.
        self.port = runner.addresses[0][1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def serve(self) -> None:
        await self.start()
        log.info("quizbot is listening for Slack requests on %s", self.url)
        try:
            await asyncio.Event().wait()  # until cancelled (Ctrl-C)
        finally:
            await self.stop()


@dataclass
class SocketModeRunner:
    """Connects out to Slack over a WebSocket; needs the app-level token (xapp-…)."""

    bolt: AsyncApp
    app_token: str = field(repr=False)

    @property
    def mode(self) -> str:
        return "socket"

    def handler(self) -> AsyncSocketModeHandler:
        """The Socket Mode handler (call inside a running loop; it does not connect yet)."""
        return AsyncSocketModeHandler(self.bolt, app_token=self.app_token)

    async def serve(self) -> None:
        handler = self.handler()
        try:
            # Ask for the WebSocket URL ourselves first: the SDK's connect() retries a rejected
            # app token forever, logging a traceback every few seconds.
            try:
                opened = await self.bolt.client.apps_connections_open(app_token=self.app_token)
            except SlackApiError as exc:
                raise ConfigError(
                    f"SLACK_APP_TOKEN was rejected by Slack: {exc.response.get('error')}"
                ) from None
            except OSError as exc:
                raise ConfigError(f"cannot reach Slack for Socket Mode: {exc}") from None
            handler.client.wss_uri = opened["url"]
            await handler.connect_async()
            log.info("quizbot is connected to Slack in Socket Mode")
            await asyncio.Event().wait()  # until cancelled (Ctrl-C)
        finally:
            await handler.close_async()


Runner = HttpRunner | SocketModeRunner


def build_runner(settings: SlackSettings, bolt: AsyncApp) -> Runner:
    """Socket Mode when SLACK_APP_TOKEN is set, HTTP otherwise. Nothing starts here."""
    if settings.app_token:
        return SocketModeRunner(bolt, settings.app_token)
    return HttpRunner(bolt, settings.host, settings.port, settings.path)


class RedactSecrets(logging.Filter):
    """Belt and braces: replace any secret that still finds its way into a log line."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self._secrets):
            for secret in self._secrets:
                message = message.replace(secret, "[redacted]")
            record.msg, record.args = message, None
        return True


def configure_logging(settings: SlackSettings) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets(settings.secrets))


async def check_bot_token(bolt: AsyncApp) -> None:
    """Fail at start-up, in one line, when Slack rejects the bot token."""
    try:
        await bolt.client.auth_test()
    except SlackApiError as exc:
        raise ConfigError(
            f"SLACK_BOT_TOKEN was rejected by Slack: {exc.response.get('error')}"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot reach Slack to check SLACK_BOT_TOKEN: {exc}") from None


async def run(
    db: Path, content: str | None = None, *, host: str = "0.0.0.0", port: int = 3000
) -> int:
    """``quizbot slack``: settings first (so a missing one touches nothing), then serve."""
    settings = load_settings(host=host, port=port)
    configure_logging(settings)
    app = await QuizApp.open(db, content)
    try:
        adapter = SlackAdapter(app, settings)
        await check_bot_token(adapter.bolt)
        runner = build_runner(settings, adapter.bolt)
        log.info("starting quizbot for Slack in %s mode", runner.mode)
        await runner.serve()
    finally:
        await app.close()
    return 0

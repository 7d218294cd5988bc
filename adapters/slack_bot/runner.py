"""How the Bolt app meets Slack: Socket Mode (outbound WebSocket, no public URL) when an
app-level token is set, otherwise an HTTP server for signed requests on ``/slack/events``.
The host (adapters/platform.py ``serve``) runs the daily scheduler and the live runner alongside
while the bot is up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.http_guard import GuardedSite, HttpGuard
from adapters.logs import redact_secrets
from adapters.platform import serve
from adapters.shutdown import GracefulStop
from adapters.slack_bot.adapter import SlackAdapter
from adapters.slack_bot.platform import SlackPlatform
from adapters.slack_settings import SlackSettings, load_settings
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
    stop_signal: GracefulStop = field(default_factory=GracefulStop, repr=False)
    guard: HttpGuard = field(default_factory=HttpGuard, repr=False)
    _runner: web.AppRunner | None = field(default=None, repr=False)

    @property
    def mode(self) -> str:
        return "http"

    async def start(self) -> None:
        web_app = self.bolt.web_app(path=self.path, port=self.port)
        # slow, idle and malformed requests are cut off, each refusal one log line
        self.guard.install(web_app)
        # requests still open when the server closes already had their listeners drained
        runner = self.guard.runner(web_app)
        await runner.setup()
        await GuardedSite(runner, self.host, self.port, self.guard).start()
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

    async def serve(self, on_ready: Callable[[], None] | None = None) -> None:
        """Serve until ``stop_signal`` (or cancelled); ``on_ready`` runs once requests are
        being accepted. On stop: 503 to new requests (SlackAdapter.refuse_when_stopping),
        accepted work finished, then closed."""
        await self.start()
        log.info("quizbot is listening for Slack requests on %s", self.url)
        try:
            if on_ready is not None:
                on_ready()
            await self.stop_signal.stopped.wait()
            await self.stop_signal.drain()
        finally:
            await self.stop()


@dataclass
class SocketModeRunner:
    """Connects out to Slack over a WebSocket; needs the app-level token (xapp-…)."""

    bolt: AsyncApp
    app_token: str = field(repr=False)
    stop_signal: GracefulStop = field(default_factory=GracefulStop, repr=False)

    @property
    def mode(self) -> str:
        return "socket"

    def handler(self) -> AsyncSocketModeHandler:
        """The Socket Mode handler (call inside a running loop; it does not connect yet)."""
        return AsyncSocketModeHandler(self.bolt, app_token=self.app_token)

    async def serve(self, on_ready: Callable[[], None] | None = None) -> None:
        """Serve until ``stop_signal`` (or cancelled); ``on_ready`` runs once the WebSocket is
        connected. On stop the listeners refuse new work, accepted work finishes, then the
        WebSocket closes."""
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
            if on_ready is not None:
                on_ready()
            await self.stop_signal.stopped.wait()
            await self.stop_signal.drain()
        finally:
            await handler.close_async()


Runner = HttpRunner | SocketModeRunner


def build_runner(
    settings: SlackSettings, bolt: AsyncApp, stop_signal: GracefulStop | None = None
) -> Runner:
    """Socket Mode when SLACK_APP_TOKEN is set, HTTP otherwise. Nothing starts here."""
    stop_signal = stop_signal or GracefulStop()
    if settings.app_token:
        return SocketModeRunner(bolt, settings.app_token, stop_signal)
    return HttpRunner(bolt, settings.host, settings.port, settings.path, stop_signal)


def configure_logging(settings: SlackSettings) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    redact_secrets(settings.secrets)


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
    db: Path | str,
    content: str | None = None,
    *,
    host: str = "0.0.0.0",
    port: int = 3000,
    settings: SlackSettings | None = None,
) -> int:
    """``quizbot slack``: settings first (so a missing one touches nothing), then the host
    serves the Slack platform (adapters/platform.py: stop, reload, scheduler, live runner)."""
    settings = settings or load_settings(host=host, port=port)
    configure_logging(settings)
    stop_signal = GracefulStop()
    app = await QuizApp.open(db, content)
    try:
        adapter = SlackAdapter(app, settings, stop_signal=stop_signal)
        await check_bot_token(adapter.bolt)
        runner = build_runner(settings, adapter.bolt, stop_signal)
    except BaseException:
        await app.close()
        raise
    log.info("starting quizbot for Slack in %s mode", runner.mode)
    log.info("opened %s", app.db.opened_text())
    return await serve(app, SlackPlatform(adapter, runner))

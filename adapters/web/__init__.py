"""The web adapter: ``quizbot web``, a read-only teacher's dashboard behind signed links.

It runs on the one host (``adapters.platform.serve``): the stop signals, SIGHUP reloading the
content (the dashboard shows the questions as they are now) and closing. It is no chat
platform: it posts nothing, so it never reports ready and the host starts no daily scheduler
or live runner for it (the chat platforms' processes do that)."""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from adapters.platform import Capabilities, Lifecycle, ServerPlatform, serve
from adapters.shutdown import GracefulStop
from adapters.web.server import make_web_app
from bot.app import QuizApp
from bot.config import ConfigError
from bot.kernel.dispatch import Result
from bot.kernel.identity import ChannelRef

log = logging.getLogger(__name__)


class WebDashboard(ServerPlatform):
    """The dashboard as the host runs it (the Platform protocol, posting nothing)."""

    name = "web"
    capabilities = Capabilities(buttons=False, edits=False, private_replies=False)

    def __init__(self, app: QuizApp, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.stop_signal = GracefulStop()
        self._runner: web.AppRunner | None = None

    async def post(self, channel: ChannelRef, result: Result, reply_to: str | None = None) -> str:
        raise RuntimeError("the dashboard posts nothing")

    async def edit(self, channel: ChannelRef, ref: str, result: Result) -> None:
        raise RuntimeError("the dashboard posts nothing")

    def owns(self, workspace_id: str) -> bool:
        return False  # no daily questions are posted from here

    async def run(self, lifecycle: Lifecycle) -> None:
        # no access log: every dashboard URL carries a signed token
        self._runner = web.AppRunner(make_web_app(self.app), access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError as exc:  # the port is taken, or the address is not this host's
            raise ConfigError(
                f"quizbot web cannot listen on {self.host}:{self.port}: {exc.strerror or exc}"
            ) from None
        log.info(
            "teacher's dashboard on http://%s:%d (admins get links with /quiz dashboard)",
            self.host,
            self.port,
        )
        await self.stop_signal.stopped.wait()  # page views are short reads: nothing to drain

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def run(
    db: Path | str, content: str | None, host: str = "127.0.0.1", port: int = 8080
) -> int:
    """Serve the dashboard until SIGTERM or SIGINT; the exit status."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = await QuizApp.open(db, content)
    return await serve(app, WebDashboard(app, host, port))

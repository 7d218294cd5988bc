"""The web adapter: ``quizbot web``, a read-only teacher's dashboard behind signed links."""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from adapters.shutdown import GracefulStop
from adapters.web.server import make_web_app
from bot.app import QuizApp

log = logging.getLogger(__name__)


async def run(
    db: Path | str, content: str | None, host: str = "127.0.0.1", port: int = 8080
) -> int:
    """Serve the dashboard until SIGTERM or SIGINT; 0 when stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = await QuizApp.open(db, content)
    stop = GracefulStop()
    runner = web.AppRunner(make_web_app(app), access_log=None)  # URLs carry tokens: no log
    try:
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        log.info("teacher's dashboard on http://%s:%d (links from /quiz dashboard)", host, port)
        with stop.install_signals():
            await stop.stopped.wait()
    finally:
        await runner.cleanup()
        await app.close()
    return 0

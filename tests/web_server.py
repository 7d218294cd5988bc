"""The dashboard served from a test's own event loop on 127.0.0.1 (a free port)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from adapters.web.server import make_web_app
from bot.app import QuizApp


@asynccontextmanager
async def serving(app: QuizApp) -> AsyncIterator[str]:
    """Serve ``app``'s dashboard; yields its base URL (``http://127.0.0.1:PORT``)."""
    runner = web.AppRunner(make_web_app(app))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def local(url: str, base: str) -> str:
    """A link from /quiz dashboard (on the default base URL) pointed at the test's server."""
    return base + url[url.index("/d/") :]

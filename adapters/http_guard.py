"""Limits for an HTTP server an adapter runs on aiohttp (Slack's HTTP mode): what a slow,
idle or malformed client can cost is bounded, and each refusal is one log line.

- a request head must be whole within ``head_timeout_s`` of its first byte (a new connection's
  first head: of connecting): a slowloris client dripping a header every few seconds held its
  connection forever (1,150 of them after 70 s, as many open descriptors);
- a kept-alive connection waiting for its next request is idle, not slow: no head timer runs
  until that request's first byte. aiohttp closes it after ``keepalive_timeout_s`` idle, only
  between requests (its default, 75 s: longer than clients keep idle connections, aiohttp's
  own 15 s, so the client usually closes first). The head timer had run from the last
  response, so a connection idle for 10 s was cut while its client could be sending the next
  request on it: at 1,000 concurrent clicks whose replies took ~15 s on a loaded machine,
  100-365 of 2,000 clicks were lost so;
- a request, its body included, is handled within ``request_timeout_s`` (else 408, and the
  connection closes: aiohttp would linger up to 10 s more reading a body that was already too
  slow, so a client dripping its body held the connection eleven times the limit);
- at most ``max_connections`` are open at once: more are closed as they connect (by default
  as many as the process's open-files limit leaves room for, up to 2,048: a burst of 1,000
  concurrent clicks is 1,000 connections from Slack);
- the bot's own replies (Slack's response_urls) may hold what descriptors the server's
  connections leave (``reply_room``: 100 at a limit of 1,024, up to 1,000);
- a malformed request (aiohttp answers it 400) is one line, not its parser's traceback (53
  connections logged 53 tracebacks); lines about refusals are rate-limited, with a count of
  those not logged.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


MAX_CONNECTIONS = 2048
DESCRIPTORS_KEPT = 256  # for the database, the logs and the bot's own outgoing HTTP


# replies the bot posts at once (Slack's response_urls): at least aiohttp's default connection
# limit (within DESCRIPTORS_KEPT), up to a burst of 1,000 clicks' worth
MIN_REPLY_CONNECTIONS = 100
MAX_REPLY_CONNECTIONS = 1000


def connection_room(limit: int = MAX_CONNECTIONS) -> int:
    """How many connections the server may hold open: ``limit``, or fewer when the process's
    open-files limit (``ulimit -n``, often 1,024) leaves less room beside what the bot itself
    keeps open."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return limit
    return max(64, min(limit, soft - DESCRIPTORS_KEPT))


def reply_room(limit: int = MAX_REPLY_CONNECTIONS) -> int:
    """How many replies the bot may post at once, each on its own connection: what the
    open-files limit leaves beside the server's connections (``connection_room``) and
    DESCRIPTORS_KEPT, at least MIN_REPLY_CONNECTIONS (which DESCRIPTORS_KEPT has room for),
    at most ``limit``."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return limit
    spare = soft - DESCRIPTORS_KEPT - connection_room()
    return max(MIN_REPLY_CONNECTIONS, min(limit, spare))


@dataclass(frozen=True)
class HttpLimits:
    head_timeout_s: float = 10.0
    request_timeout_s: float = 30.0  # Slack itself waits 3 s for an acknowledgement
    keepalive_timeout_s: float = 75.0  # aiohttp's: an idle kept-alive connection is closed
    max_connections: int = field(default_factory=connection_room)
    log_interval_s: float = 10.0  # at most one refusal line per interval (and a count)


class RefusalLog:
    """One line per refused request or connection, at most one per ``interval_s``; the next
    line says how many were not logged in between."""

    def __init__(self, interval_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self.clock = clock
        self.refused = 0  # all of them, logged or not
        self._unlogged = 0
        self._last: float | None = None

    def refuse(self, peer: object, reason: str) -> None:
        self.refused += 1
        now = self.clock()
        if self._last is not None and now - self._last < self.interval_s:
            self._unlogged += 1
            return
        more = f" ({self._unlogged} more refused since the last line)" if self._unlogged else ""
        log.warning("HTTP: refused %s: %s%s", _peer(peer), reason, more)
        self._last, self._unlogged = now, 0


def _peer(peer: object) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer or "a client")


class Timer(Protocol):
    def cancel(self) -> None: ...


CallLater = Callable[[float, Callable[[], None]], Timer]


def _loop_call_later(delay: float, callback: Callable[[], None]) -> Timer:
    return asyncio.get_running_loop().call_later(delay, callback)


class Waiting(Enum):
    """What a connection is doing, for the head timer."""

    FIRST_HEAD = "first head"  # new: its first request's head is due (timed from connecting)
    IDLE = "idle"  # kept alive between requests: no timer (aiohttp's keep-alive bound)
    HEAD = "head"  # the next request's first byte came: its head is timed from it
    REQUEST = "request"  # a request is being handled (the middleware's request timeout)


class _Connection(asyncio.Protocol):
    """aiohttp's protocol for one connection, behind the head timer: a request head must be
    whole within the head timeout of its first byte, or of connecting for the first one."""

    def __init__(self, guard: HttpGuard, inner: asyncio.Protocol) -> None:
        self.guard = guard
        self.inner = inner
        self.transport: asyncio.Transport | None = None
        self.peer: object = None
        self._timer: Timer | None = None
        self.running = 0  # requests being handled
        self.waiting = Waiting.FIRST_HEAD

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.peer = transport.get_extra_info("peername")
        guard = self.guard
        if len(guard.open) >= guard.limits.max_connections:
            guard.refusals.refuse(self.peer, f"over {guard.limits.max_connections} connections")
            transport.abort()
            return
        guard.open[transport] = self
        self._time_head()
        self.inner.connection_made(transport)

    def _time_head(self) -> None:
        self.disarm()
        self._timer = self.guard.call_later(self.guard.limits.head_timeout_s, self._expired)

    def started(self) -> None:
        """A request's head is whole and its handler runs (the guard's middleware)."""
        self.running += 1
        self.waiting = Waiting.REQUEST
        self.disarm()

    def finished(self) -> None:
        """A request's handler returned: idle until the next request's first byte."""
        self.running -= 1
        if self.running == 0:
            self.waiting = Waiting.IDLE

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        if self.transport is None or self.transport.is_closing():
            return
        if getattr(self.inner, "_messages", None):
            return  # the head is whole, its handler not yet started (a busy loop): not slow
        limit = self.guard.limits.head_timeout_s
        self.guard.refusals.refuse(self.peer, f"no complete request within {limit:g} s")
        self.transport.abort()

    def data_received(self, data: bytes) -> None:
        if self.waiting is Waiting.IDLE:  # the first byte of a kept-alive connection's next head
            self.waiting = Waiting.HEAD
            self._time_head()
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        if self.transport is not None and self.guard.open.pop(self.transport, None) is self:
            self.inner.connection_lost(exc)


class HttpGuard:
    """The limits, applied by wrapping the server's protocol factory (``GuardedSite``) and
    by a middleware on the aiohttp application (``install``)."""

    def __init__(
        self, limits: HttpLimits | None = None, call_later: CallLater = _loop_call_later
    ) -> None:
        self.limits = limits or HttpLimits()
        self.call_later = call_later  # the head timer's clock (a test's own, or the loop's)
        self.refusals = RefusalLog(self.limits.log_interval_s)
        self.open: dict[asyncio.BaseTransport, _Connection] = {}

    def install(self, app: web.Application) -> None:
        """Add the request timeout to ``app`` (before its runner is set up) and make aiohttp's
        log of malformed requests one rate-limited line."""
        app.middlewares.insert(0, self._middleware)  # outermost: before any reads the body
        _MalformedRequests.attach(self.refusals)

    def runner(self, app: web.Application) -> web.AppRunner:
        return web.AppRunner(
            app,
            access_log=None,
            shutdown_timeout=2.0,
            keepalive_timeout=self.limits.keepalive_timeout_s,
            lingering_time=0,  # a body unread after its request's 408: closed, not waited for
        )

    def protocol(self, inner: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        return lambda: _Connection(self, inner())

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        connection = self.open.get(request.transport) if request.transport else None
        if connection is not None:
            connection.started()
        try:
            async with asyncio.timeout(self.limits.request_timeout_s):
                return await handler(request)
        except TimeoutError:
            limit = self.limits.request_timeout_s
            self.refusals.refuse(request.remote, f"request not done within {limit:g} s")
            raise web.HTTPRequestTimeout() from None
        finally:
            if connection is not None:
                connection.finished()


class GuardedSite(web.BaseSite):
    """A TCP site whose connections go through ``guard`` (aiohttp's TCPSite, plus the guard's
    protocol around each connection)."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, guard: HttpGuard) -> None:
        super().__init__(runner)
        self._host, self._port, self._guard = host, port, guard

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None, "the runner is set up first"
        self._server = await asyncio.get_running_loop().create_server(
            self._guard.protocol(server), self._host, self._port, reuse_address=True
        )


class _MalformedRequests(logging.Filter):
    """On aiohttp's server logger: "Error handling request" for a request its parser refused
    (a 400 it already answered) becomes a refusal line; other errors keep their traceback."""

    def __init__(self, refusals: RefusalLog) -> None:
        super().__init__()
        self.refusals = refusals

    @classmethod
    def attach(cls, refusals: RefusalLog) -> None:
        server_log = logging.getLogger("aiohttp.server")
        for old in [f for f in server_log.filters if isinstance(f, cls)]:
            server_log.removeFilter(old)
        server_log.addFilter(cls(refusals))

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not isinstance(exc, HttpProcessingError):
            return True
        peer = record.args[0] if isinstance(record.args, tuple) and record.args else None
        first = (exc.message or type(exc).__name__).strip().splitlines()
        self.refusals.refuse(peer, f"malformed HTTP request ({first[0] if first else exc.code})")
        return False

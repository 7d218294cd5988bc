"""Slack's HTTP mode against slow, idle, too many and malformed clients (the real HttpRunner
serving the real Bolt app on 127.0.0.1): each is cut off within its limit, the server keeps
answering signed requests, and each refusal is one rate-limited log line, never a traceback.
A kept-alive connection idle between requests is not a slow client: it outlives the head
timeout and serves its next request (the head timer runs from that request's first byte)."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.http_guard import HttpGuard, HttpLimits, RefusalLog, Waiting
from adapters.slack_bot import SlackAdapter
from adapters.slack_bot.runner import HttpRunner
from adapters.slack_settings import SlackSettings
from tests.fakes.slack_api import BoltHarness, FakeSlackAPI
from tests.slack_fixtures import BOT_TOKEN, SECRET
from tests.waiting import eventually

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

FORM = "application/x-www-form-urlencoded"
LIMITS = HttpLimits(
    head_timeout_s=0.5, request_timeout_s=1.0, keepalive_timeout_s=1.0, max_connections=20
)


# the head timer on a clock the test moves; the keep-alive bound (aiohttp's, real time) long
KEPT = HttpLimits(
    head_timeout_s=10.0, request_timeout_s=30.0, keepalive_timeout_s=300.0, max_connections=20
)


class ManualTimers:
    """The guard's ``call_later`` on a clock the test advances: bounds are passed without
    waiting them out, so a loaded machine cannot fire one early or late."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pending: list[ManualTimer] = []

    def call_later(self, delay: float, callback) -> ManualTimer:
        timer = ManualTimer(self.now + delay, callback)
        self.pending.append(timer)
        return timer

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = sorted(
            (t for t in self.pending if t.when <= self.now and not t.cancelled),
            key=lambda t: t.when,
        )
        self.pending = [t for t in self.pending if t not in due and not t.cancelled]
        for timer in due:
            timer.callback()

    def armed(self) -> int:
        return sum(not t.cancelled for t in self.pending)


class ManualTimer:
    def __init__(self, when: float, callback) -> None:
        self.when, self.callback, self.cancelled = when, callback, False

    def cancel(self) -> None:
        self.cancelled = True


@pytest.fixture
async def fake():
    async with FakeSlackAPI() as f:
        yield f


@pytest.fixture
async def server(app, fake):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    adapter = SlackAdapter(
        app, SlackSettings(bot_token=BOT_TOKEN, signing_secret=SECRET), client=client
    )
    runner = HttpRunner(adapter.bolt, "127.0.0.1", 0, "/slack/events", guard=HttpGuard(LIMITS))
    await runner.start()
    yield runner
    await runner.stop()
    await adapter.close()


@pytest.fixture
async def timers():
    return ManualTimers()


@pytest.fixture
async def kept_server(app, fake, timers):
    """The server with the head timer on ``timers`` and a keep-alive bound far off."""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    adapter = SlackAdapter(
        app, SlackSettings(bot_token=BOT_TOKEN, signing_secret=SECRET), client=client
    )
    guard = HttpGuard(KEPT, call_later=timers.call_later)
    runner = HttpRunner(adapter.bolt, "127.0.0.1", 0, "/slack/events", guard=guard)
    await runner.start()
    yield runner
    await runner.stop()
    await adapter.close()


def help_request(runner: HttpRunner, fake: FakeSlackAPI, response_id: str) -> bytes:
    """A signed `/quiz help` as raw HTTP/1.1 bytes (kept alive: no Connection header)."""
    body = urlencode(
        {
            "command": "/quiz",
            "text": "help",
            "user_id": "U1",
            "team_id": "T123",
            "channel_id": "C1",
            "response_url": fake.response_url(response_id),
        }
    )
    signature = BoltHarness(runner.bolt, signing_secret=SECRET).sign(body)
    head = [
        "POST /slack/events HTTP/1.1",
        "Host: 127.0.0.1",
        f"Content-Type: {FORM}",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in signature.items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n" + body).encode()


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> bytes:
    """Send ``request`` on an open connection and read its whole response (head and body)."""
    writer.write(request)
    async with asyncio.timeout(30):
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        return head + await reader.readexactly(length)


async def kept_alive_after_one_request(runner: HttpRunner, fake: FakeSlackAPI):
    """A connection that had one signed request answered and now waits, idle, for its next;
    returns its reader, writer and the guard's view of it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", runner.port)
    reply = await exchange(reader, writer, help_request(runner, fake, "first"))
    assert reply.startswith(b"HTTP/1.1 200"), reply[:80]
    await fake.wait_for_response_post(lambda p: p.response_id == "first", timeout=30)
    (connection,) = runner.guard.open.values()
    await eventually(lambda: connection.waiting is Waiting.IDLE, "the connection idle")
    return reader, writer, connection


async def signed_help(runner: HttpRunner, fake: FakeSlackAPI, response_id: str) -> int:
    """A signed `/quiz help`: the status, and (for 200) its reply posted to the fake."""
    body = urlencode(
        {
            "command": "/quiz",
            "text": "help",
            "user_id": "U1",
            "team_id": "T123",
            "channel_id": "C1",
            "response_url": fake.response_url(response_id),
        }
    )
    headers = {"Content-Type": FORM, **BoltHarness(runner.bolt, signing_secret=SECRET).sign(body)}
    async with aiohttp.ClientSession(trust_env=False) as session:
        async with session.post(runner.url, data=body, headers=headers) as resp:
            status = resp.status
    if status == 200:
        await fake.wait_for_response_post(lambda p: p.response_id == response_id)
    return status


async def closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """What the server sent before it closed the connection (waits for the close)."""
    async with asyncio.timeout(30):
        return await reader.read()


async def cut_off(reader: asyncio.StreamReader) -> bool:
    """Whether the server ended the connection with nothing more sent (a reset counts: the
    guard aborts, and bytes it had not read yet make the kernel send a reset)."""
    try:
        return await closed_by_server(reader) == b""
    except ConnectionResetError:
        return True


async def test_slowloris_connections_are_cut_off_and_signed_requests_still_answered(
    server, fake, caplog
):
    caplog.set_level(logging.WARNING)
    dripping = []
    for n in range(15):  # each sends a request head one header at a time, never its end
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(f"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Drip-{n}: 1\r\n".encode())
        dripping.append((reader, writer))
    assert await signed_help(server, fake, "while-dripping") == 200
    for _, writer in dripping:  # a header more, as a slowloris client does: no new deadline
        writer.write(b"X-More: 1\r\n")
    for reader, _ in dripping:
        assert await closed_by_server(reader) == b""
    await eventually(lambda: not server.guard.open, "every dripping connection closed")
    for _, writer in dripping:
        writer.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "adapters.http_guard"]
    assert lines and "no complete request within 0.5 s" in lines[0]
    assert len(lines) <= 2  # rate-limited: one line per interval, not one per connection
    assert "Traceback" not in caplog.text


async def test_an_idle_connection_is_closed(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    assert await closed_by_server(reader) == b""
    writer.close()
    assert server.guard.refusals.refused == 1


async def test_a_body_that_never_ends_gets_408_within_the_request_limit(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: "
        + FORM.encode()
        + b"\r\nContent-Length: 1000\r\n\r\ncommand=%2Fquiz"
    )
    async with asyncio.timeout(30):
        head = await reader.readuntil(b"\r\n\r\n")
    answered = asyncio.get_running_loop().time()
    reply = head + await closed_by_server(reader)
    writer.close()
    assert reply.startswith(b"HTTP/1.1 408"), reply[:80]
    # and the connection ends with it: aiohttp's default would linger 10 s for the rest of the
    # body (a bound far above any loop delay, far below that)
    assert asyncio.get_running_loop().time() - answered < 5


async def test_connections_over_the_cap_are_closed_as_they_come(server, fake, caplog):
    caplog.set_level(logging.WARNING)
    held = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(25)]
    await eventually(lambda: len(server.guard.open) == 20, "20 connections open")
    assert server.guard.refusals.refused == 5
    lines = [r.getMessage() for r in caplog.records if r.name == "adapters.http_guard"]
    assert len(lines) == 1 and "over 20 connections" in lines[0]
    for _, writer in held:
        writer.close()
    await eventually(lambda: not server.guard.open, "the held connections closed")
    assert await signed_help(server, fake, "after-the-cap") == 200


async def test_malformed_requests_are_one_rate_limited_line_each_not_a_traceback(server, caplog):
    caplog.set_level(logging.INFO)
    for _ in range(53):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"POST /slack/events HTTP/1.1\r\nContent-Length: abc\r\n\r\n")
        assert (await closed_by_server(reader)).startswith(b"HTTP/1.0 400")
        writer.close()
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]
    lines = [r.getMessage() for r in caplog.records if r.name == "adapters.http_guard"]
    assert 1 <= len(lines) <= 2, lines
    assert "malformed HTTP request (Invalid character in Content-Length" in lines[0]


def test_the_refusal_log_counts_what_it_did_not_log(caplog):
    caplog.set_level(logging.WARNING)
    now = [0.0]
    refusals = RefusalLog(10.0, clock=lambda: now[0])
    for second in range(25):
        now[0] = float(second)
        refusals.refuse(("10.0.0.1", 5), "slow")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "HTTP: refused 10.0.0.1:5: slow",
        "HTTP: refused 10.0.0.1:5: slow (9 more refused since the last line)",
        "HTTP: refused 10.0.0.1:5: slow (9 more refused since the last line)",
    ]
    assert refusals.refused == 25


async def test_an_idle_kept_alive_connection_outlives_the_head_timeout_and_serves_its_next(
    kept_server, fake, timers
):
    reader, writer, connection = await kept_alive_after_one_request(kept_server, fake)
    assert timers.armed() == 0  # idle: no head timer until the next request's first byte
    timers.advance(KEPT.head_timeout_s * 20)  # 200 s idle: far past the head timeout
    assert not connection.transport.is_closing()
    reply = await exchange(reader, writer, help_request(kept_server, fake, "second"))
    assert reply.startswith(b"HTTP/1.1 200"), reply[:80]
    await fake.wait_for_response_post(lambda p: p.response_id == "second", timeout=30)
    assert list(kept_server.guard.open.values()) == [connection]  # the same connection
    assert kept_server.guard.refusals.refused == 0
    writer.close()


async def test_a_slow_head_on_a_kept_alive_connection_is_cut_at_the_bound_from_its_first_byte(
    kept_server, fake, timers, caplog
):
    caplog.set_level(logging.WARNING)
    reader, writer, connection = await kept_alive_after_one_request(kept_server, fake)
    timers.advance(100.0)  # idle a long while first: that does not count against the head
    writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
    await eventually(lambda: connection.waiting is Waiting.HEAD, "the next head begun")
    timers.advance(KEPT.head_timeout_s - 0.5)
    assert not connection.transport.is_closing()
    writer.write(b"X-More: 1\r\n")  # a header more, as a slowloris client does: no new deadline
    timers.advance(1.0)
    assert await cut_off(reader)
    await eventually(lambda: not kept_server.guard.open, "the slow connection closed")
    writer.close()
    assert kept_server.guard.refusals.refused == 1
    lines = [r.getMessage() for r in caplog.records if r.name == "adapters.http_guard"]
    assert len(lines) == 1 and "no complete request within 10 s" in lines[0]


async def test_a_new_connections_first_head_is_timed_from_connecting(kept_server, timers):
    reader, writer = await asyncio.open_connection("127.0.0.1", kept_server.port)
    await eventually(lambda: len(kept_server.guard.open) == 1, "the connection accepted")
    (connection,) = kept_server.guard.open.values()
    assert connection.waiting is Waiting.FIRST_HEAD
    timers.advance(KEPT.head_timeout_s - 0.5)
    writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")  # begun late, never ended
    assert not connection.transport.is_closing()
    timers.advance(1.0)
    assert await cut_off(reader)
    writer.close()
    assert kept_server.guard.refusals.refused == 1


async def test_an_idle_kept_alive_connection_is_closed_at_the_keep_alive_bound_not_refused(
    server, fake
):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    reply = await exchange(reader, writer, help_request(server, fake, "only"))
    assert reply.startswith(b"HTTP/1.1 200"), reply[:80]
    assert await closed_by_server(reader) == b""  # aiohttp's keep-alive bound (1 s here)
    writer.close()
    assert server.guard.refusals.refused == 0

"""A small in-process fake of Discord (REST + gateway) for testing the REAL discord.py client.

Everything binds to 127.0.0.1 on an ephemeral port; while the fake is active,
``discord.http.Route.BASE`` and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` point at
it, and clients started through :meth:`FakeDiscord.run` get a connector whose resolver refuses
every hostname except ``localhost``, so no traffic can leave loopback.

Typical use in an adapter test::

    @pytest.fixture
    async def fake():
        async with FakeDiscord() as server:
            yield server

    async def test_question(fake):
        client = MyBot(guild_ready_timeout=0, chunk_guilds_at_startup=False)
        async with fake.run(client):                       # login + gateway + READY
            payload = fake.slash_command("quiz", "question", options={"topic": "caching"})
            await fake.dispatch("INTERACTION_CREATE", payload)
            cb = await fake.wait_for_callback(payload)      # RecordedRequest
            assert cb.json["type"] == 4

``guild_ready_timeout`` is how long discord.py holds READY back after the last GUILD_CREATE
(2 s by default; every start pays it in full). 0 dispatches READY at once and the fake's
GUILD_CREATE, sent right after READY, is parsed next, before any event a test dispatches: for a
client that keeps no guild state of its own (QuizBot reads what each interaction carries). A
test of the guild cache just after READY (tests/platforms/discord/test_discord_fake.py) keeps a
small wait instead.

Errors are surfaced instead of turning into time-outs: if the client task dies (e.g. a
KeyError inside discord.py's gateway parser because a payload lacks a key) any ``wait_for*``
call re-raises that exception, and anything discord.py logs at ERROR level (exceptions in
commands, views, dynamic items, event handlers) is raised as :class:`LoggedClientError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import datetime as dt
import itertools
import json
import logging
import re
import socket
import threading
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import discord
import yarl
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

__all__ = [
    "APPLICATION_ID",
    "CHANNEL_ID",
    "GUILD_ID",
    "USER_ID",
    "FakeDiscord",
    "LoggedClientError",
    "RecordedRequest",
]

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway-ws"
DISCORD_EPOCH_MS = 1420070400000

APPLICATION_ID = 111111111111111111  # also the bot user's id, as for modern Discord apps
GUILD_ID = 222222222222222222
CHANNEL_ID = 333333333333333333
USER_ID = 444444444444444444
OWNER_ID = 555555555555555555

EPHEMERAL = 1 << 6
LOADING = 1 << 7

# A plain member: enough to use the bot, no moderation rights.
MEMBER_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    use_application_commands=True,
)
BOT_PERMISSIONS = discord.Permissions(MEMBER_PERMISSIONS.value | discord.Permissions.text().value)

T = TypeVar("T")
Handler = Callable[["RecordedRequest", re.Match[str]], Any]

_log = logging.getLogger(__name__)


class LoggedClientError(Exception):
    """discord.py (or the fake) logged an ERROR, usually a swallowed exception: see __cause__."""

    def __init__(self, record: logging.LogRecord) -> None:
        super().__init__(f"{record.name} logged an error: {record.getMessage()}")
        self.record = record


DEFERRED_REPLY = 5  # an interaction callback: "thinking", the message follows


@dataclass
class RecordedRequest:
    """One REST request the fake received."""

    method: str
    path: str  # API path without the /api/v10 prefix, e.g. "/channels/1/messages"
    query: dict[str, str]
    json: Any  # parsed JSON body (``payload_json`` for multipart uploads) or None
    headers: dict[str, str]
    files: dict[str, bytes] = field(default_factory=dict)  # multipart uploads by filename
    status: int = 0  # status the fake answered with
    response: Any = None  # JSON the fake answered with (None for 204)

    def __repr__(self) -> str:
        return f"<RecordedRequest {self.method} {self.path} -> {self.status}>"


class _LoopbackOnlyResolver(AbstractResolver):
    """Resolver for the client's connector: never does DNS, only 'localhost' resolves."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host != "localhost":
            raise OSError(f"fake discord: refusing to resolve {host!r}; tests stay on loopback")
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        return None


class _ErrorCollector(logging.Handler):
    def __init__(self, fake: FakeDiscord) -> None:
        super().__init__(level=logging.ERROR)
        self._fake = fake

    def emit(self, record: logging.LogRecord) -> None:
        self._fake._on_logged_error(record)


class _GatewayConnection:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.seq = 0
        self.lock = asyncio.Lock()
        self.identified = False


_AUTO: Any = object()


def _iso(ts: float | None = None) -> str:
    when = dt.datetime.fromtimestamp(time.time() if ts is None else ts, tz=dt.UTC)
    return when.isoformat()


def _walk_components(components: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for comp in components or ():
        if not isinstance(comp, dict):
            continue
        yield comp
        yield from _walk_components(comp.get("components") or ())
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                yield from _walk_components([comp[key]])


def custom_ids(components: Iterable[Any]) -> list[str]:
    """All custom_ids in a (possibly nested) component list, in order."""
    return [c["custom_id"] for c in _walk_components(components) if "custom_id" in c]


def _option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, str):
        return 3
    raise TypeError(
        f"cannot infer option type for {value!r}; pass a raw option dict "
        '({"name": ..., "type": ..., "value": ...}) instead'
    )


def _build_options(options: dict[str, Any] | list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if options is None:
        return []
    if isinstance(options, list):
        return copy.deepcopy(options)
    built = []
    for name, value in options.items():
        if isinstance(value, dict):
            built.append({"name": name, **value})
        else:
            built.append({"name": name, "type": _option_type(value), "value": value})
    return built


class FakeDiscord:
    """Fake Discord REST API + gateway on 127.0.0.1: ``async with FakeDiscord() as fake``."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        application_id: int = APPLICATION_ID,
        guild_id: int = GUILD_ID,
        channel_id: int = CHANNEL_ID,
        bot_name: str = "quizbot",
        guild_name: str = "Study Group",
        channel_name: str = "quiz",
        heartbeat_interval_ms: int = 41_250,
        raise_logged_errors: bool = True,
    ) -> None:
        self.token = token
        self.application_id = application_id
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.raise_logged_errors = raise_logged_errors

        self.bot_user: dict[str, Any] = {
            "id": str(application_id),
            "username": bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "verified": True,
            "flags": 0,
            "mfa_enabled": False,
            "public_flags": 0,
        }
        self.users: dict[int, dict[str, Any]] = {application_id: self.bot_user}
        self.default_user = self.make_user("alice", USER_ID)
        self.make_user("owner", OWNER_ID)

        # Observable state ------------------------------------------------------------------
        self.requests: list[RecordedRequest] = []
        self.unhandled: list[RecordedRequest] = []  # requests no route matched (answered 404)
        self.gateway_received: list[dict[str, Any]] = []  # frames the client sent (IDENTIFY...)
        self.messages: dict[int, dict[str, Any]] = {}  # every message created through the fake
        self.synced_commands: dict[int | None, list[dict[str, Any]]] = {}  # None = global
        self.interactions: dict[int, dict[str, Any]] = {}  # dispatched INTERACTION_CREATEs
        self.logged_errors: list[logging.LogRecord] = []
        self.channels: dict[int, dict[str, Any]] = {}
        self.roles: list[dict[str, Any]] = [
            {
                "id": str(guild_id),
                "name": "@everyone",
                "permissions": str(MEMBER_PERMISSIONS.value),
                "position": 0,
                "color": 0,
                "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
                "icon": None,
                "unicode_emoji": None,
            }
        ]
        self.add_text_channel(channel_name, channel_id)
        self.guild_name = guild_name

        self._ids = itertools.count(1)
        self._responded: set[int] = set()
        self._original: dict[str, int] = {}  # interaction token -> original response message id
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._user_routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._connections: set[_GatewayConnection] = set()
        self._active: _GatewayConnection | None = None
        self._watched: list[asyncio.Task[Any]] = []
        self._surfaced: set[asyncio.Task[Any]] = set()
        self._errors_reported = 0
        self._changed: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._runner: web.AppRunner | None = None
        self._saved: tuple[str, yarl.URL] | None = None
        self._collector = _ErrorCollector(self)
        self.port = 0
        self._register_routes()

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._changed = asyncio.Event()
        app = web.Application()
        app.router.add_get(GATEWAY_PATH, self._handle_gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle_rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

        self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        discord.http.Route.BASE = self.base_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        logging.getLogger("discord").addHandler(self._collector)
        _log.addHandler(self._collector)

    async def close(self) -> None:
        logging.getLogger("discord").removeHandler(self._collector)
        _log.removeHandler(self._collector)
        if self._saved is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1000)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ running a client

    @contextlib.asynccontextmanager
    async def run(
        self, client: discord.Client, token: str | None = None, *, timeout: float = 30.0
    ) -> AsyncIterator[discord.Client]:
        """Log ``client`` in, connect it to the fake gateway, wait for READY, close it on exit.

        Raises ``discord.LoginFailure`` on entry for a token other than ``self.token``.
        On a clean exit, an unreported crash of the client task or an unreported error logged
        by discord.py is raised.
        """
        timeout_opt = client._connection.guild_ready_timeout
        if timeout_opt > 0.5:
            warnings.warn(
                f"client has guild_ready_timeout={timeout_opt}s; READY will take that long. "
                "Pass guild_ready_timeout=0 (or 0.05), chunk_guilds_at_startup=False in tests.",
                stacklevel=3,
            )
        if client.http.connector is discord.utils.MISSING:
            client.http.connector = aiohttp.TCPConnector(limit=0, resolver=_LoopbackOnlyResolver())
        try:
            await client.login(self.token if token is None else token)
        except BaseException:
            await client.close()
            raise
        task = asyncio.create_task(client.connect(reconnect=False), name="fake-discord-connect")
        self.watch(task)
        body_failed = False
        try:
            await self.wait_until_ready(client, timeout=timeout)
            yield client
        except BaseException:
            body_failed = True
            raise
        finally:
            await client.close()
            done, _ = await asyncio.wait({task}, timeout=5.0)
            if not done:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
            try:
                if not body_failed:
                    self._raise_pending_errors()
            finally:  # so the same fake can run a second ("restarted") client afterwards
                self._watched.remove(task)
                self._surfaced.discard(task)

    def watch(self, task: asyncio.Task[Any]) -> asyncio.Task[Any]:
        """Monitor ``task`` (e.g. your own ``client.start()`` task); waits raise if it crashes."""
        self._watched.append(task)
        task.add_done_callback(lambda _t: self._poke())
        return task

    async def wait_until_ready(self, client: discord.Client, timeout: float = 30.0) -> None:
        """Wait for the client's READY (works for clients started outside :meth:`run` too)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        # Client.wait_until_ready() raises until login() initialised it; login's REST calls
        # wake us up, so this is not a poll.
        await self.wait_for(
            lambda: True if client._ready is not discord.utils.MISSING else None,
            timeout,
            "client login",
        )
        timeout = max(deadline - loop.time(), 0.0)
        ready = asyncio.create_task(client.wait_until_ready())
        ready.add_done_callback(lambda _t: self._poke())
        try:
            await self.wait_for(lambda: True if ready.done() else None, timeout, "client READY")
        finally:
            ready.cancel()

    # ------------------------------------------------------------------ waiting / errors

    def check(self) -> None:
        """Raise the exception of a crashed watched task, or the next unreported logged error."""
        for task in self._watched:
            if task.done() and not task.cancelled() and task.exception() is not None:
                self._surfaced.add(task)
                raise task.exception()  # type: ignore[misc]
        self._raise_next_logged_error()

    def _raise_next_logged_error(self) -> None:
        if self.raise_logged_errors and self._errors_reported < len(self.logged_errors):
            record = self.logged_errors[self._errors_reported]
            self._errors_reported += 1
            cause = record.exc_info[1] if record.exc_info else None
            raise LoggedClientError(record) from cause

    def _raise_pending_errors(self) -> None:
        """At exit: raise what no wait has reported yet (crash first, then logged errors)."""
        for task in self._watched:
            if task in self._surfaced or not task.done() or task.cancelled():
                continue
            if task.exception() is not None:
                self._surfaced.add(task)
                raise task.exception()  # type: ignore[misc]
        self._raise_next_logged_error()

    async def wait_for(
        self, condition: Callable[[], T | None], timeout: float = 30.0, what: str = "condition"
    ) -> T:
        """Wait until ``condition()`` returns non-None, re-checking whenever the fake changes.

        Raises the client's crash / logged errors as soon as they happen.
        """
        assert self._loop is not None and self._changed is not None, "fake not started"
        deadline = self._loop.time() + timeout
        while True:
            self.check()
            result = condition()
            if result is not None:
                return result
            stopped = [t for t in self._watched if t.done()]
            if stopped:
                raise RuntimeError(
                    f"client task {stopped[0].get_name()} ended while waiting for {what}"
                )
            remaining = deadline - self._loop.time()
            if remaining <= 0:
                recent = ", ".join(f"{r.method} {r.path}" for r in self.requests[-8:])
                raise TimeoutError(
                    f"fake discord: timed out after {timeout}s waiting for {what}; "
                    f"last requests: [{recent}]"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def mark(self) -> int:
        """Index to pass as ``since=`` to only consider requests made after this call."""
        return len(self.requests)

    async def wait_for_request(
        self,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        *,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        since: int = 0,
        timeout: float = 30.0,
    ) -> RecordedRequest:
        """First recorded request (index >= ``since``) matching method/path/predicate."""

        def matches(req: RecordedRequest) -> bool:
            if method is not None and req.method != method.upper():
                return False
            if isinstance(path, str) and req.path != path:
                return False
            if isinstance(path, re.Pattern) and not path.fullmatch(req.path):
                return False
            return predicate is None or predicate(req)

        def find() -> RecordedRequest | None:
            return next((r for r in self.requests[since:] if matches(r)), None)

        what = f"request method={method} path={getattr(path, 'pattern', path)}"
        return await self.wait_for(find, timeout, what)

    async def wait_for_callback(
        self, interaction: dict[str, Any], timeout: float = 30.0
    ) -> RecordedRequest:
        """The ``POST /interactions/{id}/{token}/callback`` for a dispatched interaction."""
        path = f"/interactions/{interaction['id']}/{interaction['token']}/callback"
        return await self.wait_for_request(method="POST", path=path, timeout=timeout)

    async def wait_for_reply(
        self, interaction: dict[str, Any], timeout: float = 30.0
    ) -> RecordedRequest:
        """The reply the user ends up seeing: the callback's message, or, where the bot
        deferred (a slow answer: on a busy machine the 2 s margin passes), the follow-up that
        replaced the "thinking" state, shaped as the callback would have carried it
        (``{"type": 4, "data": message}``, its files). Tests of the deferral itself read
        ``wait_for_callback`` and ``wait_for_followup``."""
        callback = await self.wait_for_callback(interaction, timeout)
        if (callback.json or {}).get("type") != DEFERRED_REPLY:
            return callback
        followup = await self.wait_for_followup(interaction, timeout=timeout)
        shown = {"type": 4, "data": followup.json or {}}
        return dataclasses.replace(callback, json=shown, files=followup.files)

    async def wait_for_followup(
        self, interaction: dict[str, Any], *, since: int = 0, timeout: float = 30.0
    ) -> RecordedRequest:
        """A followup ``POST /webhooks/{app_id}/{token}`` for a dispatched interaction."""
        path = f"/webhooks/{self.application_id}/{interaction['token']}"
        return await self.wait_for_request(method="POST", path=path, since=since, timeout=timeout)

    def _poke(self) -> None:
        if self._changed is not None:
            self._changed.set()

    def _poke_threadsafe(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if threading.get_ident() == self._loop_thread:
            self._poke()
        else:  # discord.py's heartbeat runs in a thread and may log from there
            loop.call_soon_threadsafe(self._poke)

    def _on_logged_error(self, record: logging.LogRecord) -> None:
        self.logged_errors.append(record)
        self._poke_threadsafe()

    # ------------------------------------------------------------------ ids, users, guild

    def snowflake(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._ids) & 0x3FFFFF)

    def make_user(self, username: str, user_id: int | None = None) -> dict[str, Any]:
        """Create (and remember) a user payload."""
        user_id = self.snowflake() if user_id is None else user_id
        user = {
            "id": str(user_id),
            "username": username,
            "discriminator": "0",
            "global_name": username.title(),
            "avatar": None,
            "bot": False,
            "public_flags": 0,
        }
        self.users[user_id] = user
        return user

    def add_text_channel(self, name: str, channel_id: int | None = None) -> int:
        """Add a text channel to the guild (before the client connects)."""
        channel_id = self.snowflake() if channel_id is None else channel_id
        self.channels[channel_id] = {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "parent_id": None,
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        return channel_id

    def member_payload(
        self,
        user: dict[str, Any],
        *,
        roles: Iterable[int] = (),
        permissions: int | discord.Permissions | None = None,
    ) -> dict[str, Any]:
        member: dict[str, Any] = {
            "user": user,
            "roles": [str(r) for r in roles],
            "flags": 0,
            "joined_at": _iso(time.time() - 86_400),
            "premium_since": None,
            "nick": None,
            "avatar": None,
            "banner": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "communication_disabled_until": None,
        }
        if permissions is not None:
            value = (
                permissions.value if isinstance(permissions, discord.Permissions) else permissions
            )
            member["permissions"] = str(value)
        return member

    def guild_payload(self) -> dict[str, Any]:
        """The GUILD_CREATE payload (also returned by ``GET /guilds/{id}``)."""
        members = [
            self.member_payload(self.bot_user),
            self.member_payload(self.default_user),
            self.member_payload(self.users[OWNER_ID]),
        ]
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(OWNER_ID),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "system_channel_id": str(self.channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "features": [],
            "roles": copy.deepcopy(self.roles),
            "emojis": [],
            "stickers": [],
            "channels": [
                {k: v for k, v in c.items() if k != "guild_id"}
                for c in self.channels.values()
                if c.get("guild_id") == str(self.guild_id)
            ],
            "threads": [],
            "members": members,
            "member_count": len(members),
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "joined_at": _iso(time.time() - 86_400),
            "lazy": True,
        }

    def ready_payload(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": "fake-session-id",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
            "user_settings": {},
            "auth": {},
            "_trace": ["fake-discord"],
        }

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "icon": None,
            "description": "fake application",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": self.users[OWNER_ID],
            "team": None,
            "bot": self.bot_user,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "tags": [],
        }

    def _channel_payload(self, channel_id: int) -> dict[str, Any]:
        known = self.channels.get(channel_id)
        if known is not None:
            return copy.deepcopy(known)
        return {**self.channels[self.channel_id], "id": str(channel_id), "name": f"c-{channel_id}"}

    # ------------------------------------------------------------------ interaction builders

    def _interaction(
        self,
        itype: int,
        data: dict[str, Any],
        *,
        user: dict[str, Any] | None,
        guild_id: int | None,
        channel_id: int | None,
        permissions: int | discord.Permissions | None,
        roles: Iterable[int],
        locale: str,
    ) -> dict[str, Any]:
        iid = self.snowflake()
        user = self.default_user if user is None else user
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "token": f"fake-interaction-token-{iid}",
            "version": 1,
            "data": data,
            "app_permissions": str(BOT_PERMISSIONS.value),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "locale": locale,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild_id is not None:
            channel_id = self.channel_id if channel_id is None else channel_id
            perms = MEMBER_PERMISSIONS if permissions is None else permissions
            payload.update(
                guild_id=str(guild_id),
                guild={"id": str(guild_id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                channel_id=str(channel_id),
                channel=self._channel_payload(channel_id),
                member=self.member_payload(user, roles=roles, permissions=perms),
                authorizing_integration_owners={"0": str(guild_id)},
                context=0,
            )
        else:
            channel_id = self.snowflake() if channel_id is None else channel_id
            payload.update(
                channel_id=str(channel_id),
                channel={"id": str(channel_id), "type": 1, "recipients": [user], "flags": 0},
                user=user,
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        return payload

    def _command_ref(self, name: str, guild_id: int | None) -> tuple[int, int | None]:
        scopes = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for cmd in self.synced_commands.get(scope, []):
                if cmd["name"] == name:
                    return int(cmd["id"]), scope
        return self.snowflake(), None

    def slash_command(
        self,
        name: str,
        subcommand: str | None = None,
        options: dict[str, Any] | list[dict[str, Any]] | None = None,
        *,
        group: str | None = None,
        user: dict[str, Any] | None = None,
        guild_id: int | None = _AUTO,
        channel_id: int | None = None,
        permissions: int | discord.Permissions | None = None,
        roles: Iterable[int] = (),
        resolved: dict[str, Any] | None = None,
        command_guild_id: int | None = _AUTO,
        locale: str = "en-US",
        _itype: int = 2,
    ) -> dict[str, Any]:
        """INTERACTION_CREATE payload for ``/name [group] [subcommand] options...``.

        ``options`` is ``{"name": value}`` (str/int/float/bool types inferred) or a list of raw
        option dicts. ``guild_id=None`` makes a DM interaction. ``data.guild_id`` is set when the
        command was synced to that guild through the fake (override with ``command_guild_id``).
        """
        guild_id = self.guild_id if guild_id is _AUTO else guild_id
        opts = _build_options(options)
        if subcommand is not None:
            opts = [{"name": subcommand, "type": 1, "options": opts}]
        if group is not None:
            opts = [{"name": group, "type": 2, "options": opts}]
        cmd_id, synced_guild = self._command_ref(name, guild_id)
        data: dict[str, Any] = {"id": str(cmd_id), "name": name, "type": 1, "options": opts}
        cmd_guild = synced_guild if command_guild_id is _AUTO else command_guild_id
        if cmd_guild is not None:
            data["guild_id"] = str(cmd_guild)
        if resolved is not None:
            data["resolved"] = resolved
        return self._interaction(
            _itype,
            data,
            user=user,
            guild_id=guild_id,
            channel_id=channel_id,
            permissions=permissions,
            roles=roles,
            locale=locale,
        )

    def autocomplete(
        self,
        name: str,
        subcommand: str | None = None,
        options: dict[str, Any] | list[dict[str, Any]] | None = None,
        *,
        focused: str,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Type-4 APPLICATION_COMMAND_AUTOCOMPLETE payload; ``focused`` is the option typed in."""
        opts = _build_options(options)
        for opt in opts:
            if opt["name"] == focused:
                opt["focused"] = True
                opt["value"] = str(opt["value"])  # partial input arrives as a string
        if not any(o.get("focused") for o in opts):
            opts.append({"name": focused, "type": 3, "value": "", "focused": True})
        return self.slash_command(name, subcommand, opts, _itype=4, **kwargs)

    def make_message(
        self,
        channel_id: int | None = None,
        *,
        content: str = "",
        components: list[dict[str, Any]] | None = None,
        embeds: list[dict[str, Any]] | None = None,
        flags: int = 0,
    ) -> dict[str, Any]:
        """Store and return a message 'sent by the bot earlier' (e.g. before a restart)."""
        channel_id = self.channel_id if channel_id is None else channel_id
        body = {"content": content, "components": components or [], "embeds": embeds or []}
        return self._create_message(channel_id, {**body, "flags": flags})

    def component_click(
        self,
        custom_id: str,
        message: dict[str, Any] | int | None = None,
        *,
        user: dict[str, Any] | None = None,
        component_type: int = 2,
        values: list[str] | None = None,
        guild_id: int | None = _AUTO,
        channel_id: int | None = None,
        permissions: int | discord.Permissions | None = None,
        roles: Iterable[int] = (),
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """Type-3 MESSAGE_COMPONENT payload for clicking ``custom_id`` on ``message``.

        ``message`` may be a message dict or id; by default it is the newest message stored in
        the fake that contains ``custom_id``, or else a bot message with just that button is
        synthesised (like a message sent before a restart). discord.py only routes a click to a
        DynamicItem if the message really contains a component with that custom_id and type, so
        a message without it is rejected here.
        """
        if isinstance(message, int):
            message = self.messages[message]
        if message is None:
            message = next(
                (
                    m
                    for m in reversed(list(self.messages.values()))
                    if custom_id in custom_ids(m.get("components", []))
                ),
                None,
            )
        if message is None:
            if component_type == 2:
                comp = {"type": 2, "style": 1, "label": custom_id, "custom_id": custom_id}
            else:
                comp = {
                    "type": component_type,
                    "custom_id": custom_id,
                    "options": [{"label": v, "value": v} for v in values or []],
                    "min_values": 1,
                    "max_values": 1,
                }
            ch = self.channel_id if channel_id is None else channel_id
            message = self.make_message(ch, components=[{"type": 1, "components": [comp]}])
        found = [
            c
            for c in _walk_components(message.get("components", []))
            if c.get("custom_id") == custom_id
        ]
        if not found or found[0].get("type") != component_type:
            raise ValueError(
                f"message {message.get('id')} has no component type {component_type} with "
                f"custom_id {custom_id!r}; discord.py would silently drop this click"
            )
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        ch_id = int(message["channel_id"]) if channel_id is None else channel_id
        payload = self._interaction(
            3,
            data,
            user=user,
            guild_id=self.guild_id if guild_id is _AUTO else guild_id,
            channel_id=ch_id,
            permissions=permissions,
            roles=roles,
            locale=locale,
        )
        payload["message"] = copy.deepcopy(message)
        return payload

    def modal_submit(
        self,
        custom_id: str,
        values: dict[str, str],
        *,
        user: dict[str, Any] | None = None,
        guild_id: int | None = _AUTO,
        channel_id: int | None = None,
        permissions: int | discord.Permissions | None = None,
        roles: Iterable[int] = (),
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """Type-5 MODAL_SUBMIT payload: the user filled in a modal ``custom_id`` with
        ``values`` (text input custom id -> what they typed), one action row per input, as
        Discord sends it."""
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
            for key, value in values.items()
        ]
        return self._interaction(
            5,
            {"custom_id": custom_id, "components": rows},
            user=user,
            guild_id=self.guild_id if guild_id is _AUTO else guild_id,
            channel_id=channel_id,
            permissions=permissions,
            roles=roles,
            locale=locale,
        )

    # ------------------------------------------------------------------ gateway

    async def dispatch(self, event: str, data: dict[str, Any], *, timeout: float = 30.0) -> None:
        """Send a DISPATCH (op 0) event to the connected client."""
        conn = await self.wait_for(
            lambda: self._active if self._active and not self._active.ws.closed else None,
            timeout,
            "an identified gateway connection",
        )
        if event == "INTERACTION_CREATE":
            self._remember_interaction(data)
        await self._send_dispatch(conn, event, data)

    def _remember_interaction(self, data: dict[str, Any]) -> None:
        try:
            iid = int(data["id"])
        except (KeyError, TypeError, ValueError):
            return  # deliberately broken payloads still get sent
        self.interactions[iid] = data
        msg = data.get("message")
        if isinstance(msg, dict) and "id" in msg and "token" in data:
            mid = int(msg["id"])
            if mid not in self.messages:  # copied only when stored (load benches click a lot)
                self.messages[mid] = copy.deepcopy(msg)
            self._original[data["token"]] = mid

    async def _send(self, conn: _GatewayConnection, payload: dict[str, Any]) -> None:
        async with conn.lock:
            await conn.ws.send_str(json.dumps(payload))  # TEXT frame: never zlib-compressed

    async def _send_dispatch(self, conn: _GatewayConnection, event: str, data: Any) -> None:
        async with conn.lock:
            conn.seq += 1
            frame = {"op": 0, "t": event, "s": conn.seq, "d": data}
            await conn.ws.send_str(json.dumps(frame))

    async def _handle_gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        conn = _GatewayConnection(ws)
        self._connections.add(conn)
        try:
            hello = {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake"]}
            await self._send(conn, {"op": 10, "d": hello, "s": None, "t": None})
            async for msg in ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.gateway_received.append(frame)
                await self._on_gateway_frame(conn, frame)
                self._poke()
        finally:
            self._connections.discard(conn)
            if self._active is conn:
                self._active = None
            self._poke()
        return ws

    async def _on_gateway_frame(self, conn: _GatewayConnection, frame: dict[str, Any]) -> None:
        op, d = frame.get("op"), frame.get("d")
        if op == 1:  # HEARTBEAT
            await self._send(conn, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:  # IDENTIFY
            if d.get("token") != self.token:
                await conn.ws.close(code=4004, message=b"Authentication failed.")
                return
            ready = self.ready_payload()
            ready["shard"] = d.get("shard") or [0, 1]  # as Discord: the identified shard
            await self._send_dispatch(conn, "READY", ready)
            await self._send_dispatch(conn, "GUILD_CREATE", self.guild_payload())
            conn.identified = True
            self._active = conn
        elif op == 6:  # RESUME
            await self._send_dispatch(conn, "RESUMED", {"_trace": ["fake"]})
            conn.identified = True
            self._active = conn
        elif op == 8:  # REQUEST_GUILD_MEMBERS
            chunk = {
                "guild_id": str(self.guild_id),
                "members": self.guild_payload()["members"],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
                "nonce": d.get("nonce"),
            }
            await self._send_dispatch(conn, "GUILD_MEMBERS_CHUNK", chunk)

    # ------------------------------------------------------------------ REST plumbing

    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        """Add/override a REST route; ``pattern`` is a regex fullmatched against the API path.

        ``handler(request, match)`` returns ``(status, json_or_None)`` or just the JSON (200).
        Useful for injecting failures, e.g. ``fake.add_route("POST", r"/channels/\\d+/messages",
        lambda r, m: (403, {"message": "Missing Permissions", "code": 50013}))``.
        """
        self._user_routes.insert(0, (method.upper(), re.compile(pattern), handler))

    def _route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._routes.append((method, re.compile(pattern), handler))
            return handler

        return register

    @staticmethod
    def _json_response(status: int, payload: Any) -> web.Response:
        if payload is None and status == 204:
            return web.Response(status=204)
        # body=bytes keeps the header exactly "application/json": aiohttp appends
        # "; charset=utf-8" for text=/json_response, and discord.http.json_or_text compares the
        # header with == so the client would get a str instead of a dict.
        return web.Response(
            status=status, body=json.dumps(payload).encode(), content_type="application/json"
        )

    async def _handle_rest(self, request: web.Request) -> web.Response:
        path = request.path[len(API_PREFIX) :] or "/"
        body: Any = None
        files: dict[str, bytes] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, aiohttp.BodyPartReader):
                    continue
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                elif part.filename:
                    files[part.filename] = bytes(await part.read())
        else:
            raw = await request.read()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            headers=dict(request.headers),
            files=files,
        )
        needs_auth = not path.startswith(("/webhooks/", "/interactions/"))
        if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
            status, payload = 401, {"message": "401: Unauthorized", "code": 0}
        else:
            try:
                status, payload = await self._route_request(rec)
            except Exception:
                # A bug in the fake (or an add_route handler). Not 5xx: discord.py would sleep
                # and retry. Logged at ERROR, so waits raise it as LoggedClientError.
                _log.exception("fake discord: handler for %s %s crashed", rec.method, rec.path)
                status, payload = 400, {"message": "fake discord handler crashed", "code": 0}
        rec.status, rec.response = status, payload
        self.requests.append(rec)  # recorded with its answer, so waiters always see the status
        self._poke()
        return self._json_response(status, payload)

    async def _route_request(self, rec: RecordedRequest) -> tuple[int, Any]:
        for method, pattern, handler in itertools.chain(self._user_routes, self._routes):
            if method != rec.method:
                continue
            match = pattern.fullmatch(rec.path)
            if match is None:
                continue
            result = handler(rec, match)
            if isinstance(result, Awaitable):
                result = await result
            if isinstance(result, tuple):
                return result
            return 200, result
        self.unhandled.append(rec)
        _log.warning("fake discord: no handler for %s %s", rec.method, rec.path)
        return 404, {"message": f"404: Not Found (fake has no {rec.method} {rec.path})", "code": 0}

    # ------------------------------------------------------------------ messages

    def _create_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        *,
        webhook: bool = False,
        interaction: dict[str, Any] | None = None,
        message_type: int = 0,
    ) -> dict[str, Any]:
        mid = self.snowflake()
        channel = self.channels.get(channel_id, {})
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "author": self.bot_user,
            "content": body.get("content") or "",
            "timestamp": _iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments(body),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "reactions": [],
            "pinned": False,
            "type": message_type,
            "flags": body.get("flags") or 0,
        }
        if channel.get("guild_id"):
            msg["guild_id"] = channel["guild_id"]
        if webhook:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
        if body.get("message_reference"):
            msg["message_reference"] = body["message_reference"]
            msg["type"] = 19
        if interaction is not None:
            who = interaction.get("member", {}).get("user") or interaction.get("user")
            msg["interaction_metadata"] = {
                "id": interaction["id"],
                "type": interaction["type"],
                "user": who,
                "authorizing_integration_owners": interaction.get(
                    "authorizing_integration_owners", {}
                ),
            }
        self.messages[mid] = msg
        if channel:
            channel["last_message_id"] = str(mid)
        return msg

    def _attachments(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for att in body.get("attachments") or []:
            aid = self.snowflake()
            url = f"http://127.0.0.1:{self.port}/attachments/{aid}/{att.get('filename', 'file')}"
            out.append(
                {
                    "id": str(aid),
                    "filename": att.get("filename", "file"),
                    "size": 0,
                    "url": url,
                    "proxy_url": url,
                    "description": att.get("description"),
                }
            )
        return out

    def _edit_message(self, mid: int, body: dict[str, Any]) -> dict[str, Any]:
        msg = self.messages[mid]
        for key in ("content", "embeds", "components", "flags"):
            if body.get(key) is not None:
                msg[key] = body[key]
        if "attachments" in body:
            kept = {str(a.get("id")) for a in body["attachments"]}
            msg["attachments"] = [a for a in msg["attachments"] if a["id"] in kept]
        msg["flags"] = (msg.get("flags") or 0) & ~LOADING
        msg["edited_timestamp"] = _iso()
        return msg

    def messages_in(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        """Messages stored for a channel (oldest first)."""
        cid = str(self.channel_id if channel_id is None else channel_id)
        return [m for m in self.messages.values() if m["channel_id"] == cid]

    def original_response(self, interaction: dict[str, Any]) -> dict[str, Any] | None:
        """The current original-response message of a dispatched interaction, if any."""
        mid = self._original.get(interaction["token"])
        return None if mid is None else self.messages.get(mid)

    # ------------------------------------------------------------------ routes

    def _register_routes(self) -> None:
        app = r"(?P<app>\d+)"
        snow = r"\d+"
        route = self._route

        @route("GET", r"/users/@me")
        def me(rec: RecordedRequest, m: re.Match[str]) -> Any:
            return self.bot_user

        @route("GET", rf"/users/(?P<uid>{snow})")
        def get_user(rec: RecordedRequest, m: re.Match[str]) -> Any:
            user = self.users.get(int(m["uid"]))
            return user if user else (404, {"message": "Unknown User", "code": 10013})

        @route("POST", r"/users/@me/channels")
        def create_dm(rec: RecordedRequest, m: re.Match[str]) -> Any:
            uid = int(rec.json["recipient_id"])
            for ch in self.channels.values():
                if ch["type"] == 1 and ch["recipients"][0]["id"] == str(uid):
                    return ch
            user = self.users.get(uid) or self.make_user(f"user{uid}", uid)
            cid = self.snowflake()
            self.channels[cid] = {
                "id": str(cid),
                "type": 1,
                "recipients": [user],
                "last_message_id": None,
                "flags": 0,
            }
            return self.channels[cid]

        @route("GET", r"/oauth2/applications/@me")
        def app_info(rec: RecordedRequest, m: re.Match[str]) -> Any:
            return self.application_payload()

        @route("GET", r"/gateway")
        def gateway(rec: RecordedRequest, m: re.Match[str]) -> Any:
            return {"url": self.gateway_url}

        @route("GET", r"/gateway/bot")
        def gateway_bot(rec: RecordedRequest, m: re.Match[str]) -> Any:
            limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
            return {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

        # --- application commands
        def scope_of(m: re.Match[str]) -> int | None:
            gid = m.groupdict().get("gid")
            return int(gid) if gid else None

        def bad_app(m: re.Match[str]) -> tuple[int, Any] | None:
            if int(m["app"]) != self.application_id:
                return 403, {"message": "Missing Access", "code": 50001}
            return None

        def put_commands(rec: RecordedRequest, m: re.Match[str]) -> Any:
            if err := bad_app(m):
                return err
            scope = scope_of(m)
            old = {c["name"]: c["id"] for c in self.synced_commands.get(scope, [])}
            stored = []
            for cmd in rec.json or []:
                full = {
                    "id": old.get(cmd["name"]) or str(self.snowflake()),
                    "application_id": str(self.application_id),
                    "version": str(self.snowflake()),
                    "type": 1,
                    "description": "",
                    **copy.deepcopy(cmd),
                }
                if scope is not None:
                    full["guild_id"] = str(scope)
                stored.append(full)
            self.synced_commands[scope] = stored
            return stored

        def get_commands(rec: RecordedRequest, m: re.Match[str]) -> Any:
            return bad_app(m) or self.synced_commands.get(scope_of(m), [])

        for pattern in (
            rf"/applications/{app}/commands",
            rf"/applications/{app}/guilds/(?P<gid>\d+)/commands",
        ):
            route("PUT", pattern)(put_commands)
            route("GET", pattern)(get_commands)

        # --- guilds / channels
        @route("GET", rf"/guilds/(?P<gid>{snow})")
        def get_guild(rec: RecordedRequest, m: re.Match[str]) -> Any:
            if int(m["gid"]) != self.guild_id:
                return 404, {"message": "Unknown Guild", "code": 10004}
            return self.guild_payload()

        @route("GET", rf"/guilds/(?P<gid>{snow})/members/(?P<uid>{snow})")
        def get_member(rec: RecordedRequest, m: re.Match[str]) -> Any:
            user = self.users.get(int(m["uid"]))
            if int(m["gid"]) != self.guild_id or user is None:
                return 404, {"message": "Unknown Member", "code": 10007}
            return self.member_payload(user)

        @route("GET", rf"/channels/(?P<cid>{snow})")
        def get_channel(rec: RecordedRequest, m: re.Match[str]) -> Any:
            ch = self.channels.get(int(m["cid"]))
            return ch if ch else (404, {"message": "Unknown Channel", "code": 10003})

        @route("POST", rf"/channels/(?P<cid>{snow})/typing")
        def typing(rec: RecordedRequest, m: re.Match[str]) -> Any:
            return 204, None

        @route("POST", rf"/channels/(?P<cid>{snow})/messages")
        def send_message(rec: RecordedRequest, m: re.Match[str]) -> Any:
            return self._create_message(int(m["cid"]), rec.json or {})

        @route("GET", rf"/channels/(?P<cid>{snow})/messages")
        def history(rec: RecordedRequest, m: re.Match[str]) -> Any:
            limit = int(rec.query.get("limit", 50))
            return list(reversed(self.messages_in(int(m["cid"]))))[:limit]

        def find_message(m: re.Match[str]) -> dict[str, Any] | None:
            msg = self.messages.get(int(m["mid"]))
            if msg is None or msg["channel_id"] != m["cid"]:
                return None
            return msg

        unknown_message = (404, {"message": "Unknown Message", "code": 10008})
        msg_path = rf"/channels/(?P<cid>{snow})/messages/(?P<mid>{snow})"

        @route("GET", msg_path)
        def get_message(rec: RecordedRequest, m: re.Match[str]) -> Any:
            return find_message(m) or unknown_message

        @route("PATCH", msg_path)
        def edit_message(rec: RecordedRequest, m: re.Match[str]) -> Any:
            if find_message(m) is None:
                return unknown_message
            return self._edit_message(int(m["mid"]), rec.json or {})

        @route("DELETE", msg_path)
        def delete_message(rec: RecordedRequest, m: re.Match[str]) -> Any:
            if find_message(m) is None:
                return unknown_message
            del self.messages[int(m["mid"])]
            return 204, None

        for method in ("PUT", "DELETE"):
            route(method, msg_path + r"/reactions/[^/]+/@me")(lambda rec, m: (204, None))

        # --- interactions
        @route("POST", r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback")
        def callback(rec: RecordedRequest, m: re.Match[str]) -> Any:
            return self._interaction_callback(int(m["iid"]), m["token"], rec.json or {})

        hook = rf"/webhooks/{app}/(?P<token>[^/]+)"

        @route("POST", hook)
        def followup(rec: RecordedRequest, m: re.Match[str]) -> Any:
            inter = self._interaction_for(m)
            if inter is None:
                return 404, {"message": "Unknown Webhook", "code": 10015}
            body = rec.json or {}
            original = self.original_response(inter)
            if original is not None and original["flags"] & LOADING:
                # Discord turns the first followup after a thinking defer into the original.
                msg = self._edit_message(int(original["id"]), body)
            else:
                msg = self._create_message(
                    int(inter["channel_id"]), body, webhook=True, interaction=inter
                )
            wait = rec.query.get("wait", "").lower() in ("1", "true")
            return msg if wait else (204, None)

        def hook_message(m: re.Match[str]) -> dict[str, Any] | None:
            inter = self._interaction_for(m)
            if inter is None:
                return None
            mid = m["mid"]
            if mid == "@original":
                found = self.original_response(inter)
            else:
                found = self.messages.get(int(mid))
            return found

        hook_msg = hook + r"/messages/(?P<mid>@original|%40original|\d+)"

        @route("GET", hook_msg)
        def get_hook_message(rec: RecordedRequest, m: re.Match[str]) -> Any:
            return hook_message(m) or unknown_message

        @route("PATCH", hook_msg)
        def edit_hook_message(rec: RecordedRequest, m: re.Match[str]) -> Any:
            msg = hook_message(m)
            if msg is None:
                return unknown_message
            return self._edit_message(int(msg["id"]), rec.json or {})

        @route("DELETE", hook_msg)
        def delete_hook_message(rec: RecordedRequest, m: re.Match[str]) -> Any:
            msg = hook_message(m)
            if msg is None:
                return unknown_message
            del self.messages[int(msg["id"])]
            return 204, None

    def _interaction_for(self, m: re.Match[str]) -> dict[str, Any] | None:
        if int(m["app"]) != self.application_id:
            return None
        return next((i for i in self.interactions.values() if i.get("token") == m["token"]), None)

    def _interaction_callback(self, iid: int, token: str, body: dict[str, Any]) -> tuple[int, Any]:
        inter = self.interactions.get(iid)
        if inter is None or inter.get("token") != token:
            return 404, {"message": "Unknown interaction", "code": 10062}
        if iid in self._responded:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        self._responded.add(iid)
        rtype = body.get("type")
        data = body.get("data") or {}
        channel_id = int(inter["channel_id"])
        msg: dict[str, Any] | None = None
        if rtype == 4:  # CHANNEL_MESSAGE_WITH_SOURCE
            mtype = 20 if inter["type"] == 2 else 0
            msg = self._create_message(
                channel_id, data, webhook=True, interaction=inter, message_type=mtype
            )
        elif rtype == 5:  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE ("thinking")
            flags = (data.get("flags") or 0) | LOADING
            msg = self._create_message(
                channel_id, {"flags": flags}, webhook=True, interaction=inter, message_type=20
            )
        elif rtype == 7:  # UPDATE_MESSAGE
            target = self._original.get(token)
            if target is not None and target in self.messages:
                msg = self._edit_message(target, data)
        if msg is not None:
            self._original[token] = int(msg["id"])
        response: dict[str, Any] = {
            "interaction": {
                "id": str(iid),
                "type": inter["type"],
                "response_message_loading": rtype == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & EPHEMERAL),
            },
            "resource": {"type": rtype},
        }
        if msg is not None:
            response["interaction"]["response_message_id"] = msg["id"]
            response["resource"]["message"] = msg
        return 200, response

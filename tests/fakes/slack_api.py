"""Loopback-only fakes for driving a real slack-bolt ``AsyncApp`` in tests.

Three pieces:

* :class:`FakeSlackAPI` -- a tiny aiohttp server on ``127.0.0.1:<random port>`` that
  answers the Slack Web API (``GET/POST /api/{method}``) and ``response_url`` posts
  (``POST /response/{id}``), recording everything it receives.  Point the app's
  client at it with ``AsyncWebClient(token=..., base_url=fake.base_url)``.
* :class:`FakeSocketModeServer` -- Slack's Socket Mode WebSocket endpoint on loopback (point
  ``apps.connections.open`` at its URL with ``fake.set_response``).
* :class:`BoltHarness` -- serves an ``AsyncApp`` (via ``app.web_app()``) on
  ``127.0.0.1:<random port>`` and sends it correctly signed slash commands,
  ``block_actions`` clicks and Events API callbacks, or raw (unsigned/forged) bodies.

Nothing here talks to anything but loopback: both servers bind 127.0.0.1, the
harness client session ignores proxy environment variables, and the default
``response_url`` is either the fake's own ``/response/{id}`` or a closed loopback port.

Typical use::

    async with FakeSlackAPI() as fake:
        app = AsyncApp(
            signing_secret="s3cret",
            client=AsyncWebClient(token="xoxb-test", base_url=fake.base_url),
        )
        ...  # register listeners
        async with BoltHarness(app, signing_secret="s3cret", fake=fake) as h:
            status, body = await h.slash("start", user_id="U1")
            call = await fake.wait_for_call("chat.postMessage")
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple, Self
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

__all__ = [
    "ApiCall",
    "BoltHarness",
    "FakeSlackAPI",
    "FakeSocketModeServer",
    "HttpReply",
    "ResponseUrlPost",
    "SlackFile",
]

LOOPBACK = "127.0.0.1"

# Form fields that slack_sdk JSON-encodes when a method is called with form data.
_JSON_FIELDS = frozenset({"blocks", "attachments", "view", "metadata"})


@dataclass(frozen=True)
class ApiCall:
    """One request received on ``/api/{method}``."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    http_verb: str

    @property
    def token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :]
        token = self.params.get("token")
        return token if isinstance(token, str) else None


@dataclass(frozen=True)
class ResponseUrlPost:
    """One JSON body posted to a ``response_url`` (what Bolt's ``respond()`` sends)."""

    response_id: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class SlackFile:
    """A file uploaded the way ``files_upload_v2`` does it: files.getUploadURLExternal (the
    declared name, length and alt text), a POST of the bytes to the upload URL, then
    files.completeUploadExternal (shared into ``channel``/``thread_ts``, or kept by the bot)."""

    id: str
    filename: str
    length: int
    alt_txt: str | None
    data: bytes | None = None  # the uploaded bytes, once posted
    completed: bool = False
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None


class HttpReply(NamedTuple):
    """What the Bolt app answered; unpacks as ``status, body``."""

    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


ResponseOverride = dict[str, Any] | Callable[[ApiCall], dict[str, Any]]


def _decode_json_fields(params: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass
    return params


class FakeSlackAPI:
    """Fake Slack Web API + response_url sink on 127.0.0.1 (random port).

    * ``base_url`` -- pass to ``AsyncWebClient(base_url=...)`` (ends with ``/api/``).
    * ``calls`` -- ``[(method, params), ...]`` in arrival order; ``api_calls`` has the
      full :class:`ApiCall` records (headers, verb).
    * ``response_posts`` -- bodies posted to ``response_url(...)`` URLs; ``response_gate``
      holds their answers until it is set (``most_responses_in_flight``: how many at once).
    * ``wait_for_call()`` / ``wait_for_response_post()`` -- await a matching record
      (already received or future) without sleeping.
    * ``set_user()`` -- admin/owner flags served by ``users.info``.
    * ``set_response()`` / ``fail()`` -- override any method's reply.

    Requests without a token (Authorization header or ``token`` param) get
    ``not_authed``; unknown methods get ``unknown_method`` (HTTP 200, like Slack).
    """

    def __init__(
        self,
        *,
        team_id: str = "T123",
        team_name: str = "Quiz Team",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        users: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.api_calls: list[ApiCall] = []
        self.response_posts: list[ResponseUrlPost] = []
        # when set: response_url posts are recorded, then answered only once the gate opens
        self.response_gate: asyncio.Event | None = None
        self.responses_in_flight = 0  # response_url posts received and not yet answered
        self.most_responses_in_flight = 0
        self.files: dict[str, SlackFile] = {}  # by file id, in upload order
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._overrides: dict[str, ResponseOverride] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        for user_id, fields in (users or {}).items():
            self.set_user(user_id, **fields)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> Self:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{response_id}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, LOOPBACK, 0)
        await site.start()
        self._runner = runner
        self._port = runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeSlackAPI is not started")
        return self._port

    @property
    def root_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def base_url(self) -> str:
        """Web API base URL for ``AsyncWebClient(base_url=...)`` (trailing slash matters)."""
        return f"{self.root_url}/api/"

    def response_url(self, response_id: str | None = None) -> str:
        """A ``response_url`` that lands in :attr:`response_posts`."""
        return f"{self.root_url}/response/{response_id or uuid.uuid4().hex[:12]}"

    # ------------------------------------------------------------------ configuration

    def set_user(
        self,
        user_id: str,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        **fields: Any,
    ) -> None:
        """Configure what ``users.info`` returns for ``user_id`` (extra fields merged in)."""
        self._users[user_id] = {"is_admin": is_admin, "is_owner": is_owner, **fields}

    def set_channel(self, channel_id: str, **fields: Any) -> None:
        """Extra fields merged into ``conversations.info`` for ``channel_id``."""
        self._channels[channel_id] = dict(fields)

    def set_response(self, method: str, response: ResponseOverride) -> None:
        """Answer ``method`` with a fixed dict or ``response(call) -> dict``."""
        self._overrides[method] = response

    def fail(self, method: str, error: str) -> None:
        """Make ``method`` answer ``{"ok": false, "error": error}`` (SlackApiError client-side)."""
        self.set_response(method, {"ok": False, "error": error})

    def clear_overrides(self) -> None:
        self._overrides.clear()

    # ------------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        return [(c.method, c.params) for c in self.api_calls]

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.api_calls if c.method == method]

    def reset(self) -> None:
        """Forget recorded calls/posts (configuration is kept)."""
        self.api_calls.clear()
        self.response_posts.clear()

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> ApiCall:
        """Return the first call to ``method`` (index >= ``since``) matching ``predicate``.

        Already-recorded calls count, so there's no race with a handler that finished
        before the wait started.  Use ``since=len(fake.api_calls)`` to only accept new ones.
        """

        def find() -> ApiCall | None:
            for call in self.api_calls[since:]:
                if call.method == method and (predicate is None or predicate(call)):
                    return call
            return None

        found = await self._wait(find, timeout)
        if found is None:
            seen = [c.method for c in self.api_calls]
            raise AssertionError(f"no {method!r} call matched within {timeout}s; calls: {seen}")
        return found

    async def wait_for_response_post(
        self,
        predicate: Callable[[ResponseUrlPost], bool] | None = None,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> ResponseUrlPost:
        """Like :meth:`wait_for_call` for bodies posted to ``response_url``."""

        def find() -> ResponseUrlPost | None:
            for post in self.response_posts[since:]:
                if predicate is None or predicate(post):
                    return post
            return None

        found = await self._wait(find, timeout)
        if found is None:
            raise AssertionError(
                f"no response_url post matched within {timeout}s; got: {self.response_posts}"
            )
        return found

    async def _wait(self, find: Callable[[], Any], timeout: float) -> Any:
        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    await self._changed.wait_for(lambda: find() is not None)
        except TimeoutError:
            return None
        return find()

    async def _record(self, item: ApiCall | ResponseUrlPost) -> None:
        if isinstance(item, ApiCall):
            self.api_calls.append(item)
        else:
            self.response_posts.append(item)
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ HTTP handlers

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        self.responses_in_flight += 1
        self.most_responses_in_flight = max(self.most_responses_in_flight, self.responses_in_flight)
        try:
            raw = await request.text()
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = {"_raw": raw}
            await self._record(
                ResponseUrlPost(
                    response_id=request.match_info["response_id"],
                    body=body,
                    headers=dict(request.headers),
                )
            )
            if self.response_gate is not None:
                await self.response_gate.wait()
            return web.json_response({"ok": True})
        finally:
            self.responses_in_flight -= 1

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """Step 2 of an upload: the bytes, posted to the URL step 1 handed out."""
        file = self.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404, text="unknown upload")
        file.data = await request.read()
        async with self._changed:
            self._changed.notify_all()
        return web.Response(text=f"OK - {len(file.data)}")

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.body_exists:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        params[key] = {"filename": value.filename, "size": len(value.file.read())}
                    else:
                        params[key] = value
        call = ApiCall(
            method=method,
            params=_decode_json_fields(params),
            headers=dict(request.headers),
            http_verb=request.method,
        )
        await self._record(call)
        return web.json_response(
            self._reply(call), headers={"x-oauth-scopes": "commands,chat:write"}
        )

    def _reply(self, call: ApiCall) -> dict[str, Any]:
        override = self._overrides.get(call.method)
        if override is not None:
            return override(call) if callable(override) else dict(override)
        if not call.token:
            return {"ok": False, "error": "not_authed"}
        handler = getattr(self, "_api_" + call.method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(call.params)

    # ------------------------------------------------------------------ canned methods

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    def _message(self, params: Mapping[str, Any], ts: str) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "text": params.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in params:
                msg[key] = params[key]
        return msg

    def _api_auth_test(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://quiz-team.example.invalid/",
            "team": self.team_name,
            "user": "quizbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _api_chat_postMessage(self, params: Mapping[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        channel = params.get("channel")
        return {"ok": True, "channel": channel, "ts": ts, "message": self._message(params, ts)}

    def _api_files_getUploadURLExternal(self, params: Mapping[str, Any]) -> dict[str, Any]:
        filename, length = params.get("filename"), str(params.get("length", ""))
        if not filename or not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):09d}"
        alt = params.get("alt_txt")
        self.files[file_id] = SlackFile(file_id, str(filename), int(length), alt and str(alt))
        return {"ok": True, "upload_url": f"{self.root_url}/upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, params: Mapping[str, Any]) -> dict[str, Any]:
        try:
            listed = json.loads(str(params.get("files", "")))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        for entry in listed:
            file = self.files.get(str(entry.get("id")))
            if file is None or file.data is None or len(file.data) != file.length:
                return {"ok": False, "error": "file_upload_not_completed"}
            done.append(file)
        channel = params.get("channel_id") or None
        for file in done:
            file.completed = True
            file.title = next(e.get("title") for e in listed if e.get("id") == file.id)
            file.channel, file.thread_ts = channel, params.get("thread_ts") or None
        return {
            "ok": True,
            "files": [
                {
                    "id": f.id,
                    "name": f.filename,
                    "title": f.title,
                    "size": f.length,
                    "mimetype": "image/png" if f.filename.endswith(".png") else "",
                    "channels": [f.channel] if f.channel else [],
                }
                for f in done
            ],
        }

    def _api_chat_postEphemeral(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _api_chat_update(self, params: Mapping[str, Any]) -> dict[str, Any]:
        ts = params.get("ts", "")
        return {
            "ok": True,
            "channel": params.get("channel"),
            "ts": ts,
            "text": params.get("text", ""),
            "message": self._message(params, ts),
        }

    def _api_chat_delete(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}

    def _view(self, params: Mapping[str, Any], default_type: str) -> dict[str, Any]:
        view = params.get("view")
        view = dict(view) if isinstance(view, Mapping) else {}
        return {
            "ok": True,
            "view": {
                "id": params.get("view_id") or f"V{next(self._ids):08d}",
                "team_id": self.team_id,
                "type": view.get("type", default_type),
                "blocks": view.get("blocks", []),
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "hash": f"{next(self._ids)}.hash",
                "bot_id": self.bot_id,
            },
        }

    def _api_views_publish(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._view(params, "home")

    def _api_views_open(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._view(params, "modal")

    def _api_views_update(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._view(params, "modal")

    def _api_views_push(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._view(params, "modal")

    def _api_users_info(self, params: Mapping[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user", ""))
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        fields = self._users.get(user_id, {})
        is_owner = bool(fields.get("is_owner", False))
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": user_id.lower(),
            "real_name": user_id,
            "deleted": False,
            "is_bot": False,
            "is_admin": bool(fields.get("is_admin", False)),
            "is_owner": is_owner,
            "is_primary_owner": is_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "tz": "UTC",
            "profile": {"display_name": user_id.lower(), "real_name": user_id},
        }
        user.update(fields)
        return {"ok": True, "user": user}

    def _api_conversations_info(self, params: Mapping[str, Any]) -> dict[str, Any]:
        channel_id = str(params.get("channel", ""))
        if not channel_id:
            return {"ok": False, "error": "channel_not_found"}
        is_im = channel_id.startswith("D")
        channel: dict[str, Any] = {
            "id": channel_id,
            "name": channel_id.lower(),
            "is_channel": not is_im,
            "is_im": is_im,
            "is_private": channel_id.startswith("G"),
            "is_archived": False,
            "is_member": True,
        }
        channel.update(self._channels.get(channel_id, {}))
        return {"ok": True, "channel": channel}


class BoltHarness:
    """Serve a real ``AsyncApp`` on 127.0.0.1 and send it signed Slack requests.

    ``slash()``, ``click()`` and ``event()`` build realistic payloads, sign them with
    ``signing_secret`` and POST them; ``post()`` sends a raw body with exactly the
    headers you give (for forged/missing/stale signature tests).  Every call returns
    an :class:`HttpReply` ``(status, body)``.

    Bolt acks first and runs the rest of a listener in a background task, so after a
    request returns, await ``fake.wait_for_call(...)`` for side effects.  On exit the
    harness waits (bounded) for those background tasks so they don't outlive the test,
    and ``listener_errors`` holds any "Failed to run listener function" log records
    (Bolt swallows listener exceptions after ack).
    """

    def __init__(
        self,
        app: AsyncApp,
        *,
        signing_secret: str,
        fake: FakeSlackAPI | None = None,
        path: str = "/slack/events",
        team_id: str | None = None,
    ) -> None:
        self.app = app
        self.fake = fake
        self.path = path
        self.team_id = team_id or (fake.team_id if fake is not None else "T123")
        self.verifier = SignatureVerifier(signing_secret)
        self.listener_errors: list[logging.LogRecord] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._port: int | None = None
        self._log_handler = _ErrorCollector(self.listener_errors)
        self._ids = itertools.count(1)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> Self:
        # web_app() builds (and caches) an AsyncSlackAppServer; its port/host are only
        # used by app.start(), which we never call -- we bind our own loopback site.
        web_app = self.app.web_app(path=self.path, port=0)
        runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, LOOPBACK, 0)
        await site.start()
        self._runner = runner
        self._port = runner.addresses[0][1]
        # trust_env=False: never route loopback traffic through an env-configured proxy.
        self._session = aiohttp.ClientSession(trust_env=False)
        self.app.logger.addHandler(self._log_handler)
        return self

    async def stop(self) -> None:
        try:
            await self.drain()
        finally:
            self.app.logger.removeHandler(self._log_handler)
            if self._session is not None:
                await self._session.close()
                self._session = None
            if self._runner is not None:
                await self._runner.cleanup()
                self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def drain(self, timeout: float = 2.0) -> None:
        """Wait for Bolt's post-ack listener tasks (and lazy listeners) to finish."""
        current = asyncio.current_task()
        pending = {t for t in asyncio.all_tasks() if t is not current and _is_bolt_task(t)}
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    # ------------------------------------------------------------------ addresses

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("BoltHarness is not started")
        return f"http://{LOOPBACK}:{self._port}{self.path}"

    def new_response_url(self) -> str:
        if self.fake is not None:
            return self.fake.response_url(f"r{next(self._ids)}")
        # Closed loopback port: respond() fails locally instead of reaching hooks.slack.com.
        return f"http://{LOOPBACK}:9/response/r{next(self._ids)}"

    # ------------------------------------------------------------------ raw requests

    def sign(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        """Slack signature headers for ``body`` (``timestamp`` defaults to now)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=ts, body=body) or "",
        }

    async def post(self, body: str, headers: Mapping[str, str] | None = None) -> HttpReply:
        """POST ``body`` verbatim with exactly ``headers`` (no signing)."""
        if self._session is None:
            raise RuntimeError("BoltHarness is not started")
        async with self._session.post(
            self.url, data=body.encode("utf-8"), headers=dict(headers or {})
        ) as resp:
            return HttpReply(resp.status, await resp.text())

    async def post_signed(
        self, body: str, content_type: str, *, timestamp: int | None = None
    ) -> HttpReply:
        headers = {"Content-Type": content_type, **self.sign(body, timestamp)}
        return await self.post(body, headers)

    # ------------------------------------------------------------------ Slack payloads

    async def slash(
        self,
        text: str = "",
        *,
        command: str = "/quiz",
        user_id: str = "U123",
        user_name: str | None = None,
        team_id: str | None = None,
        channel_id: str = "C123",
        channel_name: str = "general",
        response_url: str | None = None,
        trigger_id: str | None = None,
        **extra: str,
    ) -> HttpReply:
        """Send a signed slash command (urlencoded form, like Slack)."""
        team = team_id or self.team_id
        form = {
            "token": "legacy-verification-token",
            "team_id": team,
            "team_domain": "quiz-team",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A123",
            "is_enterprise_install": "false",
            "response_url": response_url or self.new_response_url(),
            "trigger_id": trigger_id or f"{next(self._ids)}.trigger",
            **extra,
        }
        return await self.post_signed(urlencode(form), "application/x-www-form-urlencoded")

    async def click(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user_id: str = "U123",
        team_id: str | None = None,
        channel_id: str = "C123",
        block_id: str = "actions",
        message_blocks: list[dict[str, Any]] | None = None,
        message_ts: str = "1700000000.000100",
        is_ephemeral: bool = False,
        response_url: str | None = None,
        trigger_id: str | None = None,
        action: Mapping[str, Any] | None = None,
        **payload_extra: Any,
    ) -> HttpReply:
        """Send a signed ``block_actions`` button click (``payload=<json>`` form).

        ``action`` overrides/extends the single action dict (e.g. for non-button types).
        Ephemeral messages carry no ``message`` in real payloads, so it's omitted then.
        """
        team = team_id or self.team_id
        act: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "text": {"type": "plain_text", "text": action_id},
            "action_ts": f"{time.time():.6f}",
        }
        if value is not None:
            act["value"] = value
        act.update(action or {})
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_id.lower(), "team_id": team},
            "api_app_id": "A123",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": is_ephemeral,
            },
            "trigger_id": trigger_id or f"{next(self._ids)}.trigger",
            "team": {"id": team, "domain": "quiz-team"},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": "general"},
            "response_url": response_url or self.new_response_url(),
            "actions": [act],
        }
        if not is_ephemeral:
            payload["message"] = {
                "type": "message",
                "user": self.fake.bot_user_id if self.fake else "UBOT",
                "ts": message_ts,
                "text": "",
                "blocks": message_blocks or [],
            }
        payload.update(payload_extra)
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post_signed(body, "application/x-www-form-urlencoded")

    async def view_submission(
        self,
        view: Mapping[str, Any],
        values: Mapping[str, Mapping[str, str]],
        *,
        user_id: str = "U123",
        team_id: str | None = None,
    ) -> HttpReply:
        """Send a signed ``view_submission``: the user submitted the modal ``view`` (as the app
        opened it with ``views.open``) with ``values`` (block_id -> action_id -> typed text).
        The reply's body is the app's ack: ``{"response_action": ...}`` or empty."""
        team = team_id or self.team_id
        state = {
            block: {action: {"type": "plain_text_input", "value": text}}
            for block, inputs in values.items()
            for action, text in inputs.items()
        }
        payload = {
            "type": "view_submission",
            "team": {"id": team, "domain": "quiz-team"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": team},
            "api_app_id": "A123",
            "token": "legacy-verification-token",
            "trigger_id": f"{next(self._ids)}.trigger",
            "view": {
                "id": f"V{next(self._ids):08d}",
                "team_id": team,
                "type": "modal",
                "blocks": list(view.get("blocks", [])),
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "state": {"values": state},
                "hash": f"{next(self._ids)}.hash",
                "app_id": "A123",
                "bot_id": self.fake.bot_id if self.fake else "BBOT",
            },
            "response_urls": [],
            "is_enterprise_install": False,
        }
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post_signed(body, "application/x-www-form-urlencoded")

    async def event(
        self, event: Mapping[str, Any], *, team_id: str | None = None, event_id: str | None = None
    ) -> HttpReply:
        """Send a signed Events API callback wrapping ``event``.

        A dict that already has ``"type": "event_callback"`` is sent as-is.
        """
        if event.get("type") == "event_callback":
            envelope = dict(event)
        else:
            team = team_id or self.team_id
            inner = {"event_ts": f"{time.time():.6f}", **event}
            envelope = {
                "token": "legacy-verification-token",
                "team_id": team,
                "api_app_id": "A123",
                "event": inner,
                "type": "event_callback",
                "event_id": event_id or f"Ev{next(self._ids):08d}",
                "event_time": int(time.time()),
                "authorizations": [
                    {
                        "enterprise_id": None,
                        "team_id": team,
                        "user_id": self.fake.bot_user_id if self.fake else "UBOT",
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "is_ext_shared_channel": False,
            }
        return await self.post_signed(json.dumps(envelope), "application/json")


class FakeSocketModeServer:
    """Stands in for Slack's Socket Mode WebSocket endpoint on 127.0.0.1."""

    def __init__(self) -> None:
        self.connected = asyncio.Event()
        self.received: asyncio.Queue[dict] = asyncio.Queue()
        self._ws: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/link", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return f"ws://127.0.0.1:{self._runner.addresses[0][1]}/link"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json({"type": "hello", "num_connections": 1})
        self.connected.set()
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                await self.received.put(json.loads(message.data))
        return ws

    async def send(self, envelope: dict) -> None:
        assert self._ws is not None
        await self._ws.send_json(envelope)


class _ErrorCollector(logging.Handler):
    def __init__(self, sink: list[logging.LogRecord]) -> None:
        super().__init__(level=logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record)


def _is_bolt_task(task: asyncio.Task[Any]) -> bool:
    """True for tasks Bolt spawned itself (post-ack listener runs, lazy listeners)."""
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and f"{os.sep}slack_bolt{os.sep}" in code.co_filename

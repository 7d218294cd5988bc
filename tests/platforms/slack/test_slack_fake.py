"""Proves the Slack test infrastructure: a real slack-bolt AsyncApp served on loopback,
driven by signed HTTP requests, with the Web API answered by FakeSlackAPI."""

from __future__ import annotations

import asyncio
import json
import os
import time
from urllib.parse import urlencode

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import BoltHarness, FakeSlackAPI

SECRET = "s3cret"

QUIZ_BLOCKS = [
    {"type": "section", "block_id": "q", "text": {"type": "mrkdwn", "text": "*What is a CDN?*"}},
    {
        "type": "actions",
        "block_id": "answers",
        "elements": [
            {
                "type": "button",
                "action_id": "quiz_answer",
                "text": {"type": "plain_text", "text": "Edge cache"},
                "value": "a",
            },
            {
                "type": "button",
                "action_id": "quiz_answer_b",
                "text": {"type": "plain_text", "text": "A database"},
                "value": "b",
            },
        ],
    },
]


@pytest.fixture(autouse=True)
def _no_slack_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)


@pytest.fixture
async def fake():
    async with FakeSlackAPI() as f:
        yield f


def build_app(fake: FakeSlackAPI, gate: asyncio.Event | None = None) -> AsyncApp:
    """A throwaway app standing in for the real adapter."""
    # Token goes on the client only: passing token= as well makes Bolt log
    # "client prioritized, token skipped".
    app = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token="xoxb-test", base_url=fake.base_url),
    )

    @app.command("/quiz")
    async def quiz(ack, command, client, respond):
        await ack()
        text = command["text"].strip()
        if text == "help":
            await respond(response_type="ephemeral", text="usage: /quiz start")
        elif text == "admin":
            info = await client.users_info(user=command["user_id"])
            ok = info["user"]["is_admin"] or info["user"]["is_owner"]
            await client.chat_postEphemeral(
                channel=command["channel_id"],
                user=command["user_id"],
                text="admin ok" if ok else "admins only",
            )
        else:
            await client.chat_postMessage(
                channel=command["channel_id"], text="Question 1", blocks=QUIZ_BLOCKS
            )

    @app.action("quiz_answer")
    async def answer(ack, body, action, client):
        await ack()
        if gate is not None:
            await gate.wait()
        await client.chat_postEphemeral(
            channel=body["channel"]["id"],
            user=body["user"]["id"],
            text=f"You picked {action['value']}",
        )

    @app.event("app_home_opened")
    async def home(event, client):
        await client.views_publish(
            user_id=event["user"],
            view={"type": "home", "blocks": [{"type": "section", "text": _md("Your stats")}]},
        )

    return app


def _md(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


@pytest.fixture
async def harness(fake):
    async with BoltHarness(build_app(fake), signing_secret=SECRET, fake=fake) as h:
        yield h
    assert h.listener_errors == [], [r.getMessage() for r in h.listener_errors]


# ---------------------------------------------------------------- happy paths


async def test_slash_command_posts_quiz_with_buttons(fake, harness):
    status, body = await harness.slash("start", user_id="U1", channel_id="C9")
    assert (status, body) == (200, "")

    call = await fake.wait_for_call("chat.postMessage")
    assert call.params["channel"] == "C9"
    buttons = [e for b in call.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["quiz_answer", "quiz_answer_b"]
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    # Bolt authorizes lazily with auth.test before dispatching the first request.
    assert [m for m, _ in fake.calls] == ["auth.test", "chat.postMessage"]


async def test_auth_test_is_cached_across_requests(fake, harness):
    await harness.slash("start")
    await fake.wait_for_call("chat.postMessage")
    mark = len(fake.api_calls)
    await harness.slash("start")
    await fake.wait_for_call("chat.postMessage", since=mark)
    assert len(fake.calls_to("auth.test")) == 1


async def test_click_acks_before_handler_finishes_then_posts_ephemeral(fake):
    gate = asyncio.Event()
    async with BoltHarness(build_app(fake, gate), signing_secret=SECRET, fake=fake) as h:
        started = time.perf_counter()
        status, body = await h.click("quiz_answer", "a", user_id="U7", message_blocks=QUIZ_BLOCKS)
        elapsed = time.perf_counter() - started
        assert (status, body) == (200, "")
        assert elapsed < 1.0
        # The handler is still parked on the gate: the HTTP ack did not wait for it.
        assert fake.calls_to("chat.postEphemeral") == []

        gate.set()
        call = await fake.wait_for_call("chat.postEphemeral")
        # Bolt's per-request client adds the request's team_id as a default param.
        assert call.params == {
            "channel": "C123",
            "user": "U7",
            "text": "You picked a",
            "team_id": "T123",
        }
    assert h.listener_errors == []


async def test_respond_posts_to_response_url_on_the_fake(fake, harness):
    url = fake.response_url("help-1")
    status, _ = await harness.slash("help", response_url=url)
    assert status == 200

    post = await fake.wait_for_response_post(lambda p: p.response_id == "help-1")
    assert post.body["response_type"] == "ephemeral"
    assert post.body["text"] == "usage: /quiz start"


async def test_users_info_admin_flags(fake, harness):
    fake.set_user("UADMIN", is_admin=True)
    fake.set_user("UOWNER", is_owner=True)

    for user_id in ("UADMIN", "UOWNER", "UPLEB"):
        mark = len(fake.api_calls)
        await harness.slash("admin", user_id=user_id)
        call = await fake.wait_for_call("chat.postEphemeral", since=mark)
        expected = "admins only" if user_id == "UPLEB" else "admin ok"
        assert call.params["text"] == expected, user_id

    lookups = fake.calls_to("users.info")
    assert [c.http_verb for c in lookups] == ["GET"] * 3  # slack_sdk sends users.info as GET
    assert [c.params["user"] for c in lookups] == ["UADMIN", "UOWNER", "UPLEB"]


async def test_app_home_opened_publishes_view(fake, harness):
    status, _ = await harness.event({"type": "app_home_opened", "user": "U5", "tab": "home"})
    assert status == 200

    call = await fake.wait_for_call("views.publish")
    assert call.params["user_id"] == "U5"
    assert call.params["view"]["type"] == "home"


async def test_listener_error_after_ack_is_captured_not_raised(fake):
    app = build_app(fake)
    replied = asyncio.Event()

    @app.action("boom")
    async def boom(ack):
        await ack()
        # Raise only once the 200 is out. If a listener raises within Bolt's 10 ms
        # ack-poll window, Bolt's error path resets ack.response to None, waits the
        # full 3 s ack timeout and answers 404 "unhandled request".
        await replied.wait()
        raise RuntimeError("kaboom")

    async with BoltHarness(app, signing_secret=SECRET, fake=fake) as h:
        status, _ = await h.click("boom", "x")
        replied.set()
        assert status == 200  # already acked; Bolt only logs the exception
        await h.drain()
        assert any("kaboom" in r.getMessage() for r in h.listener_errors)


# ---------------------------------------------------------------- request verification


def _slash_body() -> str:
    return urlencode(
        {
            "command": "/quiz",
            "text": "start",
            "user_id": "U1",
            "team_id": "T123",
            "channel_id": "C1",
        }
    )


FORM = "application/x-www-form-urlencoded"


async def test_forged_signature_is_rejected(fake, harness):
    body = _slash_body()
    forged = BoltHarness(harness.app, signing_secret="not-the-secret").sign(body)
    status, reply = await harness.post(body, {"Content-Type": FORM, **forged})
    assert status == 401
    assert json.loads(reply) == {"error": "invalid request"}
    assert fake.api_calls == []  # rejected before auth.test or any listener


async def test_tampered_body_is_rejected(fake, harness):
    headers = {"Content-Type": FORM, **harness.sign(_slash_body())}
    status, _ = await harness.post(_slash_body().replace("U1", "UADMIN"), headers)
    assert status == 401
    assert fake.api_calls == []


async def test_missing_signature_headers_are_rejected(fake, harness):
    # Bolt defaults the timestamp to "0" and signature to "": stale -> 401, not 400.
    status, reply = await harness.post(_slash_body(), {"Content-Type": FORM})
    assert status == 401
    assert json.loads(reply) == {"error": "invalid request"}
    assert fake.api_calls == []


async def test_stale_timestamp_is_rejected(fake, harness):
    body = _slash_body()
    stale = harness.sign(body, timestamp=int(time.time()) - 6 * 60)
    status, _ = await harness.post(body, {"Content-Type": FORM, **stale})
    assert status == 401

    fresh = harness.sign(body, timestamp=int(time.time()) - 60)
    status, _ = await harness.post(body, {"Content-Type": FORM, **fresh})
    assert status == 200
    await fake.wait_for_call("chat.postMessage")


async def test_unhandled_action_gets_404(fake, harness):
    status, _ = await harness.click("no_such_action", "x")
    assert status == 404


# ---------------------------------------------------------------- the fake itself


async def test_fake_web_api_errors_and_overrides(fake):
    client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
    with pytest.raises(SlackApiError) as err:
        await client.api_call("quiz.nonsense")
    assert err.value.response["error"] == "unknown_method"

    fake.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="CNOPE", text="hi")
    assert err.value.response["error"] == "channel_not_found"

    fake.clear_overrides()
    resp = await client.chat_postMessage(channel="C1", text="hi")
    assert resp["channel"] == "C1" and resp["message"]["text"] == "hi"

    anonymous = AsyncWebClient(base_url=fake.base_url)
    with pytest.raises(SlackApiError) as err:
        await anonymous.auth_test()
    assert err.value.response["error"] == "not_authed"

    info = await client.conversations_info(channel="D1")
    assert info["channel"]["is_im"] is True
    assert [m for m, _ in fake.calls] == [
        "quiz.nonsense",
        "chat.postMessage",
        "chat.postMessage",
        "auth.test",
        "conversations.info",
    ]


async def test_wait_for_call_times_out_with_useful_message(fake):
    with pytest.raises(AssertionError, match="no 'views.publish' call"):
        await fake.wait_for_call("views.publish", timeout=0.05)


async def test_everything_binds_loopback(fake, harness):
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert harness.url.startswith("http://127.0.0.1:")
    assert harness.new_response_url().startswith(fake.root_url)


# ---------------------------------------------------------------- Socket Mode wiring


async def test_socket_mode_handler_constructs_offline_and_dispatches(fake):
    app = build_app(fake)
    # Needs a running loop: SocketModeClient opens an aiohttp session and schedules its
    # message processor in __init__. It does not connect until connect_async()/start_async().
    handler = AsyncSocketModeHandler(app, app_token="xapp-1-test")
    try:
        assert isinstance(handler.client, SocketModeClient)
        assert handler.client.web_client is app.client  # apps.connections.open -> the fake
        assert not await handler.client.is_connected()

        # Same listeners, no signature: Socket Mode requests skip request verification.
        req = SocketModeRequest(
            type="slash_commands",
            envelope_id="env-1",
            payload={
                "command": "/quiz",
                "text": "start",
                "user_id": "U1",
                "team_id": "T123",
                "channel_id": "C3",
                "response_url": fake.response_url(),
            },
        )
        resp = await run_async_bolt_app(app, req)
        assert resp.status == 200
        call = await fake.wait_for_call("chat.postMessage")
        assert call.params["channel"] == "C3"
    finally:
        await handler.close_async()
    assert not any(c.method == "apps.connections.open" for c in fake.api_calls)

"""What Slack sends, checked before any listener trusts it: ids that are plain Slack ids, who
made a click, and request bodies Bolt could not parse (refused with 400 by ``QuizBolt``)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.kernel.identity import Actor

log = logging.getLogger(__name__)

SLACK_ID = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,40}", re.ASCII)  # U0123ABC, T…, C…, W…


class QuizBolt(AsyncApp):
    """Bolt's app, whose HTTP server answers a body Bolt cannot parse with 400 (Bolt itself would
    answer 500 with a traceback in the log)."""

    def server(self, port: int = 3000, path: str = "/slack/events", host: str | None = None) -> Any:
        server = super().server(port=port, path=path, host=host)
        if refuse_malformed not in server.web_app.middlewares:
            server.web_app.middlewares.append(refuse_malformed)
        return server


def is_slack_id(value: object) -> bool:
    """A Slack id (user, team, channel) as a plain string: never a list, a number or text."""
    return isinstance(value, str) and SLACK_ID.fullmatch(value) is not None


def slack_id_or(value: object, default: str) -> str:
    """``value`` when it is a Slack id, else ``default``."""
    return value if is_slack_id(value) else default  # type: ignore[return-value]


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) and value.strip() else default


def click_actor(body: Mapping[str, Any]) -> Actor | None:
    """Who clicked, or None when the payload does not say (a user id must be a Slack id)."""
    user = _mapping(body.get("user"))
    if not is_slack_id(user.get("id")):
        return None
    team = _mapping(body.get("team"))
    channel = _mapping(body.get("channel"))
    container = _mapping(body.get("container"))
    user_id = user["id"]
    return Actor(
        "slack",
        user_id,
        display_name=_text(user.get("username"), _text(user.get("name"), user_id)),
        workspace_id=slack_id_or(team.get("id"), slack_id_or(user.get("team_id"), "unknown")),
        channel_id=slack_id_or(
            channel.get("id"), slack_id_or(container.get("channel_id"), "unknown")
        ),
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def malformed(body: bytes, content_type: str) -> str | None:
    """Why Bolt could not parse ``body`` (None when it can): not UTF-8, a ``payload`` that is
    not a JSON object, a block_actions payload without actions, a JSON body that is no object."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    if content_type == "application/json":
        try:
            parsed = json.loads(text) if text else {}
        except ValueError:
            return "the body is not JSON"
        return None if isinstance(parsed, dict) else "the body is not a JSON object"
    form = parse_qs(text, keep_blank_values=True)
    if "payload" not in form:
        return None
    try:
        payload = json.loads(form["payload"][0])
    except ValueError:
        return "payload is not JSON"
    if not isinstance(payload, dict):
        return "payload is not a JSON object"
    if payload.get("type") == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions:
            return "block_actions without actions"
        if not all(isinstance(a, dict) for a in actions):
            return "an action is not an object"
    return None


@web.middleware
async def refuse_malformed(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """400 with one line for a body Bolt cannot parse; the rest goes on to Bolt."""
    if request.method == "POST":
        problem = malformed(await request.read(), request.content_type)
        if problem is not None:
            log.warning("refused a malformed Slack request: %s", problem)
            return web.Response(status=400, text=f"malformed request: {problem}")
    return await handler(request)

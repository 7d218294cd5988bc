"""What a Slack user feels: signed clicks into the real `quizbot slack`, against a bare Bolt app.

    python bench/e2e_slack.py [--json] [--rounds 3] [--concurrency 100,1000] [--clicks N]

Three processes on 127.0.0.1 (ports chosen by the OS):
- quizbot: ``python -m bot slack --host 127.0.0.1 --port 0`` (HTTP mode, SQLite file in a temp
  dir), its Web API base (SLACK_API_URL) pointed at the loopback fake Slack Web API;
- bare: a Bolt ``AsyncApp`` whose answer-button handler only acks and sends a fixed ephemeral
  reply to the response_url (this file with ``--serve-bare``), served the same way (aiohttp,
  ``app.web_app()``), with the same Web API base;
- this process: the fake Web API (tests/fakes/slack_api.py), a response_url server that notes
  when each reply arrives, and the load: C concurrent clickers, each sending one signed
  ``block_actions`` click (a distinct user per click, the question's real button and message
  blocks) and waiting for its ephemeral reply before the next.
Latency is click sent -> reply received at the response_url server. A question is posted first
with a signed ``/quiz`` (its buttons come from the chat.postMessage the fake received); every
round posts a new one. Both apps get identical click bodies. Rounds alternate which app goes
first; figures are medians over rounds, ratios medians of per-round ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import tempfile
import time
import uuid
from itertools import count
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from _common import emit_json  # first: puts the repo root on sys.path (tests.fakes)
from _e2e import (
    REPLY_TIMEOUT,
    Child,
    RoundResult,
    child_env,
    closed_loop,
    e2e_arguments,
    parse_levels,
    python,
    stop_all,
)
from _e2e import report as print_report
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import FakeSlackAPI

SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
PATH = "/slack/events"
LISTENING = r"http://127\.0\.0\.1:(\d+)/slack/events"
TEAM = "T123"
CHANNEL = "C123"
ANSWER_ACTION = r"^quiz_answer_\d+$"  # the quizbot buttons' action_id; the bare app matches it too
ERROR_REPLY = b"went wrong"  # quizbot's "Something went wrong on our side"


# -- the bare Bolt app (child process) -----------------------------------------------------------


async def serve_bare() -> None:
    from slack_bolt.async_app import AsyncApp

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = AsyncApp(
        name="bare",
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token=os.environ["BARE_TOKEN"],
    )
    app.client.base_url = os.environ["BARE_API_URL"]

    @app.action(re.compile(ANSWER_ACTION))
    async def on_click(ack, respond) -> None:
        await ack()
        await respond(response_type="ephemeral", replace_original=False, text="Thanks, noted.")

    runner = web.AppRunner(app.web_app(path=PATH, port=0), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(f"bare Bolt app listening on http://127.0.0.1:{runner.addresses[0][1]}{PATH}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


# -- the load side (this process) ----------------------------------------------------------------


class ReplySink:
    """response_url server: notes when each reply arrives, and whether it is an error reply."""

    def __init__(self) -> None:
        self.waiters: dict[str, asyncio.Future[tuple[float, bool]]] = {}
        self.bodies: dict[str, bytes] = {}  # replies nobody waits for (the /quiz command's)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/r/{rid}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, rid: str) -> str:
        return f"http://127.0.0.1:{self.port}/r/{rid}"

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        raw = await request.read()
        rid = request.match_info["rid"]
        future = self.waiters.pop(rid, None)
        if future is not None and not future.done():
            future.set_result((arrived, ERROR_REPLY not in raw))
        else:
            self.bodies[rid] = raw
        return web.Response(text="ok")


def signed(verifier: SignatureVerifier, body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body) or "",
    }


class Load:
    def __init__(self, fake: FakeSlackAPI, sink: ReplySink) -> None:
        self.fake = fake
        self.sink = sink
        self.verifier = SignatureVerifier(SECRET)
        self.users = count(1)

    async def post_question(self, url: str) -> tuple[list[dict], list[dict], str]:
        """A signed ``/quiz`` into the bot; returns (buttons, message blocks, message ts)."""
        mark = len(self.fake.api_calls)
        form = {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "quiz-team",
            "channel_id": CHANNEL,
            "channel_name": "general",
            "user_id": "UASKER",
            "user_name": "asker",
            "command": "/quiz",
            "text": "",
            "api_app_id": "A123",
            "is_enterprise_install": "false",
            "response_url": self.sink.url(f"quiz-{uuid.uuid4().hex[:8]}"),
            "trigger_id": "1.trigger",
        }
        body = urlencode(form)
        async with aiohttp.ClientSession(trust_env=False) as session:
            async with session.post(url, data=body, headers=signed(self.verifier, body)) as resp:
                assert resp.status == 200, (resp.status, await resp.text())
        call = await self.fake.wait_for_call("chat.postMessage", since=mark, timeout=30)
        blocks = call.params["blocks"]
        buttons = [
            element
            for block in blocks
            for element in block.get("elements", [])
            if re.match(ANSWER_ACTION, str(element.get("action_id", "")))
        ]
        assert buttons, f"no answer buttons in {blocks}"
        ts = str(call.params.get("ts") or f"{1_700_000_000 + len(self.fake.api_calls)}.000100")
        return buttons, blocks, ts

    def prepare(self, clicks: int, question: tuple[list[dict], list[dict], str]) -> list[tuple]:
        """Signed click bodies (a new user each) and their reply ids, built before timing."""
        buttons, blocks, ts = question
        prepared = []
        for i in range(clicks):
            user = f"U{next(self.users):07d}"
            button = buttons[i % len(buttons)]
            rid = uuid.uuid4().hex
            payload = {
                "type": "block_actions",
                "user": {
                    "id": user,
                    "username": user.lower(),
                    "name": user.lower(),
                    "team_id": TEAM,
                },
                "api_app_id": "A123",
                "token": "legacy",
                "container": {
                    "type": "message",
                    "message_ts": ts,
                    "channel_id": CHANNEL,
                    "is_ephemeral": False,
                },
                "trigger_id": f"{i}.trigger",
                "team": {"id": TEAM, "domain": "quiz-team"},
                "enterprise": None,
                "is_enterprise_install": False,
                "channel": {"id": CHANNEL, "name": "general"},
                "message": {
                    "type": "message",
                    "user": "UBOT",
                    "ts": ts,
                    "text": "",
                    "blocks": blocks,
                },
                "response_url": self.sink.url(rid),
                "actions": [
                    {
                        "type": "button",
                        "action_id": button["action_id"],
                        "block_id": "answers",
                        "text": button.get("text"),
                        "value": button["value"],
                        "action_ts": f"{time.time():.6f}",
                    }
                ],
            }
            body = urlencode({"payload": json.dumps(payload)})
            prepared.append((body.encode(), signed(self.verifier, body), rid))
        return prepared

    async def run(self, url: str, prepared: list[tuple], concurrency: int) -> RoundResult:
        loop = asyncio.get_running_loop()
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector, trust_env=False) as session:

            async def click(i: int) -> float | None:
                body, headers, rid = prepared[i]
                future = loop.create_future()
                self.sink.waiters[rid] = future
                t0 = time.perf_counter()
                try:
                    async with session.post(url, data=body, headers=headers) as resp:
                        await resp.read()
                        if resp.status != 200:
                            return None
                    arrived, ok = await asyncio.wait_for(future, REPLY_TIMEOUT)
                except (aiohttp.ClientError, TimeoutError):
                    return None
                finally:
                    self.sink.waiters.pop(rid, None)
                return arrived - t0 if ok else None

            return await closed_loop(len(prepared), concurrency, click)


async def measure(args: argparse.Namespace) -> dict:
    levels = parse_levels(args.concurrency)
    with tempfile.TemporaryDirectory(prefix="e2e-slack-") as tmp:
        workdir = Path(tmp)
        async with FakeSlackAPI(team_id=TEAM) as fake:
            sink = ReplySink()
            await sink.start()
            env = child_env(
                SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.base_url
            )
            bare_env = child_env(
                BARE_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, BARE_API_URL=fake.base_url
            )
            profile = {
                name: Path(args.profile).resolve() / f"e2e_slack_{name}.{args.profiler}"
                if args.profile
                else None
                for name in ("quizbot", "bare")
            }
            bot_args = ["slack", "--host", "127.0.0.1", "--port", "0"]
            children = {
                "quizbot": Child(
                    "quizbot",
                    python(
                        "-m",
                        "bot",
                        *bot_args,
                        "--db",
                        str(workdir / "quizbot.db"),
                        profile=profile["quizbot"],
                    ),
                    workdir,
                    env,
                ),
                "bare": Child(
                    "bare",
                    python(str(Path(__file__).resolve()), "--serve-bare", profile=profile["bare"]),
                    workdir,
                    bare_env,
                ),
            }
            try:
                urls = {}
                for child in children.values():
                    child.start()
                for name, child in children.items():
                    port = (await child.wait_for_output(LISTENING)).group(1)
                    urls[name] = f"http://127.0.0.1:{port}{PATH}"
                load = Load(fake, sink)
                question = await load.post_question(urls["quizbot"])
                for name in children:  # warm-up: connections, caches, the first auth.test
                    warm = await load.run(urls[name], load.prepare(args.warmup, question), 20)
                    if warm.failed:
                        raise RuntimeError(f"{name}: {warm.failed} warm-up clicks failed")
                results: dict[int, dict[str, list[RoundResult]]] = {
                    level: {name: [] for name in children} for level in levels
                }
                for r in range(args.rounds):
                    for level in levels:
                        clicks = args.clicks or max(1000, 3 * level)
                        question = await load.post_question(urls["quizbot"])
                        order = list(children) if r % 2 == 0 else list(reversed(children))
                        for name in order:
                            prepared = load.prepare(clicks, question)
                            cpu0 = children[name].cpu_seconds()
                            result = await load.run(urls[name], prepared, level)
                            result.set_server_cpu(cpu0, children[name].cpu_seconds())
                            results[level][name].append(result)
                            if not args.json:
                                print(
                                    f"  round {r + 1} C={level} {name}: {result.per_s:,.0f}/s"
                                    f" p99 {result.p99_ms:.1f} ms, {result.cpu_us:,.0f} µs CPU"
                                    f" per click, {result.failed} failed",
                                    flush=True,
                                )
                for child in children.values():
                    child.check_alive()
            finally:
                # off the loop: it serves the fakes the children still talk to as they close
                await asyncio.to_thread(stop_all, children.values())
                await sink.stop()
    title = (
        f"e2e_slack: signed block_actions clicks -> ephemeral reply at the response_url; "
        f"{args.rounds} rounds, medians"
    )
    return print_report(title, results)


def main(argv: list[str] | None = None) -> None:
    parser = e2e_arguments(__doc__.splitlines()[0])
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        try:
            asyncio.run(serve_bare())
        except KeyboardInterrupt:
            pass
        return
    figures = asyncio.run(measure(args))
    if args.json:
        emit_json(figures)


if __name__ == "__main__":
    main()

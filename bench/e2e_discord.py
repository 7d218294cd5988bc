"""What a Discord user feels: button clicks into the real `quizbot discord`, against a bare client.

    python bench/e2e_discord.py [--json] [--rounds 3] [--concurrency 100,1000] [--clicks N]

Three processes on 127.0.0.1 (ports chosen by the OS):
- quizbot: the ``quizbot discord`` command line (``bot.cli.main(["discord", "--db", ...])``, a
  SQLite file in a temp dir) in a child that first points discord.py at a loopback fake:
  ``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` from BENCH_DISCORD_API /
  BENCH_DISCORD_GATEWAY (the bot has no setting for Discord's address, unlike SLACK_API_URL);
- bare: a plain ``discord.Client`` whose ``on_interaction`` answers every component click with
  a fixed ephemeral message, same intents, started the same way;
- this process: one fake Discord (gateway + REST, tests/fakes/discord_server.py) per app, and
  the load: C concurrent clickers, each dispatching one INTERACTION_CREATE button click (a
  distinct member per click, the question's real button and message) over the gateway and
  waiting for the interaction callback (POST /interactions/{id}/{token}/callback) to reach the
  fake's REST side before the next.
Latency is dispatch -> callback received. A question is posted first with ``/quiz question``;
every round posts a new one (the bare app is clicked on a copy of it). Rounds alternate which
app goes first; figures are medians over rounds, ratios medians of per-round ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from itertools import count
from pathlib import Path
from typing import Any

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
)
from _e2e import report as print_report

from tests.fakes.discord_server import FakeDiscord, custom_ids

TOKEN = "bench-discord-token"
CALLBACK = r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback"
ERROR_REPLY = "went wrong"  # quizbot's "Something went wrong on our side"
FIRST_USER_ID = 600_000_000_000_000_000


# -- the apps under test (child processes) -------------------------------------------------------


def point_discord_at_fake() -> None:
    import discord
    import yarl

    discord.http.Route.BASE = os.environ["BENCH_DISCORD_API"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["BENCH_DISCORD_GATEWAY"])


def serve_quizbot(db: str) -> int:
    point_discord_at_fake()
    from bot.cli import main

    return main(["discord", "--db", db])


async def serve_bare() -> None:
    import discord

    class Bare(discord.Client):
        async def on_interaction(self, interaction: discord.Interaction) -> None:
            if interaction.type is discord.InteractionType.component:
                await interaction.response.send_message("Thanks, noted.", ephemeral=True)

    intents = discord.Intents.default()  # what quizbot asks for: no privileged intents
    intents.members = intents.presences = intents.message_content = False
    async with Bare(intents=intents, allowed_mentions=discord.AllowedMentions.none()) as client:
        await client.login(os.environ["DISCORD_TOKEN"])
        discord.utils.setup_logging()
        await client.connect()


# -- the load side (this process) ----------------------------------------------------------------


class Target:
    """One fake Discord and the app connected to it; notes when each callback arrives."""

    def __init__(self, name: str, fake: FakeDiscord) -> None:
        self.name = name
        self.fake = fake
        self.waiters: dict[int, asyncio.Future[tuple[float, bool]]] = {}
        self.deferred = 0  # first responses that were a defer (type 5): the result followed up
        fake.add_route("POST", CALLBACK, self._callback)

    def _callback(self, rec: Any, match: Any) -> tuple[int, Any]:
        arrived = time.perf_counter()
        iid = int(match["iid"])
        status, payload = self.fake._interaction_callback(iid, match["token"], rec.json or {})
        future = self.waiters.pop(iid, None)
        if (rec.json or {}).get("type") == 5:
            self.deferred += 1
        if future is not None and not future.done():
            ok = status == 200 and ERROR_REPLY not in json.dumps(rec.json)
            future.set_result((arrived, ok))
        return status, payload

    async def interact(
        self, payload: dict[str, Any], timeout: float = REPLY_TIMEOUT
    ) -> float | None:
        """Dispatch an interaction; its latency once the callback arrived, None if it failed."""
        future = asyncio.get_running_loop().create_future()
        # Discord mints an interaction's id (and so its creation time, which the bot's 3-second
        # guard counts from) when the user clicks: re-mint it now, not when it was prepared
        iid = self.fake.snowflake()
        payload["id"] = str(iid)
        self.waiters[iid] = future
        t0 = time.perf_counter()
        try:
            await self.fake.dispatch("INTERACTION_CREATE", payload)
            arrived, ok = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None
        finally:
            self.waiters.pop(iid, None)
        return arrived - t0 if ok else None

    async def wait_connected(self, child: Child, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(f.get("op") == 2 for f in self.fake.gateway_received):
            child.check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not connect:\n{child.tail()}")
            await asyncio.sleep(0.05)

    def prepare(self, clicks: int, message: dict[str, Any], users: count) -> list[dict]:
        """Click payloads (a new member each), built before timing."""
        buttons = [c for c in custom_ids(message.get("components", [])) if "answer" in c]
        prepared = []
        for i in range(clicks):
            n = next(users)
            user = self.fake.make_user(f"user{n}", FIRST_USER_ID + n)
            prepared.append(
                self.fake.component_click(buttons[i % len(buttons)], message, user=user)
            )
        return prepared

    async def run(self, prepared: list[dict], concurrency: int) -> RoundResult:
        return await closed_loop(len(prepared), concurrency, lambda i: self.interact(prepared[i]))


async def post_question(bot: Target, bare: Target) -> tuple[dict, dict]:
    """``/quiz question`` into quizbot; returns its message and a copy stored in the bare fake."""
    payload = bot.fake.slash_command("quiz", "question")
    if await bot.interact(payload, timeout=30) is None:
        raise RuntimeError("/quiz question got no reply")
    message = bot.fake.original_response(payload)
    assert message and custom_ids(message["components"]), message
    copy = bare.fake.make_message(components=message["components"], embeds=message["embeds"])
    return message, copy


async def measure(args: argparse.Namespace) -> dict:
    levels = parse_levels(args.concurrency)
    users = count(1)
    me = str(Path(__file__).resolve())
    with tempfile.TemporaryDirectory(prefix="e2e-discord-") as tmp:
        workdir = Path(tmp)
        async with FakeDiscord(token=TOKEN) as fake_bot, FakeDiscord(token=TOKEN) as fake_bare:
            targets = {"quizbot": Target("quizbot", fake_bot), "bare": Target("bare", fake_bare)}
            profile = {
                name: Path(args.profile).resolve() / f"e2e_discord_{name}.{args.profiler}"
                if args.profile
                else None
                for name in targets
            }
            children = {
                name: Child(
                    name,
                    python(
                        me,
                        "--serve",
                        name,
                        "--db",
                        str(workdir / "quizbot.db"),
                        profile=profile[name],
                    ),
                    workdir,
                    child_env(
                        DISCORD_TOKEN=TOKEN,
                        BENCH_DISCORD_API=target.fake.base_url,
                        BENCH_DISCORD_GATEWAY=target.fake.gateway_url,
                    ),
                )
                for name, target in targets.items()
            }
            try:
                for child in children.values():
                    child.start()
                for name, target in targets.items():
                    await target.wait_connected(children[name])
                bot, bare = targets["quizbot"], targets["bare"]
                question = await post_question(bot, bare)
                for name, message in zip(targets, question, strict=True):  # warm-up, untimed
                    target = targets[name]
                    warm = await target.run(target.prepare(args.warmup, message, users), 20)
                    if warm.failed:
                        raise RuntimeError(f"{name}: {warm.failed} warm-up clicks failed")
                results: dict[int, dict[str, list[RoundResult]]] = {
                    level: {name: [] for name in targets} for level in levels
                }
                for r in range(args.rounds):
                    for level in levels:
                        clicks = args.clicks or max(1000, 3 * level)
                        question = dict(zip(targets, await post_question(bot, bare), strict=True))
                        order = list(targets) if r % 2 == 0 else list(reversed(targets))
                        for name in order:
                            target = targets[name]
                            prepared = target.prepare(clicks, question[name], users)
                            cpu0 = children[name].cpu_seconds()
                            result = await target.run(prepared, level)
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
                for child in children.values():
                    child.stop()
    title = (
        f"e2e_discord: INTERACTION_CREATE button clicks -> interaction callback at the fake REST;"
        f" {args.rounds} rounds, medians"
    )
    figures = print_report(title, results)
    # a deferred click was answered in time (the defer) and its result followed up; the
    # latency above is to that first response, which is what Discord's deadline counts
    figures["quizbot_deferred"] = targets["quizbot"].deferred
    print(f"quizbot clicks deferred (result followed up): {targets['quizbot'].deferred}")
    return figures


def main() -> None:
    parser = e2e_arguments(__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=("quizbot", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "quizbot":
        sys.exit(serve_quizbot(args.db))
    if args.serve == "bare":
        point_discord_at_fake()
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

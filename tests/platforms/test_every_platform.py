"""One scenario, every platform: ask, answer right and wrong, already answered, a typed answer,
a card with its picture, stats, the leaderboard, the daily question and its results, a live
round with its reveal. Run on the reference platform (tests/reference_platform.py), the console,
Slack (real Bolt, fake Web API) and Discord (real discord.py, fake gateway and REST), each
driven the way its users drive it, and asserted on what they would read."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console
from slack_sdk.web.async_client import AsyncWebClient

from adapters.console import ConsolePlatform, ConsoleSession
from adapters.discord_bot import QuizBot
from adapters.platform import ChannelPoster, Platform, serve
from adapters.slack_bot import SlackAdapter, SlackPlatform, SlackSettings
from bot.app import QuizApp
from bot.features.daily import DailyScheduler
from bot.features.live import LiveRunner
from bot.features.live.requests import AnswerLiveRound
from bot.features.quiz.requests import AnswerQuestion, AnswerTyped
from bot.kernel.identity import Actor
from tests.fakes.discord_server import CHANNEL_ID, FakeDiscord
from tests.fakes.slack_api import BoltHarness, FakeSlackAPI
from tests.reference_platform import ReferencePlatform
from tests.slack_fixtures import BOT_TOKEN, SECRET
from tests.waiting import eventually

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

PVT, NET = "processes-vs-threads", "networking-basics"
MONDAY_0800 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def text_of(value: Any) -> str:
    """Every string in a JSON-like value (Block Kit, embeds), joined: what a reader sees."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "\n".join(text_of(v) for k, v in value.items() if k not in ("type", "style"))
    if isinstance(value, list):
        return "\n".join(text_of(v) for v in value)
    return ""


class Driver:
    """How a user of one platform asks, answers and reads; ``platform`` is its contract."""

    platform: Platform
    user_ids: dict[str, str] = {}

    async def command(self, user: str, text: str) -> str: ...
    async def answer(self, user: str, post_id: int, choice: int) -> str: ...
    async def answer_live(self, user: str, post_id: int, choice: int) -> str:
        """A click on a live round's button, as the platform encodes it (its own request)."""
        ...

    async def answer_typed(self, user: str, post_id: int, text: str) -> str: ...
    def channel(self) -> str: ...
    def pictures(self) -> int: ...


class ReferenceDriver(Driver):
    def __init__(self, app: QuizApp) -> None:
        self.platform = self.ref = ReferencePlatform(app)
        self.ref.admins.add("ada")

    async def command(self, user: str, text: str) -> str:
        return (await self.ref.command(user, text)).text

    async def answer(self, user: str, post_id: int, choice: int) -> str:
        request = AnswerQuestion(post_id, choice)
        return self.ref.reply(user, await self.ref.app.dispatch(self.ref.actor(user), request)).text

    async def answer_live(self, user: str, post_id: int, choice: int) -> str:
        [round_post] = [m for m in self.ref.channels["general"] if f"Q{post_id}" in m.text]
        [label] = [
            k for k, r in round_post.buttons.items() if r == AnswerLiveRound(post_id, choice)
        ]
        return (await self.ref.click(user, round_post, label)).text

    async def answer_typed(self, user: str, post_id: int, text: str) -> str:
        return (await self.ref.type_answer(user, post_id, text)).text

    def channel(self) -> str:
        return "\n".join(m.text for m in self.ref.channels.get("general", []))

    def pictures(self) -> int:
        return sum(len(m.images) for shown in self.ref.private.values() for m in shown)


class ConsoleDriver(Driver):
    def __init__(self, app: QuizApp, folder: Any) -> None:
        self.out = io.StringIO()
        self.folder = folder
        self.session = ConsoleSession(app, Console(file=self.out, width=200), "ada", folder)
        self.platform = ConsolePlatform(self.session)

    def _as(self, user: str) -> None:
        self.session.actor = Actor("console", user, user, is_admin=True)

    async def _printed(self, work: Any) -> str:
        start = len(self.out.getvalue())
        await work
        return self.out.getvalue()[start:]

    async def command(self, user: str, text: str) -> str:
        self._as(user)
        return await self._printed(self.session.handle_line(text))

    async def answer(self, user: str, post_id: int, choice: int) -> str:
        self._as(user)
        reply = await self.session.call_core(answer=AnswerQuestion(post_id, choice))
        return await self._printed(self.session._answered(reply))

    async def answer_live(self, user: str, post_id: int, choice: int) -> str:
        """The letter shown for ``choice`` typed at the posted round (the current question)."""
        self._as(user)
        assert self.session.current is not None and self.session.current.post_id == post_id
        letter = next(c.letter for c in self.session.current.shown if c.index == choice)
        return await self._printed(self.session.handle_line(letter))

    async def answer_typed(self, user: str, post_id: int, text: str) -> str:
        self._as(user)
        reply = await self.session.call_core(answer=AnswerTyped(post_id, text))
        return await self._printed(self.session._answered(reply))

    def channel(self) -> str:
        return self.out.getvalue()

    def pictures(self) -> int:
        return len(list(self.folder.glob("*.png")))


class SlackDriver(Driver):
    user_ids = {"ada": "UADA", "bob": "UBOB"}

    def __init__(self, adapter: SlackAdapter, fake: FakeSlackAPI, harness: BoltHarness) -> None:
        self.adapter, self.fake, self.harness = adapter, fake, harness
        self.platform = SlackPlatform(adapter)

    async def _replies(self, send: Any) -> str:
        url = self.harness.new_response_url()
        mark = len(self.fake.api_calls)
        await send(url)
        rid = url.rsplit("/", 1)[1]
        await self.harness.drain(timeout=10)  # the listener has replied, privately or publicly
        private = [p.body for p in self.fake.response_posts if p.response_id == rid]
        public = [c.params for c in self.fake.api_calls[mark:] if c.method == "chat.postMessage"]
        return text_of(private + public)

    async def command(self, user: str, text: str) -> str:
        uid = self.user_ids[user]
        return await self._replies(
            lambda url: self.harness.slash(text, user_id=uid, channel_id="C1", response_url=url)
        )

    async def answer(self, user: str, post_id: int, choice: int) -> str:
        uid = self.user_ids[user]
        return await self._replies(
            lambda url: self.harness.click(
                "quiz_answer_0",
                f"{post_id}:{choice}",
                user_id=uid,
                channel_id="C1",
                response_url=url,
            )
        )

    async def answer_live(self, user: str, post_id: int, choice: int) -> str:
        posted = [c.params for c in self.fake.api_calls if c.method == "chat.postMessage"]
        [button] = [
            b
            for p in posted
            for block in p.get("blocks") or []
            for b in block.get("elements") or []
            if b.get("value") == f"{post_id}:{choice}"
        ]
        assert button["action_id"].startswith("live_answer_")
        uid = self.user_ids[user]
        return await self._replies(
            lambda url: self.harness.click(
                button["action_id"], button["value"], user_id=uid, channel_id="C1", response_url=url
            )
        )

    async def answer_typed(self, user: str, post_id: int, text: str) -> str:
        view = {
            "callback_id": "quiz_typed_answer",
            "private_metadata": json.dumps({"post": post_id, "channel": "C1"}),
        }
        reply = await self.harness.view_submission(
            view, {"answer_block": {"answer": text}}, user_id=self.user_ids[user]
        )
        return text_of(reply.json())

    def channel(self) -> str:
        return text_of(
            [
                c.params
                for c in self.fake.api_calls
                if c.method in ("chat.postMessage", "chat.update")
            ]
        )

    def pictures(self) -> int:
        return sum(1 for f in self.fake.files.values() if f.completed)


class DiscordDriver(Driver):
    def __init__(self, bot: QuizBot, fake: FakeDiscord) -> None:
        self.bot, self.fake = bot, fake
        self.platform = bot.platform
        self.users = {"ada": fake.make_user("ada"), "bob": fake.make_user("bob")}

    async def _respond(self, payload: dict) -> str:
        await self.fake.dispatch("INTERACTION_CREATE", payload)
        callback = await self.fake.wait_for_reply(payload)
        return text_of(callback.json.get("data") or {}) + text_of(
            [a["filename"] for a in (callback.json.get("data") or {}).get("attachments") or []]
        )

    async def command(self, user: str, text: str) -> str:
        words = text.removeprefix("/quiz ").split()
        options = {"topic": words[1]} if len(words) > 1 and words[0] in ("question", "card") else {}
        if words[0] == "live":
            options = {"topic": words[1], "rounds": 1, "seconds": 10}
            return await self._respond(
                self.fake.slash_command(
                    "quiz", "start", options, group="live", user=self.users[user]
                )
            )
        return await self._respond(
            self.fake.slash_command("quiz", words[0], options, user=self.users[user])
        )

    async def answer(self, user: str, post_id: int, choice: int) -> str:
        click = self.fake.component_click(f"quiz:answer:{post_id}:{choice}", user=self.users[user])
        return await self._respond(click)

    async def answer_live(self, user: str, post_id: int, choice: int) -> str:
        ids = [
            b["custom_id"]
            for m in self.fake.messages_in(CHANNEL_ID)
            for row in m.get("components") or []
            for b in row["components"]
        ]
        assert f"live:answer:{post_id}:{choice}" in ids  # the round's own buttons
        click = self.fake.component_click(f"live:answer:{post_id}:{choice}", user=self.users[user])
        return await self._respond(click)

    async def answer_typed(self, user: str, post_id: int, text: str) -> str:
        submit = self.fake.modal_submit(
            f"quiz:typed-answer:{post_id}", {"answer": text}, user=self.users[user]
        )
        return await self._respond(submit)

    def channel(self) -> str:
        return text_of(self.fake.messages_in(CHANNEL_ID))

    def pictures(self) -> int:
        return sum(len(r.files) for r in self.fake.requests)


@asynccontextmanager
async def driver_for(name: str, app: QuizApp, tmp_path: Any) -> AsyncIterator[Driver]:
    if name == "reference":
        yield ReferenceDriver(app)
    elif name == "console":
        yield ConsoleDriver(app, tmp_path / "pictures")
    elif name == "slack":
        async with FakeSlackAPI() as fake:
            for user in ("UADA", "UBOB"):
                fake.set_user(user, is_admin=user == "UADA")
            client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
            settings = SlackSettings(bot_token=BOT_TOKEN, signing_secret=SECRET)
            adapter = SlackAdapter(app, settings, client=client)
            async with BoltHarness(adapter.bolt, signing_secret=SECRET, fake=fake) as harness:
                yield SlackDriver(adapter, fake, harness)
            await adapter.close()
    else:
        async with FakeDiscord() as fake:
            bot = QuizBot(app, guild_ready_timeout=0, chunk_guilds_at_startup=False)
            async with fake.run(bot):
                # the scenario runs the daily question with its own scheduler on the clock;
                # the bot's own (started on READY) would race it for the day's claim and win
                # now and then, leaving the scenario's pass nothing to post
                await eventually(lambda: bot.daily_scheduler, "the bot's daily scheduler")
                await bot.daily_scheduler.stop()
                yield DiscordDriver(bot, fake)


def post_in(text: str) -> int:
    """The last post id a user can see in ``text``: "Q12", or a button's "quiz:answer:12:…"."""
    return int(re.findall(r"\bQ(\d+)|answer:(\d+):", text)[-1][0] or "0") or int(
        re.findall(r"\bQ(\d+)|answer:(\d+):", text)[-1][1]
    )


@pytest.mark.parametrize("name", ["reference", "console", "slack", "discord"])
async def test_the_same_scenario_on_every_platform(
    name, db_target, typed_content_folder, tmp_path, clock
):
    clock.set(MONDAY_0800)
    app = await QuizApp.open(db_target, typed_content_folder, clock=clock)
    try:
        async with driver_for(name, app, tmp_path) as d:
            await scenario(d, app, clock, d.platform)
    finally:
        await app.close()


async def scenario(d: Driver, app: QuizApp, clock: Any, platform: Platform) -> None:
    # ask; answer right (ada), wrong (bob), and again (already answered)
    asked = await d.command("ada", f"/quiz question {PVT}")
    post_id = post_in(asked + d.channel())
    post = await app.quiz.get_post(post_id)
    question = app.pack.question(post.question_id)
    assert question.prompt[:40] in asked + d.channel()
    right, wrong = question.correct_index, (question.correct_index + 1) % len(question.choices)
    assert "✅ Correct!" in (reply := await d.answer("ada", post_id, right)) and "Why" in reply
    assert "❌ Not quite" in await d.answer("bob", post_id, wrong)
    assert "You already answered" in await d.answer("ada", post_id, wrong)

    # a typed answer
    typed = await d.command("bob", f"/quiz question {NET}")
    typed_id = post_in(typed + d.channel())
    accepted = app.pack.question((await app.quiz.get_post(typed_id)).question_id).accept[0]
    assert "✅ Correct!" in await d.answer_typed("bob", typed_id, accepted)

    # a card, with its table as a picture; stats; the leaderboard
    card = await d.command("ada", f"/quiz card {PVT}")
    assert app.pack.card(PVT).title in card and d.pictures() >= 1
    stats = await d.command("ada", "/quiz stats")
    assert "10 points" in stats and "day streak" in stats.lower(), stats
    board = await d.command("bob", "/quiz leaderboard")
    assert "ada" in board.lower() and "bob" in board.lower()

    # the daily question and its results, through the platform's post
    admin = await channel_admin(app, post_id)
    await app.daily.set_schedule(admin, "09:00", "UTC", topic=PVT, window_hours=2)
    scheduler = DailyScheduler(app.daily, platform.name, ChannelPoster(platform))
    clock.set(MONDAY_0800 + timedelta(hours=1))
    run = await scheduler.run_due()
    [posted] = run.posted
    assert "Daily question" in d.channel()
    daily_q = app.pack.question(posted.view.question_id)
    assert "✅ Correct!" in await d.answer("bob", posted.view.post_id, daily_q.correct_index)
    clock.set(MONDAY_0800 + timedelta(hours=3, minutes=1))
    before = len(d.channel())
    run = await scheduler.run_due()
    assert len(run.results) == 1 and daily_q.why[:30] in d.channel()[before:]

    # a live round and its reveal
    started = await d.command("ada", f"/quiz live {PVT} 1 10s")
    assert "Quiz night!" in started, started
    # the platform's own runner when it runs one (a Discord client does), else one on its posts
    own = app.live.runners.get(platform.name)
    runner = own or LiveRunner(app.live, platform.name, ChannelPoster(platform))
    runner.start()  # sleeps on the fake clock: moving it is what wakes it
    try:
        await eventually(lambda: "Round 1" in d.channel(), "round 1 posted")
        round_post = post_in(d.channel().split("Round 1")[-1])
        live_q = app.pack.question((await app.quiz.get_post(round_post)).question_id)
        assert "Locked in" in await d.answer_live("bob", round_post, live_q.correct_index)
        # a button posted before live rounds had their own request (a quiz answer) still
        # locks in, as the live answer
        assert "Locked in" in await d.answer("ada", round_post, live_q.correct_index)
        why = live_q.why[:30]
        shown_before = d.channel().count(why)
        clock.advance(11)
        # the Why is shown once the round closes (in its edited message, or a new one)
        await eventually(lambda: d.channel().count(why) > shown_before, "the round's reveal")
    finally:
        if own is None:
            await runner.stop()


async def channel_admin(app: QuizApp, post_id: int) -> Actor:
    """An admin in the channel the users talk in (where ``post_id`` was posted)."""
    post = await app.quiz.get_post(post_id)
    platform, workspace, channel_id = post.channel_key.split(":", 2)
    return Actor(platform, "admin", "admin", workspace, channel_id, is_admin=True)


async def test_the_host_serves_the_reference_platform_and_stops_it(
    db_target, typed_content_folder, clock
):
    """A new platform gets the host's scheduler and live runner, and its graceful stop."""
    app = await QuizApp.open(db_target, typed_content_folder, clock=clock)
    platform = ReferencePlatform(app)
    serving = asyncio.create_task(serve(app, platform))
    await eventually(
        lambda: "reference" in app.daily.schedulers and "reference" in app.live.runners
    )
    platform.stop_signal.request()
    assert await asyncio.wait_for(serving, 30) == 0
    assert "reference" not in app.daily.schedulers and "reference" not in app.live.runners
    assert app._closed  # the host closed the app: answers stored, database closed

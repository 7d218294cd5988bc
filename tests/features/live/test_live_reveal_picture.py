"""A live round's reveal carries its answers' distribution as a bar chart (the right choice
marked), like the daily question's results: on the reference platform (the contract alone)
and on Discord (real discord.py against the fake: the round's message is edited with the chart
attached and shown by its embed). Charts drawn by a real picture worker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.discord_bot import QuizBot
from adapters.platform import ChannelPoster
from bot.app import QuizApp
from bot.features.live import LiveRunner
from bot.features.live.requests import AnswerLiveRound
from bot.pictures.service import Pictures, WorkerPriority
from tests.conftest import CONTENT
from tests.fakes.discord_server import CHANNEL_ID, FakeDiscord
from tests.reference_platform import ReferencePlatform
from tests.waiting import eventually

PVT = "processes-vs-threads"
GENEROUS_S = 120.0  # a chart drawn by a lowest-priority worker on a loaded machine


@pytest.fixture
async def pictures() -> AsyncIterator[Pictures]:
    # drawn at normal priority: on a machine kept busy an idle worker may wait minutes
    pool = Pictures(workers=1, timeout_s=GENEROUS_S, priority=WorkerPriority.NORMAL)
    pool.start()  # the worker warms up while the round runs
    yield pool
    await pool.close()


@pytest.fixture
async def app(db_target, clock, pictures) -> AsyncIterator[QuizApp]:
    app = await QuizApp.open(db_target, CONTENT, clock=clock, pictures=pictures)
    yield app
    await app.close()


def assert_the_chart(app: QuizApp, question_id: str, alt: str, png: bytes) -> None:
    question = app.pack.question(question_id)
    assert png.startswith(b"\x89PNG")
    assert alt.startswith("Bar chart, Round 1 of 1: 1 answer · 1 right"), alt
    right = question.choices[question.correct_index]
    assert f"{right}: 1 (100%) (right answer)" in alt, alt  # the right one, its count, marked
    assert alt.count("0 (0%)") == len(question.choices) - 1, alt  # the others: nobody


async def test_the_reference_platform_shows_the_reveal_with_its_chart(app, clock):
    platform = ReferencePlatform(app)
    runner = LiveRunner(app.live, platform.name, ChannelPoster(platform))
    started = await platform.command("ada", f"/quiz live {PVT} 1 10s")
    assert "Quiz night!" in started.text
    runner.start()  # sleeps on the fake clock: moving it is what wakes it
    try:
        posts = platform.channels.setdefault("general", [])
        await eventually(lambda: any("Round 1" in m.text for m in posts), "round 1 posted")
        [round_post] = [m for m in posts if "Round 1" in m.text]
        post_id = next(iter(round_post.buttons.values())).post_id
        question_id = (await app.quiz.get_post(post_id)).question_id
        right = app.pack.question(question_id).correct_index
        [label] = [k for k, r in round_post.buttons.items() if r == AnswerLiveRound(post_id, right)]
        assert "Locked in" in (await platform.click("bob", round_post, label)).text
        assert round_post.images == ()  # the round itself has no chart
        clock.advance(11)
        await eventually(lambda: round_post.images, "the reveal's chart", GENEROUS_S)
    finally:
        await runner.stop()
    assert app.pack.question(question_id).why[:30] in round_post.text  # the reveal's text stays
    [chart] = round_post.images
    assert chart.name.endswith("-round-1.png")
    assert_the_chart(app, question_id, chart.alt, chart.png)


async def test_discord_edits_the_round_into_its_reveal_with_the_chart_attached(app, clock):
    async with FakeDiscord() as fake:
        bot = QuizBot(app, guild_ready_timeout=0, chunk_guilds_at_startup=False)
        async with fake.run(bot):
            start = fake.slash_command(
                "quiz", "start", {"topic": PVT, "rounds": 1, "seconds": 10}, group="live"
            )
            await fake.dispatch("INTERACTION_CREATE", start)
            await fake.wait_for_callback(start)

            def round_ids() -> list[str]:
                return [
                    b["custom_id"]
                    for m in fake.messages_in(CHANNEL_ID)
                    for row in m.get("components") or []
                    for b in row["components"]
                    if b["custom_id"].startswith("live:answer:")
                ]

            await eventually(round_ids, "round 1 posted")
            post_id = int(round_ids()[0].split(":")[2])
            question_id = (await app.quiz.get_post(post_id)).question_id
            right = app.pack.question(question_id).correct_index
            click = fake.component_click(f"live:answer:{post_id}:{right}")
            await fake.dispatch("INTERACTION_CREATE", click)
            await fake.wait_for_callback(click)
            clock.advance(11)

            def reveal_edits() -> list:
                return [r for r in fake.requests if r.method == "PATCH" and r.files]

            await eventually(reveal_edits, "the round's message edited with a file", GENEROUS_S)
    [edit] = reveal_edits()
    [(name, png)] = edit.files.items()
    assert name.endswith("-round-1.png")
    assert edit.json["embeds"][0]["image"]["url"] == f"attachment://{name}"
    [alt] = [a["description"] for a in edit.json["attachments"] if a["filename"] == name]
    assert app.pack.question(question_id).why[:30] in str(edit.json["embeds"])
    assert_the_chart(app, question_id, alt, png)


async def test_slack_shares_the_reveals_chart_into_the_rounds_thread(app, clock):
    """An edit (chat.update) cannot carry a file: the chart is shared into the round's thread."""
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.slack_bot import SlackAdapter, SlackPlatform
    from tests.fakes.slack_api import BoltHarness, FakeSlackAPI
    from tests.platforms.slack.test_slack_adapter import BOT_TOKEN, block_text, click, make_settings
    from tests.platforms.slack.test_slack_live import question_of, round_post, start
    from tests.slack_fixtures import SECRET

    async with FakeSlackAPI() as fake:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
        adapter = SlackAdapter(app, make_settings(), client=client)
        runner = LiveRunner(app.live, "slack", ChannelPoster(SlackPlatform(adapter)))
        async with BoltHarness(adapter.bolt, signing_secret=SECRET, fake=fake) as harness:
            runner.start()
            try:
                await start(harness, fake, f"live {PVT} 1 10s")
                posted = await round_post(fake, 1)
                question = await question_of(app, posted)
                await click(harness, fake, posted.params["blocks"], question.correct_index, "U1")
                clock.advance(11)
                # the reveal goes out as text at once; its chart follows in the thread
                update = await fake.wait_for_call(
                    "chat.update",
                    lambda c: "Round 1 of" in block_text(c.params["blocks"]),
                    timeout=GENEROUS_S,
                )

                def shared() -> list:  # the round's chart (the podium's may follow)
                    return [
                        f
                        for f in fake.files.values()
                        if f.completed and f.filename.endswith("-round-1.png")
                    ]

                await eventually(shared, "the chart shared", GENEROUS_S)
            finally:
                await runner.stop()
        await adapter.close()
    [chart] = shared()
    assert chart.channel == "C1" and chart.thread_ts == update.params["ts"]  # the round's thread
    assert_the_chart(app, question.id, chart.alt_txt, chart.data)

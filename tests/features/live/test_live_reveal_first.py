"""A round's reveal goes out at once, as text; its chart follows when drawn (a second edit of
the round's message), and the next round never waits for the drawing. The pool's only worker
is held busy (a job reading a FIFO until the test writes to it), so the chart is slow for as
long as the test says: the reveal's text edit must arrive meanwhile. On the reference platform
(the contract alone) and on Discord (real discord.py against the loopback fake)."""

from __future__ import annotations

import asyncio
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
from tests.platforms.discord.test_discord_pictures_in_time import HeldWorker
from tests.reference_platform import ReferencePlatform
from tests.waiting import eventually

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)
PVT = "processes-vs-threads"
GENEROUS_S = 120.0  # a chart drawn by a lowest-priority worker on a loaded machine


@pytest.fixture
async def pictures() -> AsyncIterator[Pictures]:
    # drawn at normal priority: on a machine kept busy an idle worker may wait minutes
    pool = Pictures(workers=1, timeout_s=GENEROUS_S, priority=WorkerPriority.NORMAL)
    yield pool
    await pool.close()


@pytest.fixture
async def held(pictures, tmp_path) -> AsyncIterator[HeldWorker]:
    """The only worker, busy until ``release`` (a failed test's hold is released at the end,
    or closing the pool would wait for it)."""
    hold = HeldWorker(pictures, tmp_path / "hold")
    yield hold
    async with asyncio.timeout(GENEROUS_S):
        await hold.release()


@pytest.fixture
async def app(db_target, clock, pictures) -> AsyncIterator[QuizApp]:
    app = await QuizApp.open(db_target, CONTENT, clock=clock, pictures=pictures)
    yield app
    await app.close()


async def test_the_reveal_is_edited_in_before_its_chart_is_drawn(app, clock, held):
    platform = ReferencePlatform(app)
    runner = LiveRunner(app.live, platform.name, ChannelPoster(platform))
    assert "Quiz night!" in (await platform.command("ada", f"/quiz live {PVT} 2 10s")).text
    runner.start()
    try:
        posts = platform.channels.setdefault("general", [])
        await eventually(lambda: any("Round 1" in m.text for m in posts), "round 1 posted")
        [round_post] = [m for m in posts if "Round 1" in m.text]
        post_id = next(iter(round_post.buttons.values())).post_id
        question = app.pack.question((await app.quiz.get_post(post_id)).question_id)
        [label] = [
            k
            for k, r in round_post.buttons.items()
            if r == AnswerLiveRound(post_id, question.correct_index)
        ]
        assert "Locked in" in (await platform.click("bob", round_post, label)).text
        clock.advance(11)
        # the worker is held: the reveal's text and the next round come without the chart
        await eventually(lambda: question.why[:30] in round_post.text, "the reveal's text")
        await eventually(lambda: any("Round 2" in m.text for m in posts), "round 2 posted")
        assert not held.released and round_post.images == ()
        assert round_post.buttons == {}  # the round is closed: no more answers
        await held.release()
        await eventually(lambda: round_post.images, "the chart edited in", GENEROUS_S)
    finally:
        await runner.stop()
    assert question.why[:30] in round_post.text  # the reveal's text stays with its chart
    [chart] = round_post.images
    assert chart.name.endswith("-round-1.png") and chart.png.startswith(b"\x89PNG")


async def test_discord_edits_the_reveal_first_then_attaches_its_chart(app, clock, held):
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
            question = app.pack.question((await app.quiz.get_post(post_id)).question_id)
            click = fake.component_click(f"live:answer:{post_id}:{question.correct_index}")
            await fake.dispatch("INTERACTION_CREATE", click)
            await fake.wait_for_callback(click)
            clock.advance(11)

            def edits() -> list:
                return [r for r in fake.requests if r.method == "PATCH" and "embeds" in r.json]

            await eventually(edits, "the round's message edited into its reveal")
            assert not held.released
            [text_edit] = edits()
            assert not text_edit.files and "attachments" not in text_edit.json
            assert question.why[:30] in str(text_edit.json["embeds"])
            await held.release()
            await eventually(lambda: [e for e in edits() if e.files], "the chart", GENEROUS_S)
    first, second = edits()
    assert first is text_edit and first.path == second.path  # the same message, edited again
    [(name, png)] = second.files.items()
    assert name.endswith("-round-1.png") and png.startswith(b"\x89PNG")
    assert second.json["embeds"][0]["image"]["url"] == f"attachment://{name}"
    assert question.why[:30] in str(second.json["embeds"])

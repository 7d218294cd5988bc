"""A command whose result carries a picture still being drawn is deferred before Discord's
3-second deadline, then followed up with the picture: ``/quiz card``, ``/quiz stats``, like the
answer path. Real discord.py against the loopback fake; the one picture worker is held busy by
a job that waits on a FIFO until the test writes to it, so the picture is slow for as long as
the test says."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from adapters.discord_bot import QuizBot
from bot.app import QuizApp
from bot.pictures.service import Pictures, WorkerPriority
from tests.conftest import CONTENT
from tests.fakes.discord_server import FakeDiscord, custom_ids

EPHEMERAL = 64
DEFERRED = 5  # "thinking"
PVT = "processes-vs-threads"
GENEROUS_S = 120.0  # a picture drawn by a lowest-priority worker on a loaded machine
FIRST_RESPONSE_S = 30.0  # Discord wants it within 3 s; this bounds a loaded machine's lag


class HeldWorker:
    """Keeps the pool's only worker busy until ``release``: the pictures asked for meanwhile
    queue behind it."""

    def __init__(self, pictures: Pictures, fifo: Path) -> None:
        os.mkfifo(fifo)
        self.fifo = fifo
        # Path.read_text blocks opening a FIFO until a writer opens it
        self.job = pictures._executor().submit(fifo.read_text)
        self.released = False

    async def release(self) -> None:
        if not self.released:
            self.released = True
            await asyncio.to_thread(self.fifo.write_text, "go")
        await asyncio.wrap_future(self.job)


@pytest.fixture
async def pictures():
    pool = Pictures(workers=1, timeout_s=GENEROUS_S, priority=WorkerPriority.NORMAL)
    yield pool
    await pool.close()


@pytest.fixture
async def hold(pictures, tmp_path):
    """``hold()`` holds the worker; a failed test's holds are released, or closing the pool
    would wait for them."""
    holds: list[HeldWorker] = []

    def hold() -> HeldWorker:
        holds.append(HeldWorker(pictures, tmp_path / f"hold{len(holds)}"))
        return holds[-1]

    yield hold
    for held in holds:
        async with asyncio.timeout(GENEROUS_S):
            await held.release()


@pytest.fixture
async def app(db_target, clock, pictures):
    app = await QuizApp.open(db_target, CONTENT, clock=clock, pictures=pictures)
    yield app
    await app.close()


async def command(fake: FakeDiscord, *args, **kwargs) -> tuple[dict, object]:
    payload = fake.slash_command("quiz", *args, **kwargs)
    await fake.dispatch("INTERACTION_CREATE", payload)
    return payload, await fake.wait_for_callback(payload, timeout=FIRST_RESPONSE_S)


async def test_card_and_stats_are_deferred_while_their_picture_draws(app, hold):
    async with FakeDiscord() as fake:
        bot = QuizBot(app, guild_ready_timeout=0, chunk_guilds_at_startup=False)
        async with fake.run(bot):
            held = hold()
            card, card_callback = await command(fake, "card", options={"topic": PVT})
            assert not held.job.done()  # the defer came while the diagram was still queued
            await held.release()
            card_followup = await fake.wait_for_followup(card, timeout=GENEROUS_S)

            # an answer first: stats have a chart once anything was answered
            question, asked = await command(fake, "question", options={"topic": PVT})
            ids = custom_ids(asked.json["data"]["components"])
            click = fake.component_click(ids[0], fake.original_response(question))
            await fake.dispatch("INTERACTION_CREATE", click)
            await fake.wait_for_callback(click, timeout=GENEROUS_S)
            held = hold()
            stats, stats_callback = await command(fake, "stats")
            assert not held.job.done()
            await held.release()
            stats_followup = await fake.wait_for_followup(stats, timeout=GENEROUS_S)

    # the card: deferred publicly, then the card with its diagram, shown by the embed
    assert card_callback.json["type"] == DEFERRED
    assert not card_callback.json.get("data", {}).get("flags", 0) & EPHEMERAL
    diagram = f"{PVT}.png"
    assert card_followup.files[diagram].startswith(b"\x89PNG")
    assert card_followup.json["embeds"][0]["image"]["url"] == f"attachment://{diagram}"
    assert app.pack.card(PVT).title in card_followup.json["embeds"][0]["title"]
    # the stats: deferred privately, then the stats with the progress chart, privately
    assert stats_callback.json["type"] == DEFERRED
    assert stats_callback.json["data"]["flags"] & EPHEMERAL
    assert stats_followup.json["flags"] & EPHEMERAL
    (chart,) = stats_followup.files
    assert stats_followup.files[chart].startswith(b"\x89PNG")
    assert any(
        e.get("image", {}).get("url") == f"attachment://{chart}"
        for e in stats_followup.json["embeds"]
    )

"""The drawn pictures reach people on every platform through the attachment contract: Discord
receives a multipart upload the embed shows, Slack the files.getUploadURLExternal / upload /
files.completeUploadExternal sequence and an image block, the console a saved file and its
path with the alt text. Real discord.py, slack-bolt and the loopback fakes."""

from __future__ import annotations

import asyncio
import io

import pytest
from rich.console import Console
from slack_sdk.web.async_client import AsyncWebClient

from adapters.console import ConsoleSession
from adapters.slack_bot import SlackAdapter, SlackSettings
from bot.app import QuizApp
from bot.content import load_pack
from bot.kernel.identity import Actor
from bot.pictures.service import Pictures, WorkerPriority
from bot.pictures.specs import CardDiagram
from tests.conftest import CONTENT
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_api import BoltHarness, FakeSlackAPI
from tests.slack_fixtures import BOT_TOKEN, SECRET

PVT = "processes-vs-threads"


@pytest.fixture(scope="module")
def pictures():
    """One warm pool for the module (Discord wants a reply within 3 s; a cold worker is not
    what these tests are about)."""
    pool = Pictures(workers=1, timeout_s=60, priority=WorkerPriority.NORMAL)
    card = load_pack(CONTENT).card(PVT)
    assert asyncio.run(pool.image(CardDiagram(card.id, card.title, card.picture))) is not None
    yield pool
    asyncio.run(pool.close())


@pytest.fixture
async def app(db_target, clock, pictures):
    app = await QuizApp.open(db_target, CONTENT, clock=clock, pictures=pictures)
    yield app
    await app.close()


def diagram_of(app: QuizApp) -> CardDiagram:
    card = app.pack.card(PVT)
    return CardDiagram(card.id, card.title, card.picture)


async def test_discord_attaches_the_diagram_and_the_embed_shows_it(app, pictures):
    from adapters.discord_bot import QuizBot

    spec = diagram_of(app)
    async with FakeDiscord() as fake:
        bot = QuizBot(app, guild_ready_timeout=0, chunk_guilds_at_startup=False)
        async with fake.run(bot):
            payload = fake.slash_command("quiz", "card", options={"topic": PVT})
            await fake.dispatch("INTERACTION_CREATE", payload)
            callback = await fake.wait_for_reply(payload)
    drawn = pictures.cached(spec)
    assert drawn is not None
    assert callback.files[spec.name] == drawn.png  # a multipart upload, beside the table's
    data = callback.json["data"]
    described = {a["filename"]: a["description"] for a in data["attachments"]}
    assert described[spec.name] == spec.alt[: len(described[spec.name])]
    assert data["embeds"][0]["image"]["url"] == f"attachment://{spec.name}"


@pytest.fixture
async def slack(app):
    async with FakeSlackAPI() as fake:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
        settings = SlackSettings(bot_token=BOT_TOKEN, signing_secret=SECRET)
        adapter = SlackAdapter(app, settings, client=client)
        async with BoltHarness(adapter.bolt, signing_secret=SECRET, fake=fake) as harness:
            yield fake, adapter, harness
        await adapter.close()


async def test_slack_uploads_the_diagram_and_shows_it_in_an_image_block(app, slack, pictures):
    fake, _, harness = slack
    spec = diagram_of(app)
    url = harness.new_response_url()
    status, _ = await harness.slash(f"card {PVT}", user_id="U1", response_url=url)
    assert status == 200
    rid = url.rsplit("/", 1)[1]
    reply = (await fake.wait_for_response_post(lambda p: p.response_id == rid)).body
    calls = [c.method for c in fake.api_calls if c.method.startswith("files.")]
    assert calls.count("files.getUploadURLExternal") == len(fake.files) >= 1
    assert "files.completeUploadExternal" in calls
    drawn = pictures.cached(spec)
    [file] = [f for f in fake.files.values() if f.data == drawn.png]  # the upload itself
    assert file.completed and file.alt_txt == spec.alt[: len(file.alt_txt)]
    images = [b for b in reply["blocks"] if b["type"] == "image"]
    assert {"type": "image", "slack_file": {"id": file.id}, "alt_text": file.alt_txt} in images


async def test_console_saves_the_diagram_and_prints_its_path_and_alt_text(app, tmp_path, pictures):
    output = io.StringIO()
    folder = tmp_path / "pictures"
    session = ConsoleSession(app, Console(file=output, width=200), "Ada", folder)
    session.actor = Actor("console", "ada", "Ada", is_admin=True)
    await session.handle_line(f"/quiz card {PVT}")
    spec = diagram_of(app)
    saved = folder / spec.name
    assert saved.read_bytes() == pictures.cached(spec).png
    printed = output.getvalue().replace("\n", " ")
    assert "Picture saved to" in printed and spec.name in printed
    assert "Diagram of Processes vs Threads." in printed
    assert app.pack.card(PVT).summary[:40] in printed  # the text card is still there


async def test_discord_posts_the_daily_results_chart_with_the_results(app, pictures):
    """A posted result (the scheduler's, not a reply): the chart goes up with the message."""
    from adapters.discord_bot import QuizBot
    from adapters.platform import ChannelPoster
    from tests.platforms.discord.test_discord_daily import MESSAGES, results

    daily = await pictures.attach(results(question_ref=None, counts=(4, 9)))
    [chart] = daily.images
    assert "B) two: 9 (69%) (right answer)" in chart.alt
    async with FakeDiscord() as fake:
        bot = QuizBot(app, guild_ready_timeout=0, chunk_guilds_at_startup=False)
        async with fake.run(bot):
            await ChannelPoster(bot.platform).post_results(daily.channel, daily)
            post = await fake.wait_for_request(method="POST", path=MESSAGES)
    assert post.files == {chart.name: chart.png}
    assert post.json["embeds"][0]["image"]["url"] == f"attachment://{chart.name}"


async def test_slack_shares_the_podium_into_the_channel(app, slack, pictures):
    from bot.features.live.results import EndReason, LivePodium, Standing

    fake, adapter, _ = slack
    podium = await pictures.attach(
        LivePodium(
            session_id=3,
            topic_title="Processes vs Threads",
            rounds_played=3,
            rounds=3,
            reason=EndReason.FINISHED,
            standings=(Standing(1, "Ada", 2700, 3, 3), Standing(2, "Zoë", 1900, 2, 3)),
            missed_most=None,
        )
    )
    [chart] = podium.images
    assert "1st Ada with 2700 points (3 of 3 right)" in chart.alt
    assert await adapter.post_to_channel("C7", podium) is not None
    [file] = [f for f in fake.files.values() if f.data == chart.png]
    assert file.completed and file.channel == "C7"

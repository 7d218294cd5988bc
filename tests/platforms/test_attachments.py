"""Pictures reach people on every platform: the concept card's table, drawn as a PNG by the core,
delivered the platform's own way (Discord: a file attachment the embed shows; Slack: an upload
through files.getUploadURLExternal / the upload URL / files.completeUploadExternal; the console:
a saved file and its path with the alt text), through the real libraries and loopback fakes."""

from __future__ import annotations

import io

import pytest
from PIL import Image as PILImage
from rich.console import Console
from slack_sdk.web.async_client import AsyncWebClient

from adapters.console import ConsoleSession
from adapters.slack_bot import SlackAdapter, SlackSettings
from bot.app import QuizApp
from bot.features.quiz import CardPart
from bot.features.quiz.table_picture import table_picture
from bot.kernel.identity import Actor
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_api import BoltHarness, FakeSlackAPI
from tests.slack_fixtures import BOT_TOKEN, SECRET

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

PVT = "processes-vs-threads"


def png_size(data: bytes) -> tuple[int, int]:
    with PILImage.open(io.BytesIO(data)) as picture:
        assert picture.format == "PNG"
        return picture.size


def expected_picture(app: QuizApp):
    picture = table_picture(app.pack.card(PVT))
    assert picture is not None
    return picture


async def test_the_card_carries_its_table_as_a_picture_with_the_numbers_in_its_alt_text(app):
    view = await app.quiz.card_view(PVT)
    [picture] = view.images
    width, height = png_size(picture.png)
    assert 200 <= width <= 2000 and 100 <= height <= 2000
    table = app.pack.card(PVT).table
    assert all(cell in picture.alt for row in table.rows for cell in row)
    # parts without the table carry no picture; the text version stays in every part
    assert (await app.quiz.card_view(PVT, CardPart.RECAP)).images == ()


async def test_discord_attaches_the_picture_and_the_embed_shows_it(app):
    from adapters.discord_bot import QuizBot

    picture = expected_picture(app)
    async with FakeDiscord() as fake:
        bot = QuizBot(app, guild_ready_timeout=0, chunk_guilds_at_startup=False)
        async with fake.run(bot):
            payload = fake.slash_command("quiz", "card", options={"topic": PVT})
            await fake.dispatch("INTERACTION_CREATE", payload)
            callback = await fake.wait_for_reply(payload)
    assert callback.files == {picture.name: picture.png}  # a multipart upload
    data = callback.json["data"]
    [attachment] = data["attachments"]
    assert attachment["filename"] == picture.name and attachment["description"] == picture.alt
    assert data["embeds"][0]["image"]["url"] == f"attachment://{picture.name}"
    shown = fake.original_response(payload)
    assert [a["filename"] for a in shown["attachments"]] == [picture.name]


@pytest.fixture
async def slack(app):
    async with FakeSlackAPI() as fake:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
        settings = SlackSettings(bot_token=BOT_TOKEN, signing_secret=SECRET)
        adapter = SlackAdapter(app, settings, client=client)
        async with BoltHarness(adapter.bolt, signing_secret=SECRET, fake=fake) as harness:
            yield fake, adapter, harness
        await adapter.close()


def upload_sequence(fake: FakeSlackAPI) -> list[str]:
    return [c.method for c in fake.api_calls if c.method.startswith("files.")]


async def test_slack_private_card_uploads_the_picture_and_shows_it_in_an_image_block(app, slack):
    fake, _, harness = slack
    picture = expected_picture(app)
    url = harness.new_response_url()
    status, _ = await harness.slash(f"card {PVT}", user_id="U1", response_url=url)
    assert status == 200
    rid = url.rsplit("/", 1)[1]
    reply = (await fake.wait_for_response_post(lambda p: p.response_id == rid)).body
    assert upload_sequence(fake) == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    [file] = fake.files.values()
    assert file.data == picture.png and file.completed and file.alt_txt == picture.alt
    assert file.channel is None  # a file cannot be ephemeral: the bot keeps it unshared
    assert reply["response_type"] == "ephemeral"
    [image] = [b for b in reply["blocks"] if b["type"] == "image"]
    assert image == {"type": "image", "slack_file": {"id": file.id}, "alt_text": picture.alt}


async def test_slack_public_post_shares_the_picture_into_its_channel_and_thread(app, slack):
    fake, adapter, _ = slack
    picture = expected_picture(app)
    view = await app.quiz.card_view(PVT)
    ref = await adapter.post_to_channel("C5", view, thread_ts="1700000000.000001")
    assert ref is not None
    [file] = fake.files.values()
    assert file.data == picture.png and file.completed
    assert (file.channel, file.thread_ts) == ("C5", "1700000000.000001")


async def test_slack_a_refused_upload_still_sends_the_text(app, slack, caplog):
    fake, _, harness = slack
    fake.fail("files.getUploadURLExternal", "missing_scope")
    url = harness.new_response_url()
    await harness.slash(f"card {PVT}", user_id="U1", response_url=url)
    rid = url.rsplit("/", 1)[1]
    reply = (await fake.wait_for_response_post(lambda p: p.response_id == rid)).body
    assert "Side by side" in str(reply["blocks"])
    assert not [b for b in reply["blocks"] if b["type"] == "image"]
    assert "picture upload failed (missing_scope)" in caplog.text


async def test_console_saves_the_picture_under_the_data_folder_and_prints_path_and_alt(
    app, tmp_path
):
    picture = expected_picture(app)
    output = io.StringIO()
    folder = tmp_path / "pictures"
    session = ConsoleSession(app, Console(file=output, width=200), "Ada", folder)
    session.actor = Actor("console", "ada", "Ada", is_admin=True)
    await session.handle_line(f"/quiz card {PVT}")
    saved = folder / picture.name
    assert saved.read_bytes() == picture.png
    printed = output.getvalue()
    assert f"Picture saved to {saved}" in printed
    assert picture.alt[:60] in printed.replace("\n", " ")
    assert "Own, isolated" in printed  # the text table is still there

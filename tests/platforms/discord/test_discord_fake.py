"""The fake Discord server drives the REAL discord.py client entirely over 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import time

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.fakes.discord_server import (
    APPLICATION_ID,
    CHANNEL_ID,
    GUILD_ID,
    USER_ID,
    FakeDiscord,
    LoggedClientError,
    custom_ids,
)

TOPICS = ["caching", "queues", "sharding", "consensus"]


class Choice(
    discord.ui.DynamicItem[discord.ui.Button], template=r"t:(?P<post>\d+):(?P<choice>\d+)"
):
    """A persistent answer button: custom_id ``t:<post>:<choice>`` survives restarts."""

    def __init__(self, post: int, choice: int, label: str = "?") -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=f"t:{post}:{choice}"))
        self.post = post
        self.choice = choice

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str]):
        return cls(int(match["post"]), int(match["choice"]), label=item.label or "?")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"{interaction.user.name} picked {self.choice} on question {self.post}", ephemeral=True
        )


class QuizClient(discord.Client):
    def __init__(self) -> None:
        super().__init__(
            intents=discord.Intents.default(),
            guild_ready_timeout=0.05,
            chunk_guilds_at_startup=False,
        )
        self.tree = app_commands.CommandTree(self)
        quiz = app_commands.Group(name="quiz", description="Quiz commands")

        @quiz.command(name="question", description="Post a question")
        async def question(interaction: discord.Interaction, topic: str = "caching") -> None:
            embed = discord.Embed(title=f"Question about {topic}", description="Pick one")
            view = discord.ui.View(timeout=None)
            view.add_item(Choice(1, 0, "A"))
            view.add_item(Choice(1, 1, "B"))
            await interaction.response.send_message(embed=embed, view=view)

        @question.autocomplete("topic")
        async def topic_autocomplete(interaction: discord.Interaction, current: str):
            return [app_commands.Choice(name=t, value=t) for t in TOPICS if current in t]

        @quiz.command(name="slow", description="Deferred answer")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("computed after defer")

        @quiz.command(name="boom", description="Always fails")
        async def boom(interaction: discord.Interaction) -> None:
            raise RuntimeError("kaboom")

        self.tree.add_command(quiz)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(Choice)


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
def client() -> QuizClient:
    return QuizClient()


async def test_login_and_ready(fake: FakeDiscord, client: QuizClient):
    original_base = "https://discord.com/api/v10"
    assert discord.http.Route.BASE.startswith("http://127.0.0.1:")
    async with fake.run(client):
        assert client.is_ready()
        assert client.user is not None and client.user.id == APPLICATION_ID
        assert client.application_id == APPLICATION_ID
        guild = client.get_guild(GUILD_ID)
        assert guild is not None and not guild.unavailable
        assert isinstance(guild.get_channel(CHANNEL_ID), discord.TextChannel)
        assert guild.me is not None and guild.me.id == APPLICATION_ID  # no members intent
    paths = [(r.method, r.path) for r in fake.requests]
    assert ("GET", "/users/@me") in paths
    assert ("GET", "/oauth2/applications/@me") in paths
    identify = next(f for f in fake.gateway_received if f["op"] == 2)
    assert identify["d"]["token"] == fake.token
    assert identify["d"]["intents"] == discord.Intents.default().value
    assert any(f["op"] == 1 for f in fake.gateway_received)  # heartbeat (answered with op 11)
    assert fake.unhandled == []
    await fake.close()
    assert discord.http.Route.BASE == original_base
    assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"


async def test_tree_sync_to_guild_is_recorded(fake: FakeDiscord, client: QuizClient):
    async with fake.run(client):
        guild = discord.Object(GUILD_ID)
        client.tree.copy_global_to(guild=guild)
        synced = await client.tree.sync(guild=guild)

    req = await fake.wait_for_request(
        method="PUT", path=f"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands"
    )
    assert [c["name"] for c in req.json] == ["quiz"]
    assert [c.name for c in synced] == ["quiz"]
    stored = fake.synced_commands[GUILD_ID]
    assert {o["name"] for o in stored[0]["options"]} == {"question", "slow", "boom"}
    # a slash command built afterwards carries the synced id and guild_id like Discord's
    payload = fake.slash_command("quiz", "question")
    assert payload["data"]["id"] == stored[0]["id"]
    assert payload["data"]["guild_id"] == str(GUILD_ID)


async def test_slash_command_replies_with_embed_and_buttons(fake: FakeDiscord, client: QuizClient):
    async with fake.run(client):
        payload = fake.slash_command("quiz", "question", options={"topic": "queues"})
        await fake.dispatch("INTERACTION_CREATE", payload)
        cb = await fake.wait_for_callback(payload)

    assert cb.json["type"] == 4
    data = cb.json["data"]
    assert data["embeds"][0]["title"] == "Question about queues"
    assert custom_ids(data["components"]) == ["t:1:0", "t:1:1"]
    posted = fake.original_response(payload)
    assert posted is not None and posted["channel_id"] == str(CHANNEL_ID)
    assert custom_ids(posted["components"]) == ["t:1:0", "t:1:1"]


@pytest.mark.parametrize("after_restart", [False, True])
async def test_dynamic_button_click_answers_ephemerally(
    fake: FakeDiscord, client: QuizClient, after_restart: bool
):
    async with fake.run(client):
        if not after_restart:  # click the message the slash command really posted
            question = fake.slash_command("quiz", "question")
            await fake.dispatch("INTERACTION_CREATE", question)
            await fake.wait_for_callback(question)
        # otherwise the fake synthesises an old bot message holding just that button
        click = fake.component_click("t:1:0", user=fake.make_user("bob"))
        await fake.dispatch("INTERACTION_CREATE", click)
        cb = await fake.wait_for_callback(click)

    assert cb.json["type"] == 4
    assert cb.json["data"]["flags"] == 64
    assert cb.json["data"]["content"] == "bob picked 0 on question 1"
    assert fake.original_response(click)["flags"] & 64


async def test_deferred_response_then_followup(fake: FakeDiscord, client: QuizClient):
    async with fake.run(client):
        payload = fake.slash_command("quiz", "slow")
        await fake.dispatch("INTERACTION_CREATE", payload)
        cb = await fake.wait_for_callback(payload)
        followup = await fake.wait_for_followup(payload)

    assert cb.json["type"] == 5
    assert cb.response["interaction"]["response_message_loading"] is True
    assert followup.json["content"] == "computed after defer"
    assert followup.query["wait"] == "1"
    # like Discord, the first followup after a thinking defer becomes the original response
    assert fake.original_response(payload)["content"] == "computed after defer"


async def test_autocomplete(fake: FakeDiscord, client: QuizClient):
    async with fake.run(client):
        payload = fake.autocomplete("quiz", "question", {"topic": "ue"}, focused="topic")
        await fake.dispatch("INTERACTION_CREATE", payload)
        cb = await fake.wait_for_callback(payload)

    assert cb.json == {"type": 8, "data": {"choices": [{"name": "queues", "value": "queues"}]}}


async def test_bad_token_raises_login_failure(fake: FakeDiscord, client: QuizClient):
    with pytest.raises(discord.LoginFailure):
        async with fake.run(client, token="not-the-token"):
            pytest.fail("must not get here")
    assert fake.requests[0].path == "/users/@me" and fake.requests[0].status == 401
    assert client.is_closed()


async def test_broken_payload_surfaces_instead_of_timing_out(fake: FakeDiscord, client: QuizClient):
    async with fake.run(client):
        payload = fake.slash_command("quiz", "question")
        del payload["attachment_size_limit"]  # Interaction._from_data indexes this key
        await fake.dispatch("INTERACTION_CREATE", payload)
        started = time.monotonic()
        with pytest.raises(KeyError, match="attachment_size_limit"):
            await fake.wait_for_callback(payload, timeout=60)
        assert time.monotonic() - started < 30  # it came as it happened, not at the timeout


async def test_command_exception_surfaces_as_logged_error(fake: FakeDiscord, client: QuizClient):
    async with fake.run(client):
        payload = fake.slash_command("quiz", "boom")
        await fake.dispatch("INTERACTION_CREATE", payload)
        with pytest.raises(LoggedClientError) as info:
            await fake.wait_for_callback(payload, timeout=5)
    assert "kaboom" in repr(info.value.__cause__.__cause__)


async def test_channel_send_via_rest_is_recorded(fake: FakeDiscord, client: QuizClient):
    async with fake.run(client):
        channel = client.get_channel(CHANNEL_ID)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("Daily question!", embed=discord.Embed(title="Q1"))
        partial = client.get_partial_messageable(CHANNEL_ID)
        edited = await partial.get_partial_message(sent.id).edit(content="Daily question (edited)")

    post = await fake.wait_for_request(method="POST", path=f"/channels/{CHANNEL_ID}/messages")
    assert post.json["content"] == "Daily question!"
    assert post.json["embeds"][0]["title"] == "Q1"
    assert isinstance(sent, discord.Message) and sent.content == "Daily question!"
    assert sent.author.id == APPLICATION_ID
    assert edited.content == "Daily question (edited)"
    assert fake.messages[sent.id]["content"] == "Daily question (edited)"
    assert all(r.headers["Authorization"] == f"Bot {fake.token}" for r in fake.requests)


async def test_persistent_button_still_works_after_restart(fake: FakeDiscord):
    async with fake.run(QuizClient()):
        question = fake.slash_command("quiz", "question")
        await fake.dispatch("INTERACTION_CREATE", question)
        await fake.wait_for_callback(question)
    old_message = fake.original_response(question)

    async with fake.run(QuizClient()):  # a fresh process: no View state, only add_dynamic_items
        click = fake.component_click("t:1:1", old_message)
        await fake.dispatch("INTERACTION_CREATE", click)
        cb = await fake.wait_for_callback(click)
    assert click["message"]["id"] == old_message["id"]
    assert click["member"]["user"]["id"] == str(USER_ID)  # the default clicking user, "alice"
    assert cb.json["data"]["content"] == "alice picked 1 on question 1"


async def test_client_started_by_the_adapter_itself(fake: FakeDiscord, client: QuizClient):
    task = fake.watch(asyncio.create_task(client.start(fake.token, reconnect=False)))
    try:
        await fake.wait_until_ready(client)
        payload = fake.slash_command("quiz", "question", options={"topic": "sharding"})
        await fake.dispatch("INTERACTION_CREATE", payload)
        cb = await fake.wait_for_callback(payload)
        assert cb.json["data"]["embeds"][0]["title"] == "Question about sharding"
    finally:
        await client.close()
        await task


async def test_non_loopback_hosts_are_refused(fake: FakeDiscord, client: QuizClient):
    async with fake.run(client):
        with pytest.raises(aiohttp.ClientConnectorError) as info:
            await client.http.get_from_cdn("https://cdn.discordapp.com/embed/avatars/0.png")
    # raised by the fake's resolver: no DNS lookup, no connection attempt
    assert "refusing to resolve 'cdn.discordapp.com'" in str(info.value.os_error)


async def test_add_route_injects_failures(fake: FakeDiscord, client: QuizClient):
    fake.add_route(
        "POST",
        rf"/channels/{CHANNEL_ID}/messages",
        lambda req, match: (403, {"message": "Missing Permissions", "code": 50013}),
    )
    async with fake.run(client):
        with pytest.raises(discord.Forbidden):
            await client.get_partial_messageable(CHANNEL_ID).send("hello")
    assert fake.requests[-1].status == 403 and fake.messages == {}

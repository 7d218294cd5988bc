"""Hostile input from users, through each adapter's real entry point: correctly signed but
malformed Slack requests, forged Discord button ids, a generated mix of malformed commands
(through the router, Slack, Discord and the console).
Each gets a clear reply (or a 400), nothing raises, nothing is stored."""

from __future__ import annotations

import json
import random
import time
from urllib.parse import urlencode

import discord
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.discord_bot import QuizBot
from adapters.slack_bot import SlackAdapter, SlackSettings
from tests.fakes.discord_server import FakeDiscord, custom_ids
from tests.fakes.slack_api import FakeSlackAPI
from tests.outages import table_gone
from tests.recorded import stats_of, stored
from tests.slack_fixtures import BOT_TOKEN, SECRET

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

FORM = "application/x-www-form-urlencoded"


async def stored_rows(app) -> dict[str, int]:
    """Rows stored in every workspace at once (no request sees that), either backend."""
    tables = ("answers", "posts", "users", "study_groups")
    return {t: (await stored(app, f"SELECT COUNT(*) FROM {t}"))[0][0] for t in tables}


async def column(app, sql: str) -> list:
    return [value for (value,) in await stored(app, sql)]


# -- Slack ------------------------------------------------------------------------------------


@pytest.fixture
async def fake():
    async with FakeSlackAPI() as f:
        yield f


@pytest.fixture
def adapter(app, fake):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    return SlackAdapter(app, SlackSettings(bot_token=BOT_TOKEN, signing_secret=SECRET), client)


def block_text(blocks: list[dict]) -> str:
    return " ".join(json.dumps(b, ensure_ascii=False) for b in blocks)


@pytest.mark.parametrize(
    "payload",
    ["{not json", "[]", '"a string"', "null", json.dumps({"type": "block_actions", "actions": []})],
    ids=["bad-json", "array", "string", "null", "empty-actions"],
)
async def test_slack_malformed_payload_is_400_and_stores_nothing(app, harness, payload):
    before = await stored_rows(app)
    status, body = await harness.post_signed(urlencode({"payload": payload}), FORM)
    assert status == 400 and body.startswith("malformed request:")
    assert "Traceback" not in body
    assert await stored_rows(app) == before


async def test_slack_non_utf8_body_is_400(app, harness):
    raw = b"payload=%7B%7D&x=\xff\xfe"
    ts = str(int(time.time()))
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": harness.verifier.generate_signature(
            timestamp=ts, body=raw.decode("latin-1")
        ),
    }
    async with harness._session.post(harness.url, data=raw, headers=headers) as resp:
        assert resp.status == 400


async def _question(harness, fake) -> tuple[str, list[dict]]:
    mark = len(fake.api_calls)
    await harness.slash("", user_id="U1")
    call = await fake.wait_for_call("chat.postMessage", since=mark)
    blocks = call.params["blocks"]
    value = next(e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"])
    return value, blocks


@pytest.mark.parametrize(
    "value, extra, expected",
    [
        (None, {"user": None}, "did not say who"),
        (None, {"user": {"id": ["U", "2"], "username": "x"}}, "did not say who"),
        (None, {"user": {"id": 12345}}, "did not say who"),
        ("²:0", {}, "not a quiz answer"),
        ("12345678901234567890123456:0", {}, "not a quiz answer"),
        ("1:10", {}, "not a quiz answer"),
        ("-1:0", {}, "not a quiz answer"),
    ],
    ids=["no-user", "list-user", "number-user", "superscript", "26-digits", "1:10", "-1:0"],
)
async def test_slack_malformed_click_gets_a_reply_and_stores_nothing(
    app, fake, harness, value, extra, expected
):
    real_value, blocks = await _question(harness, fake)
    before = await stored_rows(app)
    url = harness.new_response_url()
    status, _ = await harness.click(
        "quiz_answer_0", value or real_value, response_url=url, message_blocks=blocks, **extra
    )
    assert status == 200
    rid = url.rsplit("/", 1)[1]
    reply = await fake.wait_for_response_post(lambda p: p.response_id == rid)
    assert reply.body["response_type"] == "ephemeral"
    assert expected in block_text(reply.body["blocks"]) + reply.body.get("text", "")
    assert await stored_rows(app) == before
    keys = await column(app, "SELECT user_key FROM users")
    assert not any("[" in k for k in keys)


async def test_slack_click_without_response_url_is_dropped(app, fake, harness):
    value, _ = await _question(harness, fake)
    before = await stored_rows(app)
    payload = {
        "type": "block_actions",
        "user": {"id": "U2", "username": "u2", "team_id": "T123"},
        "team": {"id": "T123"},
        "channel": {"id": "C123"},
        "actions": [{"type": "button", "action_id": "quiz_answer_0", "value": value}],
    }
    status, _ = await harness.post_signed(urlencode({"payload": json.dumps(payload)}), FORM)
    assert status == 200
    await harness.drain()
    assert await stored_rows(app) == before  # nobody could be told: nothing stored either


async def test_slack_home_opened_without_a_user_is_ignored(fake, harness):
    status, _ = await harness.event({"type": "app_home_opened", "tab": "home"})
    assert status == 200
    await harness.drain()
    assert fake.calls_to("views.publish") == []


async def test_slack_command_without_a_user_is_refused(app, fake, harness):
    url = harness.new_response_url()
    before = await stored_rows(app)
    status, _ = await harness.slash("", user_id="", response_url=url)
    assert status == 200
    rid = url.rsplit("/", 1)[1]
    reply = await fake.wait_for_response_post(lambda p: p.response_id == rid)
    assert "did not say who" in block_text(reply.body["blocks"]) + reply.body.get("text", "")
    assert await stored_rows(app) == before


def malformed_commands(seed: int = 13, count: int = 60) -> list[str]:
    """A generated mix: control bytes, escapes, huge numbers, unicode digits, markdown, junk
    after valid words, very long words."""
    rng = random.Random(seed)
    words = ["quiz", "card", "leaderboard", "group", "daily", "stats", "demo", "review", "as"]
    nasty = [
        "\x1b]0;pwned\x07",
        "\x00",
        "²",
        "9" * 26,
        "-1",
        "*bold* <@U1> <!channel> `x`",
        "\u202e",
        "𝟘",
        "%s%n",
        "'; DROP TABLE answers; --",
        "x" * 300,
        "set 25:99 Mars/Olympus mon-xyz",
        "join",
        "create",
    ]
    commands = []
    for _ in range(count):
        parts = [rng.choice(words)] + rng.sample(nasty, rng.randint(1, 3))
        commands.append(" ".join(parts))
    return commands


async def test_slack_generated_malformed_commands_each_get_a_reply(app, fake, harness):
    for text in malformed_commands():
        url = harness.new_response_url()
        status, _ = await harness.slash(text, user_id="U9", response_url=url)
        assert status == 200, text
        rid = url.rsplit("/", 1)[1]
        await fake.wait_for_response_post(lambda p, rid=rid: p.response_id == rid, timeout=10)
    answers = (await stored_rows(app))["answers"]
    names = await column(app, "SELECT name FROM study_groups")
    assert answers == 0
    assert not any("\x1b" in n or "\x00" in n for n in names)


# -- Discord ----------------------------------------------------------------------------------


@pytest.fixture
async def discord_fake():
    async with FakeDiscord() as server:
        yield server


def make_bot(app) -> QuizBot:
    return QuizBot(app, guild_ready_timeout=0, chunk_guilds_at_startup=False)


FORGED = [
    "quiz:answer:abc:x",
    "quiz:answer:1:10",
    "quiz:answer:-1:0",
    "quiz:answer:1:1:extra",
    "quiz:answer:12345678901234567890123456:0",
    "quiz:answer:²:0",
]


@pytest.mark.parametrize("custom_id", FORGED)
async def test_discord_forged_button_gets_an_ephemeral_reply(discord_fake, app, custom_id):
    fake = discord_fake
    async with fake.run(make_bot(app)):
        payload = fake.component_click(custom_id)
        await fake.dispatch("INTERACTION_CREATE", payload)
        reply = await fake.wait_for_reply(payload)
    data = reply.json["data"]
    assert data["flags"] & 64  # ephemeral
    assert "That button is no longer a quiz answer" in json.dumps(data, ensure_ascii=False)
    assert (await stored_rows(app))["answers"] == 0


async def test_discord_real_button_still_answers(discord_fake, app):
    fake = discord_fake
    async with fake.run(make_bot(app)):
        ask = fake.slash_command("quiz", "question")
        await fake.dispatch("INTERACTION_CREATE", ask)
        asked = await fake.wait_for_reply(ask)
        ids = custom_ids(asked.json["data"]["components"])
        click = fake.component_click(ids[0], fake.original_response(ask))
        await fake.dispatch("INTERACTION_CREATE", click)
        await fake.wait_for_reply(click)
    assert (await stored_rows(app))["answers"] == 1


# -- control characters and escapes -------------------------------------------------------------


def test_actor_display_names_are_cleaned_where_actors_are_built():
    from bot.kernel.identity import Actor

    hostile = Actor("console", "eve", "\x1b]0;pwned\x07 Eve\u202e\x00 \n  the\tgreat")
    assert hostile.display_name == "]0;pwned Eve the great"
    assert Actor("slack", "U1", "\x1b\x07").display_name == "U1"  # nothing left: the id


async def test_escape_sequences_in_a_name_never_reach_the_store_or_the_board(app, fake, harness):
    value, blocks = await _question(harness, fake)
    url = harness.new_response_url()
    await harness.click(
        "quiz_answer_0",
        value,
        user_id="U7",
        response_url=url,
        message_blocks=blocks,
        user={"id": "U7", "username": "\x1b]0;pwned\x07mallory\x1b[2J", "team_id": "T123"},
    )
    await fake.wait_for_response_post(lambda p: p.response_id == url.rsplit("/", 1)[1])
    name = (await stats_of(app, "slack:U7", "T123")).display_name  # the name stored for U7
    assert name == "]0;pwnedmallory[2J" and "\x1b" not in name
    board_url = harness.new_response_url()
    await harness.slash("leaderboard", user_id="U7", response_url=board_url)
    board = await fake.wait_for_response_post(
        lambda p: p.response_id == board_url.rsplit("/", 1)[1]
    )
    assert "\x1b" not in json.dumps(board.body, ensure_ascii=False)


def test_demo_output_from_the_child_loses_its_escape_bytes():
    from bot.demos.payload import parse_payload

    raw = json.dumps(
        {
            "measurements": [["\x1b[31mred\x1b[0m", "1 ms\x07"]],
            "lesson": "\x1b]0;title\x07lesson",
            "details": "line\n\x1b[2Jmore",
        }
    ).encode()
    measurements, lesson, details, _chart = parse_payload(raw)
    shown = [measurements[0].label, measurements[0].value, lesson, details]
    assert not any("\x1b" in s or "\x07" in s for s in shown)
    assert shown == ["[31mred[0m", "1 ms", "]0;titlelesson", "line\n[2Jmore"]


async def test_created_group_name_is_escaped_for_discord_markdown():
    from adapters.discord_bot.render import render as render_discord
    from bot.features.groups import StudyGroup

    [message] = render_discord(StudyGroup("*night* __owls__", 0, created=True))
    assert "\\*night\\* \\_\\_owls\\_\\_" in message.content


@pytest.mark.parametrize("text", malformed_commands(seed=7, count=24))
async def test_discord_generated_malformed_options_each_get_a_reply(discord_fake, app, text):
    fake = discord_fake
    admin = discord.Permissions(manage_guild=True, view_channel=True, send_messages=True)
    calls = [
        ("card", {"topic": text}, None, None),
        ("create", {"name": text}, "group", admin),
        ("timezone", {"zone": text}, None, admin),
        ("leaderboard", {"topic": text}, None, None),
    ]
    async with fake.run(make_bot(app)):
        for command, options, group, permissions in calls:
            payload = fake.slash_command(
                "quiz", command, options=options, group=group, permissions=permissions
            )
            await fake.dispatch("INTERACTION_CREATE", payload)
            reply = await fake.wait_for_reply(payload)
            assert reply.json["type"] == 4, text
    assert (await stored_rows(app))["answers"] == 0
    names = await column(app, "SELECT name FROM study_groups")
    assert not any("\x1b" in n or "\x00" in n for n in names)


async def test_generated_malformed_commands_through_the_router(app):
    from bot.kernel.identity import Actor

    actor = Actor("slack", "U9", "eve", "T1", "C1", is_admin=True)
    for text in malformed_commands(seed=21, count=200):
        reply = await app.handle_text(actor, text)
        assert reply is not None, text
    assert (await stored_rows(app))["answers"] == 0


async def test_generated_malformed_commands_through_the_console(app):
    """The console's entry point (``handle_line``, what each typed or piped line goes to): the
    same mix as a console command (``/card …``, ``/as …``) and after ``/quiz``. One reply each,
    never a failure inside the core, nothing stored, no control character printed."""
    import io

    from rich.console import Console

    from adapters.console import ConsoleSession

    output = io.StringIO()
    session = ConsoleSession(app, Console(file=output, width=100), "eve")
    for text in malformed_commands(seed=21, count=100):
        for line in (f"/{text}", f"/quiz {text}"):
            before = len(output.getvalue())
            assert await session.handle_line(line) is True, line  # the session goes on
            assert output.getvalue()[before:].strip(), f"no reply to {line!r}"
    shown = output.getvalue()
    assert "That failed inside quizbot" not in shown
    assert not any(c in shown for c in "\x1b\x00\x07\u202e")
    assert (await stored_rows(app))["answers"] == 0
    names = await column(app, "SELECT name FROM study_groups")
    users = await column(app, "SELECT display_name FROM users")
    assert not any("\x1b" in n or "\x00" in n for n in names + users)


async def test_slack_home_during_a_storage_fault_publishes_nothing(app, fake, harness):
    async with table_gone(app, "scores"):
        # reads go through the reader connection, which sees it gone: stats fail to load
        status, _ = await harness.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
        assert status == 200
        await harness.drain()
    assert fake.calls_to("views.publish") == []


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("Ada Lovelace", "Ada Lovelace"),  # printable: returned as it is
        ("Zoë 李 🎉", "Zoë 李 🎉"),
        ("\x1b]0;pwned\x07Ada", "]0;pwnedAda"),  # Cc
        ("Ada\u202eevil", "Adaevil"),  # Cf: a bidi override
        ("Ada\ue000", "Ada"),  # Co: private use
        ("Ada\ufffd", "Ada"),  # what bad bytes decode to
        ("Ada\n\tLovelace", "Ada Lovelace"),  # line breaks fold to one line
    ],
)
def test_display_names_lose_control_and_invisible_characters(raw, clean):
    from bot.kernel.text import clean_display_name

    assert clean_display_name(raw) == clean

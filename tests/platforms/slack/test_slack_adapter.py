"""The Slack adapter, driven like Slack drives it: signed HTTP requests into the real Bolt app,
the Web API and response_urls answered by FakeSlackAPI, all on 127.0.0.1, on a real SQLite file
and on a PostgreSQL schema."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import aiohttp
import pytest
import yaml
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.logs import RedactSecrets
from adapters.platform import NoRenderer
from adapters.slack_bot import (
    HttpRunner,
    SlackAdapter,
    SlackSettings,
    SocketModeRunner,
    build_runner,
    load_settings,
)
from adapters.slack_bot.render import (
    MAX_MESSAGES,
    SlackMessage,
    code_sections,
    escape,
    paginate,
    render,
    render_result,
    sections,
)
from adapters.slack_bot.runner import configure_logging
from bot.config import ConfigError
from bot.content import Card, Misconception, Question, Section, Table
from bot.demos.requests import RunDemo
from bot.features.daily.requests import SetDailySchedule, ShowDailySchedule, StopDailySchedule
from bot.features.daily.store import DAILY_POST
from bot.features.groups.requests import ListGroups
from bot.features.groups.results import GroupList
from bot.features.quiz import CardPart, CardView
from bot.features.quiz import store as quiz_store
from bot.features.quiz.requests import ListTopics
from bot.features.quiz.results import choice_order
from bot.kernel.identity import Actor
from bot.kernel.results import Notice
from tests.conftest import ROOT
from tests.fakes.slack_api import BoltHarness, FakeSlackAPI, FakeSocketModeServer
from tests.outages import read_only_writer
from tests.recorded import NO_SCORE, Score, answer_counts, first_right, score_of
from tests.slack_fixtures import BOT_TOKEN, SECRET
from tests.waiting import eventually, eventually_read

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def fake():
    async with FakeSlackAPI() as f:
        yield f


def make_settings(**overrides) -> SlackSettings:
    return SlackSettings(bot_token=BOT_TOKEN, signing_secret=SECRET, **overrides)


class Ticker:
    """A hand-moved monotonic clock for the admin cache."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
async def adapter(app, fake, ticker):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    adapter = SlackAdapter(app, make_settings(), client=client, monotonic=ticker)
    yield adapter
    await adapter.close()


# -- helpers --------------------------------------------------------------------------------


def buttons(blocks: list[dict]) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def block_text(blocks: list[dict]) -> str:
    parts = []
    for b in blocks:
        if "text" in b:
            parts.append(b["text"]["text"])
        parts += [f["text"] for f in b.get("fields", [])]
        for element in b.get("elements", []):  # context texts, button labels, checkboxes
            text = element.get("text")
            parts.append(text["text"] if isinstance(text, dict) else text or "")
            parts += [o["text"]["text"] for o in element.get("options", [])]
    return "\n".join(parts)


async def post_question(app, post_id: int) -> Question:
    """The question a post asks, read through the quiz's store (either backend)."""
    post = await app.db.read(quiz_store.get_post, post_id)
    return app.pack.question(post.question_id)


async def ask(harness, fake, text: str = "", user: str = "U1", channel: str = "C1"):
    mark = len(fake.api_calls)
    status, body = await harness.slash(
        text, user_id=user, user_name=user.lower(), channel_id=channel
    )
    assert (status, body) == (200, "")
    return await fake.wait_for_call("chat.postMessage", since=mark)


async def click(harness, fake, blocks, choice: int, user: str = "U2", channel: str = "C1"):
    """Click the button for the content's ``choice`` (buttons are shown shuffled; each carries
    the content's index) as ``user``; returns the body of the ephemeral reply."""
    button = next(b for b in buttons(blocks) if b["value"].endswith(f":{choice}"))
    url = harness.new_response_url()
    status, body = await harness.click(
        button["action_id"],
        button["value"],
        user_id=user,
        channel_id=channel,
        message_blocks=blocks,
        response_url=url,
    )
    assert (status, body) == (200, "")
    rid = url.rsplit("/", 1)[1]
    post = await fake.wait_for_response_post(lambda p: p.response_id == rid)
    return post.body


async def command_replies(harness, fake, text: str, user: str = "U1") -> list[dict]:
    """Every reply a slash command sent through its response_url."""
    url = harness.new_response_url()
    status, _ = await harness.slash(text, user_id=user, response_url=url)
    assert status == 200
    rid = url.rsplit("/", 1)[1]
    await fake.wait_for_response_post(lambda p: p.response_id == rid)
    await harness.drain()
    return [p.body for p in fake.response_posts if p.response_id == rid]


def assert_block_kit_limits(message: dict) -> None:
    blocks = message["blocks"]
    assert 1 <= len(blocks) <= 50
    assert 0 < len(message["text"]) <= 40_000
    action_ids = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            assert block["text"]["type"] == "plain_text"
            assert 0 < len(block["text"]["text"]) <= 150
        elif kind == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(0 < len(f["text"]) <= 2000 for f in block.get("fields", []))
        elif kind == "context":
            assert 1 <= len(block["elements"]) <= 10
            assert all(len(e["text"]) <= 3000 for e in block["elements"])
        elif kind == "actions":
            assert 1 <= len(block["elements"]) <= 25
            for button in block["elements"]:
                assert 0 < len(button["text"]["text"]) <= 75
                assert len(button["value"]) <= 2000
                action_ids.append(button["action_id"])
        elif kind == "image":
            assert 0 < len(block["alt_text"]) <= 2000
            assert "slack_file" in block and "image_url" not in block
        else:
            assert kind == "divider", kind
    assert len(action_ids) == len(set(action_ids))


# -- questions and answers --------------------------------------------------------------------


async def test_quiz_posts_question_with_one_button_per_choice(app, fake, harness):
    call = await ask(harness, fake, channel="C9")
    assert call.params["channel"] == "C9"
    blocks = call.params["blocks"]
    assert_block_kit_limits({"blocks": blocks, "text": call.params["text"]})
    post_id = int(buttons(blocks)[0]["value"].split(":")[0])
    question = await post_question(app, post_id)
    assert question.prompt in block_text(blocks)
    # one button per choice in the post's shuffled order, each carrying the content's index
    order = choice_order(post_id, question.id, len(question.choices), question.keep_order)
    assert [b["value"] for b in buttons(blocks)] == [f"{post_id}:{i}" for i in order]
    assert [b["action_id"] for b in buttons(blocks)] == [
        f"quiz_answer_{i}" for i in range(len(question.choices))
    ]
    for letter, index, button in zip("ABCDEF", order, buttons(blocks), strict=False):
        choice = question.choices[index]
        assert f"*{letter})* {choice}" in block_text(blocks)  # full text, even if the label clips
        assert button["text"]["text"].startswith(f"{letter}) ")
    # nothing else was said: the question is the only reply
    assert fake.response_posts == []
    # where the message is, for follow-ups (the fake numbers its ts from 1700000001.000100);
    # recorded once Slack has answered the post, so it may land just after the call is seen
    post = await eventually_read(
        lambda: app.db.read(quiz_store.get_post, post_id),
        lambda post: post.message_ref is not None,
        "the post's message_ref",
    )
    assert post.channel_key == "slack:T123:C9"
    assert post.message_ref == "C9:1700000001.000100"


async def test_quiz_topic_asks_about_that_topic(app, fake, harness):
    call = await ask(harness, fake, text="locks-and-synchronization")
    post_id = int(buttons(call.params["blocks"])[0]["value"].split(":")[0])
    assert (await post_question(app, post_id)).topic_id == "locks-and-synchronization"


async def test_right_and_wrong_clicks_answer_ephemerally_with_the_why(app, fake, harness):
    call = await ask(harness, fake)
    blocks = call.params["blocks"]
    post_id = int(buttons(blocks)[0]["value"].split(":")[0])
    question = await post_question(app, post_id)
    right = question.correct_index
    wrong = (right + 1) % len(question.choices)

    reply = await click(harness, fake, blocks, right, user="U2")
    assert reply["response_type"] == "ephemeral"
    assert reply["replace_original"] is False
    text = block_text(reply["blocks"])
    assert "✅" in text and question.why in text and question.answer in text
    assert "+10 points" in text

    reply = await click(harness, fake, blocks, wrong, user="U3")
    assert reply["response_type"] == "ephemeral"
    text = block_text(reply["blocks"])
    assert "❌" in text and question.why in text
    shown = choice_order(post_id, question.id, len(question.choices), question.keep_order)
    assert f"The answer is {'ABCDEF'[shown.index(right)]}) {question.answer}" in text

    assert await answer_counts(app, post_id) == {right: 1, wrong: 1}
    assert await first_right(app, post_id) == "slack:U2"
    assert await score_of(app, "slack:U2", "T123") == Score(points=10, answered=1, correct=1)
    assert await score_of(app, "slack:U3", "T123") == Score(points=0, answered=1, correct=0)
    # answers go only to the clicker: no public message besides the question itself
    assert len(fake.calls_to("chat.postMessage")) == 1


async def test_double_click_says_already_answered_and_keeps_one_row(app, fake, harness):
    call = await ask(harness, fake)
    blocks = call.params["blocks"]
    post_id = int(buttons(blocks)[0]["value"].split(":")[0])
    question = await post_question(app, post_id)
    first = (question.correct_index + 1) % len(question.choices)

    await click(harness, fake, blocks, first, user="U2")
    reply = await click(harness, fake, blocks, question.correct_index, user="U2")
    text = block_text(reply["blocks"])
    letter = "ABCDEF"[first]
    assert f"You already answered: {letter}) {question.choices[first]}" in text
    assert await answer_counts(app, post_id) == {first: 1}
    assert await score_of(app, "slack:U2", "T123") == Score(points=0, answered=1, correct=0)


async def test_click_is_acknowledged_before_the_answer_is_worked_out(app, fake, harness):
    call = await ask(harness, fake)
    blocks = call.params["blocks"]
    gate = asyncio.Event()
    original = app.dispatch

    async def slow_dispatch(actor, request):
        await gate.wait()  # the core is "slow": Slack must have had its ack already
        return await original(actor, request)

    app.dispatch = slow_dispatch
    button = buttons(blocks)[0]
    post_id = int(button["value"].split(":")[0])
    # the click's HTTP response comes back while the core is still held at the gate: the ack
    # did not wait for the answer (a wall-clock bound here only failed on a loaded machine)
    status, body = await harness.click(button["action_id"], button["value"], user_id="U2")
    assert (status, body) == (200, "")
    assert fake.response_posts == [] and await answer_counts(app, post_id) == {}

    gate.set()
    reply = await fake.wait_for_response_post()
    assert reply.body["response_type"] == "ephemeral"
    assert sum((await answer_counts(app, post_id)).values()) == 1


async def test_replies_wait_for_a_slot_in_the_order_they_came(app, fake):
    """With every reply slot taken, a reply waits its turn: one that came earlier is posted
    earlier, also while new ones keep coming as slots free. (aiohttp's connection limit, the
    bound before, let a newcomer take a freed connection ahead of the longest waiter, again
    and again: at 1,000 clicks in flight, replies went out up to 774 places out of order.)"""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    adapter = SlackAdapter(app, make_settings(), client=client, reply_connections=1)
    replies = []
    try:
        for i in range(40):
            respond = AsyncRespond(response_url=fake.response_url(f"r{i}"))
            reply = adapter.respond_to(respond, response_type="ephemeral", text=f"reply {i}")
            replies.append(asyncio.create_task(reply))
            await asyncio.sleep(0)  # the next one comes a loop turn later, as clicks do
        await asyncio.gather(*replies)
    finally:
        await adapter.close()
    assert [p.response_id for p in fake.response_posts] == [f"r{i}" for i in range(40)]
    assert [p.body["text"] for p in fake.response_posts] == [f"reply {i}" for i in range(40)]


async def test_at_most_reply_connections_replies_are_posted_at_once(app, fake):
    """Each reply in flight holds a connection (a descriptor): a burst of more clicks than
    the bound posts that many at once, the rest as slots free; every one arrives."""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    adapter = SlackAdapter(app, make_settings(), client=client, reply_connections=3)
    fake.response_gate = asyncio.Event()  # Slack holds the first replies
    try:
        replies = [
            asyncio.create_task(
                adapter.respond_to(
                    AsyncRespond(response_url=fake.response_url(f"r{i}")), text=f"reply {i}"
                )
            )
            for i in range(8)
        ]
        await eventually(lambda: len(fake.response_posts) >= 3, "three replies posted")
        fake.response_gate.set()
        await asyncio.gather(*replies)
    finally:
        await adapter.close()
    assert sorted(p.response_id for p in fake.response_posts) == sorted(f"r{i}" for i in range(8))
    assert fake.most_responses_in_flight == 3


def test_reply_connections_fit_in_the_open_files_limit():
    """The replies' connections come out of what the open-files limit leaves beside the HTTP
    server's own: at a limit of 1,024 (a common default) the 100 of before, within the
    descriptors kept aside; with room, 1,000 (a burst of 1,000 clicks answered at once)."""
    probe = (
        "import resource, sys\n"
        "from adapters.http_guard import connection_room, reply_room\n"
        "_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "for soft in (1024, 20000):\n"
        "    if hard != resource.RLIM_INFINITY and soft > hard:\n"
        "        print(soft, 'skipped'); continue\n"
        "    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))\n"
        "    print(soft, connection_room(), reply_room())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "1024 768 100"  # 768 + the 256 kept aside (the 100 among them) = 1,024
    assert out[1] in ("20000 2048 1000", "20000 skipped")


async def test_click_on_a_question_from_another_workspace_is_refused(app, fake, harness):
    call = await ask(harness, fake)
    button = buttons(call.params["blocks"])[0]
    url = harness.new_response_url()
    await harness.click(
        button["action_id"], button["value"], user_id="U2", team_id="TOTHER", response_url=url
    )
    reply = await fake.wait_for_response_post()
    assert "not available" in block_text(reply.body["blocks"])
    assert await answer_counts(app, int(button["value"].split(":")[0])) == {}
    assert await score_of(app, "slack:U2", "TOTHER") == NO_SCORE


async def test_broken_button_value_is_answered_not_crashed(app, fake, harness):
    await harness.click("quiz_answer_0", "nonsense", user_id="U2")
    reply = await fake.wait_for_response_post()
    assert reply.body["response_type"] == "ephemeral"
    assert "not a quiz answer" in block_text(reply.body["blocks"])


async def test_bot_not_in_channel_posts_question_through_response_url(app, fake, harness):
    fake.fail("chat.postMessage", "not_in_channel")
    await harness.slash("", user_id="U1", channel_id="CPRIVATE")
    post = await fake.wait_for_response_post()
    assert post.body["response_type"] == "in_channel"
    assert buttons(post.body["blocks"])


# -- request verification ---------------------------------------------------------------------


def _click_body(post_id: int, choice: int) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": "UEVIL", "username": "evil", "team_id": "T123"},
        "team": {"id": "T123", "domain": "quiz-team"},
        "channel": {"id": "C1", "name": "general"},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "C1"},
        "api_app_id": "A123",
        "trigger_id": "1.trigger",
        "response_url": "http://127.0.0.1:9/response/x",
        "actions": [
            {
                "type": "button",
                "action_id": f"quiz_answer_{choice}",
                "block_id": "b",
                "value": f"{post_id}:{choice}",
                "action_ts": "1.1",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


@pytest.mark.parametrize("kind", ["forged", "missing", "stale", "tampered"])
async def test_unverified_requests_get_401_and_change_nothing(app, fake, harness, kind):
    call = await ask(harness, fake)
    post_id = int(buttons(call.params["blocks"])[0]["value"].split(":")[0])
    fake.reset()
    body = _click_body(post_id, 0)
    if kind == "forged":
        headers = BoltHarness(harness.app, signing_secret="not-the-secret").sign(body)
    elif kind == "missing":
        headers = {}
    elif kind == "stale":
        headers = harness.sign(body, timestamp=int(time.time()) - 6 * 60)
    else:  # signed for one body, sent with another
        headers = harness.sign(_click_body(post_id, 1))
    status, reply = await harness.post(body, {"Content-Type": FORM, **headers})
    assert status == 401
    await harness.drain()
    assert fake.api_calls == [] and fake.response_posts == []
    assert await answer_counts(app, post_id) == {}
    assert await score_of(app, "slack:UEVIL", "T123") == NO_SCORE

    # and a forged slash command posts nothing either
    slash = urlencode(
        {"command": "/quiz", "text": "", "user_id": "U1", "team_id": "T123", "channel_id": "C1"}
    )
    forged = BoltHarness(harness.app, signing_secret="nope").sign(slash)
    status, _ = await harness.post(slash, {"Content-Type": FORM, **forged})
    assert status == 401
    assert fake.api_calls == []


# -- other commands: ephemeral --------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("help", "/quiz card <topic>"),
        ("nonsense", "Unknown command 'nonsense'"),
        ("stats", "Points"),
        ("leaderboard", "No answers yet"),
        ("leaderboard channel week", "This channel — this week"),
        ("topics", "processes-vs-threads"),
        ("card", "Which card?"),
        ("card no-such-thing", "Unknown topic"),
    ],
)
async def test_other_commands_reply_ephemerally(fake, harness, text, expected):
    replies = await command_replies(harness, fake, text)
    assert len(replies) == 1
    assert replies[0]["response_type"] == "ephemeral"
    assert_block_kit_limits(replies[0])
    assert expected.replace("<", "&lt;").replace(">", "&gt;") in block_text(replies[0]["blocks"])
    assert fake.calls_to("chat.postMessage") == []


async def test_unknown_subcommand_gets_one_line_not_the_whole_help(fake, harness):
    (reply,) = await command_replies(harness, fake, "frobnicate now")
    text = block_text(reply["blocks"])
    assert reply["response_type"] == "ephemeral"
    assert text == "⚠️ Unknown command 'frobnicate'. (/quiz help lists them all)"
    (close,) = await command_replies(harness, fake, "stat")
    assert "Unknown command 'stat' — did you mean 'stats'?" in block_text(close["blocks"])
    (everything,) = await command_replies(harness, fake, "help")
    for usage in ("question [topic]", "card &lt;topic&gt;", "leaderboard", "stats", "help"):
        assert f"/quiz {usage}" in block_text(everything["blocks"])


@pytest.mark.parametrize(
    "card_id", ["processes-vs-threads", "interprocess-communication", "locks-and-synchronization"]
)
async def test_shipped_cards_render_within_block_kit_limits(app, fake, harness, card_id):
    replies = await command_replies(harness, fake, f"card {card_id} full")
    card = app.pack.card(card_id)
    assert 1 <= len(replies) <= MAX_MESSAGES
    for reply in replies:
        assert reply["response_type"] == "ephemeral"
        assert_block_kit_limits(reply)
    blocks = [b for r in replies for b in r["blocks"]]
    text = block_text(blocks)
    for section in card.sections:
        assert section.heading.replace("&", "&amp;") in text
    for point in card.recap:
        assert point.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in text
    assert "Side by side" in text and "```" in text
    for cell in card.table.rows[0]:
        assert cell in text
    if card.diagram:
        first_line = card.diagram.splitlines()[0]
        assert first_line in text
    if card.misconceptions:
        assert "Common misconceptions" in text


async def test_card_part_buttons_answer_ephemerally(app, fake, harness):
    (short,) = await command_replies(harness, fake, "card processes vs threads")
    recap = next(b for b in buttons(short["blocks"]) if b["value"].endswith(":recap"))
    url = harness.new_response_url()
    status, body = await harness.click(
        recap["action_id"], recap["value"], user_id="U2", channel_id="C1", response_url=url
    )
    assert (status, body) == (200, "")
    rid = url.rsplit("/", 1)[1]
    reply = (await fake.wait_for_response_post(lambda p: p.response_id == rid)).body
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    text = block_text(reply["blocks"])
    assert all(escape(point) in text for point in app.pack.card("processes-vs-threads").recap)


def huge_card() -> Card:
    long = "All work and no play makes a long lesson. " * 40  # ~1,700 characters
    return Card(
        id="huge",
        title="An enormous card whose title is far too long for a Slack header " * 5,
        track="huge",
        summary=long * 3,
        sections=tuple(
            Section(heading=f"Section {i}", points=tuple(f"{i}.{j} {long}" for j in range(4)))
            for i in range(60)
        ),
        recap=tuple(long for _ in range(20)),
        table=Table(
            columns=("Aspect", "Left", "Right"),
            rows=tuple((f"row {i}", long[:300], long[:300]) for i in range(50)),
        ),
        misconceptions=tuple(Misconception(claim=long, truth=long) for _ in range(10)),
        diagram="\n".join("|" + "=" * 100 + f"| {i}" for i in range(300)),
        diagram_caption="a caption",
        demos=tuple(f"demo{i}" for i in range(30)),
    )


def test_huge_card_is_split_and_trimmed_cleanly():
    messages = render(CardView(huge_card(), CardPart.FULL))
    assert len(messages) == MAX_MESSAGES
    for n, message in enumerate(messages, 1):
        assert not message.public
        assert message.text.endswith(f"({n}/{MAX_MESSAGES})")
        assert_block_kit_limits({"text": message.text, "blocks": message.blocks})
    assert messages[0].blocks[0]["type"] == "header"
    assert messages[0].blocks[0]["text"]["text"].endswith("…")
    assert "Trimmed" in block_text(messages[-1].blocks[-1:])


def test_long_text_splits_at_line_ends_and_code_stays_fenced():
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(100))  # ~10k characters
    blocks = sections(text)
    assert len(blocks) == 4
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)
    assert "\n".join(b["text"]["text"] for b in blocks) == text

    diagram = huge_card().diagram
    code = [b["text"]["text"] for b in code_sections(diagram)]
    assert len(code) == 11
    assert all(len(c) <= 3000 and c.startswith("```\n") and c.endswith("\n```") for c in code)
    assert "\n".join(c[4:-4] for c in code) == diagram


def test_medium_output_becomes_numbered_messages():
    blocks = [b for _ in range(60) for b in sections("a line")]
    messages = paginate(blocks, fallback="Many")
    assert [m.text for m in messages] == ["Many (1/2)", "Many (2/2)"]
    assert [len(m.blocks) for m in messages] == [50, 10]


@dataclass(frozen=True)
class FutureResult:
    """A result type from another branch, with the optional render_text protocol."""

    measured: int

    def render_text(self) -> str:
        return f"measured {self.measured} <things>"


@dataclass(frozen=True)
class BareResult:
    value: int


def test_a_result_type_without_a_renderer_is_refused_not_shown_as_text():
    with pytest.raises(NoRenderer, match="Slack has no renderer for BareResult"):
        render(BareResult(7))
    (message,) = render(None)
    assert message.text == "Done."


@render_result.register
def _future(result: FutureResult) -> list[SlackMessage]:
    """How a new result type reaches Slack: one renderer, registered."""
    text = result.render_text()
    return paginate(sections(escape(text)), fallback=text)


async def test_new_core_results_reach_slack_through_the_dispatcher(app, fake, harness):
    async def measure(actor, request):
        return FutureResult(len(request.name.split()))

    app.dispatcher.register(RunDemo, measure, replace=True)
    (reply,) = await command_replies(harness, fake, "demo spawn")
    assert reply["response_type"] == "ephemeral"
    assert block_text(reply["blocks"]) == "measured 1 &lt;things&gt;"


# -- admins ---------------------------------------------------------------------------------


@pytest.fixture
def daily_echo(app):
    """Stands in for the daily-schedule feature: reports what the adapter said about admin."""

    async def daily(actor, request):
        return Notice(f"is_admin={actor.is_admin}")

    for request_type in (SetDailySchedule, StopDailySchedule, ShowDailySchedule):
        app.dispatcher.register(request_type, daily, replace=True)


async def test_admin_flag_comes_from_users_info_and_is_cached(fake, harness, daily_echo, ticker):
    fake.set_user("UADMIN", is_admin=True)
    fake.set_user("UOWNER", is_owner=True)
    # a non-admin never reaches the handler: the dispatcher refuses with the request's words
    refused = "⚠️ Only admins can change the daily question."
    admin = "is_admin=True"
    for user, expected in (("UADMIN", admin), ("UOWNER", admin), ("UPLEB", refused)):
        (reply,) = await command_replies(harness, fake, "daily 09:00 Europe/Berlin mon-fri", user)
        assert block_text(reply["blocks"]) == expected, user
    assert [c.params["user"] for c in fake.calls_to("users.info")] == ["UADMIN", "UOWNER", "UPLEB"]

    # cached for a few minutes, then asked again
    await command_replies(harness, fake, "daily off", "UADMIN")
    assert len(fake.calls_to("users.info")) == 3
    ticker.now += 301
    await command_replies(harness, fake, "daily off", "UADMIN")
    assert len(fake.calls_to("users.info")) == 4


async def test_commands_that_need_no_admin_do_not_look_users_up(fake, harness, daily_echo):
    fake.set_user("UADMIN", is_admin=True)
    await ask(harness, fake, user="UADMIN")
    for text in ("stats", "leaderboard", "daily show", "daily", "help"):
        await command_replies(harness, fake, text, "UADMIN")
    assert fake.calls_to("users.info") == []
    (reply,) = await command_replies(harness, fake, "daily show", "UADMIN")
    assert block_text(reply["blocks"]) == "is_admin=False"  # the core decides what show needs


async def test_configured_admins_need_no_lookup(app, fake, daily_echo):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    adapter = SlackAdapter(app, make_settings(admins=frozenset({"UBOSS"})), client=client)
    async with BoltHarness(adapter.bolt, signing_secret=SECRET, fake=fake) as h:
        (reply,) = await command_replies(h, fake, "daily off", "UBOSS")
    assert block_text(reply["blocks"]) == "is_admin=True"
    assert fake.calls_to("users.info") == []


async def test_users_info_failure_means_not_admin(fake, harness, daily_echo, caplog):
    fake.fail("users.info", "missing_scope")
    (reply,) = await command_replies(harness, fake, "daily off", "U1")
    assert block_text(reply["blocks"]) == "⚠️ Only admins can change the daily question."
    assert any("missing_scope" in r.getMessage() for r in caplog.records)


# -- App Home ---------------------------------------------------------------------------------


async def test_app_home_publishes_stats_streak_and_leaderboard(app, fake, harness):
    alice = Actor("slack", "U1", "alice", "T123", "C1")
    bob = Actor("slack", "U2", "bob", "T123", "C1")
    outsider = Actor("slack", "U9", "mallory", "TOTHER", "C1")
    for actor, right in ((alice, True), (bob, False), (outsider, True)):
        view = await app.quiz.ask_question(actor)
        question = app.pack.question(view.question_id)
        choice = question.correct_index if right else (question.correct_index + 1) % 2
        await app.quiz.answer(actor, view.post_id, choice)

    status, _ = await harness.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    assert status == 200
    call = await fake.wait_for_call("views.publish")
    assert call.params["user_id"] == "U1"
    view = call.params["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    text = block_text(view["blocks"])
    assert "*Your stats*" in text
    assert "*Points*\n10" in text and "*Correct*\n1 (100%)" in text
    assert "*Day streak*\n1 (best 1)" in text
    assert "This server — all time" in text
    assert "🥇 *alice* (you) — 10 points" in text and "🥈 bob — 0 points" in text
    assert "mallory" not in text  # another workspace's leaderboard


async def test_app_home_messages_tab_is_ignored(fake, harness):
    await harness.event({"type": "app_home_opened", "user": "U1", "tab": "messages"})
    await harness.drain()
    assert fake.calls_to("views.publish") == []


# -- running: settings, modes, CLI ------------------------------------------------------------


def _quizbot(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "bot", "slack", "--db", str(tmp_path / "q.db")],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no .env here
        env=clean,
        timeout=60,
    )


@pytest.mark.parametrize(
    "env, missing",
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-secret-value"}, "SLACK_SIGNING_SECRET"),
    ],
)
def test_missing_setting_is_one_line_naming_it(tmp_path, env, missing):
    result = _quizbot(tmp_path, **env)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"quizbot: {missing} is not set")
    assert "secret-value" not in result.stderr + result.stdout
    assert not (tmp_path / "q.db").exists()  # nothing touched before the settings are complete


def test_malformed_token_is_one_line_without_the_value(tmp_path):
    result = _quizbot(tmp_path, SLACK_BOT_TOKEN="xoxp-user-token-9", SLACK_SIGNING_SECRET="s")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "quizbot: SLACK_BOT_TOKEN should be a bot token starting with xoxb-"
    ]


def test_settings_modes(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nQUIZBOT_SLACK_ADMINS=U1, U2,,\n")
    with pytest.raises(ConfigError, match="^SLACK_SIGNING_SECRET is not set"):
        load_settings(env_file=env_file)

    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-socket")
    socket = load_settings(env_file=env_file)
    assert socket.mode == "socket" and socket.signing_secret is None
    assert socket.bot_token == "xoxb-from-file" and socket.admins == {"U1", "U2"}

    monkeypatch.delenv("SLACK_APP_TOKEN")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "sig-very-secret")
    http = load_settings(port=4000, env_file=env_file)
    assert (http.mode, http.port, http.path) == ("http", 4000, "/slack/events")
    shown = repr(http) + str(http)
    assert "xoxb-from-file" not in shown and "sig-very-secret" not in shown

    monkeypatch.setenv("SLACK_APP_TOKEN", "xoxb-wrong-kind")
    with pytest.raises(ConfigError, match="^SLACK_APP_TOKEN should be an app-level token"):
        load_settings(env_file=env_file)


async def test_app_token_selects_socket_mode_without_connecting(app, fake, adapter):
    runner = build_runner(make_settings(app_token="xapp-1-test"), adapter.bolt)
    assert isinstance(runner, SocketModeRunner) and runner.mode == "socket"
    assert "xapp-1-test" not in repr(runner)
    handler = runner.handler()
    try:
        assert isinstance(handler, AsyncSocketModeHandler)
        assert handler.app is adapter.bolt and handler.app_token == "xapp-1-test"
        assert handler.client.web_client is adapter.bolt.client
        assert not await handler.client.is_connected()
    finally:
        await handler.close_async()
    assert fake.api_calls == []  # no apps.connections.open: nothing left loopback, nothing opened


async def test_socket_mode_requests_reach_the_same_listeners(app, fake, adapter):
    """Socket Mode envelopes carry no signature; Bolt dispatches them to the same code."""
    request = SocketModeRequest(
        type="slash_commands",
        envelope_id="env-1",
        payload={
            "command": "/quiz",
            "text": "",
            "user_id": "U1",
            "user_name": "alice",
            "team_id": "T123",
            "channel_id": "C3",
            "response_url": fake.response_url(),
        },
    )
    response = await run_async_bolt_app(adapter.bolt, request)
    assert response.status == 200
    call = await fake.wait_for_call("chat.postMessage")
    assert call.params["channel"] == "C3"
    button = buttons(call.params["blocks"])[0]
    click = SocketModeRequest(
        type="interactive",
        envelope_id="env-2",
        payload={
            "type": "block_actions",
            "user": {"id": "U2", "username": "bob", "team_id": "T123"},
            "team": {"id": "T123"},
            "channel": {"id": "C3"},
            "container": {"type": "message", "channel_id": "C3", "message_ts": "1.1"},
            "response_url": fake.response_url("sm-click"),
            "actions": [{**button, "block_id": "b", "action_ts": "1.1"}],
        },
    )
    response = await run_async_bolt_app(adapter.bolt, click)
    assert response.status == 200
    reply = await fake.wait_for_response_post(lambda p: p.response_id == "sm-click")
    assert reply.body["response_type"] == "ephemeral"
    post_id, choice = map(int, button["value"].split(":"))
    assert await answer_counts(app, post_id) == {choice: 1}
    assert (await score_of(app, "slack:U2", "T123")).answered == 1


async def test_http_mode_serves_signed_requests_on_slack_events(app, fake, adapter):
    runner = build_runner(make_settings(host="127.0.0.1", port=0), adapter.bolt)
    assert isinstance(runner, HttpRunner) and runner.mode == "http"
    await runner.start()
    try:
        assert runner.port != 0 and runner.url.endswith("/slack/events")
        signer = BoltHarness(adapter.bolt, signing_secret=SECRET)
        body = urlencode(
            {
                "command": "/quiz",
                "text": "help",
                "user_id": "U1",
                "team_id": "T123",
                "channel_id": "C1",
                "response_url": fake.response_url("http-help"),
            }
        )
        async with aiohttp.ClientSession(trust_env=False) as session:
            for headers, expected in (({}, 401), (signer.sign(body), 200)):
                async with session.post(
                    runner.url, data=body, headers={"Content-Type": FORM, **headers}
                ) as resp:
                    assert resp.status == expected
        reply = await fake.wait_for_response_post(lambda p: p.response_id == "http-help")
        assert reply.body["response_type"] == "ephemeral"
    finally:
        await runner.stop()


def test_logging_as_configured_redacts_secrets_in_lines_and_tracebacks():
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        configure_logging(make_settings())  # installs the filter on the root's handlers
        log = logging.getLogger("quizbot.test.redact")
        log.warning("token %s and %s", BOT_TOKEN, SECRET)
        try:
            raise RuntimeError(f"auth failed for {BOT_TOKEN}")
        except RuntimeError:
            log.exception("while calling Slack")
    finally:
        root.removeHandler(handler)
        for h in root.handlers:
            h.filters = [f for f in h.filters if not isinstance(f, RedactSecrets)]
    text = out.getvalue()
    assert "token [redacted] and [redacted]" in text
    assert "RuntimeError: auth failed for [redacted]" in text
    assert BOT_TOKEN not in text and SECRET not in text


def test_manifest_declares_command_scopes_interactivity_and_home():
    manifest = yaml.safe_load((ROOT / "adapters" / "slack_bot" / "manifest.yaml").read_text())
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == ["/quiz"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "users:read",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]
    urls = [
        features["slash_commands"][0]["url"],
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    ]
    assert all(url.endswith("/slack/events") for url in urls)


async def test_quizbot_slack_runs_end_to_end_in_http_mode(tmp_path, fake):
    """The real entry point in a child process, its Web API pointed at the fake: start-up
    checks the token, serves signed requests, stops gracefully on Ctrl-C (exit 0), and never
    prints a secret."""
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.base_url,
    }
    args = ["-m", "bot", "slack", "--host", "127.0.0.1", "--port", "0"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        "--db",
        str(tmp_path / "q.db"),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output: list[str] = []
    try:
        url = None
        async with asyncio.timeout(30):
            while url is None:
                line = (await proc.stderr.readline()).decode()
                assert line, "".join(output)  # it ended before listening
                output.append(line)
                if found := re.search(r"Slack requests on (http://\S+)", line):
                    url = found.group(1)
        assert url.startswith("http://127.0.0.1:") and url.endswith("/slack/events")
        assert [c.method for c in fake.api_calls] == ["auth.test"]

        body = urlencode(
            {
                "command": "/quiz",
                "text": "",
                "user_id": "U1",
                "user_name": "alice",
                "team_id": "T123",
                "channel_id": "C1",
                "response_url": fake.response_url("e2e"),
            }
        )
        ts = str(int(time.time()))
        signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
        headers = {
            "Content-Type": FORM,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
        }
        async with aiohttp.ClientSession(trust_env=False) as session:
            async with session.post(url, data=body, headers=headers) as resp:
                assert resp.status == 200
        call = await fake.wait_for_call("chat.postMessage", timeout=10)
        assert call.params["channel"] == "C1" and call.token == BOT_TOKEN
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            rest, _ = await asyncio.gather(proc.stderr.read(), proc.wait())
        output.append(rest.decode())
        output.append((await proc.stdout.read()).decode())
    logged = "".join(output)
    assert proc.returncode == 0, logged
    assert "SIGINT: stopping" in logged
    assert "Traceback" not in logged and " WARNING " not in logged
    assert BOT_TOKEN not in logged and SECRET not in logged


async def test_quizbot_slack_socket_mode_with_a_rejected_app_token_fails_in_one_line(
    tmp_path, fake
):
    fake.fail("apps.connections.open", "invalid_auth")
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": "xapp-1-very-secret",
        "SLACK_API_URL": fake.base_url,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot", "slack", "--db", str(tmp_path / "q.db")),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        out, err = await proc.communicate()
    logged = (out + err).decode()
    assert proc.returncode == 2, logged
    assert logged.splitlines()[-1] == "quizbot: SLACK_APP_TOKEN was rejected by Slack: invalid_auth"
    # it asked Slack for a WebSocket URL with the app token, after checking the bot token
    assert [c.method for c in fake.api_calls] == ["auth.test", "apps.connections.open"]
    assert fake.calls_to("apps.connections.open")[0].token == "xapp-1-very-secret"
    assert "Traceback" not in logged
    assert "xapp-1-very-secret" not in logged and BOT_TOKEN not in logged


async def test_socket_mode_runner_serves_envelopes_over_a_websocket(app, fake, adapter):
    server = FakeSocketModeServer()
    ws_url = await server.start()
    fake.set_response("apps.connections.open", {"ok": True, "url": ws_url})
    runner = build_runner(make_settings(app_token="xapp-1-test"), adapter.bolt)
    serving = asyncio.create_task(runner.serve())
    try:
        async with asyncio.timeout(10):
            await server.connected.wait()
        opened = fake.calls_to("apps.connections.open")
        assert len(opened) == 1 and opened[0].token == "xapp-1-test"
        await server.send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "command": "/quiz",
                    "text": "",
                    "user_id": "U1",
                    "user_name": "alice",
                    "team_id": "T123",
                    "channel_id": "C7",
                    "response_url": fake.response_url(),
                },
            }
        )
        async with asyncio.timeout(10):
            ack = await server.received.get()
        assert ack["envelope_id"] == "env-1"  # acknowledged over the socket
        call = await fake.wait_for_call("chat.postMessage")
        assert call.params["channel"] == "C7" and buttons(call.params["blocks"])
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        await server.stop()


async def test_post_to_channel_for_scheduled_posts(app, fake, adapter):
    actor = Actor("slack", "scheduler", "scheduler", "T123", "C5")
    view = await app.quiz.ask_question(actor, kind=DAILY_POST)
    ref = await adapter.post_to_channel("C5", view)
    call = await fake.wait_for_call("chat.postMessage")
    assert ref == "C5:1700000001.000100"
    assert call.params["channel"] == "C5"
    assert buttons(call.params["blocks"])[0]["value"] == f"{view.post_id}:{view.shown[0].index}"
    assert (await app.db.read(quiz_store.get_post, view.post_id)).message_ref == ref


async def test_unexpected_failure_is_answered_and_logged(app, fake, adapter, caplog):
    async def broken(actor, request):
        raise RuntimeError("disk on fire")

    app.dispatcher.register(ListTopics, broken, replace=True)
    async with BoltHarness(adapter.bolt, signing_secret=SECRET, fake=fake) as h:
        (reply,) = await command_replies(h, fake, "topics")
    assert reply["response_type"] == "ephemeral"
    assert "Something went wrong" in block_text(reply["blocks"])
    assert "disk on fire" not in json.dumps(reply)  # internals stay in the log
    assert any("/quiz topics failed" in r.getMessage() for r in caplog.records)


async def test_demo_result_is_posted_to_the_channel(fake, harness):
    since = len(fake.api_calls)
    status, _ = await harness.slash("demo memory", user_id="U1")
    assert status == 200  # acknowledged before the demo ran
    call = await fake.wait_for_call("chat.postMessage", since=since, timeout=30)
    text = block_text(call.params["blocks"])
    assert "Shared memory" in text and "parent reads counter" in text
    assert_block_kit_limits(call.params)


# -- study groups and review sessions ---------------------------------------------------------


async def groups_seen_by(app, user: str) -> list[tuple[str, int, bool]]:
    """(name, members, the user is one) of each study group, as the core's list says."""
    listed = await app.dispatch(Actor("slack", user, user.lower(), "T123", "C1"), ListGroups())
    assert isinstance(listed, GroupList), listed
    return [(g.name, g.members, g.is_member) for g in listed.groups]


async def test_group_create_is_for_admins_then_join_and_group_leaderboard(app, fake, harness):
    fake.set_user("UADMIN", is_admin=True)
    (refused,) = await command_replies(harness, fake, "group create night owls", "UPLEB")
    assert refused["response_type"] == "ephemeral"
    assert "admin" in block_text(refused["blocks"]).lower()
    assert await groups_seen_by(app, "UPLEB") == []

    (created,) = await command_replies(harness, fake, "group create night owls", "UADMIN")
    assert created["response_type"] == "ephemeral"
    assert "Created study group night owls" in block_text(created["blocks"])
    assert [c.params["user"] for c in fake.calls_to("users.info")] == ["UPLEB", "UADMIN"]

    (joined,) = await command_replies(harness, fake, "group join Night  Owls", "U2")
    assert joined["response_type"] == "ephemeral" and "night owls" in block_text(joined["blocks"])
    assert len(fake.calls_to("users.info")) == 2  # joining needs no admin lookup
    assert await groups_seen_by(app, "U2") == [("night owls", 1, True)]

    member = Actor("slack", "U2", "bob", "T123", "C1")
    view = await app.quiz.ask_question(member)
    await app.quiz.answer(member, view.post_id, app.pack.question(view.question_id).correct_index)
    outsider = Actor("slack", "U3", "carol", "T123", "C1")  # same server, not in the group
    view = await app.quiz.ask_question(outsider)
    await app.quiz.answer(outsider, view.post_id, app.pack.question(view.question_id).correct_index)

    (board,) = await command_replies(harness, fake, 'leaderboard group "night owls" week', "U2")
    assert board["response_type"] == "ephemeral"
    assert_block_kit_limits(board)
    text = block_text(board["blocks"])
    assert "Group night owls — this week" in text and "Week since Mon 2 Mar 00:00 UTC" in text
    assert "🥇 *bob* (you) — 10 points" in text and "carol" not in text

    (listed,) = await command_replies(harness, fake, "group list", "U2")
    assert "*night owls* — 1 member ✓ you" in block_text(listed["blocks"])
    (summary,) = await command_replies(harness, fake, "group summary night owls", "U2")
    assert_block_kit_limits(summary)
    assert "Answers this week" in block_text(summary["blocks"])
    assert fake.calls_to("chat.postMessage") == []  # every group reply was private


async def test_review_session_is_ephemeral_and_only_its_owner_can_answer(app, fake, harness, clock):
    (empty,) = await command_replies(harness, fake, "review", "U1")
    assert empty["response_type"] == "ephemeral"
    assert "Nothing is due for review" in block_text(empty["blocks"])

    owner = Actor("slack", "U1", "u1", "T123", "C1")
    for question in app.pack.questions[:3]:
        view = await app.quiz.post_question(owner, question)
        await app.quiz.answer(owner, view.post_id, (question.correct_index + 1) % 2)
    clock.advance(timedelta(minutes=5))  # wrong answers come due after FSRS's first step

    (session,) = await command_replies(harness, fake, "review", "U1")
    assert session["response_type"] == "ephemeral"
    assert_block_kit_limits(session)
    blocks = session["blocks"]
    assert "Review: 3 questions due" in block_text(blocks)
    posts = sorted({int(b["value"].split(":")[0]) for b in buttons(blocks)})
    assert len(posts) == 3
    assert fake.calls_to("chat.postMessage") == []  # nothing went to the channel

    first = await post_question(app, posts[0])
    [first_block] = [b for b in blocks if b.get("block_id") == f"quiz_post_{posts[0]}"]
    reply = await click(harness, fake, [first_block], first.correct_index, user="U2")
    assert "someone else's review question" in block_text(reply["blocks"])
    reply = await click(harness, fake, [first_block], first.correct_index, user="U1")
    assert reply["response_type"] == "ephemeral" and "Correct" in block_text(reply["blocks"])
    assert await answer_counts(app, posts[0]) == {first.correct_index: 1}  # U1's, not U2's
    assert (await score_of(app, "slack:U2", "T123")).answered == 0


async def test_storage_fault_on_a_click_is_one_line_and_the_next_click_is_stored(
    app, fake, adapter
):
    """A read-only database (the bot's writer refuses writes; root ignores file modes)."""
    async with BoltHarness(adapter.bolt, signing_secret=SECRET, fake=fake) as h:
        blocks = (await ask(h, fake)).params["blocks"]
        post_id = int(buttons(blocks)[0]["value"].split(":")[0])
        async with read_only_writer(app):
            reply = await click(h, fake, blocks, 0, user="U2")
            assert block_text(reply["blocks"]).count("Couldn't save your answer") == 1
            assert reply["response_type"] == "ephemeral"
            assert await answer_counts(app, post_id) == {}
        reply = await click(h, fake, blocks, 0, user="U2")
        assert "Couldn't save" not in block_text(reply["blocks"])
    assert await answer_counts(app, post_id) == {0: 1}
    assert (await score_of(app, "slack:U2", "T123")).answered == 1

"""Typed-answer questions on Slack: real slack-bolt against the loopback fake Web API. The
"Answer" button opens a modal (views.open with the click's trigger_id); the view_submission
is answered by replacing the modal with the result, seen only by the person who answered."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_bot.adapter import SlackAdapter
from adapters.slack_bot.render import render
from bot.app import QuizApp
from bot.features.boards import UserStats
from bot.features.boards.requests import ShowStats
from bot.features.daily import DailyResults
from bot.features.quiz.service import RETIRED_TEXT
from bot.kernel.identity import Actor, ChannelRef
from tests.fakes.slack_api import FakeSlackAPI
from tests.platforms.slack.test_slack_adapter import (
    ask,
    assert_block_kit_limits,
    block_text,
    buttons,
    make_settings,
)
from tests.slack_fixtures import BOT_TOKEN
from tests.typed_content import typed_content

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

NET = "networking-basics"


@pytest.fixture
async def fake():
    async with FakeSlackAPI() as f:
        yield f


@pytest.fixture
async def app(db_target, tmp_path, clock):
    app = await QuizApp.open(db_target, typed_content(tmp_path / "content"), clock=clock)
    yield app
    await app.close()


@pytest.fixture
def adapter(app, fake):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    return SlackAdapter(app, make_settings(), client=client)


async def open_box(harness, fake, blocks: list[dict], user: str = "U2") -> dict:
    """Click the question's Answer button; the modal the app opened with views.open."""
    [button] = buttons(blocks)
    mark = len(fake.api_calls)
    trigger = f"{user}-trigger"
    status, body = await harness.click(
        button["action_id"],
        button["value"],
        user_id=user,
        channel_id="C1",
        message_blocks=blocks,
        trigger_id=trigger,
    )
    assert (status, body) == (200, "")
    call = await fake.wait_for_call("views.open", since=mark)
    assert call.params["trigger_id"] == trigger
    view = call.params["view"]
    return json.loads(view) if isinstance(view, str) else view


async def submit(harness, modal: dict, text: str, user: str = "U2") -> dict:
    reply = await harness.view_submission(modal, {"answer_block": {"answer": text}}, user_id=user)
    assert reply.status == 200
    return reply.json()


async def scores(app: QuizApp, *users: str) -> list[tuple[int, int, int]]:
    """(points, answered, correct) of each Slack user, as the core's stats request says."""
    await app.answers.settled()  # the score rows trail the click
    results = [
        await app.dispatch(Actor("slack", user, user, "T123", "C1"), ShowStats()) for user in users
    ]
    assert all(isinstance(r, UserStats) for r in results), results
    return [(r.points, r.answered, r.correct) for r in results]


async def test_the_answer_button_opens_a_modal_and_the_result_replaces_it(app, fake, harness):
    posted = await ask(harness, fake, NET)
    blocks = posted.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    [button] = buttons(blocks)
    assert button["text"]["text"] == "✍️ Answer" and button["action_id"] == "quiz_typed_0"
    assert "Which transport protocol retransmits lost segments?" in block_text(blocks)
    assert_block_kit_limits({"blocks": blocks, "text": posted.params["text"]})

    modal = await open_box(harness, fake, blocks)
    assert modal["callback_id"] == "quiz_typed_answer"
    assert len(modal["title"]["text"]) <= 24
    [box] = [b for b in modal["blocks"] if b["type"] == "input"]
    assert box["element"]["max_length"] == 200

    right = await submit(harness, modal, "tcp")
    assert right["response_action"] == "update"
    text = block_text(right["view"]["blocks"])
    assert "✅ Correct! +10 points" in text and "You typed: tcp" in text
    assert "Total: 10 points · day streak: 1" in text  # days, named as such everywhere
    assert "TCP acknowledges every segment" in text

    wrong = await submit(harness, await open_box(harness, fake, blocks, "U3"), "UDP", "U3")
    text = block_text(wrong["view"]["blocks"])
    assert "❌ Not quite." in text and "You typed: UDP" in text
    assert "The answer is TCP (also: Transmission Control Protocol)." in text
    again = await submit(harness, modal, "TCP", "U3")
    assert "You already answered: UDP — no change." in block_text(again["view"]["blocks"])
    assert await scores(app, "U2", "U3") == [(10, 1, 1), (0, 1, 0)]  # typed: the replies


async def test_an_empty_answer_shows_under_the_box_and_stores_nothing(app, fake, harness):
    posted = await ask(harness, fake, NET)
    blocks = posted.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    modal = await open_box(harness, fake, blocks)
    reply = await submit(harness, modal, "   ")
    assert reply == {
        "response_action": "errors",
        "errors": {"answer_block": "Type an answer: the box was empty."},
    }
    assert await scores(app, "U2") == [(0, 0, 0)]


async def test_a_retired_questions_answer_button_says_so(app, fake, harness, tmp_path):
    posted = await ask(harness, fake, NET)
    blocks = posted.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    (tmp_path / "content" / f"{NET}.yaml").unlink()
    assert (await app.reload_content()).ok
    [button] = buttons(blocks)
    url = harness.new_response_url()
    status, _ = await harness.click(
        button["action_id"], button["value"], user_id="U2", message_blocks=blocks, response_url=url
    )
    assert status == 200
    rid = url.rsplit("/", 1)[1]
    post = await fake.wait_for_response_post(lambda p: p.response_id == rid)
    assert post.body["response_type"] == "ephemeral"
    assert RETIRED_TEXT in block_text(post.body["blocks"])
    assert fake.calls_to("views.open") == []  # no box for a retired question


async def test_reload_command_is_for_admins_and_lists_problems(app, fake, harness, tmp_path):
    (tmp_path / "content" / "broken.yaml").write_text("card: [unclosed\n", encoding="utf-8")
    fake.set_user("U9", is_admin=True)
    url = harness.new_response_url()
    status, _ = await harness.slash("reload", user_id="U9", response_url=url)
    assert status == 200
    rid = url.rsplit("/", 1)[1]
    post = await fake.wait_for_response_post(lambda p: p.response_id == rid)
    text = block_text(post.body["blocks"])
    assert "Content not reloaded: 1 problem; still serving the previous content." in text
    assert "broken.yaml:1: invalid YAML" in text
    url = harness.new_response_url()
    await harness.slash("reload", user_id="U8", response_url=url)
    rid = url.rsplit("/", 1)[1]
    post = await fake.wait_for_response_post(lambda p: p.response_id == rid)
    assert "Only admins can reload the content." in block_text(post.body["blocks"])


def test_typed_daily_results_render_within_block_kit_limits():
    results = DailyResults(
        channel=ChannelRef("slack", "T1", "C1"),
        post_id=7,
        question_ref=None,
        local_date=date(2026, 3, 2),
        card_title="Networking basics",
        prompt="Which protocol does ping use?",
        choices=(),
        counts=(),
        correct_index=-1,
        correct_text="ICMP",
        why="ping sends ICMP echo requests.",
        first_right="Cy",
        first_right_at=datetime(2026, 3, 2, 8, 2, tzinfo=UTC),
        accepted=("ICMP", "Internet Control Message Protocol"),
        typed_answered=3,
        typed_right=2,
    )
    [message] = render(results)
    assert message.public
    text = block_text(message.blocks)
    assert "3 people answered, 2 right (67%)" in text
    assert "*Accepted:* ICMP, Internet Control Message Protocol" in text
    assert_block_kit_limits({"blocks": message.blocks, "text": message.text})

"""Quiz night on Slack: signed /quiz live commands into the real Bolt app, rounds posted and
closed (one chat.update each) by the live runner through FakeSlackAPI, clicks locked in
ephemerally, time moved on the FakeClock."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.platform import ChannelPoster
from adapters.slack_bot import SlackAdapter, SlackPlatform
from bot.app import QuizApp
from bot.features.boards.requests import ShowStats
from bot.features.live import LiveRunner
from bot.features.quiz.results import choice_order, letter_of
from bot.kernel.identity import Actor
from tests.conftest import CONTENT
from tests.fakes.slack_api import ApiCall, BoltHarness, FakeSlackAPI
from tests.platforms.slack.test_slack_adapter import (
    BOT_TOKEN,
    assert_block_kit_limits,
    block_text,
    buttons,
    click,
    make_settings,
    post_question,
)
from tests.recorded import stored
from tests.slack_fixtures import SECRET

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

PVT = "processes-vs-threads"


@pytest.fixture
async def fake():
    async with FakeSlackAPI() as f:
        f.set_user("UADMIN", is_admin=True)
        yield f


@pytest.fixture
async def adapter(app, fake):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    adapter = SlackAdapter(app, make_settings(), client=client)
    yield adapter
    await adapter.close()


@pytest.fixture
async def runner(app, adapter):
    runner = LiveRunner(app.live, "slack", ChannelPoster(SlackPlatform(adapter)))
    runner.start()
    yield runner
    await runner.stop()


async def start(harness, fake, text: str, user: str = "U1") -> ApiCall:
    """``/quiz live …`` that starts a session: the public "Quiz night!" post."""
    mark = len(fake.api_calls)
    status, _ = await harness.slash(text, user_id=user, user_name=user.lower(), channel_id="C1")
    assert status == 200
    return await fake.wait_for_call(
        "chat.postMessage", lambda c: c.params["text"].startswith("Quiz night!"), since=mark
    )


async def round_post(fake, number: int) -> ApiCall:
    return await fake.wait_for_call(
        "chat.postMessage", lambda c: f"Round {number} of" in block_text(c.params["blocks"])
    )


async def update_of(fake, number: int) -> ApiCall:
    return await fake.wait_for_call(
        "chat.update", lambda c: f"Round {number} of" in block_text(c.params["blocks"])
    )


async def private_reply(harness, fake, text: str, user: str) -> dict:
    """A ``/quiz …`` in C1 answered privately: its one ephemeral reply."""
    url = harness.new_response_url()
    status, _ = await harness.slash(
        text, user_id=user, user_name=user.lower(), channel_id="C1", response_url=url
    )
    assert status == 200
    rid = url.rsplit("/", 1)[1]
    post = await fake.wait_for_response_post(lambda p: p.response_id == rid)
    assert post.body["response_type"] == "ephemeral"
    return post.body


async def question_of(app, call: ApiCall):
    post_id = int(buttons(call.params["blocks"])[0]["value"].split(":")[0])
    return await post_question(app, post_id)


def reply_text(body: dict) -> str:
    return block_text(body["blocks"])


async def test_a_quiz_night_of_three_rounds_with_three_players(app, fake, harness, clock, runner):
    started = await start(harness, fake, f"live {PVT} 3 20s")
    assert "3 rounds of 20 s on Processes vs" in started.params["text"]
    first = await round_post(fake, 1)
    blocks = first.params["blocks"]
    assert_block_kit_limits(first.params)
    closes = int(clock.now().timestamp()) + 20
    assert f"<!date^{closes}^{{time_secs}}|" in block_text(blocks)
    question = await question_of(app, first)
    right, wrong = question.correct_index, (question.correct_index + 1) % len(question.choices)
    # each button carries the live feature's own request (AnswerLiveRound), not a quiz answer
    assert all(b["action_id"].startswith("live_answer_") for b in buttons(blocks))

    clock.advance(2)
    ada = await click(harness, fake, blocks, right, user="U1")
    bob = await click(harness, fake, blocks, wrong, user="U2")
    clock.advance(8)
    cy = await click(harness, fake, blocks, right, user="U3")
    cy_again = await click(harness, fake, blocks, wrong, user="U3")
    post_id = int(buttons(blocks)[0]["value"].split(":")[0])
    order = choice_order(post_id, question.id, len(question.choices), question.keep_order)
    letters = {index: letter_of(order, index) for index in range(len(question.choices))}
    for body, choice in ((ada, right), (bob, wrong), (cy, right)):
        assert body["response_type"] == "ephemeral"
        assert reply_text(body) == f"Locked in: {letters[choice]} — results when the round ends."
        assert question.why not in reply_text(body)
    assert reply_text(cy_again).startswith(f"You already locked in {letters[right]}")
    assert fake.calls_to("chat.update") == []

    clock.advance(10)
    update = await update_of(fake, 1)
    shown = block_text(update.params["blocks"])
    assert update.params["channel"] == "C1" and update.params["ts"]
    assert buttons(update.params["blocks"]) == []  # the buttons are gone
    assert question.why in shown and "3 answers · 2 right" in shown
    assert "⚡ Fastest: *u1* in 2 s" in shown
    assert_block_kit_limits(update.params)
    board = await fake.wait_for_call(
        "chat.postMessage", lambda c: "Scoreboard after round 1" in block_text(c.params["blocks"])
    )
    assert "🥇 *u1* — 950 points · 1/1 right" in block_text(board.params["blocks"])

    second = await round_post(fake, 2)
    q2 = await question_of(app, second)
    await click(harness, fake, second.params["blocks"], q2.correct_index, user="U1")
    await click(harness, fake, second.params["blocks"], q2.correct_index, user="U2")
    clock.advance(20)
    await update_of(fake, 2)
    late = await click(harness, fake, second.params["blocks"], q2.correct_index, user="U3")
    assert reply_text(late) == "⚠️ Round 2 has closed; answers no longer count."

    third = await round_post(fake, 3)
    q3 = await question_of(app, third)
    for user in ("U1", "U2", "U3"):
        await click(harness, fake, third.params["blocks"], q3.correct_index, user=user)
    assert "closed early" in block_text((await update_of(fake, 3)).params["blocks"])
    podium = await fake.wait_for_call(
        "chat.postMessage", lambda c: "Quiz night results" in block_text(c.params["blocks"])
    )
    text = block_text(podium.params["blocks"])
    assert "All 3 rounds played." in text and "🥇 *u1*" in text
    assert_block_kit_limits(podium.params)
    assert len(fake.calls_to("chat.update")) == 3  # one per round close, none per second
    await app.answers.settled()  # the score rows trail the clicks
    answered = [
        (await app.dispatch(Actor("slack", user, user.lower(), "T123", "C1"), ShowStats()))
        for user in ("U1", "U2", "U3")
    ]
    assert [s.answered for s in answered] == [3, 3, 2]  # U3 was late for round 2


async def test_second_start_and_stop_by_others_refused_stop_by_starter(
    app, fake, harness, clock, runner
):
    await start(harness, fake, "live 4 30s")
    await round_post(fake, 1)
    again = await private_reply(harness, fake, "live 2 10s", user="U2")
    assert reply_text(again).startswith("A live quiz is already running here: round 1 of 4")
    refused = await private_reply(harness, fake, "live stop", user="U2")
    assert reply_text(refused) == "⚠️ Only u1 (who started this quiz) or an admin can stop it."
    stopping = await private_reply(harness, fake, "live stop", user="U1")
    assert reply_text(stopping).startswith("Stopping the quiz")
    await update_of(fake, 1)
    podium = await fake.wait_for_call(
        "chat.postMessage", lambda c: "Quiz night results" in block_text(c.params["blocks"])
    )
    assert "Stopped by u1 after 1 of 4 rounds." in block_text(podium.params["blocks"])


async def test_a_restart_mid_round_closes_it_at_its_stored_time(db_target, fake, clock):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    app = await QuizApp.open(db_target, CONTENT, clock=clock)
    adapter = SlackAdapter(app, make_settings(), client=client)
    runner = LiveRunner(app.live, "slack", ChannelPoster(SlackPlatform(adapter)), name="before")
    runner.start()
    async with BoltHarness(adapter.bolt, signing_secret=SECRET, fake=fake) as harness:
        await start(harness, fake, "live 2 20s")
        await round_post(fake, 1)
    await adapter.close()
    await app.close()  # mid-round

    app = await QuizApp.open(db_target, CONTENT, clock=clock)
    try:
        adapter = SlackAdapter(app, make_settings(), client=client)
        runner = LiveRunner(app.live, "slack", ChannelPoster(SlackPlatform(adapter)), name="after")
        runner.start()
        await asyncio.sleep(0.05)
        assert fake.calls_to("chat.update") == []  # still open: it closes at its stored time
        clock.advance(20)
        await update_of(fake, 1)
        await round_post(fake, 2)
        clock.advance(20)
        await fake.wait_for_call(
            "chat.postMessage", lambda c: "Quiz night results" in block_text(c.params["blocks"])
        )
    finally:
        await adapter.close()
        await app.close()
    assert (
        len(
            [
                c
                for c in fake.calls_to("chat.postMessage")
                if "Round 1 of" in block_text(c.params["blocks"])
            ]
        )
        == 1
    )


async def test_two_processes_racing_to_start_in_one_channel(db_target, fake, clock):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
    apps = [await QuizApp.open(db_target, CONTENT, clock=clock) for _ in range(2)]
    adapters = [SlackAdapter(a, make_settings(), client=client) for a in apps]
    runners = [
        LiveRunner(a.live, "slack", ChannelPoster(SlackPlatform(ad)), name=f"p{i}")
        for i, (a, ad) in enumerate(zip(apps, adapters, strict=True))
    ]
    try:
        for r in runners:
            r.start()
        async with (
            BoltHarness(adapters[0].bolt, signing_secret=SECRET, fake=fake) as one,
            BoltHarness(adapters[1].bolt, signing_secret=SECRET, fake=fake) as two,
        ):
            await asyncio.gather(
                one.slash("live 3 20s", user_id="U1", channel_id="C1"),
                two.slash("live 5 30s", user_id="U2", channel_id="C1"),
            )
            await round_post(fake, 1)
            await fake.wait_for_response_post(lambda p: "already running" in str(p.body))
            await asyncio.sleep(0.1)
        started = [
            c
            for c in fake.calls_to("chat.postMessage")
            if c.params["text"].startswith("Quiz night!")
        ]
        rounds = [
            c
            for c in fake.calls_to("chat.postMessage")
            if "Round 1 of" in block_text(c.params["blocks"])
        ]
        assert len(started) == 1 and len(rounds) == 1
        # the loser stored no session either (the race's invariant: one row, on either backend)
        assert await stored(apps[1], "SELECT COUNT(*) FROM live_sessions") == [(1,)]
    finally:
        for ad in adapters:
            await ad.close()
        for a in apps:
            await a.close()

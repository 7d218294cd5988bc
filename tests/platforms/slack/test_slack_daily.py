"""The daily question on Slack: signed /quiz daily commands into the real Bolt app, the
scheduler posting through the Slack poster to FakeSlackAPI, moved by the FakeClock."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.platform import ChannelPoster, serve
from adapters.slack_bot import SlackAdapter, SlackPlatform, build_runner
from adapters.slack_bot.render import render
from bot.features.daily import DailyResults, DailyScheduler, ScheduleInfo
from bot.features.daily import store as daily_store
from bot.kernel.identity import Actor, ChannelRef
from tests.fakes.slack_api import ApiCall, FakeSlackAPI, FakeSocketModeServer
from tests.platforms.slack.test_slack_adapter import (
    BOT_TOKEN,
    assert_block_kit_limits,
    block_text,
    buttons,
    click,
    make_settings,
    post_question,
)
from tests.waiting import eventually

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

# The conftest clock starts Mon 2 Mar 2026 12:00 UTC; Berlin is on CET (UTC+1) then, so a
# 09:00 Europe/Berlin schedule set now first posts Tue 3 Mar at 08:00 UTC.
TUE_0900_BERLIN = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
WED_0900_BERLIN = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


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
async def scheduler(app, adapter):
    """Registered for "slack" but not started: tests drive it with run_due."""
    scheduler = DailyScheduler(app.daily, "slack", ChannelPoster(SlackPlatform(adapter)))
    yield scheduler
    await scheduler.stop()


async def daily(harness, fake, text: str, user: str = "UADMIN", channel: str = "C1") -> dict:
    """A signed ``/quiz daily …`` in ``channel``; its one reply, which must be ephemeral."""
    url = harness.new_response_url()
    status, _ = await harness.slash(
        f"daily {text}".strip(), user_id=user, channel_id=channel, response_url=url
    )
    assert status == 200
    rid = url.rsplit("/", 1)[1]
    await fake.wait_for_response_post(lambda p: p.response_id == rid)
    await harness.drain()
    (reply,) = [p.body for p in fake.response_posts if p.response_id == rid]
    assert reply["response_type"] == "ephemeral"
    return reply


def slack_channel(channel: str = "C1") -> ChannelRef:
    return ChannelRef("slack", "T123", channel)


def admin_actor(channel: str = "C1") -> Actor:
    return Actor("slack", "UADMIN", "uadmin", "T123", channel, is_admin=True)


def is_results(call: ApiCall) -> bool:
    return "📊" in block_text(call.params["blocks"])


# -- setting and showing --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["09:00 Europe/Berlin mon-fri", "set 09:00 Europe/Berlin mon-fri", "9:00 europe/berlin"]
)
async def test_admin_sets_the_schedule_with_a_signed_command(app, fake, harness, text):
    reply = await daily(harness, fake, text)
    shown = block_text(reply["blocks"])
    assert "*Daily question set* in <#C1>" in shown
    assert "09:00 Europe/Berlin" in shown and "Next post*\nTue 3 Mar 09:00 CET" in shown
    assert ("Mon–Fri" if "mon-fri" in text else "every day") in shown
    assert_block_kit_limits(reply)
    info = await app.daily.show(admin_actor())
    assert isinstance(info, ScheduleInfo) and (info.local_time, info.zone) == (
        "09:00",
        "Europe/Berlin",
    )
    assert [c.params["user"] for c in fake.calls_to("users.info")] == ["UADMIN"]
    assert fake.calls_to("chat.postMessage") == []  # setting posts nothing


async def test_non_admin_is_refused_ephemerally_and_nothing_is_stored(app, fake, harness):
    for text in ("09:00 Europe/Berlin mon-fri", "set 09:00 UTC", "off", "now"):
        reply = await daily(harness, fake, text, user="UPLEB")
        assert block_text(reply["blocks"]) == "⚠️ Only admins can change the daily question."
    assert "No daily question" in block_text((await daily(harness, fake, "show"))["blocks"])

    await daily(harness, fake, "09:00 Europe/Berlin mon-fri")  # an admin's schedule…
    await daily(harness, fake, "off", user="UPLEB")  # …survives a non-admin's "off"
    info = await app.daily.show(admin_actor())
    assert isinstance(info, ScheduleInfo) and info.local_time == "09:00"
    assert fake.calls_to("chat.postMessage") == []


async def test_daily_show_renders_the_schedule_for_anyone(app, fake, harness):
    await daily(harness, fake, "set 07:30 America/New_York mon,wed,fri processes-vs-threads 6h")
    lookups = len(fake.calls_to("users.info"))
    reply = await daily(harness, fake, "show", user="UPLEB")
    shown = block_text(reply["blocks"])
    assert shown.startswith("*Daily question* in <#C1>")
    for part in (
        "*When*\n07:30 America/New_York, Mon, Wed, Fri",
        "*Topic*\n`processes-vs-threads`",
        "*Answers open*\n6 h after the post",
        "*Next post*\nMon 2 Mar 07:30 EST",  # 12:00 UTC is 07:00 in New York
    ):
        assert part in shown
    assert "Last post" not in shown  # nothing posted yet
    assert_block_kit_limits(reply)
    assert len(fake.calls_to("users.info")) == lookups  # show needs no admin lookup
    bare = await daily(harness, fake, "", user="UPLEB")  # "/quiz daily" is show
    assert block_text(bare["blocks"]) == shown


# -- the scheduled post, the answers, the results -------------------------------------------


async def test_scheduler_posts_question_clicks_answer_and_results_follow_in_the_thread(
    app, fake, harness, scheduler, clock
):
    await daily(harness, fake, "09:00 Europe/Berlin mon-fri")
    clock.set(TUE_0900_BERLIN)
    run = await scheduler.run_due(clock.now())
    assert len(run.posted) == 1 and run.failed == []

    (call,) = fake.calls_to("chat.postMessage")
    assert call.params["channel"] == "C1" and call.token == BOT_TOKEN
    assert "thread_ts" not in call.params  # the question starts its own thread
    blocks = call.params["blocks"]
    shown = block_text(blocks)
    assert "📅 Daily question · Tue 3 Mar" in shown
    assert "*Answers close Wed 4 Mar 09:00 CET*" in shown  # the schedule's zone
    post_id = run.posted[0].view.post_id
    question = await post_question(app, post_id)
    assert [b["value"] for b in buttons(blocks)] == [
        f"{post_id}:{c.index}" for c in run.posted[0].view.shown
    ]
    letters = {c.index: c.letter for c in run.posted[0].view.shown}  # as the question shows them
    assert_block_kit_limits(call.params)
    question_ts = f"{1_700_000_000 + 1}.000100"
    claim = await app.db.read(daily_store.claim_on, "slack:T123:C1", "2026-03-03")
    assert claim.status == "posted" and claim.message_ref == f"C1:{question_ts}"

    right, wrong = question.correct_index, (question.correct_index + 1) % len(question.choices)
    clock.advance(timedelta(minutes=3))
    first = await click(harness, fake, blocks, right, user="U2")
    assert first["response_type"] == "ephemeral" and first["replace_original"] is False
    assert block_text(first["blocks"]).startswith("*✅ Correct!")
    clock.advance(timedelta(minutes=1))
    second = await click(harness, fake, blocks, wrong, user="U3")
    assert block_text(second["blocks"]).startswith("*❌ Not quite")
    clock.advance(timedelta(minutes=1))
    await click(harness, fake, blocks, right, user="U4")

    clock.set(WED_0900_BERLIN)  # Tuesday's window ends as Wednesday's question is due
    run = await scheduler.run_due(clock.now())
    assert [r.post_id for r in run.results] == [post_id] and len(run.posted) == 1
    (results,) = [c for c in fake.calls_to("chat.postMessage") if is_results(c)]
    assert results.params["channel"] == "C1"
    assert results.params["thread_ts"] == question_ts and results.params["reply_broadcast"] is True
    shown = block_text(results.params["blocks"])
    assert "📊 Daily question results · Tue 3 Mar" in shown
    assert "3 people answered, 2 right (67%)" in shown
    letter = letters[right]
    assert f"*{letter})* " in shown and "— 2 (67%) ✅" in shown
    assert "— 1 (33%)" in shown  # the wrong choice
    assert f"*Answer: {letter}) " in shown
    assert "*Why:* " in shown and question.why.split("\n")[0][:60].replace("&", "&amp;") in shown
    assert "🏅 First right: u2 at <!date^" in shown
    assert_block_kit_limits(results.params)
    claim = await app.db.read(daily_store.claim_on, "slack:T123:C1", "2026-03-03")
    assert claim.results_status == "posted"

    late = await click(harness, fake, blocks, right, user="U5")  # Tuesday's window is closed
    assert late["response_type"] == "ephemeral"
    assert "closed at Wed 4 Mar 09:00 CET" in block_text(late["blocks"])


async def test_daily_now_posts_publicly_through_the_poster(app, fake, harness, scheduler):
    await daily(harness, fake, "09:00 Europe/Berlin mon-fri")
    reply = await daily(harness, fake, "now")
    assert "Posted today's daily question" in block_text(reply["blocks"])
    assert "answers close Tue 3 Mar 09:00 CET" in block_text(reply["blocks"])
    (call,) = fake.calls_to("chat.postMessage")
    assert call.params["channel"] == "C1" and buttons(call.params["blocks"])
    assert "Daily question · Mon 2 Mar" in block_text(call.params["blocks"])
    assert fake.response_posts[-1].body["response_type"] == "ephemeral"  # only the admin's note

    again = await daily(harness, fake, "now")
    assert "already posted here (2026-03-02: posted)" in block_text(again["blocks"])
    assert len(fake.calls_to("chat.postMessage")) == 1


async def test_daily_now_without_a_running_scheduler_says_so(fake, harness):
    await daily(harness, fake, "09:00 Europe/Berlin")
    reply = await daily(harness, fake, "now")
    assert "scheduler is not running" in block_text(reply["blocks"])


async def test_bot_not_in_channel_is_reported_in_words_an_admin_can_act_on(
    app, fake, harness, scheduler, clock
):
    await daily(harness, fake, "09:00 Europe/Berlin mon-fri")
    fake.fail("chat.postMessage", "not_in_channel")
    reply = await daily(harness, fake, "now")
    assert "/invite @quizbot" in block_text(reply["blocks"])
    shown = block_text((await daily(harness, fake, "show"))["blocks"])
    assert "*Last post*\n2026-03-02: failed:" in shown and "not_in_channel" in shown

    clock.set(TUE_0900_BERLIN)  # the next day fails the same way, and is recorded
    run = await scheduler.run_due(clock.now())
    assert run.failed == ["slack:T123:C1"]


async def test_results_go_to_the_channel_when_the_question_is_gone(
    app, fake, scheduler, adapter, clock
):
    await app.daily.set_schedule(admin_actor(), "09:00", "Europe/Berlin", "mon-fri")
    clock.set(TUE_0900_BERLIN)
    await scheduler.run_due(clock.now())

    def post(call: ApiCall) -> dict:
        if call.params.get("thread_ts"):
            return {"ok": False, "error": "thread_not_found"}  # someone deleted the question
        return {"ok": True, "channel": call.params["channel"], "ts": "1800000000.000200"}

    fake.set_response("chat.postMessage", post)
    clock.set(WED_0900_BERLIN)
    run = await scheduler.run_due(clock.now())
    assert len(run.results) == 1
    threaded, unthreaded = [c for c in fake.calls_to("chat.postMessage") if is_results(c)]
    assert threaded.params["thread_ts"] and "thread_ts" not in unthreaded.params
    assert "Nobody answered this one." in block_text(unthreaded.params["blocks"])
    claim = await app.db.read(daily_store.claim_on, "slack:T123:C1", "2026-03-03")
    assert (claim.results_status, claim.results_ref) == ("posted", "C1:1800000000.000200")


def test_long_results_and_schedules_stay_within_block_kit_limits():
    results = DailyResults(
        channel=slack_channel(),
        post_id=7,
        question_ref="C1:1.2",
        local_date=datetime(2026, 3, 3).date(),
        card_title="Locks & <synchronization>",
        prompt="Which one? " * 300,
        choices=tuple(f"choice {i} " * 50 for i in range(6)),
        counts=(3, 0, 1, 0, 0, 0),
        correct_index=0,
        correct_text="choice 0 " * 50,
        why="Because. " * 1000,
        first_right="<@U1> & co",
        first_right_at=datetime(2026, 3, 3, 8, 1, tzinfo=UTC),
    )
    for message in render(results):
        assert message.public
        assert_block_kit_limits({"text": message.text, "blocks": message.blocks})
        assert "<@U1>" not in block_text(message.blocks)  # names are escaped, never pings
    info = ScheduleInfo(
        channel=slack_channel(),
        local_time="09:00",
        zone="Europe/Berlin",
        weekdays=(0, 1, 2, 3, 4),
        topic=None,
        window_hours=None,
        next_post=None,
        last_post="2026-03-02: failed: " + "x" * 5000,
    )
    (message,) = render(info)
    assert not message.public
    assert_block_kit_limits({"text": message.text, "blocks": message.blocks})


# -- the runners start and stop the scheduler -----------------------------------------------


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_runner_runs_the_daily_scheduler_while_serving(app, fake, adapter, clock, mode):
    server = FakeSocketModeServer()
    if mode == "socket":
        fake.set_response("apps.connections.open", {"ok": True, "url": await server.start()})
        settings = make_settings(app_token="xapp-1-test")
    else:
        settings = make_settings(host="127.0.0.1", port=0)
    runner = build_runner(settings, adapter.bolt)
    assert runner.mode == mode
    serving = asyncio.create_task(serve(app, SlackPlatform(adapter, runner)))
    try:
        await eventually(lambda: "slack" in app.daily.schedulers)
        scheduler = app.daily.schedulers["slack"]
        await eventually(lambda: scheduler.passes >= 1)  # started once Slack could reach us
        if mode == "socket":
            assert server.connected.is_set()
        await app.daily.set_schedule(admin_actor("C9"), "09:00", "Europe/Berlin", "mon-fri")
        clock.set(TUE_0900_BERLIN)  # the loop sleeps on the clock; moving it wakes the loop
        call = await fake.wait_for_call("chat.postMessage")
        assert call.params["channel"] == "C9" and buttons(call.params["blocks"])
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        await server.stop()
    assert "slack" not in app.daily.schedulers  # stopped on shutdown
    assert scheduler._task is None

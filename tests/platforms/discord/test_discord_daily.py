"""The daily question on Discord: /quiz daily commands, the scheduler posting through REST, clicks
on the posted question, the results reply. The REAL discord.py client against FakeDiscord, the
real core on a SQLite file, time moved on a FakeClock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.discord_bot.poster import DiscordPostError, reply_target
from adapters.discord_bot.render import render
from adapters.platform import ChannelPoster
from bot.features.daily import DailyResults
from bot.features.daily import store as daily_store
from bot.kernel.identity import ChannelRef
from tests.fakes.discord_server import CHANNEL_ID, GUILD_ID, FakeDiscord, custom_ids
from tests.platforms.discord.test_discord_adapter import (
    ADMIN_PERMISSIONS,
    EPHEMERAL,
    adapter_errors,
    answer_counts,
    assert_within_discord_limits,
    click,
    embed_text,
    make_bot,
    question_of,
    run_command,
)

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

LOCKS = "locks-and-synchronization"
TUE_0900_CET = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # the clock fixture starts on Mon 12:00 UTC
MESSAGES = f"/channels/{CHANNEL_ID}/messages"
CHANNEL_KEY = f"discord:{GUILD_ID}:{CHANNEL_ID}"


async def schedule_of(app, channel_id: int = CHANNEL_ID):
    """The channel's stored schedule, as the daily feature reads it (None: none)."""
    return await app.db.read(daily_store.schedule, f"discord:{GUILD_ID}:{channel_id}")


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


@pytest.fixture(autouse=True)
def fail_on_adapter_errors(caplog):
    yield
    errors = adapter_errors(caplog)
    assert not errors, [r.getMessage() for r in errors]


async def daily(fake: FakeDiscord, sub: str, admin: bool = True, **options: Any):
    permissions = ADMIN_PERMISSIONS if admin else None
    # the first response: daily's commands defer before their work (the tests check it)
    return await run_command(
        fake,
        sub,
        options=options or None,
        group="daily",
        permissions=permissions,
        first_response=True,
    )


def fields(body: dict) -> dict[str, str]:
    [only] = body["embeds"]
    return {f["name"]: f["value"] for f in only.get("fields") or []}


async def set_weekday_schedule(fake: FakeDiscord, **extra: Any) -> dict:
    _, cb = await daily(fake, "set", time="09:00", zone="Europe/Berlin", days="mon-fri", **extra)
    return cb.json["data"]


# -- setting and showing ------------------------------------------------------------------------


async def test_admin_daily_set_stores_the_schedule_and_shows_it_privately(fake, app):
    async with fake.run(make_bot(app)):
        _, cb = await daily(
            fake,
            "set",
            time="9:00",
            zone="europe/berlin",  # any case: the core resolves it
            days="mon, wed, fri",  # spaces as people type them
            topic=LOCKS,
            window=6,
        )
    data = cb.json["data"]
    assert data["flags"] == EPHEMERAL
    assert data["embeds"][0]["title"] == "Daily question set"
    assert data["embeds"][0]["description"] == f"Posted in <#{CHANNEL_ID}>."
    shown = fields(data)
    assert shown["When"] == "09:00 Europe/Berlin, Mon, Wed, Fri"
    assert shown["Topic"] == f"`{LOCKS}`"
    assert shown["Answers open"] == "6 h after the post"
    # set on Monday after 09:00: starts on the next scheduled day
    assert shown["Next post"].startswith("Wed 4 Mar 09:00 CET (<t:")
    assert_within_discord_limits(data)
    stored = await schedule_of(app)
    assert (stored.platform, stored.workspace_id, stored.channel_id) == (
        "discord",
        str(GUILD_ID),
        str(CHANNEL_ID),
    )
    assert (stored.local_time, stored.zone, stored.weekdays) == ("09:00", "Europe/Berlin", "024")
    assert (stored.topic, stored.window_hours) == (LOCKS, 6)
    assert stored.set_by == "discord:444444444444444444"


async def test_a_non_admin_is_refused_and_nothing_is_stored(fake, app):
    async with fake.run(make_bot(app)):
        _, refused_set = await daily(
            fake, "set", admin=False, time="09:00", zone="Europe/Berlin", days="mon-fri"
        )
        now, deferred = await daily(fake, "now", admin=False)
        refused_now = await fake.wait_for_followup(now)  # "now" defers first (REST posting)
        _, refused_off = await daily(fake, "off", admin=False)
    assert deferred.json["data"]["flags"] & EPHEMERAL
    for body in (refused_set.json["data"], refused_now.json, refused_off.json["data"]):
        assert body["flags"] & EPHEMERAL
        assert "Only admins can change the daily question." in body["content"]
        assert "Manage Server" in body["content"]
    assert await schedule_of(app) is None
    assert await app.db.read(daily_store.last_claim, CHANNEL_KEY) is None
    # only the private refusals: nothing posted in the channel
    assert all(m["flags"] & EPHEMERAL for m in fake.messages_in(CHANNEL_ID))


async def test_bad_input_is_one_private_line_and_stores_nothing(fake, app):
    async with fake.run(make_bot(app)):
        _, zone = await daily(fake, "set", time="09:00", zone="Europe/Berln")
        _, days = await daily(fake, "set", time="09:00", zone="Europe/Berlin", days="funday")
        _, time = await daily(fake, "set", time="9am", zone="Europe/Berlin")
    assert zone.json["data"]["content"].startswith(
        "Unknown time zone 'Europe/Berln'. Did you mean Europe/Berlin"
    )
    assert days.json["data"]["content"].startswith("Unknown weekdays 'funday'")
    assert time.json["data"]["content"].startswith("Unknown time '9am'")
    for cb in (zone, days, time):
        assert cb.json["data"]["flags"] == EPHEMERAL
        assert "\n" not in cb.json["data"]["content"]
    assert await schedule_of(app) is None


async def test_daily_show_before_and_after_set_and_off(fake, app):
    async with fake.run(make_bot(app)):
        _, empty = await daily(fake, "show", admin=False)
        await set_weekday_schedule(fake)
        _, shown = await daily(fake, "show", admin=False)  # anyone may look
        _, off = await daily(fake, "off")
        _, gone = await daily(fake, "show", admin=False)
    assert empty.json["data"]["content"].startswith("No daily question in this channel.")
    data = shown.json["data"]
    assert data["flags"] == EPHEMERAL
    assert data["embeds"][0]["title"] == "Daily question"
    assert fields(data)["When"] == "09:00 Europe/Berlin, Mon–Fri"
    assert fields(data)["Topic"] == "all topics"
    assert fields(data)["Answers open"] == "until the next post"
    assert fields(data)["Next post"].startswith("Tue 3 Mar 09:00 CET")
    assert off.json["data"]["content"].startswith("Daily question stopped for this channel.")
    assert gone.json["data"]["content"].startswith("No daily question in this channel.")
    assert await schedule_of(app) is None


async def test_set_for_another_channel(fake, app):
    other = fake.add_text_channel("daily")
    channel_option = {"type": 7, "value": str(other)}
    resolved = {"channels": {str(other): {**fake.channels[other], "permissions": "0"}}}
    async with fake.run(make_bot(app)):
        payload = fake.slash_command(
            "quiz",
            "set",
            {"time": "09:00", "zone": "Europe/Berlin", "channel": channel_option},
            group="daily",
            permissions=ADMIN_PERMISSIONS,
            resolved=resolved,
        )
        await fake.dispatch("INTERACTION_CREATE", payload)
        cb = await fake.wait_for_reply(payload)
    assert cb.json["data"]["embeds"][0]["description"] == f"Posted in <#{other}>."
    assert await schedule_of(app) is None
    assert (await schedule_of(app, other)).channel_id == str(other)


# -- posting, answering, results ---------------------------------------------------------------


async def test_scheduled_question_click_and_results_reach_the_channel(fake, app, clock):
    bob = fake.make_user("bob")
    bot = make_bot(app)
    async with fake.run(bot):
        await set_weekday_schedule(fake, window=6)
        scheduler = bot.daily_scheduler
        assert scheduler is not None

        # Tuesday 09:00 in Berlin: the scheduler's pass posts the question through REST
        mark = fake.mark()
        run = await scheduler.run_due(TUE_0900_CET)
        clock.set(TUE_0900_CET)  # after the pass: the bot's own loop then finds it done
        [posted] = run.posted
        post = await fake.wait_for_request(method="POST", path=MESSAGES, since=mark)
        body = post.json
        post_id = posted.view.post_id
        question = await question_of(app, post_id)
        assert custom_ids(body["components"]) == [
            f"quiz:answer:{post_id}:{c.index}" for c in posted.view.shown
        ]
        [card] = body["embeds"]
        assert question.prompt in card["description"]
        closes = fields(body)["Answers close"]
        assert closes.startswith("Tue 3 Mar 15:00 CET (<t:")  # 6 h window, in Berlin time
        assert_within_discord_limits(body)
        message_id = post.response["id"]
        claim = await app.db.read(daily_store.last_claim, CHANNEL_KEY)
        assert (claim.status, claim.message_ref, claim.post_id) == (
            "posted",
            f"{CHANNEL_ID}:{message_id}",
            post_id,
        )

        # clicks on it take the usual answer path: private result with the Why, a stored answer
        right, wrong = question.correct_index, (question.correct_index + 1) % len(question.choices)
        clock.set(datetime(2026, 3, 3, 8, 5, tzinfo=UTC))
        first = await click(fake, f"quiz:answer:{post_id}:{right}", int(message_id))
        clock.set(datetime(2026, 3, 3, 8, 9, tzinfo=UTC))
        second = await click(fake, f"quiz:answer:{post_id}:{wrong}", int(message_id), user=bob)
        assert first.json["data"]["flags"] == EPHEMERAL
        assert "✅" in embed_text(first.json["data"])
        assert question.why in embed_text(first.json["data"])
        assert second.json["data"]["flags"] == EPHEMERAL
        assert "❌" in embed_text(second.json["data"])
        stored = await app.db.read(daily_store.post_answers, post_id)
        assert stored.counts == {right: 1, wrong: 1}
        assert stored.first_right.user_key == "discord:444444444444444444"

        # 15:00 CET: the window closes; the results reply to the question in the channel
        closing = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
        mark = fake.mark()
        run = await scheduler.run_due(closing)
        clock.set(closing)
        [results] = run.results
        reply = await fake.wait_for_request(method="POST", path=MESSAGES, since=mark)
        late = await click(fake, f"quiz:answer:{post_id}:{right}", int(message_id), user=bob)

    body = reply.json
    assert str(body["message_reference"]["message_id"]) == message_id
    assert body["allowed_mentions"]["replied_user"] is False
    assert "components" not in body or not body["components"]  # no buttons on the results
    text = embed_text(body)
    # the letters the question showed (its choices were shuffled for this post)
    letters = {c.index: c.letter for c in posted.view.shown}
    assert f"✅ **{letters[right]})** {question.choices[right]} — 1 (50%)" in text
    assert f"**{letters[wrong]})** {question.choices[wrong]} — 1 (50%)" in text
    assert fields(body)["Correct answer"] == f"**{letters[right]}) {question.answer}**"
    assert fields(body)["Why"] == question.why
    first_at = int(datetime(2026, 3, 3, 8, 5, tzinfo=UTC).timestamp())
    assert fields(body)["First right"] == f"🏅 Alice at <t:{first_at}:t>"
    assert_within_discord_limits(body)
    assert results.question_ref == f"{CHANNEL_ID}:{message_id}"
    claim = await app.db.read(daily_store.last_claim, CHANNEL_KEY)
    assert (claim.results_status, claim.results_ref) == (
        "posted",
        f"{CHANNEL_ID}:{reply.response['id']}",
    )
    # after the close an answer is refused privately, and not stored
    assert late.json["data"]["flags"] == EPHEMERAL
    assert "closed at Tue 3 Mar 15:00 CET" in embed_text(late.json["data"])
    assert sum((await answer_counts(app, post_id)).values()) == 2


async def test_the_bots_own_scheduler_posts_on_time_and_stops_on_close(fake, app, clock):
    bot = make_bot(app)
    assert bot.daily_scheduler is None
    async with fake.run(bot):
        scheduler = bot.daily_scheduler
        assert scheduler is not None and app.daily.schedulers["discord"] is scheduler
        await set_weekday_schedule(fake)
        mark = fake.mark()
        clock.set(TUE_0900_CET)  # the loop sleeps on the clock: moving it is what wakes it
        post = await fake.wait_for_request(method="POST", path=MESSAGES, since=mark)
        assert post.json["embeds"][0]["title"].startswith("📅 Daily question · ")
        assert len(custom_ids(post.json["components"])) >= 2
    assert bot.daily_scheduler is None and "discord" not in app.daily.schedulers
    claim = await app.db.read(daily_store.last_claim, CHANNEL_KEY)
    assert (claim.local_date, claim.status) == ("2026-03-03", "posted")


async def test_daily_now_posts_at_once_and_only_once_a_day(fake, app):
    async with fake.run(make_bot(app)):
        first, deferred = await daily(fake, "now")
        nothing_set = await fake.wait_for_followup(first)  # the defer comes before the work
        await set_weekday_schedule(fake)
        mark = fake.mark()
        payload, cb = await daily(fake, "now")
        assert cb.json["type"] == 5 and cb.json["data"]["flags"] & EPHEMERAL  # deferred, private
        done = await fake.wait_for_followup(payload)
        post = await fake.wait_for_request(method="POST", path=MESSAGES, since=mark)
        again, _ = await daily(fake, "now")
        again_done = await fake.wait_for_followup(again)
    assert deferred.json["type"] == 5
    assert nothing_set.json["content"].startswith("No daily question is set here; set one first")
    assert done.json["content"].startswith("Posted today's daily question (Q")
    assert "answers close Tue 3 Mar 09:00 CET" in done.json["content"]
    assert post.json["embeds"][0]["title"].startswith("📅 Daily question · ")
    assert again_done.json["content"].startswith("Today's daily question was already posted here")
    claim = await app.db.read(daily_store.last_claim, CHANNEL_KEY)
    assert (claim.local_date, claim.status) == ("2026-03-02", "posted")


async def test_a_refused_post_is_recorded_and_shown(fake, app, clock, caplog):
    fake.add_route(
        "POST",
        rf"/channels/{CHANNEL_ID}/messages",
        lambda req, match: (403, {"message": "Missing Permissions", "code": 50013}),
    )
    bot = make_bot(app)
    async with fake.run(bot):
        await set_weekday_schedule(fake)
        run = await bot.daily_scheduler.run_due(TUE_0900_CET)
        clock.set(TUE_0900_CET)
        _, shown = await daily(fake, "show", admin=False)
    assert run.failed == [f"discord:{GUILD_ID}:{CHANNEL_ID}"] and not run.posted
    claim = await app.db.read(daily_store.last_claim, CHANNEL_KEY)
    assert claim.status == "failed" and "403 Missing Permissions" in claim.error
    assert fields(shown.json["data"])["Last post"].startswith(
        "2026-03-03: failed: DiscordPostError"
    )
    assert fields(shown.json["data"])["Next post"].startswith("Wed 4 Mar 09:00 CET")


# -- the results message on its own ----------------------------------------------------------------


def results(**changes: Any) -> DailyResults:
    values: dict[str, Any] = dict(
        channel=ChannelRef("discord", str(GUILD_ID), str(CHANNEL_ID)),
        post_id=7,
        question_ref=f"{CHANNEL_ID}:99",
        local_date=datetime(2026, 3, 3).date(),
        card_title="Locks",
        prompt="Which?",
        choices=("one", "two"),
        counts=(0, 0),
        correct_index=1,
        correct_text="two",
        why="Because.",
        first_right=None,
        first_right_at=None,
    )
    values.update(changes)
    return DailyResults(**values)


def test_results_with_no_answers_and_huge_texts_stay_within_limits():
    [empty] = render(results())
    assert "Nobody answered this one." in empty.embeds[0].description
    assert "First right" not in [f.name for f in empty.embeds[0].fields]
    [huge] = render(
        results(
            prompt="p" * 5000,
            choices=tuple("c" * 900 for _ in range(4)),
            counts=(3, 1, 0, 0),
            correct_index=0,
            correct_text="c" * 900,
            why="w" * 3000,
            first_right="*bold* name",
        )
    )
    body = {"embeds": [e.to_dict() for e in huge.embeds]}
    assert_within_discord_limits(body)
    assert r"\*bold\* name" in embed_text(body)  # a display name is not markdown


def test_results_reply_only_to_a_question_in_the_same_channel():
    target = reply_target(f"{CHANNEL_ID}:99", str(CHANNEL_ID))
    assert target is not None
    assert (target.message_id, target.channel_id, target.fail_if_not_exists) == (
        99,
        CHANNEL_ID,
        False,
    )
    assert reply_target(None, str(CHANNEL_ID)) is None
    assert reply_target(f"{CHANNEL_ID}:99", "1") is None  # another channel: a plain post
    assert reply_target("console:3", str(CHANNEL_ID)) is None


async def test_results_without_a_question_message_are_a_plain_post(fake, app):
    bot = make_bot(app)
    async with fake.run(bot):
        ref = await ChannelPoster(bot.platform).post_results(
            ChannelRef("discord", str(GUILD_ID), str(CHANNEL_ID)), results(question_ref=None)
        )
        post = await fake.wait_for_request(method="POST", path=MESSAGES)
    assert "message_reference" not in post.json
    assert ref == f"{CHANNEL_ID}:{post.response['id']}"


async def test_results_without_read_message_history_are_a_plain_post(fake, app):
    def refuse_replies(req, match):
        if req.json.get("message_reference"):
            return 400, {
                "message": "Cannot reply without permission to read message history",
                "code": 160002,
            }
        return 200, fake._create_message(CHANNEL_ID, req.json)

    fake.add_route("POST", rf"/channels/{CHANNEL_ID}/messages", refuse_replies)
    bot = make_bot(app)
    async with fake.run(bot):
        ref = await ChannelPoster(bot.platform).post_results(
            ChannelRef("discord", str(GUILD_ID), str(CHANNEL_ID)), results()
        )
    refused, plain = [r for r in fake.requests if r.path == MESSAGES]
    assert refused.status == 400 and "message_reference" in refused.json
    assert "message_reference" not in plain.json
    assert ref == f"{CHANNEL_ID}:{plain.response['id']}"


async def test_a_refused_results_post_raises_for_the_scheduler(fake, app):
    fake.add_route(
        "POST",
        rf"/channels/{CHANNEL_ID}/messages",
        lambda req, match: (404, {"message": "Unknown Channel", "code": 10003}),
    )
    bot = make_bot(app)
    async with fake.run(bot):
        with pytest.raises(DiscordPostError, match="404 Unknown Channel"):
            await ChannelPoster(bot.platform).post_results(
                ChannelRef("discord", str(GUILD_ID), str(CHANNEL_ID)), results()
            )

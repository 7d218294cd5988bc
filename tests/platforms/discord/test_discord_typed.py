"""Typed-answer questions and reload on Discord: the REAL discord.py client against the loopback
FakeDiscord. An "Answer" button opens a modal; its submission is answered privately."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from adapters.discord_bot import render
from bot.app import QuizApp
from bot.features.daily import DailyQuestion, DailyResults
from bot.features.quiz import QuestionView
from bot.features.quiz.requests import AnswerTyped
from bot.features.quiz.service import RETIRED_TEXT
from bot.kernel.identity import Actor, ChannelRef
from tests.fakes.discord_server import CHANNEL_ID, GUILD_ID, USER_ID, FakeDiscord, custom_ids
from tests.platforms.discord.test_discord_adapter import (
    ADMIN_PERMISSIONS,
    EPHEMERAL,
    adapter_errors,
    assert_within_discord_limits,
    click,
    embed_text,
    make_bot,
    run_command,
)
from tests.recorded import NO_SCORE, Score, answer_counts, kept_answer, right_answers, score_of
from tests.typed_content import typed_content

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

NET = "networking-basics"
MODAL = 9  # interaction callback type: show a modal


@pytest.fixture(name="fake")
async def fake_discord():
    async with FakeDiscord() as server:
        yield server


@pytest.fixture(autouse=True)
def fail_on_adapter_errors(caplog):
    yield
    errors = adapter_errors(caplog)
    assert not errors, [r.getMessage() for r in errors]


@pytest.fixture
async def app(db_target, tmp_path, clock):
    app = await QuizApp.open(db_target, typed_content(tmp_path / "content"), clock=clock)
    yield app
    await app.close()


def member(user_id: object) -> Actor:
    return Actor("discord", str(user_id), str(user_id), str(GUILD_ID), str(CHANNEL_ID))


async def post_typed_question(fake: FakeDiscord) -> tuple[dict, int, str]:
    payload, cb = await run_command(fake, "question", options={"topic": NET})
    [button] = custom_ids(cb.json["data"]["components"])
    return fake.original_response(payload), int(button.split(":")[2]), button


async def submit(fake: FakeDiscord, post_id: int, text: str, **kwargs):
    payload = fake.modal_submit(f"quiz:typed-answer:{post_id}", {"answer": text}, **kwargs)
    await fake.dispatch("INTERACTION_CREATE", payload)
    return await fake.wait_for_reply(payload)


async def test_a_typed_question_has_one_answer_button_that_opens_a_text_box(fake, app):
    async with fake.run(make_bot(app)):
        message, post_id, button = await post_typed_question(fake)
        opened = await click(fake, button, message)

    assert button == f"quiz:typed:{post_id}"
    [embed] = message["embeds"]
    assert embed["title"] == "Question · Networking basics"
    assert embed["description"] == "Which transport protocol retransmits lost segments?"
    assert "type your answer" in embed["footer"]["text"]
    assert opened.json["type"] == MODAL
    modal = opened.json["data"]
    assert modal["custom_id"] == f"quiz:typed-answer:{post_id}"
    assert modal["title"] == f"Q{post_id} · Networking basics"
    [text_input] = [c for row in modal["components"] for c in row["components"]]
    assert text_input["custom_id"] == "answer" and text_input["max_length"] == 200
    assert text_input["label"] == "Your answer"


async def test_typed_answers_are_private_scored_and_the_first_one_counts(fake, app):
    bob = fake.make_user("bob")
    async with fake.run(make_bot(app)):
        _, post_id, _ = await post_typed_question(fake)
        right = await submit(fake, post_id, "Transmission control protocol")
        wrong = await submit(fake, post_id, "UDP", user=bob)
        again = await submit(fake, post_id, "TCP", user=bob)

    for cb in (right, wrong, again):
        assert cb.json["type"] == 4 and cb.json["data"]["flags"] == EPHEMERAL
        assert "TCP acknowledges every segment" in embed_text(cb.json["data"])
    assert right.json["data"]["embeds"][0]["title"] == "✅ Correct! +10 points"
    assert right.json["data"]["embeds"][0]["footer"]["text"].endswith("· day streak: 1")
    assert "You typed: Transmission control protocol" in embed_text(right.json["data"])
    assert wrong.json["data"]["embeds"][0]["title"] == "❌ Not quite."
    text = embed_text(wrong.json["data"])
    assert "You typed: UDP" in text
    assert "**The answer is TCP (also: Transmission Control Protocol).**" in text
    assert again.json["data"]["embeds"][0]["title"] == "You already answered: UDP — no change."
    assert "You typed: UDP" in embed_text(again.json["data"])
    assert await answer_counts(app, post_id) == {-1: 2}  # two typed answers, bob's second not
    ada_kept, bob_kept = [await kept_answer(app, member(u), post_id) for u in (USER_ID, bob["id"])]
    assert (ada_kept.typed, ada_kept.correct) == ("Transmission control protocol", True)
    assert (bob_kept.typed, bob_kept.correct) == ("UDP", False)
    assert await score_of(app, f"discord:{USER_ID}", str(GUILD_ID)) == Score(10, 1, 1)
    assert await score_of(app, f"discord:{bob['id']}", str(GUILD_ID)) == Score(0, 1, 0)


async def test_an_empty_box_gets_one_private_line(fake, app):
    async with fake.run(make_bot(app)):
        _, post_id, _ = await post_typed_question(fake)
        cb = await submit(fake, post_id, "   ")
    assert cb.json["data"]["flags"] == EPHEMERAL
    assert "Type an answer: the box was empty." in embed_text(cb.json["data"])
    assert await answer_counts(app, post_id) == {}


async def test_the_button_and_the_box_work_after_a_restart(fake, db_target, tmp_path, clock):
    content = typed_content(tmp_path / "content")
    app = await QuizApp.open(db_target, content, clock=clock)
    try:
        async with fake.run(make_bot(app)):
            message, post_id, button = await post_typed_question(fake)
            await click(fake, button, message)  # the box opened before the restart
    finally:
        await app.close()
    app = await QuizApp.open(db_target, content, clock=clock)
    try:
        async with fake.run(make_bot(app)):
            cb = await submit(fake, post_id, "tcp")
            reopened = await click(fake, button, int(message["id"]))
    finally:
        await app.close()
    assert cb.json["data"]["embeds"][0]["title"] == "✅ Correct! +10 points"
    assert reopened.json["type"] == MODAL
    app = await QuizApp.open(db_target, content, clock=clock)  # both closed: what was kept
    try:
        assert await answer_counts(app, post_id) == {-1: 1}
        assert await right_answers(app, post_id) == 1
    finally:
        await app.close()


async def test_a_retired_questions_buttons_say_so(fake, app, tmp_path):
    async with fake.run(make_bot(app)):
        message, post_id, button = await post_typed_question(fake)
        _, choice_cb = await run_command(
            fake, "question", options={"topic": "processes-vs-threads"}
        )
        choice_ids = custom_ids(choice_cb.json["data"]["components"])
        (tmp_path / "content" / f"{NET}.yaml").unlink()
        (tmp_path / "content" / "processes-vs-threads.yaml").unlink()
        for yaml_file in (tmp_path / "content").glob("*.yaml"):  # drop links to removed cards
            text = yaml_file.read_text(encoding="utf-8")
            yaml_file.write_text(
                text.replace("- processes-vs-threads\n", "").replace(
                    "next: [processes-vs-threads]", "next: []"
                ),
                encoding="utf-8",
            )
        reloaded = await app.reload_content()
        assert reloaded.ok, reloaded.problems
        typed_cb = await click(fake, button, message)
        old_choice_cb = await click(fake, choice_ids[0])
    for cb in (typed_cb, old_choice_cb):
        assert cb.json["type"] == 4 and cb.json["data"]["flags"] == EPHEMERAL
        assert RETIRED_TEXT in embed_text(cb.json["data"])


async def test_reload_is_for_admins_and_lists_problems(fake, app, tmp_path):
    (tmp_path / "content" / "broken.yaml").write_text("card: [unclosed\n", encoding="utf-8")
    async with fake.run(make_bot(app)):
        member, _ = await run_command(fake, "reload")
        member_reply = await fake.wait_for_followup(member)
        admin, _ = await run_command(fake, "reload", permissions=ADMIN_PERMISSIONS)
        admin_reply = await fake.wait_for_followup(admin)
    assert "Only admins can reload the content." in embed_text(member_reply.json)
    text = embed_text(admin_reply.json)
    assert "Content not reloaded: 1 problem; still serving the previous content." in text
    assert "broken.yaml:1: invalid YAML" in text
    assert admin_reply.json["flags"] & EPHEMERAL


def test_typed_daily_results_show_the_tally_and_the_accepted_answers():
    results = DailyResults(
        channel=ChannelRef("discord", "1", "2"),
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
    body = {"embeds": [e.to_dict() for e in message.embeds]}
    assert_within_discord_limits(body)
    text = embed_text(body)
    assert "3 people answered, 2 right (67%)." in text
    assert "Accepted answers\nICMP, Internet Control Message Protocol" in text
    assert "Why\nping sends ICMP echo requests." in text


def test_a_typed_daily_question_is_posted_with_the_answer_button():
    view = QuestionView(
        post_id=9,
        question_id="net-ping-protocol",
        topic_id=NET,
        card_title="Networking basics",
        prompt="Which protocol does ping use?",
        choices=(),
        reason="daily question",
        typed=True,
    )
    daily = DailyQuestion(
        channel=ChannelRef("discord", "1", "2"),
        view=view,
        local_date=date(2026, 3, 2),
        zone="Europe/Berlin",
        closes_at=datetime(2026, 3, 3, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")),
    )
    [message] = render(daily)
    [embed] = message.embeds
    assert embed.title == "📅 Daily question · Mon 2 Mar · Networking basics"
    assert embed.description == "Which protocol does ping use?"
    assert message.view is not None
    assert [item.custom_id for item in message.view.children] == ["quiz:typed:9"]


async def test_a_slow_typed_answer_is_deferred_privately_then_followed_up(fake, app):
    """Typed answers keep Discord's 3-second deadline like clicks: a store slower than the safe
    margin gets a private "thinking" defer first, then the result, exactly once each."""
    release = asyncio.Event()
    original = app.dispatch

    async def slow_store(actor, request):
        if isinstance(request, AnswerTyped):
            await release.wait()
        return await original(actor, request)

    async with fake.run(make_bot(app, answer_deadline=0.05)):
        _, post_id, _ = await post_typed_question(fake)
        app.dispatch = slow_store
        payload = fake.modal_submit(f"quiz:typed-answer:{post_id}", {"answer": "TCP"})
        await fake.dispatch("INTERACTION_CREATE", payload)
        deferred = await fake.wait_for_callback(payload)
        release.set()
        followup = await fake.wait_for_followup(payload)
    assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] == EPHEMERAL
    assert followup.json["flags"] == EPHEMERAL
    assert "TCP acknowledges every segment" in embed_text(followup.json)
    token = payload["token"]
    assert sum(token in r.path and r.path.endswith("/callback") for r in fake.requests) == 1
    assert await answer_counts(app, post_id) == {-1: 1}
    assert (await kept_answer(app, member(USER_ID), post_id)).typed == "TCP"


async def test_a_typed_answer_while_stopping_is_refused_and_not_stored(fake, app):
    """Like a click: once the bot is stopping, a typed answer gets the private "restarting"
    reply and nothing is stored (before, typed answers bypassed the stop entirely)."""
    bot = make_bot(app)
    async with fake.run(bot):
        _, post_id, _ = await post_typed_question(fake)
        bot.stop_signal.request()
        refused = await submit(fake, post_id, "TCP")
    assert refused.json["data"]["flags"] == EPHEMERAL
    assert "restarting" in json.dumps(refused.json)
    assert await answer_counts(app, post_id) == {}
    assert await score_of(app, f"discord:{USER_ID}", str(GUILD_ID)) == NO_SCORE

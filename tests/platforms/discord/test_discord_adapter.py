"""The Discord adapter driven by the REAL discord.py client against the loopback FakeDiscord."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import discord
import pytest
import yaml

from adapters import discord_bot
from adapters.discord_bot import DiscordPoster, DiscordPostError, QuizBot, bot_intents, render
from adapters.discord_bot.render import MAX_CARD_MESSAGES
from adapters.platform import NoRenderer
from bot import cli
from bot.app import QuizApp
from bot.content import Card, Question, Section
from bot.demos import DEMO_NAMES, DemoRunner
from bot.demos.requests import RunDemo
from bot.features.answers import PostKind
from bot.features.boards import UserStats
from bot.features.boards.requests import ShowLeaderboard
from bot.features.boards.results import BoardScope, Period, Sort
from bot.features.daily import store as daily_store
from bot.features.daily.requests import SetDailySchedule, StopDailySchedule
from bot.features.daily.store import DAILY_POST
from bot.features.groups.requests import JoinGroup
from bot.features.quiz import CardPart, CardView
from bot.features.quiz import store as quiz_store
from bot.features.quiz.requests import AnswerQuestion
from bot.features.quiz.results import choice_order
from bot.kernel.identity import Actor
from bot.kernel.results import Notice
from tests.conftest import CONTENT, ROOT
from tests.fakes.discord_server import (
    APPLICATION_ID,
    CHANNEL_ID,
    DISCORD_EPOCH_MS,
    GUILD_ID,
    MEMBER_PERMISSIONS,
    USER_ID,
    FakeDiscord,
    custom_ids,
)
from tests.outages import NO_SUCH_TABLE, read_only_writer, table_gone
from tests.recorded import answer_counts

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

EPHEMERAL = 64
ADMIN_PERMISSIONS = discord.Permissions(
    MEMBER_PERMISSIONS.value | discord.Permissions(manage_guild=True).value
)
PVT = "processes-vs-threads"


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


def adapter_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name.startswith("adapters.") and r.levelno >= logging.ERROR
    ]


@pytest.fixture(autouse=True)
def fail_on_adapter_errors(caplog):
    """The adapter catches command errors to tell the user; tests must still see them (the
    fake only raises what discord.py's own loggers report)."""
    yield
    errors = adapter_errors(caplog)
    assert not errors, [r.getMessage() for r in errors]


def make_bot(app: QuizApp, **options: Any) -> QuizBot:
    # READY at once: the bot needs no guild cache (tests/fakes/discord_server.py says why); the
    # 0.05 s wait for more GUILD_CREATEs was most of a start
    return QuizBot(app, guild_ready_timeout=0, chunk_guilds_at_startup=False, **options)


async def run_command(
    fake: FakeDiscord, *args: Any, first_response: bool = False, **kwargs: Any
) -> tuple[dict, Any]:
    """A /quiz command and the reply the user sees (the follow-up, if a busy machine made the
    bot defer); ``first_response``: the interaction's own callback (a defer stays one)."""
    payload = fake.slash_command("quiz", *args, **kwargs)
    await fake.dispatch("INTERACTION_CREATE", payload)
    if first_response:
        return payload, await fake.wait_for_callback(payload)
    return payload, await fake.wait_for_reply(payload)


async def post_question(fake: FakeDiscord, topic: str = PVT) -> tuple[dict, int, list[str]]:
    """/quiz question: the posted message, its post id and its buttons' custom_ids."""
    payload, cb = await run_command(fake, "question", options={"topic": topic})
    ids = custom_ids(cb.json["data"]["components"])
    return fake.original_response(payload), int(ids[0].split(":")[2]), ids


def button_for(ids: list[str], choice: int) -> str:
    """The custom id of the button for the content's ``choice`` (buttons are shown shuffled)."""
    return next(i for i in ids if i.endswith(f":{choice}"))


async def stats_of(app: QuizApp, user_id: str) -> UserStats:
    actor = Actor("discord", user_id, user_id, str(GUILD_ID), str(CHANNEL_ID))
    return await app.boards.stats(actor)


async def question_of(app: QuizApp, post_id: int) -> Question:
    """The question a post asks, read through the quiz's store (either backend)."""
    post = await app.db.read(quiz_store.get_post, post_id)
    return app.pack.question(post.question_id)


async def click(fake: FakeDiscord, custom_id: str, message=None, **kwargs: Any):
    payload = fake.component_click(custom_id, message, **kwargs)
    await fake.dispatch("INTERACTION_CREATE", payload)
    return await fake.wait_for_reply(payload)


def assert_within_discord_limits(body: dict) -> None:
    assert len(body.get("content") or "") <= 2000
    embeds = body.get("embeds") or []
    assert len(embeds) <= 10
    total = 0
    for e in embeds:
        title, description = e.get("title") or "", e.get("description") or ""
        footer = (e.get("footer") or {}).get("text") or ""
        fields = e.get("fields") or []
        assert len(title) <= 256 and len(description) <= 4096 and len(footer) <= 2048
        assert len(fields) <= 25
        for f in fields:
            assert 0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024
        total += len(title) + len(description) + len(footer)
        total += sum(len(f["name"]) + len(f["value"]) for f in fields)
    assert total <= 6000


def embed_text(body: dict) -> str:
    parts = [body.get("content") or ""]
    for e in body.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or ""]
        parts += [f"{f['name']}\n{f['value']}" for f in e.get("fields") or []]
        parts.append((e.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


# -- start-up ------------------------------------------------------------------------------------


async def test_commands_sync_to_one_guild_and_no_privileged_intents(fake, app):
    async with fake.run(make_bot(app, guild_id=GUILD_ID)):
        pass
    put = await fake.wait_for_request(
        method="PUT", path=f"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands"
    )
    [quiz] = put.json
    assert quiz["name"] == "quiz"
    options = {o["name"]: o for o in quiz["options"]}
    assert {"question", "card", "leaderboard", "stats", "demo", "topics", "help"} <= set(options)
    assert {o["name"] for o in options["daily"]["options"]} == {"set", "show", "off", "now"}
    assert {o["name"] for o in options["group"]["options"]} >= {
        "create",
        "join",
        "leave",
        "list",
        "members",
    }
    assert {"review", "timezone"} <= set(options)

    def walk(option: dict):
        yield option
        for child in option.get("options") or []:
            yield from walk(child)

    for option in walk(quiz):  # what Discord would refuse
        assert re.fullmatch(r"[-_a-z0-9]{1,32}", option["name"]), option["name"]
        assert 1 <= len(option["description"]) <= 100, option["name"]
        assert len(option.get("options") or []) <= 25
    identify = next(f for f in fake.gateway_received if f["op"] == 2)
    assert identify["d"]["intents"] == bot_intents().value
    privileged = discord.Intents(members=True, presences=True, message_content=True).value
    assert identify["d"]["intents"] & privileged == 0
    assert not any(r.path == f"/applications/{APPLICATION_ID}/commands" for r in fake.requests)


async def test_commands_sync_globally_without_guild(fake, app):
    async with fake.run(make_bot(app)):
        pass
    put = await fake.wait_for_request(method="PUT", path=f"/applications/{APPLICATION_ID}/commands")
    assert [c["name"] for c in put.json] == ["quiz"]


# -- questions and answers -------------------------------------------------------------------


async def test_question_posts_embed_with_one_button_per_choice(fake, app):
    async with fake.run(make_bot(app)):
        payload, cb = await run_command(fake, "question", options={"topic": PVT})

    assert cb.json["type"] == 4
    data = cb.json["data"]
    assert not (data.get("flags") or 0) & EPHEMERAL  # the whole channel sees the question
    ids = custom_ids(data["components"])
    post_id = int(ids[0].split(":")[2])
    question = await question_of(app, post_id)
    assert question.topic_id == PVT
    # one button per choice, in the post's shuffled order, each carrying the content's index
    order = choice_order(post_id, question.id, len(question.choices), question.keep_order)
    assert ids == [f"quiz:answer:{post_id}:{i}" for i in order]
    [embed] = data["embeds"]
    assert question.prompt in embed["description"]
    buttons = [c for row in data["components"] for c in row["components"]]
    assert buttons[0]["label"] == f"A) {question.choices[order[0]]}"
    assert all(len(b["label"]) <= 80 for b in buttons)
    assert_within_discord_limits(data)
    post = await app.quiz.get_post(post_id)
    assert post.channel_key == f"discord:{GUILD_ID}:{CHANNEL_ID}"
    assert post.workspace_key == f"discord:{GUILD_ID}" and post.asked_by == f"discord:{USER_ID}"


async def test_right_and_wrong_clicks_reply_privately_with_the_why(fake, app):
    bob = fake.make_user("bob")
    async with fake.run(make_bot(app)):
        message, post_id, ids = await post_question(fake)
        question = await question_of(app, post_id)
        right, wrong = question.correct_index, (question.correct_index + 1) % len(question.choices)
        alice_cb = await click(fake, button_for(ids, right), message)
        bob_cb = await click(fake, button_for(ids, wrong), message, user=bob)

    for cb in (alice_cb, bob_cb):
        assert cb.json["type"] == 4 and cb.json["data"]["flags"] == EPHEMERAL
        assert question.why in embed_text(cb.json["data"])
        assert question.answer in embed_text(cb.json["data"])
    # right and wrong said correctly through shuffled buttons (the wording: test_render_discord)
    assert "✅" in embed_text(alice_cb.json["data"]) and "10 points" in embed_text(
        alice_cb.json["data"]
    )
    assert "❌" in embed_text(bob_cb.json["data"])
    # stored by the content's index, whatever letter the button showed
    assert await answer_counts(app, post_id) == {right: 1, wrong: 1}
    alice, bob_stats = await stats_of(app, str(USER_ID)), await stats_of(app, bob["id"])
    assert (alice.points, alice.correct, bob_stats.points, bob_stats.answered) == (10, 1, 0, 1)
    assert bob_stats.display_name == "Bob"  # Discord's display name (global name)


async def test_second_click_says_already_answered_and_changes_nothing(fake, app):
    async with fake.run(make_bot(app)):
        message, post_id, ids = await post_question(fake)
        question = await question_of(app, post_id)
        first = question.correct_index
        await click(fake, button_for(ids, first), message)
        again = await click(fake, button_for(ids, (first + 1) % len(ids)), message)

    data = again.json["data"]
    assert data["flags"] == EPHEMERAL
    assert question.choices[first] in embed_text(data)  # the first answer, not the second
    assert await answer_counts(app, post_id) == {first: 1}
    stats = await stats_of(app, str(USER_ID))
    assert (stats.points, stats.answered) == (10, 1)


async def test_buttons_work_after_a_restart(fake, db_target, clock):
    app = await QuizApp.open(db_target, CONTENT, clock=clock)
    try:
        async with fake.run(make_bot(app)):
            message, post_id, ids = await post_question(fake)
    finally:
        await app.close()

    # a new process: a new app on the same database, a new client, no view state at all
    app = await QuizApp.open(db_target, CONTENT, clock=clock)
    try:
        question = await question_of(app, post_id)
        async with fake.run(make_bot(app)):
            cb = await click(fake, button_for(ids, question.correct_index), int(message["id"]))
    finally:
        await app.close()
    assert cb.json["data"]["flags"] == EPHEMERAL
    assert "✅" in embed_text(cb.json["data"])
    app = await QuizApp.open(db_target, CONTENT, clock=clock)  # both closed: what was kept
    try:
        assert await answer_counts(app, post_id) == {question.correct_index: 1}
    finally:
        await app.close()


async def test_question_views_are_never_kept_in_memory(fake, app):
    """Clicks go through the registered DynamicItem only, so no view can time out and take the
    answer-button template with it (discord.py unregisters a removed view's templates)."""
    bot = make_bot(app)
    async with fake.run(bot):
        message, post_id, ids = await post_question(fake)
        assert bot._connection._view_store.persistent_views == []
        assert bot._connection._view_store._views == {}
        cb = await click(fake, ids[0], message)
    assert cb.json["data"]["flags"] == EPHEMERAL


async def test_a_failing_click_is_logged_and_the_clicker_told(fake, app, caplog):
    async def broken(actor, request):
        raise RuntimeError("a bug in the answer path")

    async with fake.run(make_bot(app)):
        message, post_id, ids = await post_question(fake)
        app.dispatcher.register(AnswerQuestion, broken, replace=True)
        cb = await click(fake, ids[0], message)
    assert cb.json["data"]["flags"] == EPHEMERAL
    assert cb.json["data"]["content"] == "Something went wrong on our side; please try again."
    [record] = adapter_errors(caplog)
    assert record.getMessage() == "answer click failed"
    assert "a bug in the answer path" in str(record.exc_info[1])
    caplog.clear()  # expected: the autouse check below would report it


async def test_a_storage_outage_on_a_click_is_one_line(fake, app, backend, caplog):
    async with fake.run(make_bot(app)):
        message, post_id, ids = await post_question(fake)
        async with table_gone(app, "answers"):  # a real outage: the table is not there
            cb = await click(fake, ids[0], message)
            [logged] = [r for r in caplog.records if r.name == "bot.kernel.dispatch"]
    assert cb.json["data"]["flags"] == EPHEMERAL
    assert cb.json["data"]["content"] == "Couldn't save your answer — please try again."
    assert "AnswerQuestion" in logged.getMessage()
    assert NO_SUCH_TABLE[backend] in logged.getMessage()
    assert logged.exc_info is None  # one line, no traceback


async def test_question_and_answer_in_a_dm(fake, app):
    async with fake.run(make_bot(app)):
        payload, cb = await run_command(fake, "question", guild_id=None)
        ids = custom_ids(cb.json["data"]["components"])
        answer = await click(fake, ids[0], fake.original_response(payload), guild_id=None)
    post_id = int(ids[0].split(":")[2])
    # each DM user is a workspace of their own: no shared DM leaderboard
    assert (await app.quiz.get_post(post_id)).workspace_key == f"discord:dm-{USER_ID}"
    assert answer.json["data"]["flags"] == EPHEMERAL
    assert sum((await answer_counts(app, post_id)).values()) == 1


async def test_unknown_topic_is_a_private_one_line_error(fake, app):
    async with fake.run(make_bot(app)):
        _, cb = await run_command(fake, "question", options={"topic": "procesess"})
    data = cb.json["data"]
    assert data["flags"] == EPHEMERAL
    assert data["content"].startswith("Unknown topic 'procesess'. Did you mean")
    assert await app.quiz.get_post(1) is None  # nothing was posted


async def test_topic_autocomplete(fake, app):
    async with fake.run(make_bot(app)):
        payload = fake.autocomplete("quiz", "question", {"topic": "lock"}, focused="topic")
        await fake.dispatch("INTERACTION_CREATE", payload)
        cb = await fake.wait_for_reply(payload)
        demos = fake.autocomplete("quiz", "demo", {"name": ""}, focused="name")
        await fake.dispatch("INTERACTION_CREATE", demos)
        demo_cb = await fake.wait_for_reply(demos)
    assert cb.json["type"] == 8
    values = [c["value"] for c in cb.json["data"]["choices"]]
    # the topics whose id has "lock" in it, in lesson order
    assert values == [c.id for c in app.pack.cards if "lock" in c.id]
    assert values[0] == "locks-and-synchronization"
    choices = demo_cb.json["data"]["choices"]
    assert [c["value"] for c in choices] == list(DEMO_NAMES)
    assert choices[0]["name"].startswith("spawn — ") and all(len(c["name"]) <= 100 for c in choices)


# -- cards within Discord's limits -----------------------------------------------------------


async def card_messages(
    fake: FakeDiscord, app: QuizApp, topic: str, part: CardPart = CardPart.FULL
) -> list[dict]:
    expected = len(render(await app.quiz.card_view(topic, part)))
    payload, cb = await run_command(fake, "card", options={"topic": topic, "part": part.value})
    hook = f"/webhooks/{APPLICATION_ID}/{payload['token']}"
    followups = await fake.wait_for(
        lambda: (
            found
            if len(found := [r for r in fake.requests if r.path == hook]) >= expected - 1
            else None
        ),
        what="card follow-ups",
    )
    return [cb.json["data"], *(r.json for r in followups)]


@pytest.mark.parametrize("topic", [c.stem for c in sorted(CONTENT.glob("*.yaml"))])
async def test_shipped_cards_fit_discords_limits_and_keep_everything(fake, app, topic):
    card = app.pack.card(topic)
    async with fake.run(make_bot(app)):
        messages = await card_messages(fake, app, topic)
    assert all(r.status == 200 for r in fake.requests)
    for body in messages:
        assert_within_discord_limits(body)
    text = "\n".join(embed_text(m) for m in messages)
    assert messages[0]["embeds"][0]["title"] == card.title
    for section in card.sections:
        assert section.heading in text
        assert all(point in text for point in section.points)
    assert all(point in text for point in card.recap)
    assert all(m.claim in text and m.truth in text for m in card.misconceptions)
    if card.diagram:
        assert "```\n" + card.diagram.splitlines()[0] in text
    assert "shortened" not in text


async def test_card_part_buttons_answer_privately_also_after_a_restart(fake, app):
    async with fake.run(make_bot(app)):
        _, short = await run_command(fake, "card", options={"topic": "Processes vs Threads"})
        ids = custom_ids(short.json["data"]["components"])
        recap = next(i for i in ids if i.endswith(":recap"))
        cb = await click(fake, recap)  # a fresh click: no view kept in memory
    assert not (short.json["data"].get("flags") or 0) & EPHEMERAL
    assert cb.json["data"]["flags"] == EPHEMERAL
    card = app.pack.card(PVT)
    assert all(point in embed_text(cb.json["data"]) for point in card.recap)


def huge_card_content(folder: Path) -> Path:
    folder.mkdir()
    words = "concurrency " * 40
    card = {
        "id": "huge",
        "title": "A" * 400,
        "track": "stress",
        "summary": "S" * 5000,
        "sections": [
            {
                "heading": f"Heading {i} " + "h" * 300,
                "points": [f"{i}.{j} {words}" * 3 for j in range(12)],
            }
            for i in range(40)
        ],
        "table": {
            "columns": ["Point", "Left", "Right"],
            "rows": [[f"row {i}", "l" * 600, "r" * 600] for i in range(30)],
        },
        "misconceptions": [{"claim": "c" * 2000, "truth": "t" * 2000} for _ in range(10)],
        "diagram": "\n".join("|" + "=" * 120 + "|" for _ in range(200)),
        "diagram_caption": "caption " * 300,
        "recap": ["x" * 1500 for _ in range(10)],
        "next": [],
    }
    question = {
        "id": "huge-1",
        "prompt": "P" * 5000,
        "choices": ["c" * 300, "d" * 300],
        "answer": "c" * 300,
        "why": "w" * 5000,
    }
    path = folder / "huge.yaml"
    path.write_text(yaml.safe_dump({"card": card, "questions": [question]}), encoding="utf-8")
    return folder


async def test_huge_card_is_split_then_trimmed_never_an_api_error(fake, tmp_path, clock):
    app = await QuizApp.open(tmp_path / "q.db", huge_card_content(tmp_path / "huge"), clock=clock)
    try:
        async with fake.run(make_bot(app)):
            messages = await card_messages(fake, app, "huge")
            _, question = await run_command(fake, "question", options={"topic": "huge"})
    finally:
        await app.close()
    assert 1 < len(messages) <= MAX_CARD_MESSAGES
    for body in [*messages, question.json["data"]]:
        assert_within_discord_limits(body)
    last_footer = messages[-1]["embeds"][-1]["footer"]["text"]
    assert "shortened to fit Discord" in last_footer
    assert all(r.status == 200 for r in fake.requests)


def test_a_long_card_is_split_across_messages_without_losing_anything():
    points = tuple(f"point {i}: " + "lorem ipsum " * 70 for i in range(24))
    card = Card(
        id="long",
        title="Long",
        track="stress",
        summary="A long card.",
        sections=tuple(Section(f"Part {i}", points[i * 3 : i * 3 + 3]) for i in range(8)),
        recap=("the end",),
    )
    messages = render(CardView(card, CardPart.FULL))
    assert 1 < len(messages) <= MAX_CARD_MESSAGES
    bodies = [{"embeds": [e.to_dict() for e in m.embeds]} for m in messages]
    for body in bodies:
        assert_within_discord_limits(body)
    text = "\n".join(embed_text(b) for b in bodies)
    assert all(p in text for p in points) and "the end" in text
    assert "shortened" not in text


# -- other commands ------------------------------------------------------------------------------


async def test_leaderboard_stats_topics_and_help(fake, app):
    async with fake.run(make_bot(app)):
        message, post_id, ids = await post_question(fake)
        await click(fake, button_for(ids, (await question_of(app, post_id)).correct_index), message)
        _, board = await run_command(
            fake, "leaderboard", options={"scope": "channel", "period": "week"}
        )
        _, stats = await run_command(fake, "stats")
        _, topics = await run_command(fake, "topics")
        _, help_ = await run_command(fake, "help")

    board_embed = board.json["data"]["embeds"][0]
    assert board_embed["title"] == "This channel — this week"
    assert "Alice — 10 points" in board_embed["description"]
    assert stats.json["data"]["flags"] == EPHEMERAL
    assert "10 points" in embed_text(stats.json["data"])
    assert "Processes vs Threads" in embed_text(topics.json["data"])
    help_text = help_.json["data"]["content"]
    assert help_.json["data"]["flags"] == EPHEMERAL
    assert "`/quiz daily set <time> <zone> [days] [topic] [window] [channel]`" in help_text
    assert "`/quiz question [topic]`" in help_text


async def test_stats_of_another_user(fake, app):
    bob = fake.make_user("bob")
    async with fake.run(make_bot(app)):
        message, post_id, ids = await post_question(fake)
        right = (await question_of(app, post_id)).correct_index
        await click(fake, button_for(ids, right), message, user=bob)
        user_option = [{"name": "user", "type": 6, "value": bob["id"]}]
        _, cb = await run_command(
            fake, "stats", options=user_option, resolved={"users": {bob["id"]: bob}}
        )
    assert "Bob: 10 points" in embed_text(cb.json["data"])


async def test_group_leaderboard_needs_a_group_name(fake, app):
    seen: list[ShowLeaderboard] = []

    async def leaderboard(actor: Actor, request: ShowLeaderboard) -> Notice:
        seen.append(request)
        return Notice("board")

    app.dispatcher.register(ShowLeaderboard, leaderboard, replace=True)
    async with fake.run(make_bot(app)):
        _, missing = await run_command(fake, "leaderboard", options={"scope": "group"})
        await run_command(fake, "leaderboard", options={"group": "night owls", "period": "week"})
    assert missing.json["data"]["flags"] == EPHEMERAL
    assert "Which study group?" in missing.json["data"]["content"]
    assert seen == [
        ShowLeaderboard(BoardScope.WORKSPACE, Period.WEEK, Sort.POINTS, None, "night owls")
    ]


async def test_structured_options_become_requests_never_text(fake, app):
    seen: list[tuple[Actor, JoinGroup]] = []

    async def join(actor: Actor, request: JoinGroup) -> Notice:
        seen.append((actor, request))
        return Notice(f"You joined {request.name}.")

    app.dispatcher.register(JoinGroup, join, replace=True)
    async with fake.run(make_bot(app)):
        _, joined = await run_command(fake, "join", options={"name": "night owls"}, group="group")
        _, review = await run_command(fake, "review")  # the core's review session
    assert seen[0][1] == JoinGroup("night owls")  # the option as it was, spaces and all
    assert joined.json["data"]["content"] == "You joined night owls."
    assert joined.json["data"]["flags"] == EPHEMERAL
    assert review.json["data"]["flags"] == EPHEMERAL
    assert review.json["data"]["content"].startswith("Nothing is due for review.")


async def test_review_session_is_sent_privately_one_question_per_message(fake, app, clock):
    owner = Actor("discord", str(USER_ID), "ada", str(GUILD_ID), str(CHANNEL_ID))
    for question in app.pack.questions[:2]:
        view = await app.quiz.post_question(owner, question)
        await app.quiz.answer(owner, view.post_id, (question.correct_index + 1) % 2)
    clock.advance(datetime.timedelta(minutes=5))  # wrong answers come due after FSRS's first step
    async with fake.run(make_bot(app)):
        payload, cb = await run_command(fake, "review")
        followup = await fake.wait_for_followup(payload)
        first = custom_ids(cb.json["data"]["components"])
        post_id = int(first[0].split(":")[2])
        bob = fake.make_user("bob")
        refused = await click(fake, first[0], user=bob)
    assert cb.json["data"]["flags"] == EPHEMERAL
    assert cb.json["data"]["content"].startswith("**Review: 2 questions due.")
    assert followup.json["flags"] == EPHEMERAL and custom_ids(followup.json["components"])
    second = int(custom_ids(followup.json["components"])[0].split(":")[2])
    posts = [await app.db.read(quiz_store.get_post, pid) for pid in (post_id, second)]
    assert post_id != second and all(
        p.kind is PostKind.REVIEW and p.asked_by == owner.user_key for p in posts
    )
    assert "someone else's review question" in refused.json["data"]["content"]


# -- the daily question: admins only ---------------------------------------------------------


async def test_daily_set_by_a_non_admin_is_refused_and_stores_nothing(fake, app):
    calls: list[object] = []

    async def daily(actor: Actor, request: object) -> Notice:
        calls.append(request)
        return Notice("Daily question set.")

    app.dispatcher.register(SetDailySchedule, daily, replace=True)
    app.dispatcher.register(StopDailySchedule, daily, replace=True)
    options = {"time": "09:00", "zone": "Europe/Berlin", "days": "mon-fri"}
    async with fake.run(make_bot(app)):
        _, refused = await run_command(fake, "set", options=options, group="daily")
        _, refused_off = await run_command(fake, "off", group="daily")
    for cb in (refused, refused_off):
        assert cb.json["data"]["flags"] == EPHEMERAL
        assert "Manage Server" in cb.json["data"]["content"]
    assert calls == []
    assert await app.db.read(daily_store.schedule, f"discord:{GUILD_ID}:{CHANNEL_ID}") is None


async def test_daily_set_by_an_admin_reaches_the_core(fake, app):
    options = {"time": "09:00", "zone": "europe/berlin", "days": "mon, tue, wed, thu, fri"}
    async with fake.run(make_bot(app)):
        _, cb = await run_command(
            fake, "set", options=options, group="daily", permissions=ADMIN_PERMISSIONS
        )
        _, show = await run_command(fake, "show", group="daily")  # anyone may look
    assert cb.json["data"]["flags"] == EPHEMERAL
    assert show.json["data"]["flags"] == EPHEMERAL
    shown = json.dumps(show.json["data"], ensure_ascii=False)
    assert "09:00 Europe/Berlin" in shown and "Mon–Fri" in shown
    here = Actor("discord", str(USER_ID), "viewer", str(GUILD_ID), str(CHANNEL_ID))
    info = await app.daily.show(here)
    assert info.weekdays == (0, 1, 2, 3, 4) and info.zone == "Europe/Berlin"


# -- long work: deferred, then followed up ---------------------------------------------------


async def test_a_real_demo_is_deferred_then_followed_up(fake, tmp_path, clock):
    runner = DemoRunner(now=clock.now, extra_programs=("_nap",), timeout_s=10)
    app = await QuizApp.open(tmp_path / "q.db", CONTENT, clock=clock, demos=runner)
    try:
        async with fake.run(make_bot(app)):
            payload, cb = await run_command(
                fake, "demo", options={"name": "_nap"}, first_response=True
            )
            assert cb.json["type"] == 5  # "thinking" first: the child process is still running
            followup = await fake.wait_for_followup(payload, timeout=15)
            # the same user again at once: the core's cooldown refuses, still via defer+followup
            again, again_cb = await run_command(
                fake, "demo", options={"name": "_nap"}, first_response=True
            )
            refused = await fake.wait_for_followup(again, timeout=15)
    finally:
        await app.close()
    assert fake.requests.index(cb) < fake.requests.index(followup)
    [result] = followup.json["embeds"]
    assert result["title"] == "Test: nap" and result["description"]
    assert_within_discord_limits(followup.json)
    assert again_cb.json["type"] == 5 and "try again in" in refused.json["content"]


async def test_defer_comes_before_the_work_ends(fake, app):
    # a stand-in "demo" command that only finishes when the test says so
    release = asyncio.Event()
    started: list[RunDemo] = []

    async def demo(actor: Actor, request: RunDemo) -> Notice:
        started.append(request)
        await release.wait()
        return Notice("spawn: 50 threads in 4 ms, 50 processes in 310 ms")

    app.dispatcher.register(RunDemo, demo, replace=True)
    async with fake.run(make_bot(app)):
        payload, cb = await run_command(
            fake, "demo", options={"name": "spawn"}, first_response=True
        )
        assert cb.json["type"] == 5  # "thinking", sent before the demo has finished
        assert not release.is_set()
        release.set()
        followup = await fake.wait_for_followup(payload)
    assert started == [RunDemo("spawn")]
    assert followup.json["content"] == "spawn: 50 threads in 4 ms, 50 processes in 310 ms"
    assert fake.original_response(payload)["content"].startswith("spawn: 50 threads")


# -- the daily poster --------------------------------------------------------------------------


async def test_poster_sends_any_question_with_buttons_through_rest(fake, app):
    other = fake.add_text_channel("daily")
    bot = make_bot(app)
    actor = Actor("discord", "scheduler", "quizbot", str(GUILD_ID), str(other))
    async with fake.run(bot):
        view = await app.quiz.ask_question(actor, PVT, kind=DAILY_POST)
        ref = await bot.poster.post_to_channel(str(other), view)
        request = await fake.wait_for_request(method="POST", path=f"/channels/{other}/messages")
        question = app.pack.question(view.question_id)
        cb = await click(fake, f"quiz:answer:{view.post_id}:{question.correct_index}")
    message_id = request.response["id"]
    assert ref == f"{other}:{message_id}"
    assert question.prompt in request.json["embeds"][0]["description"]
    assert custom_ids(request.json["components"]) == [
        f"quiz:answer:{view.post_id}:{c.index}" for c in view.shown
    ]
    assert fake.messages[int(message_id)]["channel_id"] == str(other)
    assert "✅" in embed_text(cb.json["data"])
    assert (await app.quiz.get_post(view.post_id)).message_ref == f"{other}:{message_id}"


async def test_poster_failure_is_one_clear_error(fake, app):
    fake.add_route(
        "POST",
        rf"/channels/{CHANNEL_ID}/messages",
        lambda req, match: (403, {"message": "Missing Permissions", "code": 50013}),
    )
    bot = make_bot(app)
    actor = Actor("discord", "scheduler", "quizbot", str(GUILD_ID), str(CHANNEL_ID))
    async with fake.run(bot):
        view = await app.quiz.ask_question(actor, None, kind=DAILY_POST)
        with pytest.raises(DiscordPostError, match="403 Missing Permissions"):
            await DiscordPoster(bot).post_to_channel(str(CHANNEL_ID), view)


# -- a result type without a renderer is a bug, never shown as str() ------------------------


@dataclasses.dataclass(frozen=True)
class FutureResult:
    text: str
    lines: tuple[str, ...] = ()


def test_a_result_type_without_a_renderer_is_refused_not_shown_as_text():
    with pytest.raises(NoRenderer, match="Discord has no renderer for FutureResult"):
        render(FutureResult("Daily question: 09:00 Europe/Berlin", ("mon-fri",)))
    with pytest.raises(NoRenderer):
        render(12345)
    [done] = render(None)
    assert done.content == "Done."


# -- tokens ----------------------------------------------------------------------------------


def test_missing_token_is_one_line_naming_it(tmp_path):
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "discord"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("quizbot: DISCORD_TOKEN is not set")
    assert not (tmp_path / "data").exists()  # the token is checked before any database


class FakeDiscordThread:
    """The fake on its own loop in a thread, so a blocking ``cli.main`` can talk to it."""

    def __enter__(self) -> FakeDiscord:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.fake = FakeDiscord()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self.loop).result(10)
        return self.fake

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def test_rejected_token_is_one_line_and_never_printed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "not-the-right-token")
    with FakeDiscordThread() as fake:
        code = cli.main(["discord", "--db", str(tmp_path / "q.db")])
    out = capsys.readouterr()
    assert code == 2
    assert out.err.splitlines() == [
        "quizbot: DISCORD_TOKEN was rejected by Discord (401 Unauthorized): "
        "copy the bot token again from the Developer Portal"
    ]
    assert "not-the-right-token" not in out.out + out.err
    assert [(r.path, r.status) for r in fake.requests] == [("/users/@me", 401)]


async def test_run_serves_until_cancelled(fake, tmp_path, db_target, clock, monkeypatch):
    """``adapters.discord_bot.run``: token from the environment, guild sync, a working command."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", fake.token)
    task = asyncio.create_task(
        discord_bot.run(db_target, str(CONTENT), guild_id=GUILD_ID, configure_logging=False)
    )
    fake.watch(task)
    try:
        await fake.wait_for_request(
            method="PUT", path=f"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands"
        )
        payload, cb = await run_command(fake, "question")
        ids = custom_ids(cb.json["data"]["components"])
        assert len(ids) >= 2
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    post_id = int(ids[0].split(":")[2])
    app = await QuizApp.open(db_target, CONTENT, clock=clock)  # what the served bot kept
    try:
        assert post_id == 1 and await app.db.read(quiz_store.get_post, post_id) is not None
        assert await app.db.read(quiz_store.get_post, post_id + 1) is None  # the one post
    finally:
        await app.close()


def test_guild_sync_refused_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with FakeDiscordThread() as fake:
        monkeypatch.setenv("DISCORD_TOKEN", fake.token)
        fake.add_route(
            "PUT",
            rf"/applications/{APPLICATION_ID}/guilds/999/commands",
            lambda req, match: (403, {"message": "Missing Access", "code": 50001}),
        )
        code = cli.main(["discord", "--guild", "999", "--db", str(tmp_path / "q.db")])
    out = capsys.readouterr()
    assert code == 2
    assert out.err.splitlines() == [
        "quizbot: cannot register the slash commands with server 999 (Missing Access): "
        "invite the bot with the bot and applications.commands scopes"
    ]
    assert fake.token not in out.out + out.err


# -- never past Discord's 3-second deadline ------------------------------------------------


async def test_a_slow_answer_is_deferred_privately_then_followed_up_once(fake, app):
    """A store slower than the safe margin: every click is answered, none twice, none
    publicly; the slow ones by a private "thinking" defer first, then the result."""
    release = asyncio.Event()
    original = app.dispatch

    async def slow_store(actor, request):
        await release.wait()  # the answer writer is "slow" until the test says so
        return await original(actor, request)

    app.dispatch = slow_store
    users = [fake.make_user(f"user{i}") for i in range(5)]
    # a margin a fast store meets on either backend, even on a loaded machine (a PostgreSQL
    # round trip can take longer than 0.05 s there); the slow ones wait for ``release``
    async with fake.run(make_bot(app, answer_deadline=0.5)):
        app.dispatch = original
        message, post_id, ids = await post_question(fake)
        app.dispatch = slow_store
        payloads = []
        for user in users:
            payload = fake.component_click(ids[0], message, user=user)
            await fake.dispatch("INTERACTION_CREATE", payload)
            payloads.append(payload)
        callbacks = [await fake.wait_for_callback(p) for p in payloads]
        release.set()
        followups = [await fake.wait_for_followup(p) for p in payloads]
        # one more, with the store fast again: answered directly, no defer
        app.dispatch = original
        fast = await click(fake, ids[1], message, user=fake.make_user("late"))
    for cb in callbacks:
        assert cb.json["type"] == 5 and cb.json["data"]["flags"] == EPHEMERAL  # deferred, private
    for followup in followups:
        assert followup.json["flags"] == EPHEMERAL
        assert (await question_of(app, post_id)).why in embed_text(followup.json)
    for payload in payloads:  # exactly one response and one follow-up each
        token = payload["token"]
        assert sum(token in r.path and r.path.endswith("/callback") for r in fake.requests) == 1
        assert sum(r.path == f"/webhooks/{fake.application_id}/{token}" for r in fake.requests) == 1
    assert fast.json["type"] == 4 and fast.json["data"]["flags"] == EPHEMERAL
    assert sum((await answer_counts(app, post_id)).values()) == 6


async def test_the_safe_margin_counts_from_the_interactions_creation(fake, app):
    """A click that waited in a queue before it reached the bot has less time left: one made
    1.9 s ago is deferred at once, although the store takes only a moment longer than 0.1 s."""
    original = app.dispatch

    async def slightly_slow(actor, request):
        await asyncio.sleep(0.3)
        return await original(actor, request)

    async with fake.run(make_bot(app)):  # the default 2 s margin
        message, _, ids = await post_question(fake)
        app.dispatch = slightly_slow
        payload = fake.component_click(ids[0], message)
        created_ms = int(time.time() * 1000) - 1900 - DISCORD_EPOCH_MS
        payload["id"] = str(created_ms << 22)
        await fake.dispatch("INTERACTION_CREATE", payload)
        deferred = await fake.wait_for_callback(payload)
        followup = await fake.wait_for_followup(payload)
    assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] == EPHEMERAL
    assert followup.json["flags"] == EPHEMERAL


async def test_storage_fault_on_a_click_is_one_line_and_the_next_click_is_stored(fake, app):
    """A read-only database (the bot's writer refuses writes; root ignores file modes)."""
    async with fake.run(make_bot(app)):
        message, post_id, ids = await post_question(fake)
        async with read_only_writer(app):
            refused = await click(fake, ids[0], message)
            assert refused.json["data"]["flags"] == EPHEMERAL
            assert "Couldn't save your answer" in json.dumps(refused.json, ensure_ascii=False)
            assert await answer_counts(app, post_id) == {}
        stored = await click(fake, ids[0], message)
        assert "Couldn't save" not in json.dumps(stored.json, ensure_ascii=False)
    assert await answer_counts(app, post_id) == {int(ids[0].rpartition(":")[2]): 1}


def test_quizbot_discord_without_network_is_one_line(tmp_path):
    """Discord unreachable at login (a closed loopback port stands in for no network)."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "discord", "--db", str(tmp_path / "q.db")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": "secret-token-value",
            "DISCORD_API_URL": "http://127.0.0.1:9/api/v10",
        },
        timeout=60,
    )
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("quizbot: cannot reach Discord to log in:")
    assert "secret-token-value" not in result.stderr + result.stdout

"""Quiz night on Discord: /quiz live commands, rounds posted over REST by the live runner,
clicks locked in privately, one message edit per round close, the podium. The REAL discord.py
client against FakeDiscord, the real core on a SQLite file, time moved on a FakeClock."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.app import QuizApp
from bot.features.live import store as live_store
from bot.features.live.requests import ShowLive
from bot.features.live.store import SessionRow, SessionStatus
from bot.features.quiz.results import choice_order, letter_of
from bot.kernel.results import Notice
from tests.conftest import CONTENT
from tests.fakes.discord_server import CHANNEL_ID, GUILD_ID, USER_ID, FakeDiscord, custom_ids
from tests.platforms.discord.test_discord_adapter import (
    ADMIN_PERMISSIONS,
    EPHEMERAL,
    PVT,
    adapter_errors,
    assert_within_discord_limits,
    click,
    embed_text,
    make_bot,
    question_of,
    run_command,
)
from tests.recorded import reader

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

MESSAGE_EDIT = re.compile(rf"/channels/{CHANNEL_ID}/messages/\d+")


@pytest.fixture
async def fake():
    async with FakeDiscord() as server:
        yield server


@pytest.fixture(autouse=True)
def fail_on_adapter_errors(caplog):
    yield
    errors = adapter_errors(caplog)
    assert not errors, [r.getMessage() for r in errors]


async def live(fake: FakeDiscord, sub: str, user: dict | None = None, **options: Any) -> dict:
    """``/quiz live <sub>``: the interaction response's data."""
    permissions = options.pop("permissions", None)
    _, cb = await run_command(
        fake, sub, options=options or None, group="live", user=user, permissions=permissions
    )
    return cb.json["data"]


def titled(fake: FakeDiscord, prefix: str) -> list[dict]:
    return [
        m
        for m in fake.messages_in(CHANNEL_ID)
        if m["embeds"] and (m["embeds"][0].get("title") or "").startswith(prefix)
    ]


async def round_message(fake: FakeDiscord, number: int) -> dict:
    """The channel message of round ``number`` (waits for the runner to post it)."""
    found = await fake.wait_for(
        lambda: (
            next(iter(titled(fake, f"🎯 Round {number} of")), None)
            or next(iter(titled(fake, f"✅ Round {number} of")), None)
        ),
        what=f"round {number}",
    )
    return found


async def revealed(fake: FakeDiscord, message: dict) -> dict:
    """The round's message once the runner has edited it into the reveal."""
    mid = int(message["id"])
    return await fake.wait_for(
        lambda: fake.messages[mid] if fake.messages[mid]["edited_timestamp"] else None,
        what=f"the reveal of message {mid}",
    )


def button_for(ids: list[str], index: int) -> str:
    """The custom id of the button for the content's choice ``index`` (buttons are shown
    shuffled per post; each carries the content's index)."""
    return next(i for i in ids if i.endswith(f":{index}"))


def post_id_of(message: dict) -> int:
    return int(custom_ids(message["components"])[0].split(":")[2])


async def session_of(app: QuizApp, round_message: dict) -> SessionRow:
    """The live session a round's message belongs to, as the live feature's store reads it."""
    live_round = await app.db.read(live_store.round_of_post, post_id_of(round_message))
    return await app.db.read(live_store.get_session, live_round.session_id)


async def live_here(app: QuizApp) -> object:
    """What ``/quiz live`` status says in the channel, asked by an admin."""
    return await app.dispatcher.dispatch(
        reader("discord", str(GUILD_ID), str(CHANNEL_ID)), ShowLive()
    )


def edits(fake: FakeDiscord) -> list[str]:
    return [r.path for r in fake.requests if r.method == "PATCH" and MESSAGE_EDIT.fullmatch(r.path)]


async def test_a_quiz_night_of_three_rounds_with_three_players(fake, app, clock):
    bob, cy = fake.make_user("bob"), fake.make_user("cy")
    async with fake.run(make_bot(app)):
        started = await live(fake, "start", topic=PVT, rounds=3, seconds=20)
        assert started.get("flags", 0) & EPHEMERAL == 0  # the channel sees it started
        assert started["content"].startswith("Quiz night! 3 rounds of 20 s on Processes vs")

        first = await round_message(fake, 1)
        assert_within_discord_limits(first)
        closes = int(clock.now().timestamp()) + 20
        assert f"<t:{closes}:R>" in embed_text(first)  # Discord counts it down by itself
        question = await question_of(app, post_id_of(first))
        ids = custom_ids(first["components"])
        # each button carries the live feature's own request (AnswerLiveRound), not a quiz answer
        assert ids and all(i.startswith(f"live:answer:{post_id_of(first)}:") for i in ids)
        right, wrong = question.correct_index, (question.correct_index + 1) % len(ids)

        clock.advance(2)
        ada_cb = await click(fake, button_for(ids, right), first)  # the default user
        bob_cb = await click(fake, button_for(ids, wrong), first, user=bob)
        clock.advance(8)
        cy_cb = await click(fake, button_for(ids, right), first, user=cy)
        cy_again = await click(fake, button_for(ids, wrong), first, user=cy)
        order = choice_order(
            post_id_of(first), question.id, len(question.choices), question.keep_order
        )
        letter = {index: letter_of(order, index) for index in range(len(question.choices))}
        for cb, shown in ((ada_cb, right), (bob_cb, wrong), (cy_cb, right)):
            data = cb.json["data"]
            assert data["flags"] == EPHEMERAL
            assert data["content"] == f"Locked in: {letter[shown]} — results when the round ends."
        assert cy_again.json["data"]["content"].startswith(
            f"You already locked in {letter[right]}: answers can't be changed"
        )
        assert edits(fake) == []  # nothing is revealed before the round closes

        clock.advance(10)  # time up
        reveal = await revealed(fake, first)
        shown = embed_text(reveal)
        assert reveal["embeds"][0]["title"].startswith("✅ Round 1 of 3")
        assert question.why in shown and "3 answers · 2 right" in shown
        assert f"✅ **{letter[right]})**" in shown
        assert re.search(r"Fastest\n⚡ \S+ in 2 s", shown) and "⚡ Cy" not in shown
        buttons = [c for row in reveal["components"] for c in row["components"]]
        assert buttons and all(b.get("disabled") for b in buttons)
        assert_within_discord_limits(reveal)
        [board] = await fake.wait_for(lambda: titled(fake, "Scoreboard after round 1") or None)
        assert (
            board["embeds"][0]["description"].splitlines()[0].endswith("— 950 points · 1/1 right")
        )

        # round 2: Cy answers after the close: refused, nothing stored
        second = await round_message(fake, 2)
        ids2 = custom_ids(second["components"])
        q2 = await question_of(app, post_id_of(second))
        await click(fake, button_for(ids2, q2.correct_index), second)
        await click(fake, button_for(ids2, q2.correct_index), second, user=bob)
        clock.advance(20)
        await revealed(fake, second)
        late = await click(fake, button_for(ids2, q2.correct_index), second, user=cy)
        assert late.json["data"]["flags"] == EPHEMERAL
        assert late.json["data"]["content"] == "Round 2 has closed; answers no longer count."

        # round 3: everyone answers, so it closes before its time is up
        third = await round_message(fake, 3)
        ids3 = custom_ids(third["components"])
        q3 = await question_of(app, post_id_of(third))
        for user in (None, bob, cy):
            await click(fake, button_for(ids3, q3.correct_index), third, user=user)
        reveal3 = await revealed(fake, third)
        assert "everyone answered, closed early" in embed_text(reveal3)
        [podium] = await fake.wait_for(lambda: titled(fake, "🏆 Quiz night results") or None)

    text = embed_text(podium)
    assert_within_discord_limits(podium)
    assert "All 3 rounds played." in text
    assert text.count("🥇") == 1 and "🥈" in text and "🥉" in text
    assert "Missed most: round 1" in text or "Missed most: round 2" in text
    assert len(titled(fake, "Scoreboard after")) == 2
    assert len(edits(fake)) == 3  # one edit per round close, never per second
    session = await session_of(app, first)
    points: dict[str, int] = {}
    for answer in await app.db.read(live_store.answers_of, session.id):
        points[answer.user_key] = points.get(answer.user_key, 0) + answer.points
    assert max(points, key=points.__getitem__) == f"discord:{USER_ID}"  # Ada: fast and right
    assert session.status is SessionStatus.FINISHED


async def test_second_start_is_refused_stop_by_others_refused_starter_stops(fake, app, clock):
    bob = fake.make_user("bob")
    async with fake.run(make_bot(app)):
        await live(fake, "start", rounds=5, seconds=30)
        first = await round_message(fake, 1)
        again = await live(fake, "start", user=bob, rounds=3)
        assert again["flags"] == EPHEMERAL
        assert again["content"].startswith("A live quiz is already running here: round 1 of 5")
        refused = await live(fake, "stop", user=bob)
        assert refused["flags"] == EPHEMERAL
        assert "(who started this quiz) or an admin can stop it" in refused["content"]
        assert edits(fake) == []

        stopping = await live(fake, "stop")
        assert stopping["content"].startswith("Stopping the quiz")
        await revealed(fake, first)
        [podium] = await fake.wait_for(lambda: titled(fake, "🏆 Quiz night results") or None)
    assert "Stopped by " in embed_text(podium) and "after 1 of 5 rounds" in embed_text(podium)
    assert len(titled(fake, "🎯 Round")) + len(titled(fake, "✅ Round")) == 1
    assert (await session_of(app, first)).status is SessionStatus.STOPPED


async def test_an_admin_stops_and_bad_options_are_one_private_line(fake, app):
    async with fake.run(make_bot(app)):
        for options in ({"rounds": 0}, {"seconds": 500}, {"topic": "nope"}):
            data = await live(fake, "start", **options)
            assert data["flags"] == EPHEMERAL and "\n" not in data["content"]
        idle = await live_here(app)  # none of them started a session
        assert isinstance(idle, Notice) and idle.text.startswith("No live quiz is running here.")
        bob = fake.make_user("bob")
        await live(fake, "start", user=bob, rounds=2)
        await round_message(fake, 1)
        stop = await live(fake, "stop", permissions=ADMIN_PERMISSIONS)
        assert stop["content"].startswith("Stopping the quiz")
        await fake.wait_for(lambda: titled(fake, "🏆 Quiz night results") or None)


async def test_a_restarted_bot_carries_the_session_on(fake, db_target, clock):
    app = await QuizApp.open(db_target, CONTENT, clock=clock)
    try:
        async with fake.run(make_bot(app)):
            await live(fake, "start", topic=PVT, rounds=2, seconds=20)
            first = await round_message(fake, 1)
            question = await question_of(app, post_id_of(first))
            clock.advance(3)
            await click(
                fake, button_for(custom_ids(first["components"]), question.correct_index), first
            )
    finally:
        await app.close()  # mid-round: the runner hands the session back

    app = await QuizApp.open(db_target, CONTENT, clock=clock)
    try:
        async with fake.run(make_bot(app)):
            clock.advance(5)  # still inside round 1: it closes at its stored time
            second_click = await click(fake, custom_ids(first["components"])[0], first)
            assert second_click.json["data"]["content"].startswith("You already locked in")
            assert edits(fake) == []
            clock.advance(12)
            reveal = await revealed(fake, first)
            assert "1 answer · 1 right" in embed_text(reveal)
            second = await round_message(fake, 2)
            clock.advance(20)
            await revealed(fake, second)
            [podium] = await fake.wait_for(lambda: titled(fake, "🏆 Quiz night results") or None)
        session = await session_of(app, first)
        assert len(await app.db.read(live_store.rounds_of, session.id)) == 2
    finally:
        await app.close()
    assert "All 2 rounds played." in embed_text(podium)
    assert len(titled(fake, "✅ Round 1 of 2")) == 1  # one round 1, revealed once

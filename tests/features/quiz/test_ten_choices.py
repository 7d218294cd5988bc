"""Up to ten choices on every platform: a GIFT bank's 7-10 choice questions import, load, and
are asked and answered on Discord (two rows of five buttons), Slack and the console."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from adapters.console.session import ConsoleSession
from adapters.discord_bot import QuizBot
from adapters.discord_bot.render import render
from adapters.slack_bot.render import render as slack_render
from adapters.slack_bot.render_base import parse_answer_value
from bot.app import QuizApp
from bot.content import ContentError, load_pack
from bot.features.daily import DailyResults
from bot.features.quiz import QuestionView
from bot.features.quiz.requests import AskQuestion
from bot.importers import import_files
from bot.kernel.grammar import parse_choice
from bot.kernel.identity import ChannelRef
from tests.conftest import console_actor
from tests.fakes.discord_server import FakeDiscord, custom_ids
from tests.platforms.discord.test_discord_adapter import assert_within_discord_limits, embed_text

CHOICES = [
    f"Planet number {n} of the long list, with a long name to fill the button" for n in range(10)
]


def gift_bank(tmp_path: Path, count: int) -> Path:
    source = tmp_path / "planets.gift"
    answers = " ".join(("=" if n == count - 1 else "~") + CHOICES[n] for n in range(count))
    source.write_text(f"Which is the last planet?{{{answers}}}\n", encoding="utf-8")
    return source


@pytest.fixture
async def ten(tmp_path, clock):
    assert import_files("gift", [gift_bank(tmp_path, 10)], tmp_path / "out").problems == ()
    app = await QuizApp.open(tmp_path / "q.db", tmp_path / "out", clock=clock)
    yield app
    await app.close()


def test_seven_to_ten_choices_import_and_eleven_are_refused(tmp_path):
    for count in (7, 10):
        out = tmp_path / f"out{count}"
        assert import_files("gift", [gift_bank(tmp_path, count)], out).problems == ()
        (question,) = load_pack(out).questions
        assert question.choices == tuple(CHOICES[:count]) and question.answer == CHOICES[count - 1]
    eleven = tmp_path / "eleven.gift"
    eleven.write_text("Q? {=a ~b ~c ~d ~e ~f ~g ~h ~i ~j ~k}\n", encoding="utf-8")
    result = import_files("gift", [eleven], tmp_path / "x")
    assert "has 11 choices (2 to 10 fit)" in result.skipped[0]
    card = (tmp_path / "out10" / "planets.yaml").read_text(encoding="utf-8")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "c.yaml").write_text(
        card.replace("  answer:", "  - one too many\n  answer:"), encoding="utf-8"
    )
    with pytest.raises(ContentError, match="has 11 choices, needs 2 to 10"):
        load_pack(tmp_path / "bad")


async def test_discord_shows_two_rows_of_five_and_the_tenth_button_answers(ten):
    async with FakeDiscord() as fake:
        async with fake.run(QuizBot(ten, guild_ready_timeout=0, chunk_guilds_at_startup=False)):
            payload = fake.slash_command("quiz", "question")
            await fake.dispatch("INTERACTION_CREATE", payload)
            cb = await fake.wait_for_reply(payload)
            data = cb.json["data"]
            assert [len(row["components"]) for row in data["components"]] == [5, 5]
            assert_within_discord_limits(data)
            ids = custom_ids(data["components"])
            last = next(i for i in ids if i.endswith(":9"))  # the right one: content index 9
            click = fake.component_click(last, fake.original_response(payload))
            await fake.dispatch("INTERACTION_CREATE", click)
            reply = await fake.wait_for_reply(click)
    assert "✅" in embed_text(reply.json["data"]) and CHOICES[9] in embed_text(reply.json["data"])


def daily_results(view: QuestionView) -> DailyResults:
    return DailyResults(
        channel=ChannelRef("discord", "1", "2"),
        post_id=view.post_id,
        question_ref=None,
        local_date=date(2026, 1, 1),
        card_title="Planets " * 20,
        prompt="Which is the last planet? " * 100,
        choices=tuple(c * 5 for c in CHOICES),
        counts=tuple(range(10)),
        correct_index=9,
        correct_text=CHOICES[9] * 5,
        why="Because " * 200,
        first_right="Ada",
        first_right_at=None,
        order=view.order,
        feedback=tuple("Not that one, and here is a long reason why. " * 8 for _ in CHOICES),
    )


async def test_renderers_keep_ten_long_choices_within_each_platforms_limits(ten):
    view = await ten.dispatch(console_actor("Ada"), AskQuestion(None))
    assert isinstance(view, QuestionView) and len(view.shown) == 10
    [message] = render(view)
    assert len(message.embeds[0].description) <= 4096
    assert [c.label[:2] for c in view.shown] == [f"{letter})"[:2] for letter in "ABCDEFGHIJ"]
    for message in render(daily_results(view)):
        assert_within_discord_limits({"embeds": [e.to_dict() for e in message.embeds]})
    [slack] = slack_render(view)
    buttons = [e for b in slack.blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 10 and all(len(b["text"]["text"]) <= 75 for b in buttons)
    last = next(b for b in buttons if b["value"].endswith(":9"))
    assert parse_answer_value(last["value"]) == (view.post_id, 9)  # a click on it answers 9


async def test_console_answers_with_the_tenth_letter_or_number(ten):
    assert parse_choice("J", 10) == 9 and parse_choice("10", 10) == 9
    assert parse_choice("K", 10) is None
    output = io.StringIO()
    session = ConsoleSession(ten, Console(file=output, width=200), "Ada")
    await session.handle_line("/quiz")
    view = session.current
    assert view is not None and "J) " in output.getvalue()
    right = next(c.letter for c in view.shown if c.index == 9)
    await session.handle_line("K")
    assert "is not a choice: answer A-J" in output.getvalue()
    await session.handle_line(right)
    assert "✅ Correct!" in output.getvalue()

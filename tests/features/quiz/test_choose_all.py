"""Choose all that apply (a GIFT question with several right choices): right only when the
chosen set is exactly the right one, with a line for each choice picked wrongly or missed;
counted like any answer. On the console ("A C"), Discord (a select menu taking several
values, real discord.py against FakeDiscord) and Slack (checkboxes and a Submit button, real
Bolt against the fake Web API)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from slack_sdk.web.async_client import AsyncWebClient

from adapters.console.session import ConsoleSession
from adapters.discord_bot import QuizBot
from adapters.slack_bot.adapter import SlackAdapter
from bot.app import QuizApp
from bot.content import ContentError, load_pack
from bot.features.quiz import AnswerResult, QuestionView
from bot.features.quiz.requests import AnswerChoices
from bot.features.teacher.requests import ScopedRequest
from bot.importers import import_files
from tests.conftest import console_actor
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_api import BoltHarness, FakeSlackAPI
from tests.platforms.discord.test_discord_adapter import embed_text
from tests.platforms.slack.test_slack_adapter import ask, block_text, make_settings
from tests.slack_fixtures import BOT_TOKEN, SECRET

PROMPT = "Which of these are primes?"
GIFT = (
    f"{PROMPT} {{=2 =3 ~4 #Even: 2 divides it. ~9 #Three squared.}}\n\n"
    "Which two halves? {~%50%left ~%50%right ~%-100%middle}\n"
)


def bank(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "primes.gift").write_text(GIFT, encoding="utf-8")
    result = import_files("gift", [folder / "primes.gift"], folder / "out")
    assert result.problems == () and result.skipped == ()
    return folder / "out"


@pytest.fixture
async def app(tmp_path, clock):
    app = await QuizApp.open(tmp_path / "q.db", bank(tmp_path / "content"), clock=clock)
    yield app
    await app.close()


def primes(app: QuizApp):
    return next(q for q in app.pack.questions if q.prompt == PROMPT)


def letters_of(view: QuestionView, indexes: set[int]) -> str:
    return " ".join(c.letter for c in view.shown if c.index in indexes)


def test_several_right_choices_or_part_credits_import_as_choose_all(tmp_path):
    pack = load_pack(bank(tmp_path))
    q = {q.prompt: q for q in pack.questions}
    assert q[PROMPT].multi and q[PROMPT].answers == ("2", "3")
    assert q[PROMPT].right_indexes == {0, 1} and q[PROMPT].feedback_for(2) == "Even: 2 divides it."
    assert q["Which two halves?"].answers == ("left", "right")
    card = (tmp_path / "out" / "primes.yaml").read_text(encoding="utf-8")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "c.yaml").write_text(
        card.replace("  - '3'\n  why", "  - '3'\n  - '4'\n  - '9'\n  why"), encoding="utf-8"
    )
    with pytest.raises(ContentError, match="every choice is right"):
        load_pack(tmp_path / "bad")


async def test_right_only_when_the_set_is_exact_with_a_line_per_choice(app, clock):
    question = primes(app)
    outcomes = {}
    for name, chosen in (("exact", {0, 1}), ("more", {0, 1, 2}), ("fewer", {0})):
        actor = console_actor(name)
        view = await app.quiz.post_question(actor, question)
        assert view.multi
        outcomes[name] = await app.dispatch(actor, AnswerChoices(view.post_id, frozenset(chosen)))
    exact, more, fewer = outcomes["exact"], outcomes["more"], outcomes["fewer"]
    assert isinstance(exact, AnswerResult) and exact.correct and exact.points_gained == 10
    assert not more.correct and not fewer.correct
    assert "4: picked, but not right — Even: 2 divides it." in more.feedback_text
    assert "3: right, but not picked" in fewer.feedback_text and "4" not in fewer.feedback_text
    assert "The right choices are" in exact.answer_text and "2" in exact.correct_label
    assert (await app.boards.stats(console_actor("exact"))).correct == 1
    assert (await app.boards.stats(console_actor("more"))).answered == 1
    again = await app.dispatch(console_actor("more"), AnswerChoices(more.post_id, frozenset({0})))
    assert again.already_answered and not again.correct  # the first answer counts
    # the teacher's view: 1 of 3 right, and each choice's picks from the chosen sets
    stats = await app.teacher.item(console_actor("exact"), ScopedRequest(), question.id)
    assert (stats.attempts, stats.right) == (3, 1)
    picks = {c.text: (c.picked, c.correct) for c in stats.choices}
    assert picks == {"2": (3, True), "3": (2, True), "4": (1, False), "9": (0, False)}


async def test_console_answers_with_several_letters(app):
    output = io.StringIO()
    session = ConsoleSession(app, Console(file=output, width=200), "Ada")
    view = await app.quiz.post_question(session.actor, primes(app))
    session.take_question(view)
    session.show(view)
    assert "choose all that apply: type their letters, e.g. A C" in output.getvalue()
    await session.handle_line("A Z")
    assert "type the letters of every right choice" in output.getvalue()
    await session.handle_line(letters_of(view, {0, 1}))
    assert "✅ Correct! +10 points" in output.getvalue()


async def test_discord_select_menu_takes_several_values(app):
    async with FakeDiscord() as fake:
        async with fake.run(QuizBot(app, guild_ready_timeout=0, chunk_guilds_at_startup=False)):
            for _ in range(20):  # two questions: ask until it is the choose-all one
                payload = fake.slash_command("quiz", "question")
                await fake.dispatch("INTERACTION_CREATE", payload)
                post = await fake.wait_for_reply(payload)
                if PROMPT in embed_text(post.json["data"]):
                    break
            [[menu]] = [row["components"] for row in post.json["data"]["components"]]
            assert menu["type"] == 3 and menu["min_values"] == 1 and menu["max_values"] == 4
            assert {o["value"] for o in menu["options"]} == {"0", "1", "2", "3"}
            pick = fake.component_click(
                menu["custom_id"],
                fake.original_response(payload),
                component_type=3,
                values=["1", "0"],
            )
            await fake.dispatch("INTERACTION_CREATE", pick)
            reply = await fake.wait_for_reply(pick)
    assert reply.json["data"]["flags"] == 64 and "✅" in embed_text(reply.json["data"])


async def test_slack_checkboxes_and_submit(app):
    async with FakeSlackAPI() as fake:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)
        adapter = SlackAdapter(app, make_settings(), client=client)
        async with BoltHarness(adapter.bolt, signing_secret=SECRET, fake=fake) as harness:
            for _ in range(20):
                posted = await ask(harness, fake)
                blocks = posted.params["blocks"]
                blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
                if PROMPT in block_text(blocks):
                    break
            [actions] = [b for b in blocks if b["type"] == "actions"]
            boxes, submit = actions["elements"]
            assert boxes["type"] == "checkboxes" and len(boxes["options"]) == 4
            right = [o for o in boxes["options"] if o["value"] in ("0", "1")]
            # ticking a box is acknowledged and nothing else
            status, _ = await harness.click(
                boxes["action_id"], action={"type": "checkboxes", "selected_options": right}
            )
            assert status == 200
            state = {
                "values": {
                    actions["block_id"]: {
                        boxes["action_id"]: {"type": "checkboxes", "selected_options": right}
                    }
                }
            }
            url = harness.new_response_url()
            status, _ = await harness.click(
                submit["action_id"], submit["value"], user_id="U2", response_url=url, state=state
            )
            assert status == 200
            rid = url.rsplit("/", 1)[1]
            reply = (await fake.wait_for_response_post(lambda p: p.response_id == rid)).body
        await adapter.close()
    assert reply["response_type"] == "ephemeral" and "Correct" in block_text(reply["blocks"])

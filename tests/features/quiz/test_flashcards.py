"""Self-graded flashcards (an Anki note whose back is long): the front is posted with "Show
the back"; the back comes to the asker alone with "Knew it" / "Didn't know it", which scores
like a right or wrong answer and schedules the card as Anki's Good or Again. On the console,
Discord (real discord.py against FakeDiscord) and Slack (real Bolt against the fake Web API)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from rich.console import Console
from slack_sdk.web.async_client import AsyncWebClient

from adapters.console.session import ConsoleSession
from adapters.discord_bot import QuizBot
from adapters.slack_bot.adapter import SlackAdapter
from bot.app import QuizApp
from bot.content import ContentError, load_pack
from bot.features.daily.store import ScheduleRow
from bot.features.quiz import AnswerResult, FlashcardBack, QuestionView
from bot.features.quiz.requests import AnswerQuestion, RevealFlashcard
from bot.features.quiz.results import KNEW
from bot.importers import import_files
from bot.kernel.errors import UserError
from tests.conftest import console_actor
from tests.fakes.discord_server import FakeDiscord, custom_ids
from tests.fakes.slack_api import BoltHarness, FakeSlackAPI
from tests.platforms.discord.test_discord_adapter import embed_text
from tests.platforms.slack.test_slack_adapter import ask, block_text, buttons, make_settings
from tests.slack_fixtures import BOT_TOKEN, SECRET

BACK = "Only one thread at a time runs the code it protects, so no update is lost."
FRONT = "What does a mutex guarantee?"


def deck(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "deck.txt"
    source.write_text(
        f"#separator:tab\n#html:false\n{FRONT}\t{BACK}\nWhich command lists sockets?\tss\n",
        encoding="utf-8",
    )
    result = import_files("anki", [source], folder / "out")
    assert result.problems == ()
    return folder / "out"


@pytest.fixture
async def app(tmp_path, clock):
    app = await QuizApp.open(tmp_path / "q.db", deck(tmp_path / "content"), clock=clock)
    yield app
    await app.close()


def flashcard(app: QuizApp):
    return next(q for q in app.pack.questions if q.flashcard)


def test_a_long_anki_back_imports_as_a_flashcard_a_short_one_as_a_typed_answer(tmp_path):
    pack = load_pack(deck(tmp_path))
    by_prompt = {q.prompt: q for q in pack.questions}
    assert by_prompt[FRONT].flashcard and by_prompt[FRONT].back == BACK
    assert not by_prompt[FRONT].choices and not by_prompt[FRONT].typed
    assert by_prompt["Which command lists sockets?"].accept == ("ss",)
    text = (tmp_path / "out" / "deck.yaml").read_text(encoding="utf-8")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "d.yaml").write_text(
        text.replace(f"  back: {BACK}", f"  back: {BACK}\n  accept: [x]"), encoding="utf-8"
    )
    with pytest.raises(ContentError, match="a flashcard has a back only"):
        load_pack(tmp_path / "bad")


async def test_knew_it_scores_and_schedules_like_good_didnt_like_again(app, clock):
    ada, bob = console_actor("Ada"), console_actor("Bob")
    card = flashcard(app)
    results = {}
    for actor, grade in ((ada, KNEW), (bob, 0)):
        view = await app.quiz.post_question(actor, card)
        assert isinstance(view, QuestionView) and view.flashcard and not view.shown
        back = await app.dispatch(actor, RevealFlashcard(view.post_id))
        assert isinstance(back, FlashcardBack) and back.back == BACK
        assert [c.label for c in back.view.shown] == ["A) Knew it", "B) Didn't know it"]
        results[actor] = await app.dispatch(actor, AnswerQuestion(view.post_id, grade))
    knew, didnt = results[ada], results[bob]
    assert isinstance(knew, AnswerResult) and knew.correct and knew.points_gained == 10
    assert knew.headline.startswith("✅ You knew it!") and BACK in knew.answer_text
    assert not didnt.correct and didnt.points_gained == 0
    assert didnt.headline.startswith("📖 Not yet")
    # the review trails the answer by one step of the writer: srs_cards waits for it
    cards = {actor: (await app.quiz.srs_cards(actor.user_key))[card.id] for actor in (ada, bob)}
    now = clock.now()
    assert now < cards[bob].due <= now + timedelta(minutes=1)  # Again: back in a minute
    assert cards[bob].due < cards[ada].due  # Good: later
    assert (await app.boards.stats(ada)).correct == 1
    assert (await app.boards.stats(bob)).answered == 1


async def test_a_flashcard_is_graded_only_with_its_two_grades_and_never_a_daily_question(app):
    ada = console_actor("Ada")
    view = await app.quiz.post_question(ada, flashcard(app))
    with pytest.raises(UserError, match="Knew it"):
        await app.quiz.answer(ada, view.post_id, 2)
    typed = next(q for q in app.pack.questions if q.typed)
    other = await app.quiz.post_question(ada, typed)
    with pytest.raises(UserError, match="not a flashcard"):
        await app.quiz.reveal(ada, other.post_id)
    schedule = ScheduleRow(
        "console:local:terminal",
        "console",
        "local",
        "terminal",
        "09:00",
        "UTC",
        "0123456",
        None,
        None,
        "2026-01-01T00:00:00+00:00",
        "console:ada",
    )
    for _ in range(5):  # a channel's shared question is never self-graded
        assert not (await app.daily.choose_question(schedule)).flashcard


async def test_console_turns_the_card_with_any_line_and_grades_with_y_or_n(app):
    output = io.StringIO()
    session = ConsoleSession(app, Console(file=output, width=200), "Ada")
    view = await app.quiz.post_question(session.actor, flashcard(app))
    session.take_question(view)
    session.show(view)
    await session.handle_line("s")
    assert BACK in output.getvalue() and "A) Knew it" in output.getvalue()
    await session.handle_line("y")
    assert "✅ You knew it! +10 points" in output.getvalue()


async def test_discord_show_the_back_then_knew_it(app):
    async with FakeDiscord() as fake:
        async with fake.run(QuizBot(app, guild_ready_timeout=0, chunk_guilds_at_startup=False)):
            post = None
            while post is None or not post.json["data"]["embeds"][0]["title"].startswith("Flash"):
                payload = fake.slash_command("quiz", "question")
                await fake.dispatch("INTERACTION_CREATE", payload)
                post = await fake.wait_for_reply(payload)
            [flip] = custom_ids(post.json["data"]["components"])
            assert flip.startswith("quiz:flip:")
            assert FRONT in embed_text(post.json["data"]) and BACK not in embed_text(
                post.json["data"]
            )
            click = fake.component_click(flip, fake.original_response(payload))
            await fake.dispatch("INTERACTION_CREATE", click)
            back = await fake.wait_for_reply(click)
            assert back.json["data"]["flags"] == 64  # only the clicker sees the back
            assert BACK in embed_text(back.json["data"])
            grades = custom_ids(back.json["data"]["components"])
            knew = next(i for i in grades if i.endswith(f":{KNEW}"))
            grade = fake.component_click(knew, fake.original_response(click))
            await fake.dispatch("INTERACTION_CREATE", grade)
            reply = await fake.wait_for_reply(grade)
    assert "You knew it!" in embed_text(reply.json["data"])


@pytest.fixture
async def fake_slack():
    async with FakeSlackAPI() as f:
        yield f


async def test_slack_show_the_back_then_didnt_know_it(app, fake_slack, caplog):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.base_url)
    adapter = SlackAdapter(app, make_settings(), client=client)
    async with BoltHarness(adapter.bolt, signing_secret=SECRET, fake=fake_slack) as harness:
        for _ in range(20):  # two questions: ask until the flashcard comes
            posted = await ask(harness, fake_slack)
            blocks = posted.params["blocks"]
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            if buttons(blocks)[0]["action_id"].startswith("quiz_flip_"):
                break
        [flip] = buttons(blocks)
        assert FRONT in block_text(blocks) and BACK not in block_text(blocks)
        url = harness.new_response_url()
        await harness.click(flip["action_id"], flip["value"], user_id="U2", response_url=url)
        rid = url.rsplit("/", 1)[1]
        back = (await fake_slack.wait_for_response_post(lambda p: p.response_id == rid)).body
        assert back["response_type"] == "ephemeral" and BACK in block_text(back["blocks"])
        didnt = next(b for b in buttons(back["blocks"]) if b["value"].endswith(":0"))
        url = harness.new_response_url()
        await harness.click(didnt["action_id"], didnt["value"], user_id="U2", response_url=url)
        rid = url.rsplit("/", 1)[1]
        reply = (await fake_slack.wait_for_response_post(lambda p: p.response_id == rid)).body
    assert "Not yet" in block_text(reply["blocks"])
    await adapter.close()

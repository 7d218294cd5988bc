"""Quiz night in the console on a test-moved clock: a round closes when the test moves time past
its close, never by waiting for it. The clock starts at the real now, so the close time the
console prints is about now in the workspace's zone. Rounds are short through the app's
constructor (a user cannot type a round shorter than 5 s)."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rich.console import Console

from adapters.console import ConsolePlatform, ConsoleSession
from adapters.platform import ChannelPoster
from bot.app import QuizApp
from bot.features.live import LiveLimits, LiveRunner
from bot.features.live.requests import AnswerLiveRound
from bot.features.quiz import QuestionView
from bot.features.quiz.results import letter_of as shown_letter
from bot.kernel.clock import FakeClock
from tests.conftest import CONTENT

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

PARIS = ZoneInfo("Europe/Paris")
ROUND_SECONDS = 3  # a round closes only when the test moves the clock this far


async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def first_round_close(shown: str) -> tuple[time, str]:
    """The time and zone of the first "closes HH:MM:SS ZONE" the console printed."""
    found = re.search(r"closes (\d\d:\d\d:\d\d) (\w+)", shown)
    assert found, shown
    return time.fromisoformat(found[1]), found[2]


async def test_a_quiz_night_in_the_console(db_target):
    clock = FakeClock(datetime.now(UTC))
    app = await QuizApp.open(db_target, CONTENT, clock=clock, live_limits=LiveLimits(min_seconds=1))
    output = io.StringIO()
    session = ConsoleSession(app, Console(file=output, width=120), "Ada")
    LiveRunner(app.live, "console", ChannelPoster(ConsolePlatform(session))).start()

    def text() -> str:
        return output.getvalue()

    def letter_of(view: QuestionView, right: bool) -> str:
        """The letter the post shows for the right (or a wrong) choice: choices are shuffled
        per post, so letters follow the post's order."""
        question = app.pack.question(view.question_id)
        assert question is not None
        index = question.correct_index if right else (question.correct_index + 1) % 4
        return shown_letter(view.order, index)

    try:
        await session.handle_line("/timezone Europe/Paris")  # rounds close in Paris time
        await session.handle_line(f"/quiz live processes-vs-threads 3 {ROUND_SECONDS}s")
        assert f"Quiz night! 3 rounds of {ROUND_SECONDS} s" in text()
        # the terminal has no buttons, and says how to answer in its own words
        assert "Answer with a letter or number" in text() and "button" not in text()
        await until(lambda: "🎯 Round 1 of 3" in text())
        first = session.current
        assert first is not None
        assert session.choice_request is AnswerLiveRound  # a letter makes the live answer
        assert f"{ROUND_SECONDS} s to answer" in text()
        clock_time, zone = first_round_close(text())
        paris = datetime.now(UTC).astimezone(PARIS)
        assert zone == paris.tzname(), text()  # CET or CEST, never UTC
        shown = datetime.combine(paris.date(), clock_time, PARIS)
        apart = abs((shown - paris).total_seconds()) % 86_400
        assert min(apart, 86_400 - apart) < 120  # about now, in Paris
        await session.handle_line(letter_of(first, right=True))  # Ada
        await session.handle_line("/quiz live 2 5s")  # a second start: the running one instead
        assert "A live quiz is already running here: round 1 of 3" in text()
        await session.handle_line("/as Bob")
        await session.handle_line(letter_of(first, right=False))
        await session.handle_line("/as Cy")
        await session.handle_line(letter_of(first, right=True))
        await session.handle_line(letter_of(first, right=False))  # a second answer
        assert text().count("Locked in: ") == 3
        assert "You already locked in" in text()
        assert "Why:" not in text()  # nothing revealed before the round closes

        clock.advance(timedelta(seconds=ROUND_SECONDS))  # round 1 runs its full time
        await until(lambda: "🎯 Round 2 of 3" in text())
        assert "✅ Round 1 of 3 closed: 3 answers · 2 right" in text()
        assert "Scoreboard after round 1 of 3" in text()
        second = session.current
        assert second is not None and second.post_id != first.post_id
        for name in ("Ada", "Bob"):
            await session.handle_line(f"/as {name}")
            await session.handle_line(letter_of(second, right=True))
        assert "🎯 Round 3 of 3" not in text()  # Cy has not answered: round 2 stays open
        clock.advance(timedelta(seconds=ROUND_SECONDS))
        await until(lambda: "🎯 Round 3 of 3" in text())
        late = await session.call_core(
            answer=AnswerLiveRound(second.post_id, 0)
        )  # Cy, after the close
        session.show(late)
        assert "Round 2 has closed; answers no longer count." in text()

        third = session.current
        assert third is not None
        for name in ("Ada", "Bob", "Cy"):
            await session.handle_line(f"/as {name}")
            await session.handle_line(letter_of(third, right=True))
        await until(lambda: "🏆 Quiz night results" in text())
        shown = text()
        assert "everyone answered, closed early" in shown
        assert "All 3 rounds played." in shown
        assert shown.count("🥇") >= 2  # a scoreboard and the podium

        # a new session started the moment the podium shows (the session was marked ended
        # first): a stop by someone else is refused, by its starter ends it (round 1)
        await session.handle_line("/as Ada")
        await session.handle_line(f"/quiz live 5 {ROUND_SECONDS}s")
        assert f"Quiz night! 5 rounds of {ROUND_SECONDS} s" in text()
        await until(lambda: text().count("🎯 Round 1 of 5") == 1)
        await session.handle_line("/as Bob")  # the console's first user (Ada) is its admin
        await session.handle_line("/quiz live stop")
        assert "Only Ada (who started this quiz) or an admin can stop it." in text()
        await session.handle_line("/quiz daily off")
        assert "Only admins can change the daily question." in text()
        await session.handle_line("/as Dee --admin")
        assert "You are now Dee, an admin." in text()
        await session.handle_line("/quiz daily off")
        assert text().count("Only admins can change the daily question.") == 1
        assert "Stopped by" not in text() and "Stopping the quiz" not in text()
        await session.handle_line("/as Ada")
        await session.handle_line("/quiz live stop")
        await until(lambda: "Stopped by Ada after 1 of 5 rounds." in text())
        assert "🎯 Round 2 of 5" not in text()
    finally:
        await app.close()

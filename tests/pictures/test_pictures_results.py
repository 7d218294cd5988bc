"""Results carry their pictures, drawn by a real worker pool: the card's diagram, /quiz stats'
progress, the group summary, the daily results, the quiz night podium, the demos' bars. The
text version stays the same; the alt text carries the numbers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.app import QuizApp
from bot.features.daily import DailyScheduler
from bot.features.groups.requests import ShowGroupSummary
from bot.features.live import LivePodium, LiveRound
from bot.features.quiz.requests import AnswerQuestion, ShowCard
from bot.features.quiz.results import CardPart, CardView
from bot.pictures.service import Pictures, WorkerPriority
from tests.conftest import CONTENT, console_actor
from tests.features.daily.test_daily_question import RecordingPoster, admin, member, step, utc
from tests.features.live.test_live import ADA, BOB, ChannelLog, right_and_wrong, until, until_ended
from tests.waiting import eventually

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def pictures():
    """One pool for the module (the apps are given it, so they leave it open)."""
    pool = Pictures(workers=1, timeout_s=60, priority=WorkerPriority.NORMAL)
    yield pool
    asyncio.run(pool.close())


@pytest.fixture
async def app(db_target, clock, pictures):
    app = await QuizApp.open(db_target, CONTENT, clock=clock, pictures=pictures)
    yield app
    await app.close()


async def ask_and_answer(app: QuizApp, actor, right: bool) -> None:
    view = await app.quiz.ask_question(actor, "processes-vs-threads")
    q = app.pack.question(view.question_id)
    choice = q.correct_index if right else (q.correct_index + 1) % len(q.choices)
    await app.dispatch(actor, AnswerQuestion(view.post_id, choice))


async def test_the_short_card_carries_its_diagram_and_keeps_its_text(app):
    ada = console_actor("Ada")
    card = await app.dispatch(ada, ShowCard("processes-vs-threads"))
    assert isinstance(card, CardView)
    [diagram] = [i for i in card.images if i.name == "processes-vs-threads.png"]
    assert diagram.png.startswith(PNG)
    assert diagram.alt.startswith("Diagram of Processes vs Threads.")
    assert "thread 1, thread 2, thread 3" in diagram.alt
    assert card.key_idea and card.card.summary  # the text is all still there
    recap = await app.dispatch(ada, ShowCard("processes-vs-threads", CardPart.RECAP))
    assert not [i for i in recap.images if i.name == "processes-vs-threads.png"]


async def test_stats_draw_progress_that_changes_with_new_answers_only(app, clock, pictures):
    ada = console_actor("Ada")
    await ask_and_answer(app, ada, right=True)
    await ask_and_answer(app, ada, right=False)
    stats = await app.dispatch(ada, _stats())
    [chart] = stats.images
    assert chart.png.startswith(PNG) and chart.name == "progress.png"
    assert "2 answers on 1 day, 1 right (50%)" in chart.alt
    assert "Processes vs Threads: 0 mastered, 2 learning," in chart.alt
    assert stats.answered == 2  # the text figures are unchanged
    # a view that cannot show a picture (Slack's home tab) asks for none, and waits for none
    assert (await app.dispatch(ada, _stats(), pictures=False)).images == ()
    drawn = pictures.stats.drawn
    again = await app.dispatch(ada, _stats())
    assert again.images[0].png == chart.png and pictures.stats.drawn == drawn  # from the cache
    clock.advance(timedelta(days=1))
    await ask_and_answer(app, ada, right=True)
    later = await app.dispatch(ada, _stats())
    assert later.images[0].png != chart.png
    assert "3 answers on 2 days, 2 right (67%)" in later.images[0].alt


def _stats():
    from bot.features.boards.requests import ShowStats

    return ShowStats()


async def test_no_answers_means_no_progress_picture(app):
    stats = await app.dispatch(console_actor("Newcomer"), _stats())
    assert stats.images == ()


async def test_the_group_summary_charts_accuracy_per_topic(app):
    ada, bob = console_actor("Ada"), console_actor("Bob")
    await app.handle_text(ada, "/quiz group create owls")
    for actor in (ada, bob):
        await app.handle_text(actor, "/quiz group join owls")
    await ask_and_answer(app, ada, right=True)
    await ask_and_answer(app, bob, right=False)
    summary = await app.dispatch(ada, ShowGroupSummary("owls"))
    [chart] = summary.images
    assert chart.png.startswith(PNG)
    assert "Processes vs Threads: 1/2 (50%)" in chart.alt
    assert "Most-picked wrong choice (1×, 1 member)" in chart.alt


async def test_daily_results_chart_the_choices_with_the_right_one_marked(app, clock):
    poster = RecordingPoster(clock)
    scheduler = DailyScheduler(app.daily, "console", poster)
    clock.set(utc(2026, 3, 2, 6, 0))
    await app.daily.set_schedule(admin(), "09:00", "Europe/Berlin", "mon-fri")
    await step(scheduler, clock, utc(2026, 3, 2, 8, 0))
    daily = poster.questions[0][1]
    q = app.pack.question(daily.view.question_id)
    wrong = (q.correct_index + 1) % len(q.choices)
    await app.quiz.answer(member("Bob"), daily.view.post_id, wrong)
    await app.quiz.answer(member("Cy"), daily.view.post_id, q.correct_index)
    await app.quiz.answer(member("Dee"), daily.view.post_id, q.correct_index)
    await step(scheduler, clock, utc(2026, 3, 3, 8, 0))
    [(_, results)] = poster.results
    [chart] = results.images
    assert chart.png.startswith(PNG)
    right_row = next(r for r in results.rows if r.correct)
    assert f"{right_row.letter}) {right_row.text}: 2 (67%) (right answer)" in chart.alt
    assert "3 people answered, 2 right (67%)" in chart.alt


async def test_the_quiz_night_podium_is_drawn(app, clock):
    from bot.features.live import LiveRunner

    log = ChannelLog()
    runner = LiveRunner(app.live, "discord", log, name="pictures")
    runner.start()
    try:
        await app.handle_text(ADA, "/quiz live processes-vs-threads 1 20s")
        await until(lambda: len(log.of(LiveRound)) == 1)
        first = log.of(LiveRound)[0]
        right, wrong = right_and_wrong(first, app)
        clock.advance(2)
        await app.dispatch(ADA, AnswerQuestion(first.view.post_id, right))
        await app.dispatch(BOB, AnswerQuestion(first.view.post_id, wrong))
        clock.advance(20)
        await until(lambda: bool(log.of(LivePodium)), timeout=60)
        await until_ended(app)
    finally:
        await runner.stop()
    [podium] = log.of(LivePodium)
    [chart] = podium.images
    assert chart.png.startswith(PNG)
    ada = podium.standings[0]
    assert f"1st Ada with {ada.points} points (1 of 1 right)" in chart.alt


@pytest.mark.parametrize("name", ["race", "spawn"])
async def test_a_demo_result_carries_its_measurements_as_bars(tmp_path, clock, pictures, name):
    app = await QuizApp.open(tmp_path / "demo.db", CONTENT, clock=clock, pictures=pictures)
    try:
        result = await app.handle_text(console_actor("Ada"), f"/quiz demo {name}")
        assert result.ok, result.error
        [chart] = result.images
        assert chart.png.startswith(PNG) and chart.name == f"demo-{name}.png"
        assert result.chart is not None and len(result.chart.bars) >= 2
        for bar in result.chart.bars:
            assert bar.label in chart.alt  # every measured bar is said in words
        if name == "race":
            expected = result.chart.bars[0]
            assert f"expected: {expected.value:,.0f} (no update lost)" in chart.alt
        else:
            assert " ms" in chart.alt
        assert result.lesson  # the text conclusion stays
    finally:
        await app.close()


async def test_pictures_time_out_to_text_only(db_target, clock):
    slow = Pictures(workers=1, timeout_s=0.001, priority=WorkerPriority.NORMAL)
    app = await QuizApp.open(db_target, CONTENT, clock=clock, pictures=slow)
    try:
        card = await app.dispatch(console_actor("Ada"), ShowCard("interprocess-communication"))
        assert not [i for i in card.images if i.name == "interprocess-communication.png"]
        assert card.card.summary  # the reply still goes out, as text
        assert slow.stats.timed_out == 1
        await eventually(lambda: slow.stats.drawn == 1, "the late drawing", timeout=60)
        again = await app.dispatch(console_actor("Ada"), ShowCard("interprocess-communication"))
        assert [i for i in again.images if i.name == "interprocess-communication.png"]
    finally:
        await app.close()
        await slow.close()

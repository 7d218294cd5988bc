"""The daily question: schedules, exactly-once posting, DST, grace, results and streaks.

Everything runs on a real SQLite file with the injected FakeClock; nothing sleeps for real time.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import QuizApp
from bot.features.daily import DailyQuestion, DailyResults, DailyScheduler, ScheduleInfo
from bot.features.daily import store as daily_store
from bot.features.daily.calendar import occurrence_on, parse_weekdays
from bot.features.quiz import AnswerResult
from bot.features.quiz import store as quiz_store
from bot.features.quiz.requests import AnswerQuestion
from bot.kernel.clock import FakeClock
from bot.kernel.errors import UserError
from bot.kernel.identity import Actor, ChannelRef
from bot.kernel.results import Notice
from tests.command_line import Quizbot
from tests.conftest import CONTENT, console_actor
from tests.waiting import eventually

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class RecordingPoster:
    """A platform that records what it was asked to post, and when."""

    def __init__(self, clock: FakeClock, fail: bool = False) -> None:
        self.clock = clock
        self.fail = fail
        self.questions: list[tuple[ChannelRef, DailyQuestion, datetime]] = []
        self.results: list[tuple[ChannelRef, DailyResults]] = []
        self.posted = asyncio.Event()

    async def post_question(self, channel: ChannelRef, question: DailyQuestion) -> str:
        if self.fail:
            raise RuntimeError("channel_not_found")
        await asyncio.sleep(0)  # a real platform call yields; lets racing schedulers interleave
        self.questions.append((channel, question, self.clock.now()))
        self.posted.set()
        return f"msg-{question.view.post_id}"

    async def post_results(self, channel: ChannelRef, results: DailyResults) -> str:
        self.results.append((channel, results))
        return f"res-{results.post_id}"

    def times(self, channel_id: str) -> list[datetime]:
        return [at for ch, _, at in self.questions if ch.channel_id == channel_id]


def admin(channel: str = "terminal", name: str = "Ada") -> Actor:
    return console_actor(name, channel)


def member(name: str, channel: str = "terminal") -> Actor:
    return Actor("console", name.lower(), name, "local", channel, is_admin=False)


async def step(scheduler: DailyScheduler, clock: FakeClock, until: datetime, minutes: int = 15):
    """Move time forward in small steps, running a scheduler pass at each, like the loop."""
    while clock.now() < until:
        clock.advance(timedelta(minutes=minutes))
        await scheduler.run_due()


async def passes(scheduler: DailyScheduler, count: int) -> None:
    """Wait (on the event loop, not on time) until the scheduler's loop has made ``count``
    passes; its database calls run on threads, so a few turns of the loop are not enough."""
    async with asyncio.timeout(5):
        while scheduler.passes < count:
            await asyncio.sleep(0.001)


async def answer(app: QuizApp, actor: Actor, post_id: int, right: bool) -> AnswerResult:
    post = await app.db.read(quiz_store.get_post, post_id)
    q = app.pack.question(post.question_id)
    if q.typed:  # the later cards have a few typed-answer questions
        return await app.quiz.answer_typed(actor, post_id, q.accept[0] if right else "no idea")
    choice = q.correct_index if right else (q.correct_index + 1) % len(q.choices)
    return await app.quiz.answer(actor, post_id, choice)


@pytest.fixture
def poster(clock):
    return RecordingPoster(clock)


@pytest.fixture
def scheduler(app, poster):
    return DailyScheduler(app.daily, "console", poster)


# -- time -------------------------------------------------------------------------------------


async def test_a_week_across_dst_in_two_zones_posts_once_a_day_at_local_nine(
    app, clock, poster, scheduler
):
    # New York springs forward on Sun 2026-03-08, Berlin on Sun 2026-03-29.
    clock.set(utc(2026, 3, 4, 0, 0))
    await app.daily.set_schedule(admin("ny"), "09:00", "America/New_York", "daily")
    await step(scheduler, clock, utc(2026, 3, 11, 23, 0))
    assert poster.times("ny") == [
        *(utc(2026, 3, d, 14, 0) for d in (4, 5, 6, 7)),  # EST: UTC-5
        *(utc(2026, 3, d, 13, 0) for d in (8, 9, 10, 11)),  # EDT: UTC-4, from the DST day on
    ]

    clock.set(utc(2026, 3, 25, 0, 0))
    await app.daily.set_schedule(admin("berlin"), "09:00", "Europe/Berlin", "mon,wed,fri,sun")
    await step(scheduler, clock, utc(2026, 4, 2, 0, 0))
    # Wed 25, Fri 27 at 08:00 UTC (CET); Sun 29 (the DST day), Mon 30, Wed 1 at 07:00 (CEST)
    assert poster.times("berlin") == [
        utc(2026, 3, 25, 8, 0),
        utc(2026, 3, 27, 8, 0),
        utc(2026, 3, 29, 7, 0),
        utc(2026, 3, 30, 7, 0),
        utc(2026, 4, 1, 7, 0),
    ]
    assert [q.local_date.isoformat() for ch, q, _ in poster.questions if ch.channel_id == "ny"][
        :2
    ] == ["2026-03-04", "2026-03-05"]


async def test_autumn_fall_back_posts_once_at_the_first_occurrence(app, clock, poster, scheduler):
    # Berlin falls back on Sun 2026-10-25 (03:00 CEST -> 02:00 CET): 02:30 happens twice.
    clock.set(utc(2026, 10, 24, 12, 0))
    await app.daily.set_schedule(admin("berlin"), "02:30", "Europe/Berlin")
    # New York falls back on Sun 2026-11-01 (02:00 EDT -> 01:00 EST): 01:30 happens twice.
    await app.daily.set_schedule(admin("ny"), "01:30", "America/New_York")
    await step(scheduler, clock, utc(2026, 11, 2, 12, 0), minutes=5)
    berlin = poster.times("berlin")
    assert utc(2026, 10, 25, 0, 30) in berlin  # 02:30 CEST, the first of the two
    assert utc(2026, 10, 25, 1, 30) not in berlin
    assert berlin[:3] == [
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
        utc(2026, 10, 27, 1, 30),
    ]
    ny = poster.times("ny")
    assert utc(2026, 11, 1, 5, 30) in ny and utc(2026, 11, 1, 6, 30) not in ny
    assert len(ny) == len({at.date() for at in ny})  # one post per day


async def test_a_time_inside_the_spring_gap_posts_when_the_clocks_jump(
    app, clock, poster, scheduler
):
    # 02:30 does not exist in Berlin on 2026-03-29: clocks go 02:00 CET -> 03:00 CEST (01:00 UTC)
    berlin = ZoneInfo("Europe/Berlin")
    assert occurrence_on(date(2026, 3, 29), time(2, 30), berlin) == utc(2026, 3, 29, 1, 0)
    assert occurrence_on(date(2026, 10, 25), time(2, 30), berlin) == utc(2026, 10, 25, 0, 30)
    clock.set(utc(2026, 3, 27, 12, 0))
    await app.daily.set_schedule(admin(), "02:30", "Europe/Berlin")
    await step(scheduler, clock, utc(2026, 3, 30, 12, 0), minutes=5)
    assert poster.times("terminal") == [
        utc(2026, 3, 28, 1, 30),  # Sat 02:30 CET
        utc(2026, 3, 29, 1, 0),  # Sun: the first valid moment, 03:00 CEST
        utc(2026, 3, 30, 0, 30),  # Mon 02:30 CEST
    ]


# -- exactly once ---------------------------------------------------------------------------


async def test_restart_before_and_after_the_post_time_posts_once(db_target, clock):
    db = db_target
    clock.set(utc(2026, 3, 2, 6, 0))  # Mon 07:00 in Berlin
    posters = []

    async def run_once(at: datetime) -> None:
        clock.set(at)
        app = await QuizApp.open(db, CONTENT, clock=clock)
        poster = RecordingPoster(clock)
        posters.append(poster)
        scheduler = DailyScheduler(app.daily, "console", poster)
        if not await app.db.read(daily_store.schedule, "console:local:terminal"):
            await app.daily.set_schedule(admin(), "09:00", "Europe/Berlin", "mon-fri")
        await scheduler.run_due()
        await app.close()

    await run_once(utc(2026, 3, 2, 6, 0))  # before the post time
    await run_once(utc(2026, 3, 2, 7, 30))  # restarted, still before
    await run_once(utc(2026, 3, 2, 8, 0))  # at 09:00 local: posts
    await run_once(utc(2026, 3, 2, 8, 5))  # restarted just after the post
    await run_once(utc(2026, 3, 2, 9, 30))  # and again later that day
    assert [len(p.questions) for p in posters] == [0, 0, 1, 0, 0]
    assert posters[2].questions[0][2] == utc(2026, 3, 2, 8, 0)

    app = await QuizApp.open(db, CONTENT, clock=clock)  # the post still takes answers
    try:
        post_id = posters[2].questions[0][1].view.post_id
        result = await answer(app, member("Bob"), post_id, right=True)
        assert result.correct and not result.already_answered
        claim = await app.db.read(daily_store.claim_for_post, post_id)
        assert claim.status == "posted" and claim.message_ref == f"msg-{post_id}"
        assert (await app.db.read(quiz_store.get_post, post_id)).message_ref == f"msg-{post_id}"
    finally:
        await app.close()


async def test_downtime_within_grace_posts_late_longer_skips_the_day(app, clock, poster, scheduler):
    clock.set(utc(2026, 3, 2, 6, 0))
    await app.daily.set_schedule(admin(), "09:00", "Europe/Berlin", "mon-fri")
    # Monday: down from before 09:00 until 10:30 local (1.5 h late, grace is 2 h)
    clock.set(utc(2026, 3, 2, 9, 30))
    run = await scheduler.run_due()
    assert [q.local_date.isoformat() for q in run.posted] == ["2026-03-02"]
    monday = run.posted[0]
    assert monday.closes_at == datetime(2026, 3, 3, 9, 0, tzinfo=monday.closes_at.tzinfo)
    # Tuesday: down until 11:30 local (2.5 h late): no post, no message; Monday's results go out
    clock.set(utc(2026, 3, 3, 10, 30))
    run = await scheduler.run_due()
    assert run.posted == [] and [r.post_id for r in run.results] == [monday.view.post_id]
    await step(scheduler, clock, utc(2026, 3, 3, 23, 0))
    assert len(poster.questions) == 1
    # Wednesday is on time again
    await step(scheduler, clock, utc(2026, 3, 4, 8, 0))
    assert poster.times("terminal") == [utc(2026, 3, 2, 9, 30), utc(2026, 3, 4, 8, 0)]


async def test_never_posts_yesterdays_question_after_midnight(app, clock, poster, scheduler):
    clock.set(utc(2026, 3, 2, 12, 0))
    await app.daily.set_schedule(admin(), "23:30", "Europe/Berlin")
    clock.set(utc(2026, 3, 2, 23, 15))  # Tue 00:15 local: Monday's 23:30 was 45 min ago
    assert (await scheduler.run_due()).posted == []
    await step(scheduler, clock, utc(2026, 3, 3, 22, 30))
    assert poster.times("terminal") == [utc(2026, 3, 3, 22, 30)]


async def test_two_processes_on_one_database_post_each_day_once(db_target, clock):
    db = db_target
    clock.set(utc(2026, 3, 2, 6, 0))
    one = await QuizApp.open(db, CONTENT, clock=clock)
    two = await QuizApp.open(db, CONTENT, clock=clock)
    try:
        posters = [RecordingPoster(clock), RecordingPoster(clock)]
        schedulers = [
            DailyScheduler(one.daily, "console", posters[0]),
            DailyScheduler(two.daily, "console", posters[1]),
        ]
        await one.daily.set_schedule(admin("a"), "09:00", "Europe/Berlin")
        await two.daily.set_schedule(admin("b"), "09:00", "Europe/Berlin")
        for day in range(2, 7):
            clock.set(utc(2026, 3, day, 8, 0))
            await asyncio.gather(*(s.run_due() for s in schedulers))
            await asyncio.gather(*(s.run_due() for s in schedulers))
        posted = [(ch.channel_id, q.local_date) for p in posters for ch, q, _ in p.questions]
        assert len(posted) == 10 and len(set(posted)) == 10  # 2 channels x 5 days, once each
        results = [r.post_id for p in posters for _, r in p.results]
        assert len(results) == 8 and len(set(results)) == 8  # days 2..5 closed, once each
    finally:
        await one.close()
        await two.close()


async def test_a_window_closed_by_another_process_refuses_late_answers(db_target, clock):
    db = db_target
    clock.set(utc(2026, 3, 2, 6, 0))
    one = await QuizApp.open(db, CONTENT, clock=clock)
    two = await QuizApp.open(db, CONTENT, clock=clock)
    try:
        poster = RecordingPoster(clock)
        one_scheduler = DailyScheduler(one.daily, "console", poster)
        await one.daily.set_schedule(admin(), "09:00", "Europe/Berlin")
        clock.set(utc(2026, 3, 2, 8, 0))
        await one_scheduler.run_due()
        monday = poster.questions[0][1].view.post_id
        await answer(two, member("Ann"), monday, right=True)  # process two caches the post
        clock.set(utc(2026, 3, 3, 6, 0))
        await one.handle_text(admin(), "/quiz daily now")  # process one closes Monday early
        late = await two.dispatch(member("Bob"), AnswerQuestion(monday, 0))
        assert isinstance(late, Notice) and "closed at Tue 3 Mar 07:00 CET" in late.text
        assert (await two.boards.stats(member("Bob"))).answered == 0
    finally:
        await one.close()
        await two.close()


async def test_a_failed_post_is_recorded_and_not_retried(app, clock, scheduler):
    failing = RecordingPoster(clock, fail=True)
    scheduler.poster = failing
    clock.set(utc(2026, 3, 2, 6, 0))
    await app.daily.set_schedule(admin(), "09:00", "Europe/Berlin")
    clock.set(utc(2026, 3, 2, 8, 0))
    run = await scheduler.run_due()
    assert run.posted == [] and run.failed == ["console:local:terminal"]
    await step(scheduler, clock, utc(2026, 3, 2, 12, 0))  # no retry that day
    info = await app.daily.show(admin())
    assert "2026-03-02: failed: RuntimeError('channel_not_found')" == info.last_post
    scheduler.poster = RecordingPoster(clock)  # the platform is back: the next day posts
    await step(scheduler, clock, utc(2026, 3, 3, 8, 0))
    assert len(scheduler.poster.questions) == 1 and scheduler.poster.results == []


async def test_an_admin_may_retry_a_refused_day_with_daily_now(app, clock, scheduler):
    app.daily.schedulers["console"] = scheduler
    scheduler.poster = RecordingPoster(clock, fail=True)
    clock.set(utc(2026, 3, 2, 6, 0))
    await app.daily.set_schedule(admin(), "09:00", "Europe/Berlin")
    refused = await app.handle_text(admin(), "/quiz daily now")
    assert refused.error and "failed" in refused.text.lower()
    scheduler.poster = RecordingPoster(clock)  # the admin fixed it (invited the bot)
    again = await app.handle_text(admin(), "/quiz daily now")
    assert not again.error and "Posted today's daily question" in again.text
    assert len(scheduler.poster.questions) == 1
    await step(scheduler, clock, utc(2026, 3, 2, 12, 0))  # and not a second time at 09:00
    assert len(scheduler.poster.questions) == 1


async def test_the_loop_sleeps_on_the_clock_and_wakes_when_a_schedule_changes(
    app, clock, poster, scheduler
):
    clock.set(utc(2026, 3, 2, 6, 0))
    scheduler.start()
    await eventually(lambda: scheduler.passes >= 1, "a pass that finds no schedule")
    await app.daily.set_schedule(admin(), "09:00", "Europe/Berlin")
    await eventually(lambda: scheduler.passes >= 2, "a pass after the schedule changed")
    clock.set(utc(2026, 3, 2, 7, 59))
    await asyncio.sleep(0)
    assert poster.questions == []
    clock.set(utc(2026, 3, 2, 8, 0))
    await asyncio.wait_for(poster.posted.wait(), timeout=30)
    assert poster.times("terminal") == [utc(2026, 3, 2, 8, 0)]
    await scheduler.stop()
    assert "console" not in app.daily.schedulers


async def test_the_loop_finds_a_schedule_another_process_set(db_target, clock):
    clock.set(utc(2026, 3, 2, 6, 0))
    one = await QuizApp.open(db_target, CONTENT, clock=clock)
    two = await QuizApp.open(db_target, CONTENT, clock=clock)
    try:
        poster = RecordingPoster(clock)
        scheduler = DailyScheduler(one.daily, "console", poster)
        scheduler.start()
        await passes(scheduler, 1)  # it found no schedule
        await two.daily.set_schedule(admin(), "07:10", "Europe/Berlin")  # no poke reaches one
        clock.set(utc(2026, 3, 2, 6, 5))  # the loop rescans every 5 minutes of clock time
        await passes(scheduler, 2)
        clock.set(utc(2026, 3, 2, 6, 10))
        await asyncio.wait_for(poster.posted.wait(), timeout=30)
        assert poster.times("terminal") == [utc(2026, 3, 2, 6, 10)]
    finally:
        await one.close()  # stops its scheduler too
        await two.close()
    assert one.daily.schedulers == {}


# -- what users get ---------------------------------------------------------------------------


async def test_no_repeats_until_the_pool_is_exhausted(app, clock, poster, scheduler):
    clock.set(utc(2026, 3, 2, 6, 0))
    await app.daily.set_schedule(admin(), "09:00", "UTC", "daily", "interprocess-communication")
    pool = {q.id for q in app.pack.questions_for("interprocess-communication")}
    await step(scheduler, clock, utc(2026, 3, 2 + len(pool), 9, 0), minutes=60)
    asked = [q.view.question_id for _, q, _ in poster.questions]
    assert len(asked) == len(pool) + 1
    assert set(asked[: len(pool)]) == pool  # every question once
    assert asked[-1] in pool  # then the second round starts


async def test_the_worst_answered_topic_comes_first(app, clock, poster, scheduler):
    clock.set(utc(2026, 3, 2, 6, 0))
    await app.daily.set_schedule(admin(), "09:00", "UTC")
    topics = [card.id for card in app.pack.cards]
    # one day per topic, answered right except IPC, then one more day
    plan = [topic != "interprocess-communication" for topic in topics] + [None]
    cards = []
    for day, right in enumerate(plan, start=2):
        await step(scheduler, clock, utc(2026, 3, day, 9, 0), minutes=60)
        question = poster.questions[-1][1]
        cards.append(question.view.topic_id)
        if right is not None:
            await answer(app, member("Bob"), question.view.post_id, right)
    # unanswered topics first in lesson order; then the worst accuracy (IPC: 0 of 1)
    assert cards == [*topics, "interprocess-communication"]


async def test_results_show_counts_shares_the_answer_the_why_and_who_was_first(
    app, clock, poster, scheduler
):
    clock.set(utc(2026, 3, 2, 6, 0))
    await app.daily.set_schedule(admin(), "09:00", "Europe/Berlin", "mon-fri")
    await step(scheduler, clock, utc(2026, 3, 2, 8, 0))
    daily = poster.questions[0][1]
    q = app.pack.question(daily.view.question_id)
    wrong = (q.correct_index + 1) % len(q.choices)
    clock.advance(timedelta(minutes=1))
    await app.quiz.answer(member("Bob"), daily.view.post_id, wrong)
    clock.advance(timedelta(minutes=1))
    await app.quiz.answer(member("Cy"), daily.view.post_id, q.correct_index)
    clock.advance(timedelta(minutes=1))
    await app.quiz.answer(member("Dee"), daily.view.post_id, q.correct_index)
    await step(scheduler, clock, utc(2026, 3, 3, 7, 45))
    assert poster.results == []  # the window is still open
    await step(scheduler, clock, utc(2026, 3, 3, 8, 0))
    [(channel, results)] = poster.results
    assert channel.channel_key == "console:local:terminal"
    assert results.answered == 3 and results.right == 2
    assert results.counts[q.correct_index] == 2 and results.counts[wrong] == 1
    assert results.share(q.correct_index) == pytest.approx(2 / 3)
    assert results.correct_index == q.correct_index and results.correct_text == q.answer
    assert results.why == q.why and results.prompt == q.prompt
    assert results.first_right == "Cy" and results.first_right_at == utc(2026, 3, 2, 8, 2)
    assert results.question_ref == f"msg-{daily.view.post_id}"
    # after the window: refused with when it closed, and nothing is stored
    late = await app.dispatch(member("Eve"), AnswerQuestion(daily.view.post_id, q.correct_index))
    assert isinstance(late, Notice) and late.error
    assert late.text.startswith("This daily question closed at Tue 3 Mar 09:00 CET")
    assert (await app.boards.stats(member("Eve"))).answered == 0


async def test_a_window_of_n_hours_closes_early(app, clock, poster, scheduler):
    clock.set(utc(2026, 3, 2, 6, 0))
    info = await app.handle_text(admin(), "/quiz daily set 09:00 Europe/Berlin mon-fri 6h")
    assert isinstance(info, ScheduleInfo) and info.window_hours == 6
    await step(scheduler, clock, utc(2026, 3, 2, 14, 0))
    assert len(poster.results) == 1 and poster.questions[0][1].closes_at.hour == 15


async def test_daily_streak_grows_resets_on_wrong_and_on_a_missed_day(
    app, clock, poster, scheduler
):
    clock.set(utc(2026, 3, 2, 6, 0))  # Monday
    await app.daily.set_schedule(admin(), "09:00", "UTC", "mon-fri")
    ada, bob = member("Ada"), member("Bob")

    async def next_post(day: int) -> int:
        await step(scheduler, clock, utc(2026, 3, day, 9, 0), minutes=60)
        return poster.questions[-1][1].view.post_id

    async def daily_streak(who: Actor) -> str:
        return dict((await app.boards.stats(who)).extra)["daily streak"]

    for day in (2, 3, 4):  # Mon, Tue, Wed right
        post_id = await next_post(day)
        await answer(app, ada, post_id, right=True)
        await answer(app, bob, post_id, right=day != 3)
    assert await daily_streak(ada) == "3 (best 3)"
    assert await daily_streak(bob) == "1 (best 1)"  # Tuesday's wrong answer reset it
    await next_post(5)  # Thursday: Ada does not answer
    assert await daily_streak(ada) == "3 (best 3)"  # still alive while Thursday is open
    friday = await next_post(6)
    assert await daily_streak(ada) == "0 (best 3)"  # missed Thursday
    board = await app.boards.leaderboard(ada, "channel", "all")
    row = {r.display_name: r for r in board.rows}["Ada"]
    assert (row.daily_streak, row.best_daily_streak) == (0, 3)
    await answer(app, ada, friday, right=True)
    assert await daily_streak(ada) == "1 (best 3)"
    # the weekend is not scheduled: Monday continues Friday's run
    monday = await next_post(9)
    await answer(app, ada, monday, right=True)
    assert await daily_streak(ada) == "2 (best 3)"
    board = await app.boards.leaderboard(ada, "server", "all")
    row = {r.display_name: r for r in board.rows}["Ada"]
    assert (row.daily_streak, row.best_daily_streak) == (2, 3)
    await answer(app, bob, monday, right=False)
    assert await daily_streak(bob) == "0 (best 1)"


# -- commands ---------------------------------------------------------------------------------


async def test_set_show_off_through_the_router(app, clock):
    clock.set(utc(2026, 3, 2, 6, 0))
    ada = admin()
    info = await app.handle_text(
        ada, "/quiz daily set 9:00 europe/berlin mon-fri processes-vs-threads"
    )
    assert isinstance(info, ScheduleInfo) and info.changed
    assert (info.local_time, info.zone, info.days_text) == ("09:00", "Europe/Berlin", "Mon–Fri")
    assert info.topic == "processes-vs-threads"
    assert info.next_post == datetime(2026, 3, 2, 9, 0, tzinfo=info.next_post.tzinfo)
    shown = await app.handle_text(ada, "daily show")  # Slack sends the text only
    assert isinstance(shown, ScheduleInfo) and not shown.changed
    every = await app.handle_text(ada, "/daily set 07:15 UTC every day")
    assert every.days_text == "every day" and every.topic is None
    off = await app.handle_text(ada, "/quiz daily off")
    assert isinstance(off, Notice) and not off.error and "stopped" in off.text
    none = await app.handle_text(ada, "/quiz daily show")
    assert isinstance(none, Notice) and "No daily question" in none.text


async def test_non_admins_are_refused_and_nothing_changes(app, clock):
    await app.daily.set_schedule(admin(), "09:00", "Europe/Berlin")
    bob = member("Bob")
    for text in ("/quiz daily set 10:00 UTC", "/quiz daily off", "/quiz daily now"):
        reply = await app.handle_text(bob, text)
        assert isinstance(reply, Notice) and reply.error
        assert reply.text == "Only admins can change the daily question."
    info = await app.handle_text(bob, "/quiz daily show")  # anyone may look
    assert (info.local_time, info.zone) == ("09:00", "Europe/Berlin")


async def test_set_may_be_left_out_and_admin_commands_are_named_for_adapters(app, clock):
    clock.set(utc(2026, 3, 2, 6, 0))
    refused = await app.handle_text(member("Bob"), "/quiz daily 10:00 UTC")
    assert refused.text == "Only admins can change the daily question."
    assert isinstance(await app.handle_text(admin(), "daily show"), Notice)  # nothing stored
    info = await app.handle_text(admin(), "daily 9:00 Europe/Berlin mon-fri")
    assert isinstance(info, ScheduleInfo) and info.changed
    assert (info.local_time, info.zone, info.days_text) == ("09:00", "Europe/Berlin", "Mon–Fri")
    for text in ("daily set 09:00 UTC", "daily 09:00 UTC", "daily off", "daily STOP", "daily now"):
        assert app.grammar.parse(text).needs_admin, text
    for text in ("daily", "daily show", "daily Show"):
        assert not app.grammar.parse(text).needs_admin, text
    assert isinstance(app.parse("daily nonsense"), Notice)


async def test_bad_input_gets_one_clear_line(app):
    ada = admin()
    zone = await app.handle_text(ada, "/quiz daily set 09:00 Europe/Berln")
    assert zone.error and "Unknown time zone 'Europe/Berln'" in zone.text
    assert "Did you mean Europe/Berlin" in zone.text
    city = await app.handle_text(ada, "/quiz daily set 09:00 Berlin")
    assert "Europe/Berlin" in city.text
    hour = await app.handle_text(ada, "/quiz daily set 25:00 UTC")
    assert hour.error and "Unknown time '25:00'" in hour.text
    days = await app.handle_text(ada, "/quiz daily set 09:00 UTC mon-fir")
    assert days.error and "Unknown weekdays 'mon-fir'" in days.text
    topic = await app.handle_text(ada, "/quiz daily set 09:00 UTC mon-fri threds")
    assert topic.error and "Unknown topic 'threds'" in topic.text
    usage = await app.handle_text(ada, "/quiz daily set 09:00")
    assert usage.error and "Usage" in usage.text
    assert "\n" not in zone.text + hour.text + days.text + topic.text
    assert isinstance(await app.handle_text(ada, "/quiz daily show"), Notice)  # none was set


def test_weekday_forms():
    assert parse_weekdays("mon-fri") == (0, 1, 2, 3, 4)
    assert parse_weekdays("mon,wed,fri") == (0, 2, 4)
    assert parse_weekdays("daily") == parse_weekdays("everyday") == (0, 1, 2, 3, 4, 5, 6)
    assert parse_weekdays("weekends") == (5, 6)
    assert parse_weekdays("fri-mon") == (0, 4, 5, 6)
    assert parse_weekdays("Tuesday") == (1,)
    with pytest.raises(UserError):
        parse_weekdays("funday")


async def test_daily_now_posts_todays_question_once(app, clock, poster, scheduler):
    clock.set(utc(2026, 3, 2, 6, 0))
    ada = admin()
    await app.daily.set_schedule(ada, "09:00", "Europe/Berlin", "mon-fri")
    now = await app.handle_text(ada, "/quiz daily now")
    assert not now.error and "answers close Tue 3 Mar 09:00 CET" in now.text
    again = await app.handle_text(ada, "/quiz daily now")
    assert "already posted" in again.text and "2026-03-02: posted" in again.text
    await step(scheduler, clock, utc(2026, 3, 2, 12, 0))  # 09:00 today is taken by "now"
    assert len(poster.questions) == 1
    info = await app.daily.show(ada)
    assert info.next_post == datetime(2026, 3, 3, 9, 0, tzinfo=info.next_post.tzinfo)


async def test_daily_now_closes_the_previous_question(app, clock, poster, scheduler):
    clock.set(utc(2026, 3, 2, 6, 0))
    ada = admin()
    await app.daily.set_schedule(ada, "09:00", "Europe/Berlin", "mon-fri")
    await step(scheduler, clock, utc(2026, 3, 2, 8, 0))  # Monday's question, open until Tue 09:00
    monday = poster.questions[0][1]
    await answer(app, member("Ann"), monday.view.post_id, right=True)  # the post is now cached
    clock.set(utc(2026, 3, 3, 6, 0))  # Tuesday 07:00 in Berlin
    await app.handle_text(ada, "/quiz daily now")
    late = await app.dispatch(member("Bob"), AnswerQuestion(monday.view.post_id, 0))
    assert isinstance(late, Notice) and "closed at Tue 3 Mar 07:00 CET" in late.text
    await scheduler.run_due(clock.now())
    assert [(r.post_id, r.answered) for _, r in poster.results] == [(monday.view.post_id, 1)]


async def test_a_daily_answer_scores_even_when_its_question_is_not_yet_due(
    app, clock, poster, scheduler
):
    """The daily post is stored with the daily feature's kind and read back with its rules:
    the channel's one question of the day scores for a user who just got it right by /quiz,
    where a second /quiz of it would not (not due for review)."""
    clock.set(utc(2026, 3, 2, 6, 0))
    await app.daily.set_schedule(admin(), "09:00", "Europe/Berlin", "mon-fri")
    await step(scheduler, clock, utc(2026, 3, 2, 8, 0))
    daily = poster.questions[0][1]
    ann = member("Ann")
    question = app.pack.question(daily.view.question_id)
    asked = await app.quiz.post_question(ann, question)
    assert (await answer(app, ann, asked.post_id, right=True)).points_gained == 10
    again = await app.quiz.post_question(ann, question)
    assert (await answer(app, ann, again.post_id, right=True)).points_gained == 0
    scored = await answer(app, ann, daily.view.post_id, right=True)
    assert scored.correct and scored.points_gained == 10


# -- the console ------------------------------------------------------------------------------


@pytest.fixture
def quizbot(monkeypatch, capfd):
    # the console in this process, its input on fd 0: its output and status as a process's
    return Quizbot(monkeypatch, capfd, bound_s=60)


def test_console_daily_set_show_now_answer_off(tmp_path, quizbot):
    out = quizbot(
        *("console", "--db", str(tmp_path / "q.db")),
        cwd=tmp_path,
        input="\n".join(
            [
                "/daily set 09:00 Europe/Berln",
                "/daily set 09:00 Europe/Berlin mon-fri",
                "/daily show",
                "/daily now",
                "A",
                "/quiz daily now",
                "/stats",
                "/daily off",
                "/daily show",
                "/quit",
            ]
        )
        + "\n",
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Traceback" not in text + out.stderr
    assert "Did you mean Europe/Berlin" in text
    assert "Daily question set\n  When: 09:00 Europe/Berlin, Mon–Fri" in text
    assert re.search(r"Next post: \w{3} \d+ \w{3} 09:00 CES?T", text), text
    assert "📅 Daily question · " in text  # the poster printed the post
    assert "Posted today's daily question" in text
    assert text.count("Why: ") == 1  # the answer to the daily question
    assert "already posted" in text
    assert "daily streak" in text
    assert "Daily question stopped for this channel" in text
    assert "No daily question in this channel" in text


async def test_a_burst_of_daily_answers_is_batched_and_counted_once(app, clock, poster, scheduler):
    clock.set(utc(2026, 3, 2, 6, 0))
    await app.daily.set_schedule(admin(), "09:00", "UTC")
    await step(scheduler, clock, utc(2026, 3, 2, 9, 0))
    post_id = poster.questions[0][1].view.post_id
    q = app.pack.question(poster.questions[0][1].view.question_id)
    users = [member(f"user{i:03d}") for i in range(300)]
    before = app.answers.batches
    results = await asyncio.gather(
        *(
            app.quiz.answer(u, post_id, q.correct_index if i % 3 else 0)
            for i, u in enumerate(users)
        ),
        *(app.quiz.answer(u, post_id, q.correct_index) for u in users[:50]),  # double clicks
    )
    assert sum(not r.already_answered for r in results) == 300
    assert app.answers.batches - before < 30  # group-committed, not one per answer
    await step(scheduler, clock, utc(2026, 3, 3, 9, 0), minutes=60)
    [(_, day_one)] = poster.results
    assert day_one.answered == 300
    streaks = await app.daily.streaks(
        [u.user_key for u in users], "console:local:terminal", "console:local"
    )
    right = sum(1 for i in range(300) if (i % 3 or q.correct_index == 0))
    assert sum(s["console:local:terminal"][1] for s in streaks.values()) == right  # best = 1


async def test_results_still_come_after_the_schedule_is_stopped(app, clock, poster, scheduler):
    clock.set(utc(2026, 3, 2, 6, 0))
    await app.daily.set_schedule(admin(), "09:00", "UTC")
    await step(scheduler, clock, utc(2026, 3, 2, 9, 0))
    await app.handle_text(admin(), "/quiz daily off")
    await step(scheduler, clock, utc(2026, 3, 4, 12, 0), minutes=60)
    assert len(poster.questions) == 1  # no new posts
    assert [r.post_id for _, r in poster.results] == [poster.questions[0][1].view.post_id]


async def test_failed_results_are_recorded_and_not_retried(app, clock, poster, scheduler):
    async def refuse(channel, results):
        raise RuntimeError("not_in_channel")

    clock.set(utc(2026, 3, 2, 6, 0))
    await app.daily.set_schedule(admin(), "09:00", "UTC")
    await step(scheduler, clock, utc(2026, 3, 2, 9, 0))
    poster.post_results = refuse
    run = await scheduler.run_due(utc(2026, 3, 3, 9, 0))
    assert run.results == [] and len(run.posted) == 1
    claim = await app.db.read(daily_store.claim_on, "console:local:terminal", "2026-03-02")
    assert claim.results_status == "failed"
    assert (await scheduler.run_due(utc(2026, 3, 3, 9, 30))).results == []


async def test_one_broken_schedule_does_not_stop_the_others(app, clock, poster, scheduler):
    clock.set(utc(2026, 3, 2, 6, 0))
    await app.daily.set_schedule(admin("good"), "09:00", "UTC")
    await app.daily.set_schedule(admin("bad"), "09:00", "UTC")
    await app.db.write(  # as if the OS lost the zone after an upgrade
        lambda db: db.execute(
            "UPDATE daily_schedules SET zone = 'Mars/Olympus' WHERE channel_id = 'bad'"
        )
    )
    run = await scheduler.run_due(utc(2026, 3, 2, 9, 0))
    assert [q.channel.channel_id for q in run.posted] == ["good"]
    assert run.failed == ["console:local:bad"]
    assert await scheduler.next_wake(utc(2026, 3, 2, 9, 0)) == utc(2026, 3, 3, 9, 0)


async def test_show_explains_a_stored_zone_this_machine_does_not_know(app, clock):
    await app.daily.set_schedule(admin(), "09:00", "Europe/Berlin")
    await app.db.write(lambda db: db.execute("UPDATE daily_schedules SET zone = 'Mars/Base'"))
    shown = await app.handle_text(member("Bob"), "/quiz daily show")
    assert isinstance(shown, Notice) and shown.error
    assert "'Mars/Base'" in shown.text and "/quiz daily set" in shown.text


@pytest.mark.parametrize("days", ["Mon–Fri", "mon - fri", "mon , tue,wed, thu ,fri", "MON-FRI"])
async def test_days_as_the_bot_writes_them_can_be_typed_back(app, clock, days):
    info = await app.handle_text(admin(), f"/quiz daily set 09:00 Europe/Berlin {days}")
    assert isinstance(info, ScheduleInfo), info
    assert info.weekdays == (0, 1, 2, 3, 4) and info.topic is None


async def test_a_schedule_set_after_todays_time_starts_tomorrow(app, clock, poster, scheduler):
    clock.set(utc(2026, 3, 2, 9, 0))  # 10:00 in Berlin, after the 09:00 post time
    await app.daily.set_schedule(admin(), "09:00", "Europe/Berlin")
    await scheduler.run_due(utc(2026, 3, 2, 9, 1))  # within the grace period, yet not today
    assert poster.questions == []
    await step(scheduler, clock, utc(2026, 3, 3, 8, 0))
    assert poster.times("terminal") == [utc(2026, 3, 3, 8, 0)]

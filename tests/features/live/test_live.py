"""Quiz night in the core: the real app on each backend (a SQLite file, a PostgreSQL schema), the
runner on a FakeClock, rounds delivered to a poster that records what a channel would show."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.app import QuizApp
from bot.features.live import (
    EndReason,
    LivePodium,
    LiveProgress,
    LiveRound,
    LiveRunner,
    LiveScoreboard,
    LiveStarted,
    LockedIn,
    RoundReveal,
)
from bot.features.live import store as live_store
from bot.features.live.requests import AnswerLiveRound, ShowLive, StartLive, StopLive, parse_live
from bot.features.live.store import LIVE_POST, live_points
from bot.features.quiz import QuestionView
from bot.features.quiz.requests import AnswerQuestion, AnswerTyped
from bot.features.quiz.store import NewPost
from bot.kernel.errors import UserError
from bot.kernel.grammar import ParseContext
from bot.kernel.identity import Actor, ChannelRef
from bot.kernel.names import Named, NameIndex
from bot.kernel.results import Notice
from tests.conftest import CONTENT

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

TOPIC = "processes-vs-threads"


def player(name: str, admin: bool = False, channel: str = "C1") -> Actor:
    return Actor("discord", name.lower(), name, "G1", channel, is_admin=admin)


ADA, BOB, CY = player("Ada"), player("Bob"), player("Cy")


@dataclass
class ChannelLog:
    """A LivePoster that keeps what each channel would show, in order."""

    posted: list[object] = field(default_factory=list)
    edits: list[tuple[str, RoundReveal]] = field(default_factory=list)
    fail_rounds: bool = False

    async def post_round(self, channel: ChannelRef, live_round: LiveRound) -> str:
        if self.fail_rounds:
            raise RuntimeError("channel gone")
        self.posted.append(live_round)
        return f"{channel.channel_id}:{len(self.posted)}"

    async def close_round(self, channel: ChannelRef, ref: str, reveal: RoundReveal) -> None:
        self.edits.append((ref, reveal))

    async def post_standings(
        self, channel: ChannelRef, standings: LiveScoreboard | LivePodium
    ) -> str:
        self.posted.append(standings)
        return f"{channel.channel_id}:{len(self.posted)}"

    def of(self, kind: type) -> list:
        return [p for p in self.posted if isinstance(p, kind)]


async def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait for the runner's tasks (database hops on threads) to get somewhere."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def answer(app: QuizApp, actor: Actor, live_round: LiveRound, choice: int) -> object:
    """A click on the round's button: the live feature's own request."""
    return await app.dispatch(actor, AnswerLiveRound(live_round.view.post_id, choice))


async def query(app: QuizApp, sql: str) -> list[tuple[object, ...]]:
    """What the database holds now, through the app's own read connection (either backend)."""
    await app.answers.settled()  # derived rows (FSRS, topics) trail the click
    return await app.db.read(lambda db: [tuple(row) for row in db.execute(sql).fetchall()])


async def until_ended(app: QuizApp, timeout: float = 30.0) -> None:
    """Wait for the runner to mark its sessions ended: it posts the podium first, then writes
    the end (a crash in between posts the podium again rather than never)."""
    running = "SELECT COUNT(*) FROM live_sessions WHERE status = 'running'"
    async with asyncio.timeout(timeout):
        while await query(app, running) != [(0,)]:
            await asyncio.sleep(0.005)


async def until_open(app: QuizApp, number: int, timeout: float = 30.0) -> None:
    """Wait for round ``number`` to be stored open. The channel shows a round as soon as its
    post returns, but the round stays 'posting' until the post's ref is written: a crash in
    between ends the session (nobody can tell whether the round was shown)."""
    status = f"SELECT status FROM live_rounds WHERE number = {number}"
    async with asyncio.timeout(timeout):
        while await query(app, status) != [("open",)]:
            await asyncio.sleep(0.005)


def right_and_wrong(live_round: LiveRound, app: QuizApp) -> tuple[int, int]:
    question = app.pack.question(live_round.view.question_id)
    assert question is not None
    right = question.correct_index
    return right, (right + 1) % len(question.choices)


@pytest.fixture
def channel_log() -> ChannelLog:
    return ChannelLog()


@pytest.fixture
async def runner(app, channel_log):
    runner = LiveRunner(app.live, "discord", channel_log, name="runner-1")
    runner.start()
    yield runner
    await runner.stop()


def test_points_fall_from_1000_at_once_to_500_at_the_buzzer():
    assert live_points(True, 0, 20) == 1000
    assert live_points(True, 2, 20) == 950
    assert live_points(True, 20, 20) == 500
    assert live_points(True, 25, 20) == 500
    assert live_points(False, 0, 20) == 0


def test_live_text_is_parsed_once_in_any_order():
    context = ParseContext(NameIndex.of([Named(TOPIC)]))
    assert parse_live([TOPIC, "5", "20s"], context) == StartLive(TOPIC, 5, 20)
    assert parse_live(["20s", "5"], context) == StartLive(None, 5, 20)
    assert parse_live([], context) == StartLive()
    # Discord's form, and a title of several words (the service finds the topic)
    assert parse_live(["start", "Locks", "&", "Sync", "3"], context) == StartLive(
        "Locks & Sync", 3, None
    )
    assert parse_live(["start"], context) == StartLive()
    assert parse_live(["stop"], context) == StopLive()
    assert parse_live(["status"], context) == ShowLive()


async def test_bad_numbers_get_one_line_and_start_nothing(app, runner, channel_log):
    for text in ("live 0", "live 31", "live 4s", "live 121s", "live 5 5 5", "live 99999999"):
        reply = await app.handle_text(ADA, f"/quiz {text}")
        assert isinstance(reply, Notice) and reply.error, text
        assert "\n" not in reply.text
    reply = await app.handle_text(ADA, "/quiz live no-such-topic")
    assert isinstance(reply, Notice) and reply.error and "Unknown topic" in reply.text
    assert await query(app, "SELECT COUNT(*) FROM live_sessions") == [(0,)]
    assert channel_log.posted == []


async def test_a_full_session_of_three_rounds_with_three_players(app, clock, runner, channel_log):
    started = await app.handle_text(ADA, f"/quiz live {TOPIC} 3 20s")
    assert isinstance(started, LiveStarted)
    assert (started.rounds, started.seconds, started.started_by) == (3, 20, "Ada")
    await until(lambda: len(channel_log.of(LiveRound)) == 1)
    first = channel_log.of(LiveRound)[0]
    assert (first.number, first.rounds, first.closes_at) == (
        1,
        3,
        clock.now() + timedelta(seconds=20),
    )
    right, wrong = right_and_wrong(first, app)

    # round 1: Ada right at 2 s, Bob wrong, Cy right at 10 s and clicks again
    clock.advance(2)
    locked = await answer(app, ADA, first, right)
    assert isinstance(locked, LockedIn) and not locked.already_answered
    assert locked.choice_index == right  # what was locked in, never whether it is right
    assert await answer(app, BOB, first, wrong) == LockedIn(
        first.view.post_id, 1, wrong, first.view.choices[wrong], first.closes_at
    )
    clock.advance(8)
    await answer(app, CY, first, right)
    again = await answer(app, CY, first, wrong)
    assert isinstance(again, LockedIn) and again.already_answered and again.choice_index == right
    assert channel_log.edits == []  # nothing revealed before the round closes
    clock.advance(10)  # time up
    await until(lambda: len(channel_log.of(LiveRound)) == 2)
    ref, reveal = channel_log.edits[0]
    assert ref == "C1:1"
    assert (reveal.number, reveal.answered, reveal.right, reveal.closed_early) == (1, 3, 2, False)
    assert reveal.counts[right] == 2 and reveal.counts[wrong] == 1
    assert reveal.fastest is not None and reveal.fastest.name == "Ada"
    assert reveal.fastest.seconds == 2.0
    [board] = channel_log.of(LiveScoreboard)
    assert [(s.rank, s.name, s.points) for s in board.standings] == [
        (1, "Ada", 950),
        (2, "Cy", 750),
        (3, "Bob", 0),
    ]

    # round 2: Ada and Bob answer; Cy is late (after the close): refused, nothing stored
    second = channel_log.of(LiveRound)[1]
    assert second.view.question_id != first.view.question_id
    right2, wrong2 = right_and_wrong(second, app)
    await answer(app, ADA, second, right2)
    await answer(app, BOB, second, right2)
    clock.advance(20)
    await until(lambda: len(channel_log.edits) == 2)
    late = await answer(app, CY, second, right2)
    assert isinstance(late, Notice) and late.error
    assert late.text == "Round 2 has closed; answers no longer count."

    # round 3: all three answer: it closes at once, before the time is up
    await until(lambda: len(channel_log.of(LiveRound)) == 3)
    third = channel_log.of(LiveRound)[2]
    right3, wrong3 = right_and_wrong(third, app)
    clock.advance(5)
    for actor, choice in ((ADA, wrong3), (BOB, right3), (CY, right3)):
        await answer(app, actor, third, choice)
    await until(lambda: bool(channel_log.of(LivePodium)))
    await until_ended(app)
    assert channel_log.edits[2][1].closed_early
    [podium] = channel_log.of(LivePodium)
    assert podium.reason == EndReason.FINISHED and podium.rounds_played == 3
    assert [(s.name, s.points, s.right) for s in podium.standings] == [
        ("Ada", 950 + 1000, 2),
        ("Bob", 1000 + 875, 2),
        ("Cy", 750 + 875, 2),
    ]
    assert [s.rank for s in podium.podium] == [1, 2, 3]
    assert podium.missed_most is not None and podium.missed_most.number == 1  # ties: the earliest
    assert len(channel_log.of(LiveScoreboard)) == 2  # after rounds 1 and 2; the podium ends it
    # the learning record: every stored answer is an ordinary answer (FSRS, per-topic)
    assert await query(app, "SELECT COUNT(*) FROM answers") == [(8,)]
    assert await query(app, "SELECT COUNT(*) FROM srs_cards WHERE user_key = 'discord:cy'") == [
        (2,)
    ]
    # the leaderboards count 10 a right answer, not the session's speed points
    assert await query(app, "SELECT points FROM users WHERE user_key = 'discord:ada'") == [(20,)]
    assert await query(app, "SELECT status FROM live_sessions") == [("finished",)]


async def test_a_second_start_shows_the_running_session_instead(app, clock, runner, channel_log):
    await app.handle_text(ADA, f"/quiz live {TOPIC} 3 20s")
    await until(lambda: len(channel_log.of(LiveRound)) == 1)
    await answer(app, BOB, channel_log.of(LiveRound)[0], 0)
    again = await app.handle_text(CY, "/quiz live 5 30s")
    assert isinstance(again, LiveProgress) and again.already_running
    assert (again.round_number, again.rounds, again.started_by, again.players) == (1, 3, "Ada", 1)
    assert await app.handle_text(CY, "/quiz live status") == dataclasses.replace(
        again, already_running=False
    )
    elsewhere = await app.handle_text(player("Cy", channel="C2"), "/quiz live 2 10s")
    assert isinstance(elsewhere, LiveStarted)  # one session per channel, not per workspace
    assert await query(app, "SELECT channel_key FROM live_sessions ORDER BY id") == [
        ("discord:G1:C1",),
        ("discord:G1:C2",),
    ]


async def test_stop_by_someone_else_is_refused_by_the_starter_ends_it(
    app, clock, runner, channel_log
):
    await app.handle_text(ADA, f"/quiz live {TOPIC} 5 20s")
    await until(lambda: len(channel_log.of(LiveRound)) == 1)
    first = channel_log.of(LiveRound)[0]
    right, _ = right_and_wrong(first, app)
    clock.advance(4)
    await answer(app, BOB, first, right)
    refused = await app.handle_text(BOB, "/quiz live stop")
    assert refused == Notice("Only Ada (who started this quiz) or an admin can stop it.", True)
    await asyncio.sleep(0.05)
    assert channel_log.edits == [] and not channel_log.of(LivePodium)

    stopping = await app.handle_text(ADA, "/quiz live stop")
    assert isinstance(stopping, Notice) and not stopping.error
    await until(lambda: bool(channel_log.of(LivePodium)))
    await until_ended(app)
    [(_, reveal)] = channel_log.edits  # the open round is revealed, no scoreboard after it
    assert reveal.number == 1 and reveal.right == 1
    [podium] = channel_log.of(LivePodium)
    assert (podium.reason, podium.stopped_by, podium.rounds_played) == (EndReason.STOPPED, "Ada", 1)
    assert [(s.name, s.points) for s in podium.standings] == [("Bob", 900)]
    assert channel_log.of(LiveScoreboard) == [] and len(channel_log.of(LiveRound)) == 1
    gone = await app.handle_text(ADA, "/quiz live stop")
    assert gone == Notice("No live quiz is running here.", error=True)
    assert isinstance(await app.handle_text(ADA, "/quiz live 1 5s"), LiveStarted)  # free again


async def test_an_admin_may_stop_someone_elses_session(app, runner, channel_log):
    await app.handle_text(ADA, "/quiz live 3 20s")
    await until(lambda: len(channel_log.of(LiveRound)) == 1)
    reply = await app.handle_text(player("Root", admin=True), "/quiz live stop")
    assert isinstance(reply, Notice) and not reply.error
    await until(lambda: bool(channel_log.of(LivePodium)))
    await until_ended(app)
    assert channel_log.of(LivePodium)[0].stopped_by == "Root"


async def test_two_rounds_without_answers_end_the_session(app, clock, runner, channel_log):
    await app.handle_text(ADA, "/quiz live 10 20s")
    for number in (1, 2):
        await until(lambda n=number: len(channel_log.of(LiveRound)) == n)
        clock.advance(20)
    await until(lambda: bool(channel_log.of(LivePodium)))
    await until_ended(app)
    [podium] = channel_log.of(LivePodium)
    assert (podium.reason, podium.rounds_played, podium.standings) == (EndReason.IDLE, 2, ())
    assert len(channel_log.of(LiveRound)) == 2


async def test_a_round_the_platform_refuses_ends_the_session_with_a_podium(app, runner):
    runner.poster.fail_rounds = True
    await app.handle_text(ADA, "/quiz live 3 20s")
    log = runner.poster
    await until(lambda: bool(log.of(LivePodium)))
    await until_ended(app)
    [podium] = log.of(LivePodium)
    assert podium.reason == EndReason.INTERRUPTED and "could not be posted" in podium.detail
    assert await query(app, "SELECT status FROM live_sessions") == [("interrupted",)]


async def test_a_restart_mid_round_carries_on_from_the_stored_state(db_target, clock):
    db_path = db_target
    first_app = await QuizApp.open(db_path, CONTENT, clock=clock)
    first_log = ChannelLog()
    first_runner = LiveRunner(first_app.live, "discord", first_log, name="before")
    first_runner.start()
    await first_app.handle_text(ADA, f"/quiz live {TOPIC} 2 20s")
    await until(lambda: len(first_log.of(LiveRound)) == 1)
    round_one = first_log.of(LiveRound)[0]
    right, _ = right_and_wrong(round_one, first_app)
    clock.advance(5)
    await answer(first_app, ADA, round_one, right)
    await first_app.close()  # stops the runner: it hands the session back

    second_app = await QuizApp.open(db_path, CONTENT, clock=clock)
    try:
        second_log = ChannelLog()
        second_runner = LiveRunner(second_app.live, "discord", second_log, name="after")
        # the round's close passed while the bot was down: it closes at once on restart
        clock.advance(30)
        second_runner.start()
        await until(lambda: len(second_log.of(LiveRound)) == 1)
        [(ref, reveal)] = second_log.edits
        assert ref == "C1:1" and reveal.number == 1 and reveal.right == 1  # the stored message
        round_two = second_log.of(LiveRound)[0]
        assert round_two.number == 2 and first_log.edits == []
        await answer(second_app, BOB, round_two, 0)
        clock.advance(20)
        await until(lambda: bool(second_log.of(LivePodium)))
        [podium] = second_log.of(LivePodium)
        assert podium.reason == EndReason.FINISHED and podium.rounds_played == 2
        assert {s.name for s in podium.standings} == {"Ada", "Bob"}
        assert await query(second_app, "SELECT COUNT(*), MAX(number) FROM live_rounds") == [(2, 2)]
    finally:
        await second_app.close()


async def test_a_restart_before_the_close_keeps_the_rounds_stored_close_time(db_target, clock):
    """The restarted bot neither closes the round early nor gives it a fresh 20 s: it closes at
    the time stored when it opened, and answers count until then."""
    first_app = await QuizApp.open(db_target, CONTENT, clock=clock)
    first_log = ChannelLog()
    LiveRunner(first_app.live, "discord", first_log, name="before").start()
    await first_app.handle_text(ADA, f"/quiz live {TOPIC} 2 20s")
    await until(lambda: len(first_log.of(LiveRound)) == 1)
    round_one = first_log.of(LiveRound)[0]
    closes = round_one.closes_at
    right, wrong = right_and_wrong(round_one, first_app)
    clock.advance(5)
    await answer(first_app, ADA, round_one, right)
    await first_app.close()  # a restart 5 s into the round

    second_app = await QuizApp.open(db_target, CONTENT, clock=clock)
    try:
        second_log = ChannelLog()
        second_runner = LiveRunner(second_app.live, "discord", second_log, name="after")
        second_runner.start()
        await until(lambda: bool(second_runner._drivers))  # noqa: SLF001  it adopted the session
        clock.advance(14)  # 19 s into the round: still open on the restarted bot
        late_but_in_time = await answer(second_app, BOB, round_one, wrong)
        assert isinstance(late_but_in_time, LockedIn) and late_but_in_time.closes_at == closes
        await asyncio.sleep(0.05)
        assert second_log.posted == [] and second_log.edits == []
        clock.advance(1)  # the stored close
        assert clock.now() == closes
        await until(lambda: len(second_log.of(LiveRound)) == 1)
        [(ref, reveal)] = second_log.edits
        assert (ref, reveal.number, reveal.answered, reveal.right) == ("C1:1", 1, 2, 1)
        [board] = second_log.of(LiveScoreboard)
        assert [(s.name, s.points) for s in board.standings] == [("Ada", 875), ("Bob", 0)]
        round_two = second_log.of(LiveRound)[0]
        assert round_two.number == 2 and round_two.closes_at == closes + timedelta(seconds=20)
        clock.advance(20)
        await until(lambda: bool(second_log.of(LivePodium)))
        await until_ended(second_app)
        [podium] = second_log.of(LivePodium)
        assert (podium.reason, podium.rounds_played) == (EndReason.FINISHED, 2)
        assert first_log.edits == [] and len(first_log.posted) == 1  # nothing twice
    finally:
        await second_app.close()


@dataclass
class DiesWhilePosting(ChannelLog):
    """A channel whose round ``from_round`` is being posted when the process dies: the post
    never returns (the platform may or may not have shown it)."""

    from_round: int = 2
    posting: list[LiveRound] = field(default_factory=list)

    async def post_round(self, channel: ChannelRef, live_round: LiveRound) -> str:
        if live_round.number >= self.from_round:
            self.posting.append(live_round)
            await asyncio.Event().wait()  # until the process dies (the task is cancelled)
        return await super().post_round(channel, live_round)


async def crash(runner: LiveRunner) -> None:
    """The runner's process dies: its tasks stop, nothing is handed back. Returns once they
    have ended: a cancel can be lost (Python 3.11's ``asyncio.wait_for`` returns the result
    when its call had just finished, as a round's post that the test saw had), and the task
    ran on, renewing its lease at the time the test then set: it is cancelled again until it
    ends."""
    tasks = [runner._task, *runner._drivers.values()]  # noqa: SLF001

    def ended() -> bool:
        for task in tasks:
            assert task is not None
            task.cancel()
        return all(task is not None and task.done() for task in tasks)

    await until(ended)


async def test_a_restart_after_dying_mid_post_ends_the_session_with_the_standings_so_far(
    db_target, clock
):
    """A round stuck in 'posting' (the bot died while posting it) cannot be carried on
    honestly: the restarted bot ends the session with a podium of the rounds played, and
    posts no round again."""
    first_app = await QuizApp.open(db_target, CONTENT, clock=clock)
    second_app = None
    try:
        first_log = DiesWhilePosting()
        first_runner = LiveRunner(first_app.live, "discord", first_log, name="before")
        first_runner.start()
        await first_app.handle_text(ADA, f"/quiz live {TOPIC} 3 20s")
        await until(lambda: len(first_log.of(LiveRound)) == 1)
        round_one = first_log.of(LiveRound)[0]
        right, wrong = right_and_wrong(round_one, first_app)
        clock.advance(2)
        await answer(first_app, ADA, round_one, right)
        await answer(first_app, BOB, round_one, wrong)
        clock.advance(18)  # round 1 closes; round 2's post hangs
        await until(lambda: bool(first_log.posting))
        [round_two] = first_log.posting
        assert len(first_log.of(LiveScoreboard)) == 1
        await crash(first_runner)
        rounds = "SELECT number, status, message_ref FROM live_rounds ORDER BY number"
        assert await query(first_app, rounds) == [
            (1, "closed", "C1:1"),
            (2, "posting", None),
        ]

        second_app = await QuizApp.open(db_target, CONTENT, clock=clock)
        second_log = ChannelLog()
        second_runner = LiveRunner(second_app.live, "discord", second_log, name="after")
        second_runner.start()
        await until(lambda: second_runner.passes >= 1)
        assert second_log.posted == []  # the dead runner's lease still holds
        clock.advance(31)  # it has run out: the session is adopted
        await until(lambda: bool(second_log.of(LivePodium)))
        await until_ended(second_app)
        [podium] = second_log.of(LivePodium)
        assert podium.reason == EndReason.INTERRUPTED
        assert podium.detail == "round 2 was being posted when the bot stopped"
        assert (podium.rounds_played, podium.rounds) == (1, 3)
        assert [(s.name, s.points, s.right) for s in podium.standings] == [
            ("Ada", 950, 1),
            ("Bob", 0, 0),
        ]
        assert second_log.of(LiveRound) == [] and second_log.edits == []  # no second copy
        assert await query(second_app, "SELECT status FROM live_sessions") == [("interrupted",)]
        rounds = "SELECT number, status FROM live_rounds ORDER BY number"
        assert await query(second_app, rounds) == [
            (1, "closed"),
            (2, "closed"),
        ]
        # round 2's post (if it did reach the channel) takes no answers, and the channel is
        # free for a new session
        refused = await answer(second_app, CY, round_two, 0)
        assert refused == Notice("Round 2 has closed; answers no longer count.", error=True)
        assert isinstance(await second_app.handle_text(CY, "/quiz live 1 5s"), LiveStarted)
    finally:
        await first_app.close()
        if second_app is not None:
            await second_app.close()


async def test_a_crashed_bots_round_whose_close_passed_while_it_was_down_closes_at_once(
    db_target, clock
):
    """The bot died (nothing handed back) and stayed down past the round's close: whoever
    adopts the session closes the round at once and the session goes on."""
    first_app = await QuizApp.open(db_target, CONTENT, clock=clock)
    second_app = None
    try:
        first_log = ChannelLog()
        first_runner = LiveRunner(first_app.live, "discord", first_log, name="before")
        first_runner.start()
        await first_app.handle_text(ADA, f"/quiz live {TOPIC} 2 20s")
        await until(lambda: len(first_log.of(LiveRound)) == 1)
        await until_open(first_app, 1)
        round_one = first_log.of(LiveRound)[0]
        right, _ = right_and_wrong(round_one, first_app)
        clock.advance(3)
        await answer(first_app, ADA, round_one, right)
        await crash(first_runner)
        clock.advance(60)  # down for a minute: the close (and the lease) passed long ago

        second_app = await QuizApp.open(db_target, CONTENT, clock=clock)
        late = await answer(second_app, BOB, round_one, right)  # before anyone adopted it
        assert late == Notice("Round 1 has closed; answers no longer count.", error=True)
        second_log = ChannelLog()
        LiveRunner(second_app.live, "discord", second_log, name="after").start()
        await until(lambda: len(second_log.of(LiveRound)) == 1)  # no clock move needed
        [(ref, reveal)] = second_log.edits
        assert (ref, reveal.number, reveal.answered, reveal.right) == ("C1:1", 1, 1, 1)
        [board] = second_log.of(LiveScoreboard)
        assert [(s.name, s.points) for s in board.standings] == [("Ada", 925)]
        round_two = second_log.of(LiveRound)[0]
        assert round_two.number == 2
        assert round_two.closes_at == clock.now() + timedelta(seconds=20)
        await answer(second_app, BOB, round_two, 0)
        clock.advance(20)
        await until(lambda: bool(second_log.of(LivePodium)))
        await until_ended(second_app)
        [podium] = second_log.of(LivePodium)
        assert (podium.reason, podium.rounds_played) == (EndReason.FINISHED, 2)
        assert {s.name for s in podium.standings} == {"Ada", "Bob"}
        assert first_log.edits == [] and len(first_log.posted) == 1
    finally:
        await first_app.close()
        if second_app is not None:
            await second_app.close()


async def test_a_crashed_owner_loses_the_session_when_its_lease_runs_out(db_target, clock):
    db_path = db_target
    app_a = await QuizApp.open(db_path, CONTENT, clock=clock)
    app_b = await QuizApp.open(db_path, CONTENT, clock=clock)
    try:
        log_a, log_b = ChannelLog(), ChannelLog()
        runner_a = LiveRunner(app_a.live, "discord", log_a, name="a")
        runner_b = LiveRunner(app_b.live, "discord", log_b, name="b")
        runner_a.start()
        runner_b.start()
        await app_a.handle_text(ADA, "/quiz live 2 60s")
        await until(lambda: len(log_a.of(LiveRound)) == 1)
        await until_open(app_a, 1)  # a crash before this ends the session (another test)
        await until(lambda: runner_b.passes >= 1)
        assert log_b.posted == []  # a's lease is live: b keeps its hands off
        await crash(runner_a)  # a dies without handing the session back
        clock.advance(31)  # a's lease (30 s) has run out; b rescans every 10 s
        await until(lambda: bool(runner_b._drivers))  # noqa: SLF001  b adopted it
        clock.advance(60)  # round 1's stored close: b closes it and posts round 2
        await until(lambda: len(log_b.of(LiveRound)) == 1)
        assert log_b.of(LiveRound)[0].number == 2 and len(log_a.of(LiveRound)) == 1
        assert [reveal.number for _, reveal in log_b.edits] == [1]
    finally:
        await app_a.close()
        await app_b.close()


@dataclass
class DiesAsThePostReturns(ChannelLog):
    """A channel whose round-2 post succeeds just as the runner's process is stopped: the
    runner's tasks are cancelled from inside the post, once, before it returns its ref."""

    runner: LiveRunner | None = None

    async def post_round(self, channel: ChannelRef, live_round: LiveRound) -> str:
        ref = await super().post_round(channel, live_round)
        if live_round.number == 2 and self.runner is not None:
            for task in (self.runner._task, *self.runner._drivers.values()):  # noqa: SLF001
                assert task is not None
                task.cancel()
        return ref


async def test_a_runner_cancelled_as_its_post_returns_stops(db_target, clock):
    """One cancel is enough, whenever it comes: Python 3.11's ``asyncio.wait_for`` returned a
    call's result when the call had finished as the cancel came, and the runner drove on (a
    crashed owner renewing its lease; ``stop`` waiting on a task that never ended)."""
    app = await QuizApp.open(db_target, CONTENT, clock=clock)
    try:
        log = DiesAsThePostReturns()
        runner = LiveRunner(app.live, "discord", log, name="a")
        log.runner = runner
        runner.start()
        await app.handle_text(ADA, "/quiz live 3 60s")
        await until(lambda: len(log.of(LiveRound)) == 1)
        tasks = [runner._task, *runner._drivers.values()]  # noqa: SLF001
        clock.advance(61)  # round 1 closes; round 2's post returns as the cancel comes
        await until(lambda: len(log.of(LiveRound)) == 2)
        await until(lambda: all(task is not None and task.done() for task in tasks))
        assert all(task is not None and task.cancelled() for task in tasks)
        assert len(log.of(LiveRound)) == 2  # nothing driven after the cancel
    finally:
        await app.close()


async def test_two_processes_racing_to_start_in_one_channel_start_one_session(db_target, clock):
    db_path = db_target
    apps = [await QuizApp.open(db_path, CONTENT, clock=clock) for _ in range(2)]
    logs = [ChannelLog(), ChannelLog()]
    runners = [
        LiveRunner(a.live, "discord", log, name=f"p{i}")
        for i, (a, log) in enumerate(zip(apps, logs, strict=True))
    ]
    try:
        for r in runners:
            r.start()
        replies = await asyncio.gather(
            apps[0].handle_text(ADA, "/quiz live 3 20s"),
            apps[1].handle_text(BOB, "/quiz live 5 30s"),
        )
        started = [r for r in replies if isinstance(r, LiveStarted)]
        shown = [r for r in replies if isinstance(r, LiveProgress)]
        assert len(started) == 1 and len(shown) == 1 and shown[0].already_running
        await until(lambda: sum(len(log.of(LiveRound)) for log in logs) == 1)
        await asyncio.sleep(0.05)
        assert sum(len(log.posted) for log in logs) == 1  # one session, one first round
        assert await query(apps[0], "SELECT COUNT(*) FROM live_sessions") == [(1,)]
    finally:
        for a in apps:
            await a.close()


async def test_the_stored_round_decides_inside_the_answer_transaction(app, clock, runner):
    """A click that this process still thinks is in time (its round cached as open) is
    refused when the round was closed meanwhile (by the runner of another process, say)."""
    await app.handle_text(ADA, "/quiz live 3 20s")
    log = runner.poster
    await until(lambda: len(log.of(LiveRound)) == 1)
    first = log.of(LiveRound)[0]
    assert isinstance(await answer(app, ADA, first, 0), LockedIn)  # the round is cached now
    closed = await app.db.write(
        live_store.begin_close, first.session_id, 1, "runner-1", clock.now().isoformat()
    )
    assert closed
    refused = await answer(app, BOB, first, 0)
    assert refused == Notice("Round 1 has closed; answers no longer count.", error=True)
    assert await query(app, "SELECT user_key FROM answers") == [("discord:ada",)]
    assert await query(app, "SELECT user_key FROM live_answers") == [("discord:ada",)]


async def test_a_live_round_is_answered_with_its_buttons_not_through_the_quiz(app, runner):
    """The round's post is stored with the live feature's kind and read back with its rules:
    the quiz's own answer path (a typed-answer box, a direct answer) refuses it in live's
    words, and the click goes to the live feature (locked in)."""
    await app.handle_text(ADA, "/quiz live 3 20s")
    log = runner.poster
    await until(lambda: len(log.of(LiveRound)) == 1)
    first = log.of(LiveRound)[0]
    post = await app.quiz.get_post(first.view.post_id)
    assert post is not None and post.kind is LIVE_POST
    with pytest.raises(UserError, match="That is a live quiz round: answer it with its buttons"):
        await app.quiz.answer(BOB, first.view.post_id, 0)
    typed = await app.dispatch(BOB, AnswerTyped(first.view.post_id, "anything"))
    assert typed == Notice("That is a live quiz round: answer it with its buttons.", error=True)
    assert isinstance(await answer(app, BOB, first, 0), LockedIn)


async def test_an_old_quiz_button_on_a_live_round_is_locked_in_as_the_live_answer(app, runner):
    """A live round posted before its buttons carried their own request has quiz answer
    buttons (``AnswerQuestion``), and so does a letter typed at it: the quiz hands the choice
    to the request the post's kind names, so it is locked in, once, like a live click."""
    await app.handle_text(ADA, "/quiz live 3 20s")
    await until(lambda: len(runner.poster.of(LiveRound)) == 1)
    first = runner.poster.of(LiveRound)[0]
    right, wrong = right_and_wrong(first, app)
    old = await app.dispatch(BOB, AnswerQuestion(first.view.post_id, right))
    assert isinstance(old, LockedIn) and not old.already_answered
    again = await answer(app, BOB, first, wrong)  # the new button after the old one
    assert isinstance(again, LockedIn) and again.already_answered and again.choice_index == right
    assert await query(app, "SELECT user_key, choice FROM live_answers") == [("discord:bob", right)]


async def test_a_live_answer_to_a_quiz_question_or_a_missing_post_is_one_line(app):
    """A live button naming an ordinary question (forged, or mixed up) answers nothing: the
    quiz's question keeps its own buttons; a post that does not exist is gone."""
    asked = await app.handle_text(BOB, "/quiz question")
    assert isinstance(asked, QuestionView)
    refused = await app.dispatch(BOB, AnswerLiveRound(asked.post_id, 0))
    assert refused == Notice(
        "That question is not a live quiz round; answer it with its own buttons.", error=True
    )
    missing = await app.dispatch(BOB, AnswerLiveRound(asked.post_id + 1000, 0))
    assert missing == Notice("That question is not available any more.", error=True)
    assert await query(app, "SELECT COUNT(*) FROM answers") == [(0,)]


async def test_a_second_claim_and_a_taken_round_change_nothing_and_the_transaction_goes_on(
    app, clock
):
    """The two refusals of the store (a channel's second session, a round that exists) are
    answers, not errors: on PostgreSQL an error would end the transaction they run in."""
    now = clock.now()
    later = (now + timedelta(seconds=30)).isoformat()
    session = live_store.NewSession(
        "discord:G1:C9", "discord", "G1", "C9", None, 3, 20, "discord:ada", "Ada",
        now.isoformat(), "me", later,
    )  # fmt: skip
    question = app.pack.questions[0]
    post = NewPost(
        question.id, question.topic_id, "discord:G1", "discord:G1:C9", now.isoformat(),
        LIVE_POST,
    )  # fmt: skip

    def claim_twice(db) -> tuple[int | None, int | None, int]:
        first = live_store.claim_session(db, session)
        second = live_store.claim_session(db, session)
        (count,) = db.execute("SELECT COUNT(*) FROM live_sessions").fetchone()
        return first, second, count

    first, second, count = await app.db.write(claim_twice)
    assert first is not None and second is None and count == 1
    new_round = live_store.NewRound(first, 1, "me", post, now.isoformat(), later)
    post_id = await app.db.write(live_store.open_round, new_round)
    assert post_id is not None
    with pytest.raises(live_store.RoundTaken):
        await app.db.write(live_store.open_round, new_round)
    # the refused round's post was rolled back with it; the first round is untouched
    assert await query(app, "SELECT COUNT(*) FROM posts") == [(1,)]
    assert await query(app, "SELECT number, post_id FROM live_rounds") == [(1, post_id)]
    await app.db.write(live_store.mark_round_open, first, 1, "C9:1")
    assert await app.db.write(live_store.begin_close, first, 1, "me", now.isoformat())
    assert await query(app, "SELECT status FROM live_rounds") == [("closing",)]
    assert await query(app, f"SELECT closes_at FROM posts WHERE id = {post_id}") == [
        (now.isoformat(),)
    ]

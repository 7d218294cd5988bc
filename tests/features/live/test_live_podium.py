"""The end of a quiz night: the runner marks the session ended, with its podium owed, before it
posts the podium. A user who starts the next quiz the moment the podium shows is never refused
("already running"), and a runner that stops or dies before posting the podium leaves it owed:
whoever drives the session next posts it, once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from adapters.platform import ChannelPoster
from bot.app import QuizApp
from bot.features.live import (
    EndReason,
    LivePodium,
    LiveRound,
    LiveRunner,
    LiveScoreboard,
    RoundReveal,
)
from bot.features.live.requests import AnswerLiveRound
from bot.kernel.clock import FakeClock
from bot.kernel.dispatch import Result
from bot.kernel.identity import Actor, ChannelRef
from tests.conftest import CONTENT
from tests.reference_platform import ReferencePlatform, Shown
from tests.waiting import eventually

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

TOPIC = "processes-vs-threads"
ADA = Actor("discord", "ada", "Ada", "G1", "C1")
SESSIONS = "SELECT status, podium_owed, owner FROM live_sessions ORDER BY id"


class StartsOnThePodium(ReferencePlatform):
    """A channel where Bob types ``/quiz live`` the instant the podium shows: inside its post,
    before the runner writes anything after it."""

    def __init__(self, app: QuizApp) -> None:
        super().__init__(app)
        self.starts: list[Shown] = []

    async def post(self, channel: ChannelRef, result: Result, reply_to: str | None = None) -> str:
        ref = await super().post(channel, result, reply_to)
        if isinstance(result, LivePodium) and not self.starts:
            self.starts.append(await self.command("bob", "/quiz live 1 10s", channel.channel_id))
        return ref


@dataclass
class Channel:
    """A LivePoster keeping what the channel shows; with ``hang_podium`` the podium's post never
    returns (the process stops or dies while posting it: the platform never got it)."""

    posted: list[object] = field(default_factory=list)
    hang_podium: bool = False
    posting_podium: list[LivePodium] = field(default_factory=list)

    async def post_round(self, channel: ChannelRef, live_round: LiveRound) -> str:
        self.posted.append(live_round)
        return f"{channel.channel_id}:{len(self.posted)}"

    async def close_round(self, channel: ChannelRef, ref: str, reveal: RoundReveal) -> None:
        return None

    async def post_standings(
        self, channel: ChannelRef, standings: LiveScoreboard | LivePodium
    ) -> str:
        if isinstance(standings, LivePodium) and self.hang_podium:
            self.posting_podium.append(standings)
            await asyncio.Event().wait()  # until the runner's task is cancelled
        self.posted.append(standings)
        return f"{channel.channel_id}:{len(self.posted)}"

    def podiums(self) -> list[LivePodium]:
        return [p for p in self.posted if isinstance(p, LivePodium)]


async def query(app: QuizApp, sql: str) -> list[tuple[object, ...]]:
    return await app.db.read(lambda db: [tuple(row) for row in db.execute(sql).fetchall()])


async def settled(app: QuizApp, expected: list[tuple[object, ...]]) -> None:
    """Wait for the sessions' stored state (the runner writes it after its posts)."""
    found: list[tuple[object, ...]] = []

    async def check() -> bool:
        found[:] = await query(app, SESSIONS)
        return found == expected

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not await check():
        assert loop.time() < deadline, f"sessions {found}, expected {expected}"
        await asyncio.sleep(0.01)


async def play_one_round(app: QuizApp, channel: Channel, clock: FakeClock) -> None:
    """Ada starts a one-round quiz and answers right at 2 s; the round's time runs out."""
    await app.handle_text(ADA, f"/quiz live {TOPIC} 1 20s")
    await eventually(lambda: channel.posted, "round 1 posted")
    [live_round] = channel.posted
    assert isinstance(live_round, LiveRound)
    question = app.pack.question(live_round.view.question_id)
    assert question is not None
    clock.advance(2)
    await app.dispatch(ADA, AnswerLiveRound(live_round.view.post_id, question.correct_index))
    clock.advance(18)


def assert_adas_podium(podium: LivePodium) -> None:
    assert (podium.reason, podium.rounds_played, podium.rounds) == (EndReason.FINISHED, 1, 1)
    assert [(s.name, s.points, s.right) for s in podium.standings] == [("Ada", 950, 1)]


async def test_a_start_the_moment_the_podium_shows_starts_the_next_quiz(app, clock):
    platform = StartsOnThePodium(app)
    runner = LiveRunner(app.live, platform.name, ChannelPoster(platform))
    assert "Quiz night!" in (await platform.command("ada", f"/quiz live {TOPIC} 1 10s")).text
    runner.start()
    posts = platform.channels.setdefault("general", [])
    try:
        await eventually(lambda: any("Round 1 of 1" in m.text for m in posts), "round 1 posted")
        clock.advance(11)  # round 1 closes: the last, so the podium follows
        await eventually(lambda: platform.starts, "a start as the podium showed")
        [start] = platform.starts
        assert "Quiz night!" in start.text, start.text
        assert "already running" not in start.text
        # the next quiz runs: its round 1 comes after the first quiz's podium
        podium_at = next(i for i, m in enumerate(posts) if "Quiz night results" in m.text)
        await eventually(
            lambda: any("Round 1 of 1" in m.text for m in posts[podium_at + 1 :]),
            "the next quiz's round 1",
        )
        await settled(app, [("finished", 0, None), ("running", 0, runner.name)])
    finally:
        await runner.stop()
    assert sum("Quiz night results" in m.text for m in posts) == 1


async def test_a_bot_that_dies_before_its_podium_shows_leaves_it_owed_and_posted_once(
    db_target, clock
):
    first_app = await QuizApp.open(db_target, CONTENT, clock=clock)
    second_app = None
    try:
        first = Channel(hang_podium=True)
        first_runner = LiveRunner(first_app.live, "discord", first, name="before")
        first_runner.start()
        await play_one_round(first_app, first, clock)
        await eventually(lambda: first.posting_podium, "the podium being posted")
        for task in (first_runner._task, *first_runner._drivers.values()):  # noqa: SLF001
            assert task is not None
            task.cancel()  # the process dies: nothing handed back, the podium never shown
        # ended (the channel is free), the podium owed, the dead runner's lease still on it
        assert await query(first_app, SESSIONS) == [("finished", 1, "before")]

        second_app = await QuizApp.open(db_target, CONTENT, clock=clock)
        second = Channel()
        second_runner = LiveRunner(second_app.live, "discord", second, name="after")
        second_runner.start()
        await eventually(lambda: second_runner.passes >= 1, "a first scan")
        assert second.posted == []  # the dead runner's lease still holds
        clock.advance(31)  # it has run out: the owed podium is adopted and posted
        await eventually(second.podiums, "the owed podium")
        await settled(second_app, [("finished", 0, None)])
        passes = second_runner.passes
        clock.advance(31)  # the next scan finds nothing owed
        await eventually(lambda: second_runner.passes > passes, "another scan")
        [podium] = second.podiums()
        assert_adas_podium(podium)
        assert second.posted == [podium] and first.podiums() == []
    finally:
        await first_app.close()
        if second_app is not None:
            await second_app.close()


async def test_a_runner_stopped_before_its_podium_shows_hands_it_over_and_it_is_posted_once(
    app, clock
):
    first = Channel(hang_podium=True)
    first_runner = LiveRunner(app.live, "discord", first, name="before")
    first_runner.start()
    await play_one_round(app, first, clock)
    await eventually(lambda: first.posting_podium, "the podium being posted")
    await first_runner.stop(timeout=0.5)  # the post does not come back: cancelled, handed back
    assert await query(app, SESSIONS) == [("finished", 1, None)]

    second = Channel()
    second_runner = LiveRunner(app.live, "discord", second, name="restarted")
    second_runner.start()  # adopts the owed podium at once: no lease to wait for
    try:
        await eventually(second.podiums, "the owed podium")
        await settled(app, [("finished", 0, None)])
    finally:
        await second_runner.stop()
    [podium] = second.podiums()
    assert_adas_podium(podium)
    assert second.posted == [podium] and first.podiums() == []

"""One of several bot processes on one database, for the multi-process tests.

    python tests/cluster_child.py <database> <worker> <post id> <users>
    python tests/cluster_child.py <database> live <worker>

The first form is test_postgres's three-process test.

Waits for a line on stdin (so all processes start together), then at once: answers the shared
post for every user ``u0 … u<users-1>`` (the other processes answer it for the same users,
with other choices) and runs a daily scheduler pass at the injected time (every process
races to post the same channel's daily question). Then it answers the daily post for the
same users, and prints one JSON line: what each answer reported and what it posted.

The ``live`` form is test_live_processes's race: the process opens the app with its live
runner running, prints "ready", waits for a line on stdin, then at once asks for a live quiz
in the shared channel (as its own user). It prints one JSON line: the reply (started, or the
running session shown instead) and, when it started the session, the first round its runner
posted; then it waits for another line before closing (so no process hands its session back
while the others still look).
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.app import QuizApp
from bot.features.daily import DailyQuestion, DailyResults, DailyScheduler
from bot.features.daily import store as daily_store
from bot.features.live import (
    LivePodium,
    LiveProgress,
    LiveRound,
    LiveRunner,
    LiveScoreboard,
    LiveStarted,
    RoundReveal,
)
from bot.kernel.clock import FakeClock
from bot.kernel.errors import UserError
from bot.kernel.identity import Actor, ChannelRef

# the schedule is 09:00 Europe/Berlin: 08:00 UTC; every process looks at 08:05
NOW = datetime(2026, 3, 2, 8, 5, tzinfo=UTC)
CONTENT = Path(__file__).resolve().parent.parent / "content"


class Poster:
    def __init__(self) -> None:
        self.posted: list[str] = []

    async def post_question(self, channel: ChannelRef, question: DailyQuestion) -> str:
        await asyncio.sleep(0)
        self.posted.append(f"{channel.channel_id} {question.local_date}")
        return f"msg-{question.view.post_id}"

    async def post_results(self, channel: ChannelRef, results: DailyResults) -> str:
        return f"res-{results.post_id}"


def member(i: int) -> Actor:
    return Actor("console", f"u{i}", f"User {i}", "local", "terminal", is_admin=False)


async def main(target: str, worker: int, post_id: int, users: int) -> None:
    app = await QuizApp.open(target, CONTENT, clock=FakeClock(NOW))
    poster = Poster()
    scheduler = DailyScheduler(app.daily, "console", poster, name=f"worker{worker}")
    report: dict[str, object] = {"worker": worker}
    try:
        print("ready", flush=True)
        sys.stdin.readline()

        async def answer(post: int, i: int) -> tuple[str, int, bool, int]:
            choice = (i + worker) % 4
            result = await app.quiz.answer(member(i), post, choice)
            return (f"console:u{i}", post, not result.already_answered, result.chosen_index)

        ask, run = await asyncio.gather(
            asyncio.gather(*(answer(post_id, i) for i in range(users))),
            scheduler.run_due(),
        )
        # another process may hold the claim: wait (on the database, bounded) until it is posted
        async with asyncio.timeout(20):
            while True:
                claim = await app.db.read(
                    daily_store.claim_on, "console:local:terminal", "2026-03-02"
                )
                if claim is not None and claim.status != daily_store.ClaimStatus.CLAIMED:
                    break
                await asyncio.sleep(0.01)
        daily: list[tuple[str, int, bool, int]] = []
        if claim is not None and claim.post_id is not None:
            for i in range(users):
                try:
                    daily.append(await answer(claim.post_id, i))
                except UserError as exc:  # e.g. the post is not delivered yet: say so
                    daily.append((f"console:u{i}", claim.post_id, False, -1))
                    report["daily_error"] = str(exc)
        report.update(answers=[*ask, *daily], posted=poster.posted, run_posted=len(run.posted))
    finally:
        await app.close()
    print(json.dumps(report), flush=True)


class LiveLog:
    """A LivePoster that keeps what the channel would show."""

    def __init__(self) -> None:
        self.rounds: list[tuple[str, int, int]] = []  # (channel, session id, round number)
        self.other: list[str] = []

    async def post_round(self, channel: ChannelRef, live_round: LiveRound) -> str:
        self.rounds.append((channel.channel_id, live_round.session_id, live_round.number))
        return f"{channel.channel_id}:{len(self.rounds)}"

    async def close_round(self, channel: ChannelRef, ref: str, reveal: RoundReveal) -> None:
        self.other.append(f"reveal {reveal.number}")

    async def post_standings(
        self, channel: ChannelRef, standings: LiveScoreboard | LivePodium
    ) -> str:
        self.other.append(type(standings).__name__)
        return f"{channel.channel_id}:standings"


async def live_race(target: str, worker: int) -> None:
    app = await QuizApp.open(target, CONTENT, clock=FakeClock(NOW))
    log = LiveLog()
    runner = LiveRunner(app.live, "console", log, name=f"worker{worker}")
    report: dict[str, object] = {"worker": worker, "runner": runner.name}
    try:
        runner.start()
        async with asyncio.timeout(20):  # its first scan (nothing to adopt yet) is done
            while runner.passes < 1:
                await asyncio.sleep(0.01)
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        starter = Actor("console", f"p{worker}", f"Player {worker}", "local", "terminal")
        reply = await app.handle_text(starter, f"/quiz live {worker + 2} 20s")
        if isinstance(reply, LiveStarted):
            report.update(reply="started", session=reply.session_id, rounds=reply.rounds)
            async with asyncio.timeout(20):  # its runner posts round 1 at once
                while not log.rounds:
                    await asyncio.sleep(0.01)
        elif isinstance(reply, LiveProgress):
            report.update(
                reply="shown",
                session=reply.session_id,
                already_running=reply.already_running,
                started_by=reply.started_by,
                rounds=reply.rounds,
                text=reply.text,
            )
        else:
            report.update(reply=type(reply).__name__, text=str(getattr(reply, "text", reply)))
        await asyncio.sleep(0.2)  # time for a second round post, were there one
        report.update(posted=log.rounds, other=log.other)
        print(json.dumps(report), flush=True)
        await asyncio.to_thread(sys.stdin.readline)
    finally:
        await app.close()


if __name__ == "__main__":
    if sys.argv[2] == "live":
        asyncio.run(live_race(sys.argv[1], int(sys.argv[3])))
    else:
        asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))

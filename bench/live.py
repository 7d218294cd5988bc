"""Quiz night at scale: lock-ins into one live round, and what a round close costs.

    python bench/live.py [--json] [--rounds 3] [--players 1000]

- lock-in: ``players`` answerers click one live round at once (the real app dispatching
  AnswerQuestion, which routes a live post to LiveService.answer and the group-commit writer,
  the live step storing the session row in the same transaction); answers/s and p50/p99
  latency. Baseline, same run: the same number of clicks on an ordinary /quiz question.
- close: from the clock reaching a round's close to the reveal (counts, fastest, Why) and the
  scoreboard handed to the poster, with ``players`` answers in the round and the session's
  earlier rounds stored (the runner, on a FakeClock, with a poster that only records).
- chart: from the close to the second edit adding the reveal's bar chart (pictures on).
- podium: computing the end of a 10-round session of ``players`` players.
Each figure is the median of --rounds runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import emit_json, median, percentile

from bot.app import QuizApp
from bot.features.live import EndReason, LiveRunner
from bot.features.live.results import LivePodium, LiveRound, LiveScoreboard, RoundReveal
from bot.features.quiz.requests import AnswerQuestion
from bot.kernel.clock import FakeClock
from bot.kernel.identity import Actor, ChannelRef

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUND_SECONDS = 120


def actor(i: int) -> Actor:
    return Actor("discord", f"u{i}", f"user {i}", "guild1", "chan1")


class Recorder:
    """A LivePoster that only notes when each thing was handed to it."""

    def __init__(self) -> None:
        self.rounds: list[LiveRound] = []
        self.revealed_at: dict[int, float] = {}  # round -> its reveal's edit (the text)
        self.charted_at: dict[int, float] = {}  # round -> the second edit, adding its chart
        self.boards: list[LiveScoreboard | LivePodium] = []
        self.changed = asyncio.Event()

    async def post_round(self, channel: ChannelRef, live_round: LiveRound) -> str:
        self.rounds.append(live_round)
        self.changed.set()
        return f"bench:{live_round.number}"

    async def close_round(self, channel: ChannelRef, ref: str, reveal: RoundReveal) -> None:
        first = reveal.number not in self.revealed_at
        (self.revealed_at if first else self.charted_at)[reveal.number] = time.perf_counter()
        self.changed.set()

    async def post_standings(
        self, channel: ChannelRef, standings: LiveScoreboard | LivePodium
    ) -> str:
        self.boards.append(standings)
        self.changed.set()
        return "bench:board"

    async def wait(self, condition) -> None:  # type: ignore[no-untyped-def]
        while not condition():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 30)


async def clicks(app: QuizApp, post_id: int, players: int, first: int) -> tuple[float, list[float]]:
    latencies: list[float] = []

    async def one(i: int) -> None:
        t0 = time.perf_counter()
        await app.dispatch(actor(i), AnswerQuestion(post_id, i % 4))
        latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(first, first + players)))
    return time.perf_counter() - t0, latencies


async def one_round(folder: Path, players: int) -> dict[str, float]:
    clock = FakeClock(START)
    app = await QuizApp.open(folder / "bench.db", clock=clock)
    app.pictures.start()  # as the bot's start does (adapters/platform.py serve)
    poster = Recorder()
    runner = LiveRunner(app.live, "discord", poster, name="bench")
    runner.start()
    try:
        # warm-up (not timed), then the baseline: the same clicks on an ordinary question
        warm = await app.quiz.ask_question(actor(0))
        await clicks(app, warm.post_id, 200, 20_000_000)
        view = await app.quiz.ask_question(actor(0))
        ask_s, ask_lat = await clicks(app, view.post_id, players, 10_000_000)

        await app.live.start(actor(0), None, 10, ROUND_SECONDS)
        closes, reveal_ms, closed_at = [], [], {}
        live_s, live_lat = 0.0, []
        for number in range(1, 11):
            await poster.wait(lambda n=number: len(poster.rounds) >= n)
            live_round = poster.rounds[-1]
            took, lat = await clicks(app, live_round.view.post_id, players - 1, 1)
            if number == 1:
                live_s, live_lat = took, lat
            boards = len(poster.boards)
            t0 = closed_at[number] = time.perf_counter()
            clock.advance(timedelta(seconds=ROUND_SECONDS))
            await poster.wait(lambda n=number: n in poster.revealed_at)
            reveal_ms.append((poster.revealed_at[number] - t0) * 1e3)
            await poster.wait(lambda b=boards: len(poster.boards) > b)
            closes.append((time.perf_counter() - t0) * 1e3)
        session_id = poster.rounds[-1].session_id
        t0 = time.perf_counter()
        podium = await app.live.podium(session_id, EndReason.FINISHED)
        podium_ms = (time.perf_counter() - t0) * 1e3
        assert len(podium.standings) == players - 1
        # the charts edited in after their reveals (with pictures on; a late one may miss)
        chart_ms = [(at - closed_at[n]) * 1e3 for n, at in poster.charted_at.items()]
    finally:
        await app.close()
    return {
        "ask_per_s": players / ask_s,
        "ask_p99_ms": percentile(ask_lat, 99) * 1e3,
        "live_per_s": (players - 1) / live_s,
        "live_p50_ms": percentile(live_lat, 50) * 1e3,
        "live_p99_ms": percentile(live_lat, 99) * 1e3,
        "reveal_ms": median(reveal_ms),
        "close_ms": median(closes),
        "close_max_ms": max(closes),
        "podium_ms": podium_ms,
        "chart_ms": median(chart_ms) if chart_ms else None,
        "charts": len(chart_ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--players", type=int, default=1000)
    args = parser.parse_args()
    runs = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(asyncio.run(one_round(Path(tmp), args.players)))

    def med(key: str) -> float:
        return median([r[key] for r in runs])

    sqlite = sqlite3.sqlite_version
    print(f"live: {args.players} players, {args.rounds} runs, medians; SQLite {sqlite}")
    print(f"{'':<40}{'answers/s':>12}{'p50 ms':>10}{'p99 ms':>10}")
    print(
        f"{'live round, all clicking at once':<40}{med('live_per_s'):>12,.0f}"
        f"{med('live_p50_ms'):>10.1f}{med('live_p99_ms'):>10.1f}"
    )
    print(
        f"{'ordinary /quiz question (baseline)':<40}{med('ask_per_s'):>12,.0f}{'':>10}"
        f"{med('ask_p99_ms'):>10.1f}"
    )
    ratio = median([r["live_per_s"] / r["ask_per_s"] for r in runs])
    print(f"live lock-in at {ratio:.2f}x the ordinary answer path (target >= 0.8)")
    print(
        f"round close -> reveal handed to the poster {med('reveal_ms'):.1f} ms, -> scoreboard"
        f" {med('close_ms'):.1f} ms (worst of 10 rounds {med('close_max_ms'):.1f} ms;"
        " target < 500 ms, one edit + one post per close)"
    )
    charted = [r["chart_ms"] for r in runs if r["chart_ms"] is not None]
    chart_ms = median(charted) if charted else None
    if chart_ms is None:
        print("reveals' charts: none edited in (pictures off, or none drawn in time)")
    else:
        charts = sum(r["charts"] for r in runs)
        print(f"reveals' charts edited in {chart_ms:.1f} ms after the close ({charts} charts)")
    print(f"podium of a 10-round session: {med('podium_ms'):.1f} ms")
    if args.json:
        emit_json(
            {
                "live_lockin_per_s": round(med("live_per_s")),
                "live_lockin_p99_ms": round(med("live_p99_ms"), 1),
                "ask_per_s": round(med("ask_per_s")),
                "ratio_vs_ask": round(ratio, 3),
                "close_to_reveal_ms": round(med("reveal_ms"), 1),
                "close_to_scoreboard_ms": round(med("close_ms"), 1),
                "close_to_chart_ms": None if chart_ms is None else round(chart_ms, 1),
                "podium_ms": round(med("podium_ms"), 1),
            }
        )


if __name__ == "__main__":
    main()

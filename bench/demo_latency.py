"""Answer latency while a live demo runs, against the same answers with no demo running.

    python bench/demo_latency.py [--json] [--demo gil] [--rounds 3]

The demo runs in its sandboxed child process (the CPU-heavy `gil` demo by default, which keeps
every core busy); meanwhile 20 users answer a question, one answer every 5 ms, through
QuizService.answer. Reported: p50/p99 answer latency with and without the demo, the ratio, and
the demo's own wall time (it must stay well inside the runner's 10 s limit) with the containment
that ran it ("cgroup v2" or "process tree", see bot/demos/sandbox.py).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import emit_json, median, percentile

from bot.app import QuizApp
from bot.kernel.clock import FakeClock
from bot.kernel.identity import Actor


async def answer_stream(app: QuizApp, first_user: int, seconds: float, demo=None) -> list[float]:
    """Answers for ``seconds``, or (with ``demo``) for as long as the demo task runs."""
    asker = Actor("console", "asker", "asker")
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    user = first_user
    while (not demo.done()) if demo else time.perf_counter() < deadline:
        view = await app.quiz.ask_question(asker)
        for _ in range(20):
            user += 1
            t0 = time.perf_counter()
            await app.quiz.answer(Actor("console", f"u{user}", f"u{user}"), view.post_id, 0)
            latencies.append(time.perf_counter() - t0)
            await asyncio.sleep(0.005)
    return latencies


async def one_round(folder: Path, demo: str, first_user: int) -> dict:
    app = await QuizApp.open(folder / "bench.db", clock=FakeClock(datetime(2026, 3, 2, tzinfo=UTC)))
    try:
        quiet = await answer_stream(app, first_user, 1.0)
        started = time.perf_counter()
        task = asyncio.create_task(app.demos.run("console:bench", demo))
        await asyncio.sleep(0.1)  # let the child start
        busy = await answer_stream(app, first_user + 100_000, 0, demo=task)
        result = await task
        wall = time.perf_counter() - started
    finally:
        await app.close()
    return {
        "quiet": quiet,
        "busy": busy,
        "demo_ok": result.ok,
        "demo_s": wall,
        "containment": getattr(result, "containment", "") or "process group",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--demo", default="gil")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rounds = []
    for r in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            rounds.append(asyncio.run(one_round(Path(tmp), args.demo, r * 1_000_000)))
    q50 = median([percentile(r["quiet"], 50) * 1e3 for r in rounds])
    q99 = median([percentile(r["quiet"], 99) * 1e3 for r in rounds])
    b50 = median([percentile(r["busy"], 50) * 1e3 for r in rounds])
    b99 = median([percentile(r["busy"], 99) * 1e3 for r in rounds])
    answers = sum(len(r["busy"]) for r in rounds)
    demo_s = median([r["demo_s"] for r in rounds])
    worst_s = max(r["demo_s"] for r in rounds)
    failed = sum(1 for r in rounds if not r["demo_ok"])
    print(f"answer latency while the '{args.demo}' demo runs (median of {args.rounds} rounds)")
    print(f"  no demo:      p50 {q50:6.2f} ms   p99 {q99:6.2f} ms")
    print(f"  demo running: p50 {b50:6.2f} ms   p99 {b99:6.2f} ms")
    print(f"  ratio p99: {b99 / q99:.2f}x ({answers} answers measured while demos ran)")
    print(
        f"  demo wall time: median {demo_s:.2f} s, worst {worst_s:.2f} s "
        f"({rounds[0]['containment']}; {failed} of {len(rounds)} runs failed)"
    )
    if args.json:
        emit_json(
            {
                "quiet_p50_ms": round(q50, 3),
                "quiet_p99_ms": round(q99, 3),
                "demo_p50_ms": round(b50, 3),
                "demo_p99_ms": round(b99, 3),
                "ratio_p99": round(b99 / q99, 2),
                "demo_median_s": round(demo_s, 3),
                "demo_worst_s": round(worst_s, 3),
            }
        )


if __name__ == "__main__":
    main()

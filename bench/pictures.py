"""How long each kind of picture takes to draw, and what drawing them costs the answer path.

    python bench/pictures.py [--json] [--rounds 20] [--answers 1000] [--pictures 100] [--runs 4]

1. Draw time per kind (in this process, as the worker draws it, no cache): the diagram of every
   shipped card, a choice bar chart (daily results), a demo bar chart, a group summary, a quiz
   night podium and a 4-week progress chart; median and p99 wall milliseconds, median CPU
   milliseconds (what a busy host cannot inflate) and PNG size.
2. The event loop under load, on a real SQLite file: ``--answers`` answers from 100 concurrent
   answerers through QuizApp.dispatch, alone (baseline) and while ``--pictures`` pictures
   (all different, so none comes from the cache) are drawn through the app's worker pool at
   the same time. Reports the answers' median and p99 latency, the loop's lag (how late a 5 ms
   sleep wakes: its p99 and worst), how many pictures were drawn, and the main process's CPU
   per answer. Baseline and loaded halves alternate ``--runs`` times (ABBA order); figures are
   medians, and the p99 ratio (loaded / baseline) is from the same run. Target: the ratio
   stays under 1.10.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from _common import emit_json, median, percentile

from bot.app import QuizApp
from bot.content import Pack, default_content_path, load_pack
from bot.features.quiz.requests import AnswerQuestion
from bot.kernel.clock import FakeClock
from bot.kernel.identity import Actor
from bot.pictures.draw import draw
from bot.pictures.service import Pictures
from bot.pictures.specs import (
    Bar,
    BarChart,
    CardDiagram,
    DayCount,
    Place,
    PodiumChart,
    ProgressChart,
    TopicCount,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LAG_TICK_S = 0.005


@lru_cache(maxsize=1)
def shipped_pack() -> Pack:
    return load_pack(default_content_path())


def samples(seed: int) -> dict[str, list]:
    """One spec of each kind per call; ``seed`` changes the numbers (so nothing repeats)."""
    pack = shipped_pack()
    cards = [CardDiagram(c.id, c.title, c.picture) for c in pack.cards if c.picture]
    counts = (3 + seed % 7, 12 + seed % 5, 5, 1)
    total = sum(counts)
    choices = BarChart(
        "Daily question results · Mon 2 Mar: 21 answered",
        tuple(
            Bar(f"{letter}) choice {letter}", n, f"{n} ({n / total:.0%})", i == 1)
            for i, (letter, n) in enumerate(zip("ABCD", counts, strict=True))
        ),
        "daily.png",
        marked_means="right answer",
    )
    demo = BarChart(
        "Start 20 threads vs 20 processes",
        (
            Bar("20 threads: start + join", 1.2 + seed / 100, f"{1.2 + seed / 100:.1f} ms"),
            Bar("20 processes: start + join", 48.0 + seed, f"{48.0 + seed:.1f} ms"),
        ),
        "demo-spawn.png",
    )
    group = BarChart(
        "Study group owls: accuracy per topic (all time)",
        tuple(
            Bar(c.title, 40 + (seed + i * 13) % 60, f"{40 + (seed + i * 13) % 60}%")
            for i, c in enumerate(pack.cards)
        ),
        "group-summary.png",
        note="Most-picked wrong choice (4×, 3 member(s)): Threads always run at the same time",
        top=100.0,
    )
    podium = PodiumChart(
        "Quiz night results — Processes vs Threads",
        (
            Place(1, "Ada", 2700 + seed, 3, 3),
            Place(2, "Zoë Łukasz", 1900, 2, 3),
            Place(3, "山田 Taro", 900, 1, 3),
        ),
    )
    first = date(2026, 2, 2)
    progress = ProgressChart(
        "Ada",
        tuple(
            DayCount(first + timedelta(days=d), (d * 7 + seed) % 9, (d * 5 + seed) % 5)
            for d in range(28)
        ),
        tuple(TopicCount(c.title, 4, 5 + seed % 3, 3) for c in pack.cards),
    )
    return {
        "diagram": cards,
        "choices": [choices],
        "demo": [demo],
        "group": [group],
        "podium": [podium],
        "progress": [progress],
    }


def draw_times(rounds: int) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    for kind in samples(0):
        times: list[float] = []
        cpu: list[float] = []
        size = 0
        for r in range(rounds):
            for spec in samples(r)[kind]:
                c0, t0 = time.process_time(), time.perf_counter()
                size = len(draw(spec))
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
        figures[kind] = {
            "median_ms": round(median(times), 1),
            "p99_ms": round(percentile(times, 99), 1),
            "cpu_median_ms": round(median(cpu), 1),
            "png_kb": round(size / 1024, 1),
            "draws": len(times),
        }
    return figures


def actor(i: int) -> Actor:
    return Actor("discord", f"u{i}", f"user {i}", "guild1", "chan1")


async def answer_load(app: QuizApp, answers: int, pictures: int, seed: int) -> dict[str, float]:
    """``answers`` answers by 100 concurrent answerers, with ``pictures`` drawings at once."""
    view = await app.quiz.ask_question(actor(0))
    latencies: list[float] = []
    lags: list[float] = []
    users = iter(range(seed, seed + answers))
    running = True

    async def probe() -> None:
        loop = asyncio.get_running_loop()
        while running:
            t0 = loop.time()
            await asyncio.sleep(LAG_TICK_S)
            lags.append((loop.time() - t0 - LAG_TICK_S) * 1000)

    async def answerer() -> None:
        for i in users:
            t0 = time.perf_counter()
            await app.dispatch(actor(i), AnswerQuestion(view.post_id, i % len(view.choices)))
            latencies.append((time.perf_counter() - t0) * 1000)

    specs = []  # made before the clock starts: building them is not what is measured
    for n in range(pictures):
        kinds = samples(seed + n)
        specs.append(
            [kinds["progress"], kinds["choices"], kinds["podium"], kinds["group"]][n % 4][0]
        )

    async def picture(n: int) -> bool:
        return await app.pictures.image(specs[n]) is not None

    watcher = asyncio.create_task(probe())
    cpu0, t0 = time.process_time(), time.perf_counter()
    drawing = [asyncio.create_task(picture(n)) for n in range(pictures)]
    await asyncio.gather(*(answerer() for _ in range(100)))
    answered_s = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    drawn = sum(await asyncio.gather(*drawing))
    running = False
    await watcher
    return {
        "answer_median_ms": median(latencies),
        "answer_p99_ms": percentile(latencies, 99),
        "lag_p99_ms": percentile(lags, 99),
        "lag_max_ms": max(lags) if lags else float("nan"),
        "answers_per_s": answers / answered_s,
        "main_cpu_ms_per_answer": cpu / answers * 1000,
        "pictures_drawn": drawn,
        "all_drawn_s": time.perf_counter() - t0,
    }


async def settle(pool: Pictures) -> None:
    """Until the worker has drawn everything asked of it (a picture that timed out keeps
    drawing): a baseline run must not share the host with the last run's drawings."""
    while pool.drawing:
        await asyncio.sleep(0.1)


async def loop_under_load(answers: int, pictures: int, runs: int) -> dict[str, object]:
    pool = Pictures(timeout_s=120, max_waiting=pictures + 1)
    with tempfile.TemporaryDirectory() as folder:
        app = await QuizApp.open(Path(folder) / "bench.db", clock=FakeClock(START), pictures=pool)
        try:
            assert await pool.image(samples(10_000)["podium"][0]) is not None  # the worker is warm
            results: dict[str, list[dict[str, float]]] = {"baseline": [], "loaded": []}
            ratios = []
            for run in range(runs):
                # ABBA: every other run measures the loaded half first, so a drift in the
                # host's load does not always favour the same half
                order = ("baseline", "loaded") if run % 2 == 0 else ("loaded", "baseline")
                measured = {}
                for n, name in enumerate(order):
                    await settle(pool)
                    count = pictures if name == "loaded" else 0
                    seed = (run * 10 + 5 * n) * answers
                    measured[name] = await answer_load(app, answers, count, seed=seed)
                await settle(pool)
                results["baseline"].append(measured["baseline"])
                results["loaded"].append(measured["loaded"])
                ratios.append(
                    measured["loaded"]["answer_p99_ms"] / measured["baseline"]["answer_p99_ms"]
                )
        finally:
            await app.close()
            await pool.close()
    summary: dict[str, object] = {"workers": pool.workers, "runs": runs}
    for name, rows in results.items():
        summary[name] = {key: round(median([r[key] for r in rows]), 2) for key in rows[0]}
    summary["answer_p99_ratio"] = round(median(ratios), 3)
    summary["answer_p99_ratios"] = [round(r, 3) for r in ratios]
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument("--pictures", type=int, default=100)
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    figures = {"draw": draw_times(args.rounds), "load_average": os.getloadavg()[0]}
    print(f"draw time per kind (this process, no cache; load average {os.getloadavg()[0]:.1f}):")
    for kind, row in figures["draw"].items():
        print(
            f"  {kind:9} median {row['median_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms"
            f"  CPU median {row['cpu_median_ms']:6.1f} ms  {row['png_kb']:6.1f} kB"
            f"  ({row['draws']} draws)"
        )
    load = asyncio.run(loop_under_load(args.answers, args.pictures, args.runs))
    figures["loop"] = load
    print(
        f"\n{args.answers} answers by 100 answerers, alone and with {args.pictures} pictures"
        f" drawing ({load['workers']} worker process(es); medians of {args.runs} runs):"
    )
    for name in ("baseline", "loaded"):
        row = load[name]
        print(
            f"  {name:8} answer median {row['answer_median_ms']:6.2f} ms"
            f"  p99 {row['answer_p99_ms']:6.2f} ms  loop lag p99 {row['lag_p99_ms']:6.2f} ms"
            f" (max {row['lag_max_ms']:6.2f})  {row['answers_per_s']:7.0f} answers/s"
            f"  main CPU {row['main_cpu_ms_per_answer']:.3f} ms/answer"
            f"  pictures {row['pictures_drawn']:.0f} (all done in {row['all_drawn_s']:.1f} s)"
        )
    print(
        f"  answer p99 loaded / baseline: {load['answer_p99_ratio']} (same-run ratios"
        f" {load['answer_p99_ratios']}; target < 1.10)"
    )
    if args.json:
        emit_json(figures)


if __name__ == "__main__":
    main()

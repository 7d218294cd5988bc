"""How cost grows with stored answers: answers/s, burst p99 and every board's median at each size.

    python bench/scale.py [--sizes 10000,100000,1000000,10000000] [--backend sqlite|postgres]
                          [--answers 5000] [--burst 10000] [--rounds 50] [--json]

For each size N, the leaderboard benchmark's data set (``bench/leaderboard.py``: N stored
answers from N/200 users, five channels, eight weeks, two study groups, materialized as the
answer writer keeps them) is built in a temp SQLite file (and copied into a fresh PostgreSQL
database with ``--backend postgres``); then, through the real QuizApp, on top of those rows:
``--answers`` answers by 1,000 concurrent answerers (answers/s), a burst of ``--burst``
answers at once (p99, and how long its derived rows took to follow), and every board's median
(``--rounds`` reads each). The last column of the table compares each figure with the one at
the second size (10^5 by default): the target is that none gets worse by more than 1.5x up to
the largest size.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from _common import emit_json, median, percentile  # first: the repo root on sys.path
from _pg import bench_database, server_url
from answers import core_burst, core_concurrent, open_app
from leaderboard import build, copy_to_postgres, measure


async def answer_figures(target: Path | str, answers: int, burst: int) -> dict[str, float]:
    app = await open_app(target)
    try:
        rate, _ = await core_concurrent(app, 1000, answers, 10_000_000)
        await app.answers.settled()
        _, latencies, _, lags, _ = await core_burst(app, burst, 20_000_000)
    finally:
        await app.close()
    return {
        "answers_per_s_1000": rate,
        "burst_p99_ms": percentile(latencies, 99) * 1e3,
        "derived_lag_p99_ms": percentile(lags, 99) * 1e3,
    }


def one_size(size: int, args: argparse.Namespace, folder: Path) -> dict[str, float]:
    path = folder / f"scale-{size}.db"
    users = max(50, size // 200)
    started = time.perf_counter()
    build(path, users, size)
    print(f"  built {size:,} answers ({users:,} users) in {time.perf_counter() - started:.0f} s")
    if args.backend == "postgres":
        with bench_database(server_url(args.pg)) as url:
            asyncio.run(copy_to_postgres(path, url))
            boards = asyncio.run(measure(url, users, args.rounds))
            figures = asyncio.run(answer_figures(url, args.answers, args.burst))
    else:
        boards = asyncio.run(measure(path, users, args.rounds))
        figures = asyncio.run(answer_figures(path, args.answers, args.burst))
    path.unlink()
    figures |= {f"board_{name}_ms": r["median_ms"] for name, r in boards.items()}
    figures["board_median_of_kinds_ms"] = median([r["median_ms"] for r in boards.values()])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000,10000000")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg", help="PostgreSQL server (env QUIZBOT_BENCH_PG; 127.0.0.1:5432)")
    parser.add_argument("--answers", type=int, default=5000, help="answers at 1,000 concurrent")
    parser.add_argument("--burst", type=int, default=10000, help="answers submitted at once")
    parser.add_argument("--rounds", type=int, default=50, help="reads per board kind")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="quizbot-scale-") as tmp:
        for size in sizes:
            print(f"{size:,} stored answers, {args.backend}, load {os.getloadavg()[0]:.2f}")
            results[size] = one_size(size, args, Path(tmp))
    keys = list(next(iter(results.values())))
    reference = sizes[1] if len(sizes) > 1 else sizes[0]
    print(f"{'figure':<34}" + "".join(f"{s:>12,}" for s in sizes) + f"  worst / {reference:,}")
    worst: dict[str, float] = {}
    for key in keys:
        row = [results[s][key] for s in sizes]
        base = results[reference][key]
        later = [results[s][key] for s in sizes if s >= reference]
        # answers/s gets worse as it falls; every other figure as it grows
        if key.startswith("answers_per_s"):
            worst[key] = max(base / v for v in later)
        else:
            worst[key] = max(v / base for v in later)
        print(f"{key:<34}" + "".join(f"{v:>12,.2f}" for v in row) + f"  {worst[key]:>8.2f}x")
    over = [k for k, w in worst.items() if w > 1.5]
    print(
        f"target (no figure worse by more than 1.5x from {reference:,} on):",
        "met" if not over else f"missed by {', '.join(over)}",
    )
    if args.json:
        emit_json(
            {
                "backend": args.backend,
                "sizes": sizes,
                "figures": {str(s): {k: round(v, 3) for k, v in results[s].items()} for s in sizes},
                "worst_vs_reference": {k: round(v, 3) for k, v in worst.items()},
                "load_1min": round(os.getloadavg()[0], 2),
            }
        )


if __name__ == "__main__":
    main()

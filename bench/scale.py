"""How cost grows with stored answers: answers/s, burst p99 and every board's median at each size.

    python bench/scale.py [--sizes 10000,100000,1000000,10000000] [--backend sqlite,postgres]
                          [--answers 5000] [--burst 10000] [--rounds 50] [--json]
                          [--save FILE] [--data FILE (one size: a data set built before)]
                          [--work]

For each size N, the leaderboard benchmark's data set (N stored answers from N/200 users,
five channels, eight weeks, two study groups, materialized as the answer writer keeps them)
is built in bulk in a temp SQLite file (``bench/bulk_data.py``: SQL-generated, indexes built
after the load; 10^7 answers are reachable) and, with ``postgres`` among the backends, first
copied into a fresh PostgreSQL database; then on each backend, through the real QuizApp, on
top of those rows:
``--answers`` answers by 1,000 concurrent answerers (answers/s), a burst of ``--burst``
answers at once (p99, and how long its derived rows took to follow), and every board's median
(``--rounds`` reads each). The last column of the table compares each figure with the one at
the second size (10^5 by default): the target is that none gets worse by more than 1.5x up to
the largest size. ``--work`` adds each board kind's work, counted rather than timed
(``bench/board_work.py``: SQLite's VM instructions, PostgreSQL's buffers), which the load
does not move.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

from _common import emit_json, median, percentile  # first: the repo root on sys.path
from _pg import bench_database, server_url
from answers import core_burst, core_concurrent, open_app
from board_work import board_work
from bulk_data import build_bulk, copy_bulk_to_postgres
from leaderboard import measure

from bot.app import SCHEMA
from bot.kernel.db import open_sync


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


def figures_of(target: Path | str, users: int, args: argparse.Namespace) -> dict[str, float]:
    boards = asyncio.run(measure(target, users, args.rounds))
    work = asyncio.run(board_work(target, users)) if args.work else {}
    figures = asyncio.run(answer_figures(target, args.answers, args.burst))
    figures |= {f"board_{name}_ms": r["median_ms"] for name, r in boards.items()}
    figures["board_median_of_kinds_ms"] = median([r["median_ms"] for r in boards.values()])
    figures |= {f"board_{name}_work": count for name, count in work.items()}
    return figures


def one_size(size: int, args: argparse.Namespace, folder: Path) -> dict[str, dict[str, float]]:
    """Per backend, the figures at ``size`` stored answers (one bulk build for both, or the
    file given with --data, kept)."""
    path = args.data or folder / f"scale-{size}.db"
    users = max(50, size // 200)
    if args.data is None:
        started = time.perf_counter()
        build_bulk(path, users, size, log=True)
        elapsed = time.perf_counter() - started
        print(f"  built {size:,} answers ({users:,} users) in {elapsed:.0f} s")
    else:
        # a data set built by older code is migrated here, before the copy into PostgreSQL
        # reads its tables (v014's rank buckets: ~300 s at 10^7 answers)
        started = time.perf_counter()
        migrated = open_sync(path, SCHEMA)
        version = migrated.execute("PRAGMA user_version").fetchone()[0]
        migrated.close()
        print(f"  data set at schema v{version} in {time.perf_counter() - started:.0f} s")
    out = {}
    try:
        # PostgreSQL first: the SQLite run adds its answers to the file
        if "postgres" in args.backends:
            with bench_database(server_url(args.pg)) as url:
                started = time.perf_counter()
                asyncio.run(copy_bulk_to_postgres(path, url))
                print(f"  copied into PostgreSQL in {time.perf_counter() - started:.0f} s")
                out["postgres"] = figures_of(url, users, args)
        if "sqlite" in args.backends:
            out["sqlite"] = figures_of(path, users, args)
    finally:
        if args.data is None:
            path.unlink()
    return out


def table(backend: str, sizes: list[int], results: dict[int, dict[str, float]]) -> dict:
    """Print one backend's table; its worst ratio per figure against the second size."""
    keys = list(results[sizes[0]])
    reference = sizes[1] if len(sizes) > 1 else sizes[0]
    print(f"{backend}")
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
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000,10000000")
    parser.add_argument(
        "--backend", default="sqlite", help="sqlite, postgres or both: sqlite,postgres"
    )
    parser.add_argument("--pg", help="PostgreSQL server (env QUIZBOT_BENCH_PG; 127.0.0.1:5432)")
    parser.add_argument("--answers", type=int, default=5000, help="answers at 1,000 concurrent")
    parser.add_argument("--burst", type=int, default=10000, help="answers submitted at once")
    parser.add_argument("--rounds", type=int, default=50, help="reads per board kind")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    parser.add_argument("--save", type=Path, help="append each size's figures to this file")
    parser.add_argument(
        "--work",
        action="store_true",
        help="also count each board kind's work (bench/board_work.py), which load does not move",
    )
    parser.add_argument("--tmp", type=Path, help="build the data sets in this folder")
    parser.add_argument(
        "--data",
        type=Path,
        help="with one size: measure this data set (bench/bulk_data.py FILE SIZE made it)"
        " instead of building one (migrated first, if older code built it); it is kept, with"
        " the answers the run adds",
    )
    args = parser.parse_args()
    args.backends = [b.strip() for b in args.backend.split(",")]
    if not set(args.backends) <= {"sqlite", "postgres"}:
        parser.error("--backend: sqlite, postgres or sqlite,postgres")
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    if args.data is not None and len(sizes) != 1:
        parser.error("--data: one size (the data set's)")
    results: dict[str, dict[int, dict[str, float]]] = {b: {} for b in args.backends}
    with tempfile.TemporaryDirectory(prefix="quizbot-scale-", dir=args.tmp) as tmp:
        for size in sizes:
            print(f"{size:,} stored answers, load {os.getloadavg()[0]:.2f}", flush=True)
            for backend, figures in one_size(size, args, Path(tmp)).items():
                results[backend][size] = figures
                if args.save:
                    with args.save.open("a") as out:
                        record = {"backend": backend, "size": size, "figures": figures}
                        out.write(json.dumps(record | {"load_1min": os.getloadavg()[0]}) + "\n")
    worst = {backend: table(backend, sizes, results[backend]) for backend in args.backends}
    if args.json:
        emit_json(
            {
                "backends": args.backends,
                "sizes": sizes,
                "figures": {
                    b: {str(s): {k: round(v, 3) for k, v in results[b][s].items()} for s in sizes}
                    for b in args.backends
                },
                "worst_vs_reference": {
                    b: {k: round(v, 3) for k, v in worst[b].items()} for b in args.backends
                },
                "load_1min": round(os.getloadavg()[0], 2),
            }
        )


if __name__ == "__main__":
    main()

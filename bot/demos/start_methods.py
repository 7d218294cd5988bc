"""The ``startmethods`` demo: fork vs spawn (and forkserver), what a child sees and what it costs.

Runs only inside the sandboxed child, which is single-threaded, so forking it is safe. The parent
appends an item to a module-level list at run time, then starts one child with each start method;
the child reports the list it sees. Then each method starts and joins a few no-op processes, and
the fastest round is reported per process.
"""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext

from bot.demos.course_conclusions import (
    StartMethodRun,
    StartMethodsMeasurement,
    start_methods_conclusion,
    times,
)
from bot.demos.harness import Payload, details, ms, noop, payload, start_all_then_join

ITEMS: list[str] = ["set when the module was imported"]
RUNTIME_ITEM = "appended by the parent at run time"
METHODS = ("fork", "spawn", "forkserver")  # fork first: nothing else has started yet
PROCESSES = 3  # started and joined per timed round
ROUNDS = 3
BUDGET_S = 1.0  # per method: stop starting new rounds once this much wall time is spent


def _report_items(conn: Connection) -> None:
    conn.send(list(ITEMS))
    conn.close()


def _child_sees(ctx: BaseContext) -> list[str] | None:
    reader, writer = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_report_items, args=(writer,))
    proc.start()
    writer.close()
    try:
        seen = [str(item) for item in reader.recv()]
    except (EOFError, OSError, TypeError):
        seen = None
    proc.join()
    return seen


def _start_time(ctx: BaseContext) -> tuple[float, int]:
    """Best round's start + join time per process, and the rounds run."""
    began = time.perf_counter()
    best, rounds = float("inf"), 0
    while rounds < ROUNDS:
        elapsed = start_all_then_join([ctx.Process(target=noop) for _ in range(PROCESSES)])
        best = min(best, elapsed / PROCESSES)
        rounds += 1
        if time.perf_counter() - began > BUDGET_S:
            break
    return best, rounds


def _rounds(n: int) -> str:
    return f"best of {n}" if n > 1 else "1 round"


def demo_start_methods() -> Payload:
    ITEMS.append(RUNTIME_ITEM)
    available = multiprocessing.get_all_start_methods()
    runs: list[StartMethodRun] = []
    seen_texts: list[tuple[str, str]] = []
    for method in (m for m in METHODS if m in available):
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload([__name__])
        seen = _child_sees(ctx)  # also starts the forkserver, so its boot is not timed below
        start_s, done = _start_time(ctx)
        saw = None if seen is None else RUNTIME_ITEM in seen
        runs.append(StartMethodRun(method, saw, start_s, done))
        seen_texts.append((method, "no answer" if seen is None else "; ".join(seen)))
    m = StartMethodsMeasurement(runs=tuple(runs), processes=PROCESSES)
    measurements = [(f"{method} child sees the list", text) for method, text in seen_texts]
    measurements += [
        (f"{run.method}: start + join, per process ({_rounds(run.rounds)})", ms(run.start_s))
        for run in runs
    ]
    fork, spawn = m.run("fork"), m.run("spawn")
    if fork and spawn and fork.start_s > 0:
        measurements.append(("spawn vs fork", f"{times(spawn.start_s / fork.start_s)} as long"))
    return payload(measurements, start_methods_conclusion(m), details())

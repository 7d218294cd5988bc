"""The ``striped`` demo: one lock vs striped locks, at 1 to N threads, with the GIL state recorded.

Runs only inside the sandboxed child. Every thread increments slots of a shared list of counters,
each increment under a lock: either one lock for the whole list, or one of ``STRIPES`` locks
chosen by the slot (lock striping). The increments per second at 1, 2 and N threads show whether
the threads ran side by side, and whether one lock was what held them back.
"""

from __future__ import annotations

import threading
import time

from bot.demos.course_conclusions import StripedMeasurement, StripedRun, striped_conclusion
from bot.demos.harness import Payload, cores, details, gil_enabled, payload, start_all_then_join

SLOTS = 64
STRIPES = 16
OPS = 40_000  # increments per thread
MAX_THREADS = 4
ROUNDS = 3
BUDGET_S = 3.0  # stop starting new rounds once this much wall time is spent


def _one_lock(counts: list[int], lock: threading.Lock, first: int) -> None:
    for i in range(OPS):
        slot = (first + i * 7) % SLOTS
        with lock:
            counts[slot] += 1


def _striped(counts: list[int], locks: list[threading.Lock], first: int) -> None:
    for i in range(OPS):
        slot = (first + i * 7) % SLOTS
        with locks[slot % STRIPES]:
            counts[slot] += 1


def _rate(threads: int, striped: bool) -> float:
    """Increments per second with ``threads`` threads; raises if an increment was lost."""
    counts = [0] * SLOTS
    if striped:
        locks = [threading.Lock() for _ in range(STRIPES)]
        workers = [
            threading.Thread(target=_striped, args=(counts, locks, t)) for t in range(threads)
        ]
    else:
        lock = threading.Lock()
        workers = [
            threading.Thread(target=_one_lock, args=(counts, lock, t)) for t in range(threads)
        ]
    elapsed = start_all_then_join(workers)
    if sum(counts) != threads * OPS:  # the locks must hold; a loss means the demo is broken
        raise RuntimeError(f"lost {threads * OPS - sum(counts)} increments under a lock")
    return threads * OPS / elapsed if elapsed > 0 else float("inf")


def thread_counts(n_cores: int) -> tuple[int, ...]:
    top = max(2, min(MAX_THREADS, n_cores))
    return tuple(sorted({1, 2, top}))


def demo_striped() -> Payload:
    counts = thread_counts(cores())
    best: dict[tuple[int, bool], float] = {}
    began = time.perf_counter()
    rounds = 0
    while rounds < ROUNDS:  # interleaved, so a burst of other work hits every setting alike
        for threads in counts:
            for striped in (False, True):
                key = (threads, striped)
                best[key] = max(best.get(key, 0.0), _rate(threads, striped))
        rounds += 1
        if time.perf_counter() - began > BUDGET_S:
            break
    runs = tuple(StripedRun(t, best[(t, False)], best[(t, True)]) for t in counts)
    m = StripedMeasurement(cores=cores(), gil_enabled=gil_enabled(), stripes=STRIPES, runs=runs)
    label = f"best of {rounds}" if rounds > 1 else "1 round"
    measurements = [
        (
            f"{run.threads} thread{'s' if run.threads > 1 else ''}: increments/s, one lock vs "
            f"{STRIPES} stripes ({label})",
            f"{run.one_lock_ops:,.0f} vs {run.striped_ops:,.0f}",
        )
        for run in runs
    ]
    measurements.append(("GIL", "enabled" if m.gil_enabled else "disabled (free-threaded build)"))
    return payload(measurements, striped_conclusion(m), details())

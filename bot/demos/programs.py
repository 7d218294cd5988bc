"""The first five experiments (processes vs threads, and the race), and the registry of all demos
(the later cards' demos live in their own modules: event_loop, start_methods, backpressure,
striping).

They run only inside the sandboxed child (``bot.demos.child``). Each program returns a plain dict
(``measurements``, ``lesson``, ``details``) that the child prints as JSON; the conclusions are pure
functions of the numbers (:mod:`bot.demos.conclusions`). How worker processes start, and why
forkserver: :mod:`bot.demos.harness`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from bot.demos.backpressure import demo_backpressure
from bot.demos.catalog import SPAWN_N
from bot.demos.charts import DemoBar, DemoChart
from bot.demos.conclusions import (
    CrashMeasurement,
    GilMeasurement,
    MemoryMeasurement,
    RaceMeasurement,
    SpawnMeasurement,
    crash_conclusion,
    gil_conclusion,
    memory_conclusion,
    race_conclusion,
    spawn_conclusion,
    times,
)
from bot.demos.event_loop import demo_blocking
from bot.demos.harness import (
    Payload,
    Program,
    cores,
    cpu_quota,
    details,
    exit_text,
    gil_enabled,
    load_average,
    ms,
    noop,
    payload,
    physical_cores,
    start_all_then_join,
    warm_up,
    worker_context,
)
from bot.demos.sandbox_probes import TEST_PROGRAMS
from bot.demos.start_methods import demo_start_methods
from bot.demos.striping import demo_striped

__all__ = ["PROGRAMS", "TEST_PROGRAMS"]


# --- spawn: start-up cost ------------------------------------------------------------------------

ROUNDS = 3  # timed parts run up to this many times; the fastest round is reported
SPAWN_BUDGET_S = 2.0  # stop starting new rounds once this much wall time is spent


def demo_spawn() -> Payload:
    ctx, method = worker_context(__name__)
    server_start = warm_up(ctx)
    failed = 0

    def one_round() -> tuple[float, float]:
        nonlocal failed
        threads = [threading.Thread(target=noop) for _ in range(SPAWN_N)]
        thread_s = start_all_then_join(threads)
        procs = [ctx.Process(target=noop) for _ in range(SPAWN_N)]
        proc_s = start_all_then_join(procs)
        failed = max(failed, sum(1 for p in procs if p.exitcode != 0))
        return thread_s, proc_s

    began = time.perf_counter()
    results: list[tuple[float, float]] = []
    while len(results) < ROUNDS:
        results.append(one_round())
        if time.perf_counter() - began > SPAWN_BUDGET_S:
            break
    m = SpawnMeasurement(
        n=SPAWN_N,
        thread_s=min(t for t, _ in results),
        process_s=min(p for _, p in results),
        rounds=len(results),
        failed=failed,
    )
    best = f"best of {m.rounds}" if m.rounds > 1 else "1 round"
    measurements = [
        (f"{SPAWN_N} threads: start + join ({best})", ms(m.thread_s)),
        (f"{SPAWN_N} processes: start + join ({best})", ms(m.process_s)),
        ("processes vs threads", f"{times(m.ratio)} slower"),
        (
            "average per thread / per process",
            f"{ms(m.thread_s / SPAWN_N)} / {ms(m.process_s / SPAWN_N)}",
        ),
    ]
    if method == "forkserver":
        measurements.append(("one-off forkserver start (not included above)", ms(server_start)))
    if failed:
        measurements.append(("processes that failed", str(failed)))
    chart = DemoChart(
        (
            DemoBar(f"{SPAWN_N} threads: start + join", m.thread_s * 1000),
            DemoBar(f"{SPAWN_N} processes: start + join", m.process_s * 1000),
        ),
        unit="ms",
    )
    return payload(measurements, spawn_conclusion(m), details(method), chart)


# --- memory: shared vs private -------------------------------------------------------------------

MEMORY_WORKERS = 4
MEMORY_INCREMENTS = 1000

counter = 0  # "the same" variable for both halves of the memory demo
_counter_lock = threading.Lock()


def _bump_in_thread(n: int) -> None:
    global counter
    for _ in range(n):
        with _counter_lock:  # no lost updates here; losing them is the race demo's job
            counter += 1


def _bump_in_process(n: int, conn: Connection) -> None:
    global counter
    for _ in range(n):
        counter += 1
    conn.send(counter)  # report what this process's own copy reached
    conn.close()


def demo_memory() -> Payload:
    global counter
    w, n = MEMORY_WORKERS, MEMORY_INCREMENTS

    counter = 0
    threads = [threading.Thread(target=_bump_in_thread, args=(n,)) for _ in range(w)]
    start_all_then_join(threads)
    seen_by_main_thread = counter

    counter = 0
    ctx, method = worker_context(__name__)
    procs: list[tuple[Any, Connection]] = []
    for _ in range(w):
        reader, writer = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_bump_in_process, args=(n, writer))
        proc.start()
        writer.close()
        procs.append((proc, reader))
    own_copies: list[int | None] = []
    for proc, reader in procs:
        try:
            own_copies.append(int(reader.recv()))
        except (EOFError, OSError, ValueError, TypeError):
            own_copies.append(None)
        proc.join()
    seen_by_parent = counter

    m = MemoryMeasurement(w, n, seen_by_main_thread, seen_by_parent, tuple(own_copies))
    measurements = [
        (f"{w} threads × {n} increments: main thread reads counter", str(seen_by_main_thread)),
        (f"{w} processes × {n} increments: parent reads counter", str(seen_by_parent)),
        (
            "each process's own copy of counter ended at",
            ", ".join("no answer" if c is None else str(c) for c in own_copies),
        ),
    ]
    return payload(measurements, memory_conclusion(m), details(method))


# --- crash: process isolation vs one address space -----------------------------------------------

CRASH_WORKERS = 4
CRASH_VICTIM = 2  # index of the worker process that aborts
FAULT_THREADS = 3  # well-behaved threads next to the faulting one


def _worker_ok() -> None:
    time.sleep(0.05)


def _worker_abort() -> None:
    os.abort()  # SIGABRT: the process dies on the spot, no cleanup, no exception


def _threads_then_fault(conn: Connection) -> None:
    """Runs in its own process: several threads, then one of them reads address 0."""
    import ctypes

    send_lock = threading.Lock()
    everyone_started = threading.Barrier(FAULT_THREADS + 1)

    def send(message: tuple[str, int]) -> None:
        with send_lock:
            conn.send(message)

    def worker(i: int) -> None:
        send(("started", i))
        everyone_started.wait()
        time.sleep(2.0)
        send(("finished", i))

    def faulty() -> None:
        everyone_started.wait()
        ctypes.string_at(0)  # NULL-pointer read: a real segmentation fault

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(FAULT_THREADS)]
    threads.append(threading.Thread(target=faulty))
    start_all_then_join(threads)
    send(("finished", -1))  # the main thread; never reached


def demo_crash() -> Payload:
    ctx, method = worker_context(__name__)
    warm_up(ctx)

    workers = [
        ctx.Process(target=_worker_abort if i == CRASH_VICTIM else _worker_ok)
        for i in range(CRASH_WORKERS)
    ]
    start_all_then_join(workers)
    measurements = [(f"worker process {i}", exit_text(p.exitcode)) for i, p in enumerate(workers)]
    survivors = sum(1 for i, p in enumerate(workers) if i != CRASH_VICTIM and p.exitcode == 0)

    reader, writer = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_threads_then_fault, args=(writer,))
    proc.start()
    writer.close()
    events: list[tuple[str, int]] = []
    while True:
        try:
            events.append(reader.recv())
        except EOFError:
            break
    proc.join(5)
    if proc.is_alive():  # pragma: no cover - only if the fault somehow did not happen
        proc.kill()
        proc.join()
    started = sum(1 for kind, _ in events if kind == "started")
    # the workers' reports only: the main thread's ("finished", -1) arrives if the fault never fired
    finished = sum(1 for kind, worker in events if kind == "finished" and worker >= 0)
    measurements += [
        (
            f"process with {FAULT_THREADS + 1} threads, one reads address 0",
            exit_text(proc.exitcode),
        ),
        (f"its other {FAULT_THREADS} threads: started / finished", f"{started} / {finished}"),
    ]

    def raises() -> None:
        raise ValueError("an ordinary Python exception")

    def short_work(done: list[int], i: int) -> None:
        time.sleep(0.02)
        done.append(i)

    caught: list[str] = []
    done: list[int] = []
    previous_hook = threading.excepthook
    threading.excepthook = lambda args: caught.append(getattr(args.exc_type, "__name__", "?"))
    try:
        threads = [threading.Thread(target=short_work, args=(done, i)) for i in range(3)]
        threads.append(threading.Thread(target=raises))
        start_all_then_join(threads)
    finally:
        threading.excepthook = previous_hook
    measurements += [
        ("Python exception in 1 of 4 threads", f"{', '.join(caught) or 'none'} ended that thread"),
        ("the other 3 threads: finished", f"{len(done)} of 3; the process kept running"),
    ]

    m = CrashMeasurement(
        workers=CRASH_WORKERS,
        victim=CRASH_VICTIM,
        victim_exit=exit_text(workers[CRASH_VICTIM].exitcode),
        survivors=survivors,
        fault_exit=exit_text(proc.exitcode),
        fault_threads=FAULT_THREADS,
        fault_threads_finished=finished,
        exception_names=tuple(caught),
        exception_siblings=3,
        exception_siblings_finished=len(done),
    )
    return payload(measurements, crash_conclusion(m), details(method))


# --- race: lost updates --------------------------------------------------------------------------

RACE_THREADS = 4
RACE_INCREMENTS = 500
PLAIN_INCREMENTS = 100_000


class _Box:
    value = 0


def _unlocked(box: _Box, n: int) -> None:
    for _ in range(n):
        seen = box.value
        time.sleep(0)  # let another thread run between the read and the write
        box.value = seen + 1


def _locked(box: _Box, n: int, lock: threading.Lock) -> None:
    for _ in range(n):
        with lock:
            seen = box.value
            time.sleep(0)
            box.value = seen + 1


def _plain(box: _Box, n: int) -> None:
    for _ in range(n):
        box.value += 1


def _run_threads(target: Callable[..., None], *args: Any) -> int:
    box = _Box()
    threads = [threading.Thread(target=target, args=(box, *args)) for _ in range(RACE_THREADS)]
    start_all_then_join(threads)
    return box.value


def demo_race() -> Payload:
    t, n = RACE_THREADS, RACE_INCREMENTS
    expected = t * n
    unlocked = _run_threads(_unlocked, n)
    locked = _run_threads(_locked, n, threading.Lock())
    plain = _run_threads(_plain, PLAIN_INCREMENTS)
    lost = expected - unlocked
    m = RaceMeasurement(t, n, unlocked, locked, PLAIN_INCREMENTS, plain, gil_enabled())
    switch = "switch forced between read and write"
    measurements = [
        (
            f"{t} threads × {n} increments, no lock, {switch}",
            f"{unlocked} of {expected} ({lost} lost)",
        ),
        (f"{t} threads × {n} increments, with a lock, {switch}", f"{locked} of {expected}"),
        (
            f"no lock, plain `+= 1`, no forced switch ({t} × {PLAIN_INCREMENTS})",
            f"{t * PLAIN_INCREMENTS - plain} lost",
        ),
    ]
    chart = DemoChart(
        (
            DemoBar("expected", expected, True),
            DemoBar("no lock", unlocked, unlocked == expected),
            DemoBar("with a lock", locked, locked == expected),
        ),
        marked_means="no update lost",
    )
    return payload(measurements, race_conclusion(m), details(), chart)


# --- gil: CPU-bound work --------------------------------------------------------------------------

GIL_TARGET_S = 0.1  # wall time of one work unit on one core
GIL_MAX_WORKERS = 4
GIL_BUDGET_S = 2.5  # stop starting new rounds once this much wall time is spent


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def _calibrate() -> int:
    probe = 100_000
    best = float("inf")
    for _ in range(ROUNDS):  # the fastest probe: a busy moment would make every unit too small
        started = time.perf_counter()
        _burn(probe)
        best = min(best, time.perf_counter() - started)
    elapsed = max(best, 1e-6)
    return max(50_000, min(20_000_000, int(probe * GIL_TARGET_S / elapsed)))


def demo_gil() -> Payload:
    n_cores = cores()
    k = max(2, min(n_cores, GIL_MAX_WORKERS))
    load = load_average()
    ctx, method = worker_context(__name__)
    warm_up(ctx)
    units = _calibrate()

    def serial() -> float:
        started = time.perf_counter()
        for _ in range(k):
            _burn(units)
        return time.perf_counter() - started

    def threads() -> float:
        return start_all_then_join(
            [threading.Thread(target=_burn, args=(units,)) for _ in range(k)]
        )

    def processes() -> float:
        return start_all_then_join([ctx.Process(target=_burn, args=(units,)) for _ in range(k)])

    # Interleaved rounds, so a burst of other work on the host hits all three alike.
    serial_s = threads_s = procs_s = float("inf")
    rounds = 0
    began = time.perf_counter()
    while rounds < ROUNDS:
        serial_s = min(serial_s, serial())
        threads_s = min(threads_s, threads())
        procs_s = min(procs_s, processes())
        rounds += 1
        if time.perf_counter() - began > GIL_BUDGET_S:
            break

    m = GilMeasurement(
        cores=n_cores,
        workers=k,
        gil_enabled=gil_enabled(),
        serial_s=serial_s,
        threads_s=threads_s,
        processes_s=procs_s,
        rounds=rounds,
        load=load,
        cpu_quota=cpu_quota(),
        physical_cores=physical_cores(),
    )
    best = f"best of {rounds}" if rounds > 1 else "1 round"
    measurements = [
        (f"1 thread, {k} work units one after another ({best})", ms(serial_s)),
        (f"{k} threads, 1 unit each ({best})", ms(threads_s)),
        (f"{k} processes, 1 unit each, incl. start-up ({best})", ms(procs_s)),
        (f"speed-up with {k} threads", times(m.thread_speedup)),
        (f"speed-up with {k} processes", times(m.process_speedup)),
    ]
    if load is not None:
        measurements.append(("host load average (1 min) before the demo", f"{load:.2f}"))
    times_ms = (serial_s * 1000, threads_s * 1000, procs_s * 1000)
    fastest = min(times_ms)
    chart = DemoChart(
        tuple(
            DemoBar(label, value, value == fastest)
            for label, value in zip(
                ("1 thread, one unit after another", f"{k} threads", f"{k} processes"),
                times_ms,
                strict=True,
            )
        ),
        unit="ms",
        marked_means="fastest",
    )
    return payload(measurements, gil_conclusion(m), details(method), chart)


PROGRAMS: dict[str, Program] = {
    "spawn": demo_spawn,
    "memory": demo_memory,
    "crash": demo_crash,
    "race": demo_race,
    "gil": demo_gil,
    "blocking": demo_blocking,
    "startmethods": demo_start_methods,
    "queue": demo_backpressure,
    "striped": demo_striped,
}

"""What the later cards' demos conclude, chosen from what they measured and nothing else.

Like :mod:`bot.demos.conclusions` (the first five demos): every function is pure, takes one
measurement record and returns the lesson. It states the expected effect only when the numbers
show it; otherwise it says what was measured and what could explain it, as a possibility.
Tests drive every branch with made-up records (``tests/demos/test_course_demo_conclusions.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.demos.conclusions import PARALLEL_SPEEDUP, times


def _ms(seconds: float) -> str:
    millis = seconds * 1000
    return f"{millis:.0f} ms" if millis >= 10 else f"{millis:.1f} ms"


# --- blocking: a blocking call inside the event loop vs asyncio.to_thread ------------------------


@dataclass(frozen=True)
class BlockingMeasurement:
    block_s: float  # how long the one task blocked (time.sleep) or waited in a thread
    tick_s: float  # the other tasks' timer period
    tickers: int  # how many other tasks kept a timer
    idle_lag_s: float  # worst timer lateness while the task awaited asyncio.sleep (baseline)
    blocking_lag_s: float  # worst lateness while the task called time.sleep on the loop
    thread_lag_s: float  # worst lateness while the task awaited asyncio.to_thread(time.sleep)


#: Lag counts as "the loop stalled" from this share of the block time upwards.
STALL_SHARE = 0.5
#: The to_thread run counts as "kept running" below this share of the block time.
FLOWING_SHARE = 0.25


def blocking_conclusion(m: BlockingMeasurement) -> str:
    block = _ms(m.block_s)
    others = f"the other {m.tickers} tasks"
    if m.blocking_lag_s >= STALL_SHARE * m.block_s:
        first = (
            f"While one task called time.sleep for {block} inside the event loop, {others} "
            f"(each waiting on a {_ms(m.tick_s)} timer) ran up to {_ms(m.blocking_lag_s)} late: "
            "the loop has one thread, and the sleeping task held it, so no timer fired and no "
            "other task ran until the sleep returned"
        )
    else:
        first = (
            f"While one task called time.sleep for {block}, {others} were at most "
            f"{_ms(m.blocking_lag_s)} late, less than the sleep itself — which cannot happen "
            "if the sleep held the loop's thread, so treat this run as broken"
        )
    if m.thread_lag_s < FLOWING_SHARE * m.block_s:
        second = (
            f"with `await asyncio.to_thread(time.sleep, ...)` the same wait ran in a worker "
            f"thread and the worst lag was {_ms(m.thread_lag_s)} (with nothing blocking: "
            f"{_ms(m.idle_lag_s)}), because the loop kept its thread and served everyone else"
        )
    elif m.idle_lag_s >= FLOWING_SHARE * m.block_s:
        second = (
            f"with asyncio.to_thread the tasks were still up to {_ms(m.thread_lag_s)} late, but "
            f"they were {_ms(m.idle_lag_s)} late even with nothing blocking: the host was "
            "probably busy, so this run cannot show what to_thread saves"
        )
    else:
        second = (
            f"with asyncio.to_thread the tasks were still up to {_ms(m.thread_lag_s)} late "
            f"(with nothing blocking: {_ms(m.idle_lag_s)}), not the usual result: a worker "
            "thread normally leaves the loop free; a busy host, or a thread pool that was slow "
            "to start a worker, could explain it"
        )
    return (
        f"{first}; {second}. One blocking call stalls every task on the loop; hand it to a "
        "thread, or use an async version."
    )


# --- startmethods: fork vs spawn (vs forkserver) ------------------------------------------------


@dataclass(frozen=True)
class StartMethodRun:
    method: str  # "fork", "spawn" or "forkserver"
    saw_runtime_item: bool | None  # the child saw the item the parent appended; None: no answer
    start_s: float  # best round: start + join one process, on average
    rounds: int = 1  # timed rounds run


@dataclass(frozen=True)
class StartMethodsMeasurement:
    runs: tuple[StartMethodRun, ...]
    processes: int  # started per timed round, per method

    def run(self, method: str) -> StartMethodRun | None:
        return next((r for r in self.runs if r.method == method), None)


def start_methods_conclusion(m: StartMethodsMeasurement) -> str:
    sentences: list[str] = []
    for run in m.runs:
        child = f"The {run.method} child"
        if run.saw_runtime_item is None:
            sentences.append(f"{child} did not report what it saw.")
        elif run.method == "fork" and run.saw_runtime_item:
            sentences.append(
                f"{child} saw the item the parent appended at run time: it starts as a copy of "
                "the running parent's memory."
            )
        elif run.method == "fork":
            sentences.append(
                f"{child} did not see the item the parent appended before forking, though a "
                "forked child copies the parent's memory; treat this run as broken."
            )
        elif run.saw_runtime_item:
            sentences.append(
                f"{child} saw the parent's run-time item, though it never copies the parent's "
                "memory; treat this run as broken."
            )
        elif run.method == "spawn":
            sentences.append(
                f"{child} saw only the list the module defines: it is a new interpreter that "
                "imported the module afresh."
            )
        else:
            sentences.append(
                f"{child} saw only the list the module defines: it is forked from a server "
                "process that imported the module when it started, not from the parent."
            )
    fork, spawn, server = m.run("fork"), m.run("spawn"), m.run("forkserver")
    if fork and spawn and fork.start_s > 0:
        ratio = spawn.start_s / fork.start_s
        took = (
            f"Starting a process took {_ms(fork.start_s)} with fork and {_ms(spawn.start_s)} "
            f"with spawn ({times(ratio)} as long)"
        )
        if ratio >= 2.0:
            sentences.append(
                f"{took}: a spawned child boots a new interpreter and imports the demo's modules "
                "before it runs, while a forked child shares the parent's pages copy-on-write."
            )
        elif ratio > 1.0:
            sentences.append(
                f"{took}, a smaller gap than usual; a busy host slowing the fork rounds could "
                "explain it. Spawn still boots a new interpreter, which fork skips."
            )
        else:
            sentences.append(
                f"{took}: spawn was not slower this time, which is not the usual result, and "
                "these numbers cannot say why (a busy host slowing the fork rounds would do it). "
                "Spawn still boots a new interpreter, which fork skips; run the demo again to "
                "compare."
            )
        if server and server.start_s * 2 <= spawn.start_s:
            sentences.append(
                f"Forkserver took {_ms(server.start_s)}: its server booted once, and each child "
                "is a fork of it."
            )
    sentences.append(
        "Data a child needs should travel as arguments (pickled under spawn and forkserver), "
        "not as globals the parent changed."
    )
    return " ".join(sentences)


# --- backpressure: a bounded queue makes a fast producer wait -------------------------------------


@dataclass(frozen=True)
class QueueRun:
    maxsize: int  # 0: unbounded
    producer_s: float  # from start until the producer had put every item
    consumer_s: float  # from start until the consumer had taken and processed every item
    peak: int  # most items waiting in the queue, as the producer saw after each put
    blocked_s: float  # the producer's total time inside put()


@dataclass(frozen=True)
class BackpressureMeasurement:
    items: int
    work_s: float  # the consumer's time per item
    bounded: QueueRun
    unbounded: QueueRun


def backpressure_conclusion(m: BackpressureMeasurement) -> str:
    b, u = m.bounded, m.unbounded
    if b.peak <= b.maxsize and b.blocked_s >= 0.5 * b.producer_s:
        first = (
            f"With a queue of at most {b.maxsize} items, the producer spent "
            f"{_ms(b.blocked_s)} of its {_ms(b.producer_s)} waiting inside put(): the queue "
            f"never held more than {b.peak} items, so the producer could only run as fast as "
            f"the consumer ({_ms(b.consumer_s)} for all {m.items})"
        )
    elif b.peak <= b.maxsize:
        first = (
            f"With a queue of at most {b.maxsize} items the queue held at most {b.peak}, but the "
            f"producer waited only {_ms(b.blocked_s)} of its {_ms(b.producer_s)}: the consumer "
            "kept up this time, so the bound was rarely reached"
        )
    else:
        first = (
            f"The bounded queue (at most {b.maxsize}) was seen holding {b.peak} items, which a "
            "bounded queue does not allow; treat this run as broken"
        )
    if u.peak > b.maxsize:
        second = (
            f"without a bound the producer finished in {_ms(u.producer_s)} and left up to "
            f"{u.peak} items waiting in memory while the consumer still needed "
            f"{_ms(u.consumer_s)}"
        )
    else:
        second = (
            f"without a bound the queue still never held more than {u.peak} items: the consumer "
            "kept up with the producer this time, so the bound made no difference"
        )
    return (
        f"{first}; {second}. A bound turns a fast producer into a waiting one (backpressure) "
        "instead of letting the backlog grow without limit."
    )


# --- striped: one lock vs striped locks at 1..N threads -------------------------------------------


@dataclass(frozen=True)
class StripedRun:
    threads: int
    one_lock_ops: float  # increments per second, every increment under one lock
    striped_ops: float  # increments per second, each slot under one of several locks


@dataclass(frozen=True)
class StripedMeasurement:
    cores: int
    gil_enabled: bool
    stripes: int
    runs: tuple[StripedRun, ...]  # in order of threads; the first has 1 thread

    def scaling(self) -> tuple[float, float]:
        """(one lock, striped): throughput at the most threads over the 1-thread throughput.

        With one thread the two versions do the same work, so the faster of the two 1-thread
        runs is the baseline for both: a slow, noisy single run can't fake a speed-up.
        """
        first, last = self.runs[0], self.runs[-1]
        base = max(first.one_lock_ops, first.striped_ops)
        if base <= 0:
            return 0.0, 0.0
        return last.one_lock_ops / base, last.striped_ops / base


def striped_conclusion(m: StripedMeasurement) -> str:
    n = m.runs[-1].threads
    one, striped = m.scaling()
    numbers = (
        f"Going from 1 to {n} threads multiplied the increments per second by {times(one)} "
        f"with one lock and by {times(striped)} with {m.stripes} striped locks"
    )
    striped_scaled = striped >= PARALLEL_SPEEDUP
    if m.gil_enabled and not striped_scaled:
        text = (
            f"{numbers}. This build has the Global Interpreter Lock (GIL) enabled, so the threads "
            "ran Python code one at a time whatever locks they took: the GIL, not the counters' "
            "lock, was the line they waited in, and striping cannot shorten it."
        )
    elif m.gil_enabled:
        text = (
            f"{numbers}, although the Global Interpreter Lock (GIL) is enabled and lets one thread "
            "run Python code at a time. These numbers cannot say why (a 1-thread run slowed by "
            "other work on the host would do it); run the demo again to compare."
        )
    elif striped_scaled and (striped >= one * 1.2 or one < PARALLEL_SPEEDUP):
        text = (
            f"{numbers}. On this free-threaded build the threads really ran side by side: with "
            "one lock every increment queued for the same lock (and its cache line), while "
            "striped locks let threads that touch different slots go ahead together."
        )
    elif striped_scaled:
        text = (
            f"{numbers}. On this free-threaded build both versions ran side by side; waiting for "
            "the one lock, held for so short a time, cost little here."
        )
    elif m.cores < 2:
        text = (
            f"{numbers}. This free-threaded build could run threads side by side, but the demo "
            "had a single CPU core, so the threads took turns."
        )
    else:
        text = (
            f"{numbers}. This free-threaded build could run threads side by side, yet neither "
            "version sped up; the host may have had no free core, or the work per lock was too "
            "small to gain (a cgroup CPU limit or other load would look the same)."
        )
    return text + " Striping pays where threads really run in parallel and contend for one lock."

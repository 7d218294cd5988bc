"""What each demo concludes, chosen from what it measured and nothing else.

Every function here is pure: it takes one measurement record and returns the demo's lesson.
The lesson states the expected effect only when the numbers show it; when they do not (a busy
or single-core host, threads faster than the Global Interpreter Lock should allow, a race that
lost nothing, ...) it says so plainly and explains why. The host's core count is part of the
record, but it only explains a result; it never decides what the result was.

Tests drive every branch with made-up records (``tests/test_demos.py``); the programs in
:mod:`bot.demos.programs` fill the records from real, repeated timings.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A speed-up at or above this counts as "ran side by side" (2 ideal workers give 2.0×).
PARALLEL_SPEEDUP = 1.4
#: Processes taking at least this many times as long to start as threads is the expected result.
SPAWN_CLEAR_RATIO = 2.0

GIL_SPELLED_OUT = "the Global Interpreter Lock (GIL)"


def times(ratio: float) -> str:
    """A ratio as shown to users: ``283×``, ``1.4×``."""
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.1f}×"


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}es" if word.endswith("s") else f"{n} {word}s"


# --- spawn ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpawnMeasurement:
    n: int  # threads (and processes) started per round
    thread_s: float  # best round: start + join all threads
    process_s: float  # best round: start + join all processes
    rounds: int  # how many rounds were timed
    failed: int = 0  # processes that did not exit 0

    @property
    def ratio(self) -> float:
        return self.process_s / self.thread_s if self.thread_s > 0 else float("inf")


def spawn_conclusion(m: SpawnMeasurement) -> str:
    ratio = m.ratio
    best = f"best of {m.rounds} rounds" if m.rounds > 1 else "one round"
    why = (
        "each process needs a whole new memory space of its own, while a thread only needs a "
        "stack inside the process that already exists"
    )
    if ratio >= SPAWN_CLEAR_RATIO:
        text = (
            f"Starting {m.n} processes took about {times(ratio)} as long as starting {m.n} "
            f"threads ({best}): {why} — which is why threads are called lightweight."
        )
    elif ratio > 1.0:
        text = (
            f"Processes were only {times(ratio)} slower to start than threads here ({best}), "
            "a smaller gap than usual: the thread times were probably slowed by other work on "
            f"this host. The difference is still there because {why}."
        )
    else:
        text = (
            f"This time processes were not slower to start than threads ({times(ratio)}, "
            f"{best}), which is not the usual result: the host was most likely busy with other "
            "work while the threads were being timed, so these numbers say more about the host "
            f"than about threads. Normally processes are much slower to start, because {why}."
        )
    if m.failed:
        text += f" {_plural(m.failed, 'process')} failed to run, so the process time is partial."
    return text


# --- memory --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemoryMeasurement:
    workers: int
    increments: int  # per worker
    seen_by_main_thread: int  # counter after the threads ran
    seen_by_parent: int  # the parent's counter after the processes ran
    own_copies: tuple[int | None, ...]  # each process's own final value; None: no answer


def memory_conclusion(m: MemoryMeasurement) -> str:
    expected_total = m.workers * m.increments
    answered = [c for c in m.own_copies if c is not None]
    missing = len(m.own_copies) - len(answered)
    parts: list[str] = []
    if m.seen_by_main_thread == expected_total:
        parts.append(
            f"The threads all updated the one counter in their shared memory, so the main "
            f"thread sees {m.seen_by_main_thread}"
        )
    else:
        parts.append(
            f"The threads shared one counter, yet the main thread sees {m.seen_by_main_thread} "
            f"instead of {expected_total}: some of their updates did not arrive, which the lock "
            "around each update should have prevented"
        )
    if m.seen_by_parent == 0 and answered and all(c == m.increments for c in answered):
        parts.append(
            f"each process updated its own private copy (it reached {m.increments} in every "
            f"child that answered) while the parent's stayed at 0. Processes don't share memory, "
            "so results have to be sent back explicitly — interprocess communication."
        )
    elif m.seen_by_parent == 0 and answered:
        copies = ", ".join(str(c) for c in answered)
        parts.append(
            f"the parent's counter stayed at 0 while the children's copies ended at {copies}: "
            "each process changed only its own private copy — processes don't share memory."
        )
    elif m.seen_by_parent == 0:
        parts.append(
            "no process reported its copy, so this run cannot show what the processes saw; "
            "the parent's counter stayed at 0."
        )
    else:
        parts.append(
            f"unexpectedly, the parent's counter reads {m.seen_by_parent} after the processes "
            "ran; processes normally cannot touch each other's variables, so something other "
            "than the workers changed it."
        )
    text = "; ".join(parts)
    if missing:
        text += f" ({_plural(missing, 'process')} did not report back.)"
    return text


# --- crash ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrashMeasurement:
    workers: int
    victim: int  # index of the worker that aborts itself
    victim_exit: str  # e.g. "died: killed by SIGABRT"
    survivors: int  # other workers that finished with exit 0
    fault_exit: str  # the process whose thread read address 0
    fault_threads: int  # well-behaved threads in that process
    fault_threads_finished: int
    exception_names: tuple[str, ...]  # exceptions seen by threading.excepthook
    exception_siblings: int  # well-behaved threads next to the raising one
    exception_siblings_finished: int


def crash_conclusion(m: CrashMeasurement) -> str:
    others = m.workers - 1
    victim = m.victim_exit.removeprefix("died: ")
    if m.victim_exit.startswith("died") and m.survivors == others:
        first = (
            f"Worker {m.victim} was {victim}, yet all {others} other worker processes finished, "
            "because each process has its own memory"
        )
    elif m.victim_exit.startswith("died"):
        first = (
            f"Worker {m.victim} was {victim}, and only {m.survivors} of the other {others} "
            "worker processes finished: the others failed for reasons of their own (the host may "
            "have run short of memory or processes), not because of worker "
            f"{m.victim} — processes have separate memory"
        )
    else:
        first = (
            f"Worker {m.victim} should have aborted but {m.victim_exit}, so this run shows no "
            f"isolation either way ({m.survivors} of the other {others} finished)"
        )
    if m.fault_exit.startswith("died") and m.fault_threads_finished == 0:
        second = (
            f"one faulting thread took its whole process down (none of its {m.fault_threads} "
            "other threads finished), because threads share one address space"
        )
    elif m.fault_exit.startswith("died"):
        second = (
            f"the faulting thread took its process down, though {m.fault_threads_finished} of "
            f"its {m.fault_threads} other threads had already finished — the process still "
            "died as a whole, because threads share one address space"
        )
    else:
        second = (
            f"the thread that read address 0 did not crash its process this time "
            f"({m.fault_exit}), so this run does not show a fault spreading between threads; "
            "normally it kills the whole process, because threads share one address space"
        )
    if m.exception_names and m.exception_siblings_finished == m.exception_siblings:
        third = (
            "An ordinary Python exception, by contrast, ended only the thread that raised it "
            f"(the other {m.exception_siblings} finished)."
        )
    else:
        third = (
            f"The thread meant to raise an ordinary Python exception reported "
            f"{', '.join(m.exception_names) or 'none'}, and {m.exception_siblings_finished} of "
            f"its {m.exception_siblings} siblings finished — not the usual result, where the "
            "exception ends only its own thread."
        )
    return f"{first}; {second}. {third}"


# --- race ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RaceMeasurement:
    threads: int
    increments: int  # per thread, with and without the lock
    unlocked: int  # final value without a lock (forced switch between read and write)
    locked: int  # final value with a lock
    plain_increments: int  # per thread, plain ``+= 1`` without a forced switch
    plain: int  # final value of that run

    @property
    def expected(self) -> int:
        return self.threads * self.increments


def race_conclusion(m: RaceMeasurement) -> str:
    lost = m.expected - m.unlocked
    locked_lost = m.expected - m.locked
    plain_lost = m.threads * m.plain_increments - m.plain
    if lost > 0:
        first = (
            f"Without a lock {lost} of {m.expected} updates vanished: two threads read the same "
            "old value and both wrote back value + 1, so one increment overwrote the other"
        )
    else:
        first = (
            f"Without a lock no updates were lost this time ({m.unlocked} of {m.expected}): the "
            "threads happened never to switch between one thread's read and its write. A race "
            "depends on timing, so it can hide for a whole run — which is what makes it dangerous"
        )
    if locked_lost == 0:
        second = f"with a lock around the read-modify-write none of {m.expected} were lost"
    else:
        second = (
            f"even with the lock {locked_lost} were lost, which a lock around the whole "
            "read-modify-write should make impossible — treat this run as broken"
        )
    if plain_lost > 0:
        third = (
            f"Even the plain `+= 1` without a forced switch lost {plain_lost}, so the bug does "
            "not need bad luck to appear."
        )
    else:
        third = (
            "CPython rarely switches threads inside a plain `+= 1`, so without the forced switch "
            "the bug usually hides (none lost here)."
        )
    return (
        f"{first}; {second}. {third} Locks & Synchronization shows how to make shared updates safe."
    )


# --- gil -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GilMeasurement:
    cores: int  # CPU cores this process may run on
    workers: int  # k: threads, processes and work units
    gil_enabled: bool
    serial_s: float  # best round: k units one after another on one thread
    threads_s: float  # best round: k threads, one unit each
    processes_s: float  # best round: k processes, one unit each, including start-up
    rounds: int
    load: float | None = None  # 1-minute load average before the demo, where known

    @property
    def thread_speedup(self) -> float:
        return self.serial_s / self.threads_s if self.threads_s > 0 else 0.0

    @property
    def process_speedup(self) -> float:
        return self.serial_s / self.processes_s if self.processes_s > 0 else 0.0


def gil_conclusion(m: GilMeasurement) -> str:
    k = m.workers
    t, p = m.thread_speedup, m.process_speedup
    threads_parallel = t >= PARALLEL_SPEEDUP
    procs_parallel = p >= PARALLEL_SPEEDUP
    load = f" (load average {m.load:.1f} on {_plural(m.cores, 'core')})" if m.load else ""

    if procs_parallel:
        procs = (
            f"{k} processes, each with its own interpreter and lock, ran side by side and "
            f"finished {times(p)} faster"
        )
    elif m.cores < 2:
        procs = (
            f"{k} processes were no faster either ({times(p)}): this host gives the demo a "
            "single CPU core, so nothing could run side by side — they took turns too"
        )
    elif m.load is not None and m.load <= m.cores - 1:
        procs = (
            f"{k} processes were no faster ({times(p)}) although the host looked idle (load "
            f"average {m.load:.1f} on {_plural(m.cores, 'core')}): starting them cost more than "
            "running side by side saved — with more work per process the gain would show"
        )
    else:
        procs = (
            f"{k} processes were no faster ({times(p)}) although the host has "
            f"{_plural(m.cores, 'core')}: this host gave the demo no second free core{load}, "
            "other work kept them busy, so the processes could not run side by side. On an idle "
            f"host they would finish up to {times(float(min(k, m.cores)))} faster"
        )

    if m.gil_enabled and not threads_parallel:
        threads = (
            f"{k} threads got {times(t)}: in CPython {GIL_SPELLED_OUT} lets only one thread run "
            "Python code at a time, so they took turns"
        )
        tail = (
            "So threads don't always run truly at the same time: that needs free cores and, "
            "for CPU-bound Python code, separate processes."
        )
    elif m.gil_enabled:
        threads = (
            f"{k} threads got {times(t)}, more than {GIL_SPELLED_OUT} should allow for pure "
            "Python work (it lets one thread run Python code at a time): most likely the "
            "one-thread run was slowed by other work on the host, which makes every speed-up "
            "look bigger — run the demo again to compare"
        )
        tail = "With the GIL, CPU-bound Python code needs separate processes to use several cores."
    elif threads_parallel:
        threads = (
            f"on this free-threaded build, which has no Global Interpreter Lock (GIL), {k} threads "
            f"also ran side by side ({times(t)})"
        )
        tail = "Real simultaneous running needs free cores, whichever unit of work you use."
    else:
        threads = (
            f"on this free-threaded build, which has no Global Interpreter Lock (GIL), {k} threads "
            f"could have run side by side but got only {times(t)}, for lack of free cores"
        )
        tail = "Real simultaneous running needs free cores, whichever unit of work you use."
    return f"{threads[0].upper()}{threads[1:]}, while {procs}. {tail}"

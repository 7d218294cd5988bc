"""What each demo concludes, chosen from what it measured and nothing else.

Every function here is pure: it takes one measurement record and returns the demo's lesson.
The lesson states the expected effect only when the numbers show it; when they do not (a busy
or single-core host, threads faster than the Global Interpreter Lock should allow, a race that
lost nothing, ...) it says so plainly. A cause is stated as a fact only when the record holds it
(one CPU, a cgroup CPU cap); otherwise causes are offered as possibilities, and a cause nothing
measured (another process's load when the load is unknown, start-up cost) is not offered. The
host's facts only explain a result; they never decide what the result was.

Tests drive every branch with made-up records (``tests/demos/test_demos.py``); the programs in
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
    # The timing covers both sides of a process start; nothing here tells them apart.
    why = (
        "a new process costs the operating system a new address space (page tables, even when "
        "fork copies memory lazily) and costs Python's multiprocessing its own machinery (a "
        "request to the start server, pipes, the target sent across), while a thread only "
        "needs a stack inside the process that already exists; this demo does not measure "
        "how the cost splits between the two"
    )
    if ratio >= SPAWN_CLEAR_RATIO:
        text = (
            f"Starting {m.n} processes took about {times(ratio)} as long as starting {m.n} "
            f"threads ({best}): {why}. That gap is why threads are called lightweight."
        )
    elif ratio > 1.0:
        text = (
            f"Processes were only {times(ratio)} slower to start than threads here ({best}), "
            "a smaller gap than the usual several-fold, and these numbers cannot say why (a "
            "slow moment while the threads were timed would do it, and so would an unusually "
            f"quick process start). The gap is there because {why}."
        )
    else:
        text = (
            f"This time processes were not slower to start than threads ({times(ratio)}, "
            f"{best}), which is not the usual result, and these numbers cannot say why (a slow "
            "moment on the host while the threads were timed would do it); run the demo again "
            f"to compare. Normally processes are several times slower to start, because {why}."
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
            "worker processes finished. Processes have separate memory, so its abort cannot "
            "have reached them directly; what stopped the others is not in these numbers (a "
            "host short of memory or of processes could do it)"
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
    locked: int  # final value with a lock (same forced switch)
    plain_increments: int  # per thread, plain ``+= 1`` without a forced switch
    plain: int  # final value of that run
    gil_enabled: bool = True  # False on a free-threaded build running without the GIL

    @property
    def expected(self) -> int:
        return self.threads * self.increments


def race_conclusion(m: RaceMeasurement) -> str:
    lost = m.expected - m.unlocked
    locked_lost = m.expected - m.locked
    plain_lost = m.threads * m.plain_increments - m.plain
    forced = "With a thread switch forced between each read and its write and no lock"
    if lost > 0:
        first = (
            f"{forced}, {lost} of {m.expected} updates vanished: two threads read the same old "
            "value and both wrote back value + 1, so one increment overwrote the other"
        )
    else:
        first = (
            f"{forced}, no updates were lost this time ({m.unlocked} of {m.expected}): the "
            "threads happened never to interleave between one thread's read and its write. A "
            "race depends on timing, so it can hide for a whole run — which is what makes it "
            "dangerous"
        )
    if locked_lost == 0:
        second = f"with a lock around the read-modify-write none of {m.expected} were lost"
    else:
        second = (
            f"even with the lock {locked_lost} were lost, which a lock around the whole "
            "read-modify-write should make impossible — treat this run as broken"
        )
    plain = "the plain `+= 1`, with no forced switch,"
    if not m.gil_enabled:
        third = (
            f"On this free-threaded build, which runs without the Global Interpreter Lock, "
            f"{plain} lost {plain_lost}: threads on different cores run it at the same instant."
            if plain_lost > 0
            else f"On this free-threaded build, which runs without the Global Interpreter Lock, "
            f"{plain} lost none this time; that is timing, not safety, as threads there run "
            "truly in parallel."
        )
    elif plain_lost > 0:
        third = (
            f"Even {plain} lost {plain_lost}: CPython switched threads inside the statement, "
            "which its Global Interpreter Lock never ruled out."
        )
    else:
        third = (
            f"{plain[0].upper()}{plain[1:]} lost none here: CPython with its Global Interpreter "
            "Lock rarely switches threads inside that statement, so the bug usually hides, "
            "which does not make it safe."
        )
    return (
        f"{first}; {second}. {third} Locks & Synchronization shows how to make shared updates safe."
    )


# --- gil -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GilMeasurement:
    cores: int  # CPUs this process may run on (logical: SMT hardware threads count)
    workers: int  # k: threads, processes and work units
    gil_enabled: bool
    serial_s: float  # best round: k units one after another on one thread
    threads_s: float  # best round: k threads, one unit each
    processes_s: float  # best round: k processes, one unit each, including start-up
    rounds: int
    load: float | None = None  # 1-minute load average before the demo, where known
    cpu_quota: float | None = None  # CPUs' worth of time the cgroup allows (cpu.max); None: no cap
    physical_cores: int | None = None  # physical cores behind ``cores``, where known

    @property
    def thread_speedup(self) -> float:
        return self.serial_s / self.threads_s if self.threads_s > 0 else 0.0

    @property
    def process_speedup(self) -> float:
        return self.serial_s / self.processes_s if self.processes_s > 0 else 0.0


def _why_nothing_ran_side_by_side(m: GilMeasurement) -> str:
    """What kept k workers from running at once: facts where the record has them, else guesses."""
    cpus = _plural(m.cores, "CPU")
    if m.cores < 2:
        return "This host gives the demo a single CPU, so nothing could run side by side."
    if m.cpu_quota is not None and m.cpu_quota < 2:
        return (
            f"Its control group may use {m.cpu_quota:.1f} CPU's worth of time (cgroup cpu.max) "
            f"although it may run on {cpus}, so the workers had to take turns."
        )
    possible: list[str] = []
    if m.load is not None and m.load > m.cores - 1:
        possible.append(f"other work on the host (load average {m.load:.1f} on {cpus})")
    if m.physical_cores is not None and m.physical_cores < m.cores:
        possible.append(
            f"the {cpus} being hardware threads of {_plural(m.physical_cores, 'core')} (SMT), "
            "which share their core's execution units and gain far less than a second core would"
        )
    if not possible:
        measured = (
            f"the load average before the demo was {m.load:.1f} on {cpus}"
            if m.load is not None
            else "the host's load was not measured"
        )
        possible.append(f"a burst of other work during the timed rounds ({measured})")
    return f"Possible reasons: {'; or '.join(possible)}."


def gil_conclusion(m: GilMeasurement) -> str:
    k = m.workers
    t, p = m.thread_speedup, m.process_speedup
    threads_parallel = t >= PARALLEL_SPEEDUP
    procs_parallel = p >= PARALLEL_SPEEDUP
    threads = f"{k} threads got {times(t)}"
    procs = f"{k} processes got {times(p)}"
    if not m.gil_enabled:
        build = "On this free-threaded build, which has no Global Interpreter Lock (GIL), "
        if threads_parallel and procs_parallel:
            return (
                f"{build}{k} threads ran side by side ({times(t)}) as {k} processes did "
                f"({times(p)}). Real simultaneous running needs free CPUs, whichever unit of "
                "work you use."
            )
        if threads_parallel:
            return (
                f"{build}{k} threads ran side by side ({times(t)}) while {procs}. These numbers "
                "cannot say what held the processes back (their rounds include starting them, "
                "and a slow moment during those rounds would do it too); run the demo again to "
                "compare. Without the GIL, threads of one process can use several CPUs."
            )
        if procs_parallel:
            return (
                f"{build}{threads} while {k} processes ran side by side ({times(p)}): the CPUs "
                "were free, so something else held the threads back; these numbers cannot say "
                "what (a slow moment during the thread rounds would do it). Run the demo again "
                "to compare."
            )
        return (
            f"{build}{threads} and {procs}: neither ran side by side here. "
            f"{_why_nothing_ran_side_by_side(m)} Real simultaneous running needs free CPUs, "
            "whichever unit of work you use."
        )
    if procs_parallel and not threads_parallel:
        # The processes are the control: they show free CPUs were there.
        return (
            f"{threads}: in CPython {GIL_SPELLED_OUT} lets only one thread run Python code at a "
            f"time, so they took turns, while {k} processes, each with its own interpreter and "
            f"lock, ran side by side and finished {times(p)} faster than one thread doing all "
            "the work. So threads don't always run truly at the same time: that needs free CPUs "
            "and, for CPU-bound Python code, separate processes."
        )
    if threads_parallel:
        return (
            f"{threads}, more than {GIL_SPELLED_OUT} should allow for pure Python work (it lets "
            f"one thread run Python code at a time), and {procs}. These numbers cannot say why "
            "(a slow moment during the one-thread run inflates every speed-up); run the demo "
            "again to compare. With the GIL, CPU-bound Python code needs separate processes to "
            "use several CPUs."
        )
    return (
        f"{threads} and {procs}: neither ran side by side here, so this run cannot show what "
        f"{GIL_SPELLED_OUT} does to threads: the processes, which share no lock, are the "
        f"control, and they did not speed up either. {_why_nothing_ran_side_by_side(m)} Run the "
        "demo where CPUs are free to see the difference."
    )

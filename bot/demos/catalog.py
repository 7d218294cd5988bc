"""The fixed list of demos: names, titles, one-line descriptions and the card each illustrates.

Both sides use it: the runner (to validate names and label results) and the sandboxed child
(to pick the program to run; its exit statuses are defined here too). It imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Exit statuses of the child (``bot.demos.child``): 0 with JSON on stdout; 2 bad usage;
#: 3 ran out of memory; 4 the demo raised; 5 could not enter its cgroup.
EXIT_OK, EXIT_USAGE, EXIT_OUT_OF_MEMORY, EXIT_ERROR, EXIT_SANDBOX = 0, 2, 3, 4, 5

PVT_CARD = "processes-vs-threads"
LOCKS_CARD = "locks-and-synchronization"
EVENT_LOOP_CARD = "event-loops-and-asyncio"
LIFECYCLE_CARD = "process-lifecycle"
PRODUCER_CONSUMER_CARD = "producer-consumer"
HOW_LOCKS_WORK_CARD = "how-locks-work"

#: Threads, and then processes, the spawn demo starts per round (its description says so).
SPAWN_N = 20


@dataclass(frozen=True)
class DemoInfo:
    name: str
    title: str
    description: str
    card_id: str = PVT_CARD


_PUBLIC = (
    DemoInfo(
        "spawn",
        "Threads vs processes: start-up cost",
        f"Start and join {SPAWN_N} threads, then {SPAWN_N} processes, and compare the times.",
    ),
    DemoInfo(
        "memory",
        "Shared memory: threads vs processes",
        "Threads bump one shared counter; processes each bump their own copy.",
    ),
    DemoInfo(
        "crash",
        "Crashes: one process vs one thread",
        "A worker process aborts and the others carry on; a faulting thread kills its process.",
    ),
    DemoInfo(
        "race",
        "Race condition: lost updates without a lock",
        "Threads do an unprotected read-modify-write and lose updates; a lock fixes it.",
        LOCKS_CARD,
    ),
    DemoInfo(
        "gil",
        "CPU-bound work: threads vs processes",
        "The same CPU-heavy work on 1 thread, on several threads and on several processes.",
    ),
    DemoInfo(
        "blocking",
        "Event loop: a blocking call vs to_thread",
        "One task blocks the loop with time.sleep, then waits in a thread; others' lag is timed.",
        EVENT_LOOP_CARD,
    ),
    DemoInfo(
        "startmethods",
        "Start methods: fork vs spawn",
        "What a child sees of its parent's list under fork, spawn, forkserver; start-up times.",
        LIFECYCLE_CARD,
    ),
    DemoInfo(
        "queue",
        "Bounded queue: a fast producer waits",
        "A fast producer fills a bounded and an unbounded queue that a slow consumer drains.",
        PRODUCER_CONSUMER_CARD,
    ),
    DemoInfo(
        "striped",
        "One lock vs striped locks",
        "Threads bump shared counters under one lock or under striped locks, at 1 to N threads.",
        HOW_LOCKS_WORK_CARD,
    ),
)

#: The demos users can ask for, in the order they are listed.
DEMO_NAMES: tuple[str, ...] = tuple(info.name for info in _PUBLIC)
CATALOG: dict[str, DemoInfo] = {info.name: info for info in _PUBLIC}

#: Sandbox test programs. Never selectable by users: a DemoRunner only accepts them when it is
#: constructed with ``extra_programs=...`` (tests do that). Their names start with "_".
TEST_CATALOG: dict[str, DemoInfo] = {
    info.name: info
    for info in (
        DemoInfo("_nap", "Test: nap", "Sleeps briefly, then reports one measurement."),
        DemoInfo("_gate", "Test: gate", "Runs until a file 'open' appears in its folder."),
        DemoInfo("_hang", "Test: hang", "Starts a grandchild process, then never finishes."),
        DemoInfo("_leave", "Test: leave", "Reports at once but leaves a grandchild running."),
        DemoInfo("_hog", "Test: memory hog", "Allocates memory until the limit stops it."),
        DemoInfo("_flood", "Test: flood", "Writes far more output than the runner reads."),
        DemoInfo("_abort", "Test: abort", "The demo process itself dies from SIGABRT."),
        DemoInfo("_escape", "Test: escape", "Reports at once; a grandchild setsid()s away."),
        DemoInfo("_escape_hang", "Test: escape, hang", "A setsid() grandchild, then hangs."),
        DemoInfo("_hogs", "Test: memory hogs", "Six processes, each under the per-process limit."),
        DemoInfo("_forkbomb", "Test: fork bomb", "Every process forks, 8 generations deep."),
        DemoInfo("_deep", "Test: deep output", "Reports JSON nested 20,000 levels deep."),
    )
}

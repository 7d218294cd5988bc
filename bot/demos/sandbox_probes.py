"""Sandbox test programs: hostile demos that prove the runner's limits hold. Never selectable by
users (a DemoRunner accepts them only when built with ``extra_programs=...``, as tests do).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bot.demos.harness import Payload, Program, details, payload


def _test_nap() -> Payload:
    time.sleep(0.3)
    return payload([("slept", "0.3 s")], "A test program.", details())


def _test_gate() -> Payload:
    # Runs until a test opens its gate (a file "open" in its working directory): the test's own
    # work then overlaps the demo however long a busy machine takes over it.
    while not os.path.exists("open"):
        time.sleep(0.01)
    return payload([("gate", "opened")], "A test program.", details())


def _test_hang() -> Payload:
    # A grandchild in the same process group, to prove the runner kills the whole group.
    subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)"],
        stdin=subprocess.DEVNULL,
    )
    while True:
        time.sleep(60)


def _test_leave() -> Payload:
    # A straggler that outlives the demo and holds its output pipe open.
    subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)"],
        stdin=subprocess.DEVNULL,
    )
    return payload([("left behind", "1 process")], "A test program.", details())


def _test_hog() -> Payload:
    hoard = []
    for _ in range(256):  # up to 16 GiB of address space, in 64 MiB steps
        hoard.append(bytearray(64 * 1024 * 1024))
    while True:  # pragma: no cover - only without a memory limit
        time.sleep(60)


def _test_flood() -> Payload:
    line = b"x" * 1023 + b"\n"
    for _ in range(4096):  # 4 MiB
        os.write(2, line)
    while True:  # pragma: no cover - the runner stops reading and kills us first
        time.sleep(60)


def _test_abort() -> Payload:
    os.abort()


# A grandchild that leaves the demo's process group and session (setsid), then double-forks so
# that its own child is orphaned too; both sleep for 10 minutes unless the sandbox kills them.
# Once both exist it writes "its pid, its child's pid" to the pipe whose fd is its argument.
_ESCAPER = (
    "import os, sys, time\n"
    "ready = int(sys.argv[1])\n"
    "os.setsid()\n"
    "child = os.fork()\n"
    "if child == 0:\n"
    "    time.sleep(600)\n"
    "    os._exit(0)\n"
    "os.write(ready, f'{os.getpid()} {child}'.encode())\n"
    "time.sleep(600)\n"
)


def _start_escaper() -> int:
    """Start the escaper; returns the read end of its pipe (kept open: it never gets EPIPE)."""
    read, write = os.pipe()
    subprocess.Popen(
        [sys.executable, "-c", _ESCAPER, str(write)], stdin=subprocess.DEVNULL, pass_fds=(write,)
    )
    os.close(write)
    return read


def _test_escape() -> Payload:
    ready = _start_escaper()
    # Not a fixed sleep: a busy machine takes its time to start the escaper. The runner's
    # wall-time limit bounds this read; EOF (the escaper died first) fails the demo.
    escaper, orphan = (int(pid) for pid in os.read(ready, 64).split())
    sessions = f"{os.getsid(escaper)} {os.getsid(orphan)}"  # the kernel's, before we return
    return payload(
        [("escaped", "2 processes"), ("pids", f"{escaper} {orphan}"), ("sessions", sessions)],
        "A test program.",
        details(),
    )


def _test_escape_hang() -> Payload:
    _start_escaper()
    while True:
        time.sleep(60)


HOGS = 6
HOG_MB = 100


def _test_hogs() -> Payload:
    # Each hog stays far below the per-process limit; together they are well above it.
    touch = f"import time; b = b'x' * ({HOG_MB} << 20); time.sleep(600)"
    hogs = [
        subprocess.Popen([sys.executable, "-c", touch], stdin=subprocess.DEVNULL)
        for _ in range(HOGS)
    ]
    for hog in hogs:
        hog.wait()
    return payload([("hogs", str(HOGS))], "A test program.", details())


FORK_GENERATIONS = 8  # at most 2**8 processes even if nothing stopped it


def _test_forkbomb() -> Payload:
    me = os.getpid()
    for _ in range(FORK_GENERATIONS):
        try:
            os.fork()
        except OSError:  # a process limit said no
            pass
    if os.getpid() != me:  # every copy but the first one: never return into the child's main
        time.sleep(600)
        os._exit(0)
    while True:
        time.sleep(60)


def _test_deep() -> bytes:
    depth = 20_000  # 40 KB: inside the output cap, far past the parser's recursion limit
    return b'{"measurements": ' + b"[" * depth + b"]" * depth + b', "lesson": "L"}'


TEST_PROGRAMS: dict[str, Program] = {
    "_nap": _test_nap,
    "_gate": _test_gate,
    "_hang": _test_hang,
    "_leave": _test_leave,
    "_hog": _test_hog,
    "_flood": _test_flood,
    "_abort": _test_abort,
    "_escape": _test_escape,
    "_escape_hang": _test_escape_hang,
    "_hogs": _test_hogs,
    "_forkbomb": _test_forkbomb,
    "_deep": _test_deep,
}

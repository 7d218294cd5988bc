"""The sandboxed demo process: ``python -m bot.demos.child NAME --memory-mb N --cpu-s N
[--max-tasks N] [--cgroup PATH]``.

Started only by :class:`bot.demos.runner.DemoRunner`, with a fixed argv, as the leader of its
own process group. Before the demo starts it moves itself into the run's cgroup (``--cgroup``;
see :mod:`bot.demos.sandbox`), becomes a child subreaper (orphaned descendants, even after
``setsid()``, become its children instead of escaping), applies its resource limits, keeps the
real stdout for itself (so the only thing ever written there is one JSON object) and points fd 1
at stderr for everything else, including any worker processes the demo starts. When the demo
returns or raises it kills and reaps every descendant before it exits.

Exit status: 0 with JSON on stdout; 2 bad usage; 3 ran out of memory; 4 the demo raised;
5 could not enter its cgroup.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import traceback

from bot.demos.catalog import EXIT_ERROR, EXIT_OK, EXIT_OUT_OF_MEMORY, EXIT_SANDBOX, EXIT_USAGE
from bot.demos.sandbox import kill_own_descendants, set_child_subreaper

THREAD_STACK_BYTES = 1024 * 1024  # 50 threads x the default 8 MiB would eat the address space


def _user_tasks(uid: int) -> int:
    """Tasks (processes + threads) the user already runs: RLIMIT_NPROC counts them all."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields["Threads"])
        except (OSError, KeyError, ValueError, IndexError):
            continue
    return total


def _apply_limits(memory_mb: int, cpu_s: int, max_tasks: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    uid = os.getuid()
    if max_tasks > 0 and uid != 0 and os.path.isdir("/proc"):
        # Per user, not per demo, and ignored for root: a backstop next to the sandbox's count.
        nproc = _user_tasks(uid) + max_tasks
        soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        if hard != resource.RLIM_INFINITY:
            nproc = min(nproc, hard)
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # crash demos must not leave core files
    if cpu_s > 0:  # a backstop per process; the runner's wall-time limit is the real one
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    threading.stack_size(THREAD_STACK_BYTES)


def _claim_stdout() -> int:
    """Return a private copy of stdout and point fd 1 at stderr for everyone else."""
    sys.stdout.flush()
    result_fd = os.dup(1)  # not inheritable: workers never see it
    os.dup2(2, 1)
    return result_fd


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.close(fd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bot.demos.child")
    parser.add_argument("name")
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-s", type=int, default=0)
    parser.add_argument("--max-tasks", type=int, default=0)
    parser.add_argument("--cgroup", default="")
    args = parser.parse_args(argv)

    if args.cgroup:
        try:
            with open(os.path.join(args.cgroup, "cgroup.procs"), "w") as f:
                f.write("0")  # this process; everything it starts from now on is inside
        except OSError as exc:
            print(f"could not enter the demo's cgroup: {exc}", file=sys.stderr)
            return EXIT_SANDBOX
    set_child_subreaper()
    _apply_limits(args.memory_mb, args.cpu_s, args.max_tasks)
    result_fd = _claim_stdout()
    try:
        return _run(args.name, result_fd)
    finally:
        kill_own_descendants()


def _run(name: str, result_fd: int) -> int:
    from bot.demos.programs import PROGRAMS, TEST_PROGRAMS

    program = PROGRAMS.get(name) or TEST_PROGRAMS.get(name)
    if program is None:
        print(f"unknown demo: {name!r}", file=sys.stderr)
        return EXIT_USAGE
    try:
        payload = program()
        if isinstance(payload, bytes):  # test programs that send hostile output as-is
            data = payload
        else:
            data = json.dumps(payload, ensure_ascii=False).encode()
    except MemoryError:
        os._exit(EXIT_OUT_OF_MEMORY)  # no clean-up that might need memory; the runner kills
    except Exception:
        traceback.print_exc()
        return EXIT_ERROR
    _write_all(result_fd, data)
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())

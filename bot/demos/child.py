"""The sandboxed demo process: ``python -m bot.demos.child NAME --memory-mb N --cpu-s N``.

Started only by :class:`bot.demos.runner.DemoRunner`, with a fixed argv, as the leader of its
own process group. It applies its resource limits first, keeps the real stdout for itself (so
the only thing ever written there is one JSON object) and points fd 1 at stderr for everything
else, including any worker processes the demo starts.

Exit status: 0 with JSON on stdout; 2 bad usage; 3 ran out of memory; 4 the demo raised.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import traceback

from bot.demos.catalog import EXIT_ERROR, EXIT_OK, EXIT_OUT_OF_MEMORY, EXIT_USAGE

THREAD_STACK_BYTES = 1024 * 1024  # 50 threads x the default 8 MiB would eat the address space


def _apply_limits(memory_mb: int, cpu_s: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
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
    args = parser.parse_args(argv)

    _apply_limits(args.memory_mb, args.cpu_s)
    result_fd = _claim_stdout()

    from bot.demos.programs import PROGRAMS, TEST_PROGRAMS

    program = PROGRAMS.get(args.name) or TEST_PROGRAMS.get(args.name)
    if program is None:
        print(f"unknown demo: {args.name!r}", file=sys.stderr)
        return EXIT_USAGE
    try:
        payload = program()
        data = json.dumps(payload, ensure_ascii=False).encode()
    except MemoryError:
        os._exit(EXIT_OUT_OF_MEMORY)  # no clean-up that might need memory; the runner reaps
    except Exception:
        traceback.print_exc()
        return EXIT_ERROR
    _write_all(result_fd, data)
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())

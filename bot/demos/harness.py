"""What every demo program shares: the host's facts, worker processes, timing and the payload.

Imported only inside the sandboxed child (``bot.demos.child``) and its worker processes.

Worker processes are started with multiprocessing's ``forkserver`` method (``spawn`` where
forkserver is unavailable):

* ``fork`` would copy a process that is running threads (several demos do), which can deadlock
  and is deprecated for multi-threaded processes from Python 3.12;
* ``spawn`` boots a fresh interpreter per worker (~40 ms each), so the start-up numbers would
  mostly measure Python's own start-up;
* ``forkserver`` forks each worker from a small, single-threaded server process that has already
  imported the demo's module: safe with threads, and each worker still gets a new address space.
  It is the default on Linux from Python 3.14. The server's one-off start is reported separately.

The start-methods demo (``bot.demos.start_methods``) measures ``fork`` and ``spawn`` on purpose.
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import signal
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from bot.demos.charts import DemoChart

Payload = dict[str, Any]
Program = Callable[[], Payload | bytes]  # bytes: test programs' hostile output, sent as-is


def cores() -> int:
    """CPU cores this process may run on (affinity-aware where the OS says)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cpu_quota(
    root: Path = Path("/sys/fs/cgroup"), own: Path = Path("/proc/self/cgroup")
) -> float | None:
    """CPUs' worth of time this process's cgroup (and its parents) allow; None for no cap.

    cgroup v2 says it in ``cpu.max`` ("max 100000" or "<quota> <period>"), v1 in
    ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` (-1: no cap). The tightest one up the tree
    counts. Anything unreadable counts as no cap: this only explains a result.
    """
    try:
        lines = own.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    caps: list[float] = []
    for line in lines:
        parts = line.split(":", 2)  # hierarchy id, controllers, path
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":  # v2
            folder, files = root, ("cpu.max",)
        elif "cpu" in controllers.split(","):  # v1
            folder, files = root / controllers, ("cpu.cfs_quota_us", "cpu.cfs_period_us")
        else:
            continue
        here = folder / path.lstrip("/")
        for level in (here, *here.parents):
            if not level.is_relative_to(folder):
                break
            caps += _cap_in(level, files)
    return min(caps) if caps else None


def _cap_in(folder: Path, files: tuple[str, ...]) -> list[float]:
    try:
        words = [(folder / name).read_text(encoding="utf-8").split() for name in files]
    except OSError:
        return []
    numbers = words[0] if len(files) == 1 else [w[0] for w in words if w]
    if len(numbers) != 2 or numbers[0] in ("max", "-1"):
        return []
    try:
        quota, period = float(numbers[0]), float(numbers[1])
    except ValueError:
        return []
    return [quota / period] if quota > 0 and period > 0 else []


def physical_cores(
    cpus: set[int] | None = None, sysfs: Path = Path("/sys/devices/system/cpu")
) -> int | None:
    """Physical cores behind the CPUs this process may use (SMT siblings count once)."""
    if cpus is None:
        if not hasattr(os, "sched_getaffinity"):
            return None
        cpus = os.sched_getaffinity(0)
    seen: set[tuple[str, str]] = set()
    for cpu in cpus:
        topology = sysfs / f"cpu{cpu}" / "topology"
        try:
            package = (topology / "physical_package_id").read_text(encoding="utf-8").strip()
            core = (topology / "core_id").read_text(encoding="utf-8").strip()
        except OSError:
            return None
        seen.add((package, core))
    return len(seen) or None


def gil_enabled() -> bool:
    check = getattr(sys, "_is_gil_enabled", None)  # only on 3.13+
    return True if check is None else bool(check())


def worker_context(module: str) -> tuple[BaseContext, str]:
    """The context worker processes start from, and its method's name.

    ``module`` is the demo's own module (its ``__name__``): the forkserver imports it once, so
    every worker is forked from a server that already has the worker functions. A sandboxed
    child runs one demo, so one module is all its server needs.
    """
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload([module])
    return ctx, method


def noop() -> None:
    pass


def warm_up(ctx: BaseContext) -> float:
    """Start and join one no-op worker (this starts the forkserver); return the seconds taken."""
    started = time.perf_counter()
    proc = ctx.Process(target=noop)
    proc.start()
    proc.join()
    return time.perf_counter() - started


def start_all_then_join(workers: Sequence[Any]) -> float:
    """Start every thread or process, then join them all; the wall time that took (s)."""
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started


def details(method: str | None = None) -> str:
    n = cores()
    gil = "GIL enabled" if gil_enabled() else "GIL disabled (free-threaded build)"
    text = (
        f"measured on the bot's host: {n} CPU core{'s' if n != 1 else ''} available; "
        f"{platform.python_implementation()} {platform.python_version()} ({gil})"
    )
    if method:
        text += f"; process start method: {method}"
    return text


def ms(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    millis = seconds * 1000
    return f"{millis:.1f} ms" if millis >= 1 else f"{millis:.2f} ms"


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - not on every OS
        return None


def best_of(rounds: int, budget_s: float, timed: Callable[[], float]) -> tuple[float, int]:
    """Run ``timed`` (which returns seconds) up to ``rounds`` times; (fastest, rounds run).

    Stops early once ``budget_s`` of wall time is spent (after at least one round), so a slow,
    busy host still finishes well inside the runner's wall-time limit.
    """
    started = time.perf_counter()
    best = float("inf")
    done = 0
    while done < rounds:
        best = min(best, timed())
        done += 1
        if time.perf_counter() - started > budget_s:
            break
    return best, done


def exit_text(exitcode: int | None) -> str:
    if exitcode is None:
        return "still running"
    if exitcode == 0:
        return "finished (exit 0)"
    if exitcode < 0:
        try:
            return f"died: killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"died: killed by signal {-exitcode}"
    return f"failed: exit status {exitcode}"


def payload(
    measurements: list[tuple[str, str]],
    lesson: str,
    details: str,
    chart: DemoChart | None = None,
) -> Payload:
    """What a demo prints: its measurements as text, the lesson, the host details, and the
    numbers of its bar chart (the spawn, gil and race demos)."""
    result = {"measurements": [list(m) for m in measurements], "lesson": lesson, "details": details}
    if chart is not None:
        result["chart"] = chart.as_payload()
    return result

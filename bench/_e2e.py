"""Shared pieces of the end-to-end benches (e2e_slack.py, e2e_discord.py).

- :class:`Child`: a server process (the real ``quizbot`` or a bare-library app) started with a
  clean environment in a temp dir, its output in a log file, stopped with SIGINT then SIGKILL.
- :func:`closed_loop`: C workers, each sending one click and waiting for its reply before the
  next; returns clicks/s and per-click latencies.
- :func:`report`: medians over rounds per concurrency level, the ratios to the bare library,
  the table, and the flat JSON figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _common import ROOT, median, percentile

# Targets from issue 18: the bot against the bare library under the same load.
TARGET_RATE = 0.9  # >= 0.9x the bare library's clicks/s
TARGET_P99 = 1.2  # p99 <= 1.2x the bare library's p99
REPLY_TIMEOUT = 60.0  # a click whose reply takes longer counts as lost

_SECRET_PREFIXES = ("SLACK_", "DISCORD_", "QUIZBOT_", "BENCH_")


def child_env(**extra: str) -> dict[str, str]:
    """The parent's environment without any real bot settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SECRET_PREFIXES)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@dataclass
class Child:
    """A server process under test. Runs in ``workdir`` (so no repo ``.env`` is read)."""

    name: str
    argv: list[str]
    workdir: Path
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.workdir / f"{self.name}.log"

    def start(self) -> None:
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def wait_for_output(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        """The first match of ``pattern`` in the child's output (polled; start-up only)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output())
            if found:
                return found
            self.check_alive()
            await asyncio.sleep(0.05)
        raise TimeoutError(f"{self.name}: no {pattern!r} within {timeout}s:\n{self.tail()}")

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")

    def cpu_seconds(self) -> tuple[float, float]:
        """User + system CPU time used so far by the process's main thread and by its other
        threads (e.g. the SQLite writer); NaN off Linux."""
        main = other = 0.0
        try:
            for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                used = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                if task.name == str(self.proc.pid):
                    main += used
                else:
                    other += used
        except (AttributeError, OSError, IndexError):
            return float("nan"), float("nan")
        return main, other

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def stop(self) -> None:
        stop_all([self])


STOP_TIMEOUT = 10.0  # a child still running this long after Ctrl-C is killed


def stop_all(children: Iterable[Child]) -> None:
    """Ctrl-C to every child at once (the bot closes its database cleanly), then wait for all:
    they close side by side, not one after another; SIGKILL for one still running after
    ``STOP_TIMEOUT``. Call it off the event loop (``asyncio.to_thread``) when the loop serves
    the fakes a closing child still talks to."""
    running = []
    for child in children:
        proc, child.proc = child.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            running.append(proc)
    deadline = time.monotonic() + STOP_TIMEOUT
    for proc in running:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# cProfile timed by the main thread's own CPU time (not the wall clock): a function's time is
# then what it costs, not how long it waited for the GIL or the cores of a loaded machine
_CPU_PROFILE = (
    "import cProfile, os, runpy, sys, time; out = sys.argv.pop(1); sys.argv.pop(0);"
    " sys.path.insert(0, os.path.dirname(sys.argv[0]));"
    " p = cProfile.Profile(time.thread_time); p.enable()\n"
    "try: runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "finally: p.disable(); p.dump_stats(out)"
)


def python(*args: str, profile: Path | None = None) -> list[str]:
    """``python args...``; with ``profile``, run under a profiler: ``x.prof`` cProfile (read
    it with pstats), ``x.cpuprof`` cProfile timed by the main thread's CPU time (pstats too),
    any other name pyinstrument's text report (``pip install pyinstrument``); written when
    the process stops."""
    if profile is None:
        return [sys.executable, *args]
    if profile.suffix == ".prof":
        return [sys.executable, "-m", "cProfile", "-o", str(profile), *args]
    if profile.suffix == ".cpuprof":
        return [sys.executable, "-c", _CPU_PROFILE, str(profile), *args]
    report = ["-r", "text", "--show-all", "-o", str(profile)]
    return [sys.executable, "-m", "pyinstrument", *report, *args]


@dataclass
class RoundResult:
    clicks: int
    replied: int
    failed: int  # HTTP errors, lost replies, or an error reply
    per_s: float
    latencies: list[float]
    load_cpu_s: float  # CPU this (load + fakes) process used during the round
    server_cpu_s: float = float("nan")  # CPU the server process used during the round
    server_other_cpu_s: float = float("nan")  # of which in threads other than the main one

    def set_server_cpu(self, before: tuple[float, float], after: tuple[float, float]) -> None:
        self.server_cpu_s = sum(after) - sum(before)
        self.server_other_cpu_s = after[1] - before[1]

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 50) * 1e3

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 99) * 1e3

    @property
    def cpu_us(self) -> float:
        """Server CPU per click in microseconds: robust to other load on a shared machine."""
        return self.server_cpu_s / max(self.clicks, 1) * 1e6

    @property
    def other_cpu_us(self) -> float:
        return self.server_other_cpu_s / max(self.clicks, 1) * 1e6

    @property
    def load_cpu_us(self) -> float:
        return self.load_cpu_s / max(self.clicks, 1) * 1e6


async def closed_loop(
    clicks: int, concurrency: int, click: Callable[[int], Awaitable[float | None]]
) -> RoundResult:
    """``concurrency`` workers share ``clicks`` clicks; ``click(i)`` sends click i and returns
    its latency in seconds once the reply arrived (None when it failed)."""
    indexes = iter(range(clicks))
    latencies: list[float] = []
    failed = 0

    async def worker() -> None:
        nonlocal failed
        for i in indexes:
            latency = await click(i)
            if latency is None:
                failed += 1
            else:
                latencies.append(latency)

    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, clicks))))
    elapsed = time.perf_counter() - t0
    load_cpu = time.process_time() - cpu0
    return RoundResult(
        clicks, len(latencies), failed, len(latencies) / elapsed, latencies, load_cpu
    )


def parse_levels(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def report(
    title: str,
    rounds: dict[int, dict[str, list[RoundResult]]],
    targets: Sequence[str] = ("quizbot", "bare"),
) -> dict:
    """Print the table and return the JSON figures: per level ``c<C>`` the medians over rounds
    of every target and the ratios of the first to the second (each ratio is the median of
    per-round ratios, so both sides of a ratio come from back-to-back runs), top-level the
    worst level. Further targets are references too: their ratios are ``vs_<name>_…``."""
    bot, bare = targets[:2]
    figures: dict = {}
    print(title)
    print(
        f"{'concurrency':>11} {'app':<8}{'clicks':>8}{'replied':>9}{'clicks/s':>10}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'app CPU µs/click':>18}{'(other threads)':>16}"
        f"{'load CPU µs/click':>19}"
    )
    all_replied = True
    for level, by_target in rounds.items():
        row: dict = {}
        for target in targets:
            results = by_target[target]
            clicks = sum(r.clicks for r in results)
            replied = sum(r.replied for r in results)
            all_replied &= replied == clicks and not any(r.failed for r in results)
            per_s = median([r.per_s for r in results])
            p50 = median([r.p50_ms for r in results])
            p99 = median([r.p99_ms for r in results])
            cpu = median([r.cpu_us for r in results])
            load_cpu = median([r.load_cpu_us for r in results])
            other_cpu = median([r.other_cpu_us for r in results])
            row |= {
                f"{target}_per_s": round(per_s, 1),
                f"{target}_p50_ms": round(p50, 2),
                f"{target}_p99_ms": round(p99, 2),
                f"{target}_cpu_us_per_click": round(cpu, 1),
                f"{target}_cpu_other_threads_us_per_click": round(other_cpu, 1),
                f"{target}_load_cpu_us_per_click": round(load_cpu, 1),
                f"{target}_replied": replied,
                f"{target}_clicks": clicks,
            }
            print(
                f"{level:>11} {target:<8}{clicks:>8}{replied:>9}{per_s:>10,.0f}"
                f"{p50:>9.1f}{p99:>9.1f}{cpu:>18,.0f}{other_cpu:>16,.0f}{load_cpu:>19,.0f}"
            )
        pairs = list(zip(by_target[bot], by_target[bare], strict=True))
        row["ratio_per_s"] = round(median([a.per_s / b.per_s for a, b in pairs]), 3)
        row["p99_ratio"] = round(median([a.p99_ms / b.p99_ms for a, b in pairs]), 3)
        # a short round can end before the bare app's CPU clock ticks (10 ms): no ratio then
        cpu_pairs = [a.cpu_us / b.cpu_us for a, b in pairs if b.cpu_us > 0]
        row["cpu_ratio"] = round(median(cpu_pairs), 3) if cpu_pairs else None
        row["targets_met"] = row["ratio_per_s"] >= TARGET_RATE and row["p99_ratio"] <= TARGET_P99
        for other in targets[2:]:
            extra = list(zip(by_target[bot], by_target[other], strict=True))
            row[f"vs_{other}_ratio_per_s"] = round(median([a.per_s / b.per_s for a, b in extra]), 3)
            row[f"vs_{other}_p99_ratio"] = round(median([a.p99_ms / b.p99_ms for a, b in extra]), 3)
            cpus = [a.cpu_us / b.cpu_us for a, b in extra if b.cpu_us > 0]
            row[f"vs_{other}_cpu_ratio"] = round(median(cpus), 3) if cpus else None
        figures[f"c{level}"] = row
        cpu_text = "n/a" if row["cpu_ratio"] is None else f"{row['cpu_ratio']:.2f}x"
        print(
            f"{'':>11} {bot} / {bare}: {row['ratio_per_s']:.2f}x clicks/s"
            f" (target >= {TARGET_RATE}), p99 {row['p99_ratio']:.2f}x (target <= {TARGET_P99})"
            f" -> {'met' if row['targets_met'] else 'NOT met'}; server CPU per click"
            f" {cpu_text}"
        )
        for other in targets[2:]:
            print(
                f"{'':>11} {bot} / {other}: {row[f'vs_{other}_ratio_per_s']:.2f}x clicks/s,"
                f" p99 {row[f'vs_{other}_p99_ratio']:.2f}x, server CPU per click"
                f" {row[f'vs_{other}_cpu_ratio'] or float('nan'):.2f}x"
            )
    levels = [figures[f"c{level}"] for level in rounds]
    figures["ratio_per_s"] = min(row["ratio_per_s"] for row in levels)
    figures["p99_ratio"] = max(row["p99_ratio"] for row in levels)
    figures["targets_met"] = all(row["targets_met"] for row in levels)
    figures["all_replied"] = all_replied
    figures["rounds"] = len(next(iter(rounds.values()))[bot])
    print(
        f"worst level: {figures['ratio_per_s']:.2f}x clicks/s, p99 {figures['p99_ratio']:.2f}x;"
        f" targets {'met' if figures['targets_met'] else 'NOT met'};"
        f" every click replied: {all_replied}"
    )
    return figures


def e2e_arguments(description: str) -> argparse.ArgumentParser:
    """The command line both end-to-end benchmarks share."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", default="100,1000", help="levels, comma-separated")
    parser.add_argument(
        "--clicks", type=int, default=0, help="clicks per round (default max(1000, 3C))"
    )
    parser.add_argument("--warmup", type=int, default=200, help="untimed clicks per app first")
    parser.add_argument(
        "--profile", metavar="DIR", help="run both apps under a profiler, reports in DIR"
    )
    parser.add_argument(
        "--profiler",
        choices=("txt", "prof", "cpuprof"),
        default="txt",
        help="txt: pyinstrument text report (pip install pyinstrument); prof: cProfile stats;"
        " cpuprof: cProfile stats in the main thread's CPU time",
    )
    return parser

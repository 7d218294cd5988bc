"""Run live demos (``/quiz demo <name>``) in a sandboxed child process.

Long: the runner's steps (validate, limit, start, contain, read back) read best in one place.

A demo never runs in the bot's own process. :meth:`DemoRunner.run`:

1. **Validates the name** against the fixed list (:data:`DEMO_NAMES`, plus test-only programs a
   test enabled explicitly). Anything else is refused with the list of demos; user text is never
   executed, passed to a shell, or echoed back unless it is a plain word.
2. **Applies the limits**: a per-user cooldown (measured with the injected ``now`` clock, so tests
   move time instead of sleeping) and a bot-wide cap on demos running at once. Refusals are
   ordinary results with ``retry_after_s`` set.
3. **Starts the child** with :func:`asyncio.create_subprocess_exec` (the event loop keeps serving)
   and a fixed argv: ``sys.executable -s -B -m bot.demos.child NAME --memory-mb N --cpu-s N``. It
   runs with ``start_new_session=True`` (leader of its own process group), stdin from /dev/null, a
   fresh empty working/temp directory and a minimal environment (no tokens or other secrets from
   the bot's environment). The child sets ``RLIMIT_AS`` (memory), ``RLIMIT_CORE=0`` and a CPU-time
   backstop on itself before the demo starts; workers it starts inherit them (per process).
   The run as a whole is contained by :mod:`bot.demos.sandbox`: a cgroup v2 of its own where the
   host allows it, else a subreaper-based process tree; either way its processes' combined
   memory and task count are limited (``memory_limit_mb``, ``max_tasks``) and every one of them
   is killed when the run ends, also those that called ``setsid()``.
4. **Reads a structured result**: one JSON object on stdout, validated field by field, nested at
   most a few levels deep (deeper output is refused before it is parsed). At most
   ``output_limit_bytes`` of stdout + stderr are read; a child that writes more is killed.
5. **Enforces a wall-time limit**: on timeout (or overflow, or cancellation) the whole process
   group gets SIGKILL, and the sandbox kills every process of the run wherever it went. After
   *every* run the group and the sandbox are killed and the leftovers reaped: the runner marks
   the bot process as a child subreaper (Linux), so orphans of the demo become the bot's
   children and are collected instead of being left as zombies behind an init that does not
   reap (some containers and VMs).

Hangs, crashes, memory exhaustion and garbage output all become a ``DemoResult`` with ``ok=False``
and an ``error`` such as ``"demo failed: timed out after 10 s"``; the bot keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.demos.catalog import (
    CATALOG,
    DEMO_NAMES,
    EXIT_OUT_OF_MEMORY,
    EXIT_SANDBOX,
    TEST_CATALOG,
    DemoInfo,
)
from bot.demos.charts import DemoChart
from bot.demos.payload import DemoMeasurement, parse_payload
from bot.kernel.names import Named, NameIndex
from bot.kernel.results import Image
from bot.kernel.text import strip_controls
from bot.pictures.specs import BarChart

if TYPE_CHECKING:  # the sandbox (cgroups, limits, its own threads) loads with the first run
    from bot.demos.sandbox import Sandbox

log = logging.getLogger(__name__)


_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the directory that holds ``bot/``
_PLAIN_WORD = re.compile(r"^[a-z0-9_-]{1,32}$")
# the demos a user can ask for, found like topics: by name or a unique prefix; a near miss
# gets "did you mean" (test-only programs answer to their exact name only)
DEMO_INDEX = NameIndex.of((Named(name) for name in DEMO_NAMES), kind="demo")
_REAP_DEADLINE_S = 3.0
_WATCH_INTERVAL_S = 0.05
CONTAINMENTS = ("auto", "cgroup", "tree")


@dataclass(frozen=True)
class DemoResult:
    name: str
    ok: bool  # False when the demo failed or was refused
    title: str
    measurements: tuple[DemoMeasurement, ...]
    lesson: str  # 1-2 sentences linking the result to the card
    details: str = ""  # environment: cores, start method, Python version
    error: str = ""  # e.g. "demo failed: timed out after 10 s", or the refusal text
    retry_after_s: float | None = None  # set when refused by the cooldown or the global limit
    card_id: str = "processes-vs-threads"  # the card it illustrates
    containment: str = ""  # how the run was contained: "cgroup v2" or "process tree"
    chart: DemoChart | None = None  # the measured numbers, for spawn, gil and race
    images: tuple[Image, ...] = ()

    @property
    def picture(self) -> BarChart | None:
        if not self.ok or self.chart is None:
            return None
        return self.chart.spec(self.title, self.name)


class DemoRunner:
    """Runs demos in sandboxed child processes, with a global cap and a per-user cooldown."""

    def __init__(
        self,
        now: Callable[[], datetime],
        max_concurrent: int = 1,
        cooldown_s: float = 30.0,
        timeout_s: float = 10.0,
        memory_limit_mb: int = 512,
        output_limit_bytes: int = 65536,
        *,
        max_tasks: int = 128,
        containment: str = "auto",
        extra_programs: Iterable[str] = (),
        on_start: Callable[[str, int], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``memory_limit_mb`` and ``max_tasks`` (processes + threads at once) bound a run as a
        whole; ``containment`` is "auto" (a cgroup v2 where the host allows it, else the process
        tree), "cgroup" or "tree" (see :mod:`bot.demos.sandbox`). ``extra_programs`` enables
        test-only programs (names starting with "_"; see ``bot.demos.catalog.TEST_CATALOG``).
        ``on_start(name, pgid)`` is called when a child has started (for logging, or for tests
        that check the group is gone afterwards). The wall-time limit is counted on
        ``monotonic`` (seconds), so a test moves it instead of waiting ``timeout_s``."""
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        if timeout_s <= 0 or cooldown_s < 0 or memory_limit_mb < 32 or output_limit_bytes < 1024:
            raise ValueError("demo limits out of range")
        if max_tasks < 8 or containment not in CONTAINMENTS:
            raise ValueError("demo limits out of range")
        self._max_tasks = int(max_tasks)
        self._containment = containment
        self._now = now
        self._max_concurrent = max_concurrent
        self._cooldown_s = float(cooldown_s)
        self._timeout_s = float(timeout_s)
        self._memory_limit_mb = int(memory_limit_mb)
        self._output_limit = int(output_limit_bytes)
        self._on_start = on_start
        self._monotonic = monotonic
        self._programs: dict[str, DemoInfo] = dict(CATALOG)
        for extra in extra_programs:
            if extra not in TEST_CATALOG:
                raise ValueError(f"unknown test program {extra!r}")
            self._programs[extra] = TEST_CATALOG[extra]
        self._last_start: dict[str, datetime] = {}  # user_key -> when their last demo started
        self._running: dict[int, datetime] = {}  # run token -> start time
        self._next_token = 0
        self._background: set[asyncio.Task[None]] = set()

    # --- public ---------------------------------------------------------------------------------

    def describe(self) -> list[tuple[str, str]]:
        """(name, one-line description) of every demo a user can ask for."""
        return [(name, CATALOG[name].description) for name in DEMO_NAMES]

    async def run(self, user_key: str, name: str) -> DemoResult:
        """Run demo ``name`` for ``user_key``; never raises for demo failures or refusals."""
        key = name.strip().lower() if isinstance(name, str) else ""
        info = self._programs.get(key)
        if info is None and _PLAIN_WORD.match(key):  # "/demo sp": a unique prefix
            info = self._programs.get(DEMO_INDEX.find(key) or "")
        if info is None:
            return self._unknown(key)

        now = self._now()
        refusal = self._check_limits(user_key, info, now)
        if refusal is not None:
            return refusal

        if not hasattr(os, "killpg"):  # pragma: no cover - e.g. Windows
            return self._failed(info, "live demos need a POSIX host (Linux or macOS)")

        # Reserve before the first await, so concurrent calls see each other.
        token = self._next_token
        self._next_token += 1
        self._running[token] = now
        self._last_start[user_key] = now
        try:
            return await self._execute(info)
        except Exception:  # the contract: a demo's doing never raises out of run()
            log.exception("demo %s: unexpected error in the runner", info.name)
            return self._failed(info, "the demo runner hit an unexpected error")
        finally:
            del self._running[token]

    # --- limits ---------------------------------------------------------------------------------

    def _unknown(self, key: str) -> DemoResult:
        available = ", ".join(DEMO_NAMES)
        shown = f"unknown demo {key!r}" if _PLAIN_WORD.match(key) else "unknown demo"
        if _PLAIN_WORD.match(key) and (close := DEMO_INDEX.suggestions(key)):
            shown += f" (did you mean {' or '.join(close)}?)"
        return DemoResult(
            name=key if _PLAIN_WORD.match(key) else "",
            ok=False,
            title="Unknown demo",
            measurements=(),
            lesson="",
            error=f"{shown}; available demos: {available}",
        )

    def _check_limits(self, user_key: str, info: DemoInfo, now: datetime) -> DemoResult | None:
        self._forget_old(now)
        last = self._last_start.get(user_key)
        if last is not None:
            ago = (now - last).total_seconds()
            wait = min(self._cooldown_s, self._cooldown_s - ago)  # the clock may step back
            if wait > 0:
                return self._refused(
                    info,
                    f"you ran a demo {max(0, int(ago))} s ago; try again in {math.ceil(wait)} s",
                    wait,
                )
        if len(self._running) >= self._max_concurrent:
            # Upper bound: the earliest a running demo is certain to have stopped.
            soonest = min(
                self._timeout_s - (now - started).total_seconds()
                for started in self._running.values()
            )
            wait = max(1.0, soonest)
            return self._refused(
                info,
                "another demo is running; try again in a few seconds "
                f"(at most {math.ceil(wait)} s)",
                wait,
            )
        return None

    def _forget_old(self, now: datetime) -> None:
        stale = [
            u for u, t in self._last_start.items() if (now - t).total_seconds() >= self._cooldown_s
        ]
        for user in stale:
            del self._last_start[user]

    @staticmethod
    def _refused(info: DemoInfo, error: str, retry_after_s: float) -> DemoResult:
        return DemoResult(
            name=info.name,
            ok=False,
            title=info.title,
            measurements=(),
            lesson="",
            error=error,
            retry_after_s=retry_after_s,
            card_id=info.card_id,
        )

    @staticmethod
    def _failed(info: DemoInfo, error: str, containment: str = "") -> DemoResult:
        return DemoResult(
            name=info.name,
            ok=False,
            title=info.title,
            measurements=(),
            lesson="",
            error=f"demo failed: {error}",
            card_id=info.card_id,
            containment=containment,
        )

    # --- the sandbox ----------------------------------------------------------------------------

    def _argv(self, name: str, box: Sandbox) -> list[str]:
        cpu_s = math.ceil(self._timeout_s) + 2
        return [
            sys.executable,
            "-s",  # no user site-packages
            "-B",  # write no bytecode
            "-m",
            "bot.demos.child",
            name,  # validated against the fixed list above
            f"--memory-mb={self._memory_limit_mb}",
            f"--cpu-s={cpu_s}",
            *box.child_args(),
        ]

    @staticmethod
    def _env(workdir: str, box: Sandbox) -> dict[str, str]:
        return {
            **box.env(),
            "PATH": os.defpath,
            "PYTHONPATH": str(_PACKAGE_ROOT),
            "PYTHONIOENCODING": "utf-8",
            "LC_ALL": "C.UTF-8",
            "HOME": workdir,
            "TMPDIR": workdir,
            "MALLOC_ARENA_MAX": "2",  # glibc reserves 64 MiB of address space per arena
        }

    async def _execute(self, info: DemoInfo) -> DemoResult:
        from bot.demos.sandbox import make_sandbox

        _become_subreaper()
        try:
            box = await asyncio.to_thread(
                make_sandbox, self._containment, self._memory_limit_mb << 20, self._max_tasks
            )
        except (OSError, RuntimeError) as exc:
            log.warning("could not contain demo %s: %s", info.name, exc)
            return self._failed(info, "could not set up the demo's sandbox")
        with tempfile.TemporaryDirectory(
            prefix="quizbot-demo-", ignore_cleanup_errors=True
        ) as workdir:
            try:
                proc = await asyncio.create_subprocess_exec(
                    *self._argv(info.name, box),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                    cwd=workdir,
                    env=self._env(workdir, box),
                    start_new_session=True,
                )
            except OSError as exc:
                log.warning("could not start demo %s: %s", info.name, exc)
                await asyncio.to_thread(box.close)
                return self._failed(info, "could not start the demo process")
            box.attach(proc.pid)
            pgid = proc.pid  # start_new_session: the child leads its own group
            if self._on_start is not None:
                try:
                    self._on_start(info.name, pgid)
                except Exception:  # a broken hook must not leave the child unsupervised
                    log.exception("on_start hook failed")
            return await self._supervise(info, proc, pgid, box)

    async def _supervise(
        self, info: DemoInfo, proc: asyncio.subprocess.Process, pgid: int, box: Sandbox
    ) -> DemoResult:
        from bot.demos.sandbox import MEMORY, TASKS

        budget = _OutputBudget(self._output_limit, pgid)
        assert proc.stdout is not None and proc.stderr is not None
        readers = [
            asyncio.create_task(budget.drain(proc.stdout, budget.stdout)),
            asyncio.create_task(budget.drain(proc.stderr, budget.stderr)),
        ]
        watchdog = asyncio.create_task(_watch(box, proc))
        exited = False
        try:
            exited = await _wait_for_exit(proc, self._timeout_s, self._monotonic)
        finally:
            # Always, and even if we are cancelled (bot shutting down, caller gave up): kill
            # what is left of the run and reap it. A second cancellation cannot interrupt
            # the clean-up; it carries on in the background.
            watchdog.cancel()
            _kill_group(pgid)
            cleanup = asyncio.get_running_loop().create_task(_clean_up(proc, pgid, readers, box))
            self._background.add(cleanup)
            cleanup.add_done_callback(self._background.discard)
            await asyncio.shield(cleanup)
        timed_out = not exited
        returncode = proc.returncode
        if box.violation is None and returncode == -signal.SIGKILL:
            box.violation = await asyncio.to_thread(box.check)  # e.g. the kernel's OOM kill

        def failed(error: str) -> DemoResult:
            return self._failed(info, error, box.kind)

        memory_error = f"exceeded the {self._memory_limit_mb} MB memory limit"
        if budget.overflowed:
            return failed(f"produced more than {_kib(self._output_limit)} of output")
        if box.violation == MEMORY:
            return failed(memory_error)
        if box.violation == TASKS:
            return failed(f"tried to run more than {self._max_tasks} processes and threads")
        if timed_out:
            return failed(f"timed out after {_seconds(self._timeout_s)}")
        if returncode == EXIT_OUT_OF_MEMORY:
            return failed(memory_error)
        if returncode == EXIT_SANDBOX:
            return failed("could not enter its sandbox")
        if returncode is not None and returncode < 0:
            sig = _signal_name(-returncode)
            if -returncode == signal.SIGXCPU:
                return failed("used too much CPU time (SIGXCPU)")
            return failed(f"the demo process crashed ({sig})")
        if returncode != 0:
            last = _last_line(bytes(budget.stderr))
            hint = f": {last}" if last else ""
            if "MemoryError" in last:
                return failed(memory_error)
            return failed(f"exited with status {returncode}{hint}")
        parsed = parse_payload(bytes(budget.stdout))
        if parsed is None:
            return failed("returned an unreadable result")
        measurements, lesson, details, chart = parsed
        return DemoResult(
            name=info.name,
            ok=True,
            title=info.title,
            measurements=measurements,
            lesson=lesson,
            details=details,
            card_id=info.card_id,
            containment=box.kind,
            chart=chart,
        )


async def _watch(box: Sandbox, proc: asyncio.subprocess.Process) -> None:
    """Stop the run once its processes together are over a limit (see ``Sandbox.check``)."""
    while proc.returncode is None:
        violation = await asyncio.to_thread(box.check)
        if violation is not None:
            box.violation = violation
            await asyncio.to_thread(box.kill_all)
            return
        await asyncio.sleep(_WATCH_INTERVAL_S)


class _OutputBudget:
    """Reads stdout and stderr into buffers, killing the group once the total exceeds ``limit``."""

    def __init__(self, limit: int, pgid: int) -> None:
        self.limit = limit
        self.pgid = pgid
        self.used = 0
        self.overflowed = False
        self.stdout = bytearray()
        self.stderr = bytearray()

    async def drain(self, stream: asyncio.StreamReader, into: bytearray) -> None:
        # Read to EOF even after an overflow (discarding): asyncio only reports the exit once
        # the pipes are closed, and a paused pipe never would be.
        while chunk := await stream.read(8192):
            if self.overflowed:
                continue
            self.used += len(chunk)
            if self.used > self.limit:
                self.overflowed = True
                _kill_group(self.pgid)
            else:
                into += chunk


async def _wait_for_exit(
    proc: asyncio.subprocess.Process,
    timeout_s: float,
    monotonic: Callable[[], float] = time.monotonic,
) -> bool:
    """Wait until the child itself has exited (and been reaped); False once ``timeout_s`` has
    passed on ``monotonic``.

    Not ``proc.wait()``: that also waits for the pipes to close, which a left-over grandchild
    could hold open.
    """
    deadline = monotonic() + timeout_s
    while proc.returncode is None:
        if monotonic() >= deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def _clean_up(
    proc: asyncio.subprocess.Process,
    pgid: int,
    readers: list[asyncio.Task[None]],
    box: Sandbox,
) -> None:
    """Kill whatever is left of the run, reap it, and let the readers reach EOF."""
    _kill_group(pgid)
    await asyncio.to_thread(box.kill_all)
    if await _wait_for_exit(proc, 5.0):  # the leader must be reaped before waitpid(-pgid)
        await _reap_group(pgid)
    else:  # pragma: no cover - SIGKILL not delivered within 5 s
        log.warning("demo process %d did not exit after SIGKILL", pgid)
    await asyncio.to_thread(box.kill_all)  # whatever was orphaned to us as the child died
    await asyncio.to_thread(box.close)
    _, pending = await asyncio.wait(readers, timeout=2.0)
    for task in pending:
        task.cancel()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(1.0):
            await proc.wait()  # lets the transport close its pipes


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


async def _reap_group(pgid: int) -> None:
    """SIGKILL and reap what is left of the group (call only after its leader was reaped).

    Members orphaned by the leader's death are re-parented to us (we are a subreaper) or to
    init; ``waitpid(-pgid)`` collects those that are ours, which only ever are members of this
    group, never the leader (asyncio's child watcher already reaped it).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _REAP_DEADLINE_S
    while True:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            return  # the group is gone
        except PermissionError:  # pragma: no cover - only if a member changed credentials
            return
        while True:
            try:
                pid, _ = os.waitpid(-pgid, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        if loop.time() > deadline:
            log.warning("demo process group %d still has members after SIGKILL", pgid)
            return
        await asyncio.sleep(0.01)


_subreaper_done = False


def _become_subreaper() -> None:
    """Make orphans of demo processes our children (Linux), so we can reap them."""
    from bot.demos.sandbox import set_child_subreaper

    global _subreaper_done
    if _subreaper_done or not sys.platform.startswith("linux"):
        return
    _subreaper_done = True
    if not set_child_subreaper():
        log.warning("could not become a child subreaper; orphans of demos go to init")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _last_line(raw: bytes) -> str:
    text = strip_controls(raw.decode("utf-8", "replace"), keep_newlines=True)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _kib(value: int) -> str:
    return f"{value // 1024} KiB" if value % 1024 == 0 else f"{value} bytes"

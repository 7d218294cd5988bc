"""Containment of one demo run as a whole: every process it starts, however it starts them.

Long: the cgroup v2 path and its process-tree fallback share their kill and watch steps here.

Two implementations, chosen at run time (:func:`cgroup_support`):

* :class:`CgroupSandbox` — a cgroup v2 of its own per run, created next to the bot's own cgroup
  (``<bot's cgroup>/quizbot-demo-<bot pid>-<n>``). The child moves itself into it before the
  demo starts (``bot.demos.child --cgroup PATH``), so every descendant is a member, whatever it
  does (``setsid()``, double fork, new process group). The end of a run freezes the cgroup
  (``cgroup.freeze``: nothing can fork any more) and kills it (``cgroup.kill``). Where the bot's
  cgroup may enable the ``memory`` and ``pids`` controllers for its children, the kernel enforces
  ``memory.max`` (with ``memory.oom.group``: the whole demo is killed) and ``pids.max``;
  otherwise the watchdog below enforces them over the cgroup's members.
* :class:`TreeSandbox` — the fallback without a usable cgroup v2: the child makes itself a *child
  subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``), so orphaned descendants, even after
  ``setsid()``, are re-parented to it instead of escaping to init; every process inherits
  ``QUIZBOT_DEMO_RUN=<token>`` in its environment, which finds descendants orphaned to the bot
  after the child itself died. The run's members are found by scanning ``/proc``. The end of a run
  stops them all with SIGSTOP until no new one appears, then SIGKILLs them. When the bot does not
  run as root the child also sets ``RLIMIT_NPROC`` (the kernel ignores it for root).

The **watchdog** (:meth:`Sandbox.check`, every 50 ms from the runner) adds up the members'
proportional memory (PSS: shared pages counted once) and their tasks (processes and threads, as
``pids.max`` counts them) and stops the demo when either is over its limit. Being a poll it can
overshoot by what a demo allocates or forks within 50 ms; each process also keeps its own
``RLIMIT_AS`` as a hard backstop. Where the kernel enforces a limit (cgroup controllers) the
watchdog reads the cgroup's event counters instead.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

MARKER_ENV = "QUIZBOT_DEMO_RUN"
_PR_SET_CHILD_SUBREAPER = 36
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_names = itertools.count()

MEMORY = "memory"
TASKS = "tasks"


# --- /proc ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcInfo:
    ppid: int
    state: str  # R, S, D, T, Z, ...
    threads: int
    rss_pages: int


def scan() -> dict[int, ProcInfo]:
    """Every process on the host (that /proc shows us): pid -> ProcInfo."""
    found: dict[int, ProcInfo] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:  # pragma: no cover - no /proc
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        info = read_stat(int(entry))
        if info is not None:
            found[int(entry)] = info
    return found


def read_stat(pid: int) -> ProcInfo | None:
    try:  # os.open/os.read: several times cheaper than open() for a scan of every process
        fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
        try:
            raw = os.read(fd, 4096)
        finally:
            os.close(fd)
    except OSError:
        return None
    fields = raw.rsplit(b")", 1)[-1].split()
    try:  # after ")": state(3) ppid(4) ... num_threads(20) ... rss(24)
        return ProcInfo(int(fields[1]), fields[0].decode(), int(fields[17]), int(fields[21]))
    except (IndexError, ValueError):  # pragma: no cover - unexpected format
        return None


def descendants(snapshot: dict[int, ProcInfo], roots: set[int]) -> set[int]:
    """``roots`` (those present) and every process below them in ``snapshot``."""
    children: dict[int, list[int]] = {}
    for pid, info in snapshot.items():
        children.setdefault(info.ppid, []).append(pid)
    found = {pid for pid in roots if pid in snapshot}
    todo = list(found)
    while todo:
        for kid in children.get(todo.pop(), ()):
            if kid not in found:
                found.add(kid)
                todo.append(kid)
    return found


def has_marker(pid: int, marker: str) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f"{MARKER_ENV}={marker}".encode() in f.read().split(b"\0")
    except OSError:
        return False


def memory_bytes(pid: int, info: ProcInfo) -> int:
    """Proportional set size (shared pages split among their users); RSS where PSS is hidden."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return info.rss_pages * _PAGE


def set_child_subreaper() -> bool:
    """Make orphaned descendants of this process its children (Linux); False where impossible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):  # pragma: no cover - unusual libc
        return False


def _signal_all(pids: set[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def kill_own_descendants(deadline_s: float = 2.0) -> None:
    """Kill and reap every descendant of this process (the child calls it before it exits).

    The caller must be a child subreaper, so that all of them are below it; stops them first so
    none can fork while the rest are killed.
    """
    me = os.getpid()
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        snap = scan()
        live = {p for p in descendants(snap, {me}) if p != me and snap[p].state not in "ZX"}
        if not live:
            break
        _signal_all(live, signal.SIGSTOP)
        stable = {p for p in descendants(scan(), {me}) if p != me}
        _signal_all(stable | live, signal.SIGKILL)
        _reap_any()
        time.sleep(0.005)
    _reap_any()


def _reap_any() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


# --- the sandboxes -------------------------------------------------------------------------------


@dataclass
class Sandbox:
    """One run's containment. Runner side; the child side is ``child_args()`` + ``env()``."""

    memory_limit: int  # bytes, all the run's processes together
    max_tasks: int  # processes + threads at once
    marker: str = field(default_factory=lambda: f"{os.getpid()}-{secrets.token_hex(6)}")
    kind: str = "process tree"
    pid: int | None = None  # the demo's own process, once started
    violation: str | None = None  # MEMORY or TASKS once a limit was hit
    known: set[int] = field(default_factory=set)  # every member ever seen (for reaping)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def child_args(self) -> list[str]:
        return [f"--max-tasks={self.max_tasks}"]

    def env(self) -> dict[str, str]:
        return {MARKER_ENV: self.marker}

    def attach(self, pid: int) -> None:
        self.pid = pid
        self.known.add(pid)

    def members(self, snap: dict[int, ProcInfo]) -> set[int]:
        raise NotImplementedError

    def snapshot(self) -> dict[int, ProcInfo]:
        """The processes ``members`` needs to see (all of /proc unless the sandbox knows better)."""
        return scan()

    # Blocking; the runner calls these from a worker thread.

    def check(self) -> str | None:
        """The limit this run is over (MEMORY or TASKS), or None. Records members for reaping."""
        with self._lock:
            return self._check()

    def _check(self) -> str | None:
        snap = self.snapshot()
        members = self.members(snap)
        self.known |= members
        live = [p for p in members if snap[p].state not in "ZX"]
        if sum(snap[p].threads for p in live) > self.max_tasks:
            return TASKS
        if sum(memory_bytes(p, snap[p]) for p in live) > self.memory_limit:
            return MEMORY
        return None

    def kill_all(self, deadline_s: float = 3.0) -> bool:
        """Stop, kill and reap every member; True once none is left."""
        with self._lock:
            return self._kill_all(deadline_s)

    def _kill_all(self, deadline_s: float) -> bool:
        deadline = time.monotonic() + deadline_s
        while True:
            snap = self.snapshot()
            members = self.members(snap)
            self.known |= members
            live = {p for p in members if snap[p].state not in "ZX"}
            if live:
                self._kill(live)
            self._reap(snap)
            if not live and not self._zombies_of_ours(snap):
                return True
            if time.monotonic() > deadline:
                states = "".join(sorted(snap[p].state for p in live))
                log.warning(
                    "demo run %s: %d processes survived SIGKILL (states %s)",
                    self.marker,
                    len(live),
                    states[:40],
                )
                return False
            time.sleep(0.005)

    def close(self) -> None:
        pass

    def _kill(self, live: set[int]) -> None:
        # Stop everyone until no new member appears (a stopped process cannot fork), then kill.
        stopped: set[int] = set()
        while live - stopped:
            _signal_all(live - stopped, signal.SIGSTOP)
            stopped |= live
            snap = self.snapshot()
            live = {p for p in self.members(snap) if snap[p].state not in "ZX"}
            self.known |= live
        _signal_all(stopped, signal.SIGKILL)

    def _zombies_of_ours(self, snap: dict[int, ProcInfo]) -> set[int]:
        me = os.getpid()
        return {
            p
            for p in self.known
            if p != self.pid and p in snap and snap[p].ppid == me and snap[p].state == "Z"
        }

    def _reap(self, snap: dict[int, ProcInfo]) -> None:
        # Only members we saw, never the demo's own process (asyncio waits for that one).
        for pid in self._zombies_of_ours(snap):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)


@dataclass
class TreeSandbox(Sandbox):
    """Fallback: the child is a subreaper; members are its descendants plus marked orphans."""

    def members(self, snap: dict[int, ProcInfo]) -> set[int]:
        me = os.getpid()
        roots = {self.pid} if self.pid is not None else set()
        for pid, info in snap.items():
            if info.ppid == me and pid != self.pid and info.state not in "ZX":
                if pid in self.known or has_marker(pid, self.marker):
                    roots.add(pid)
        return descendants(snap, roots)


@dataclass
class CgroupSandbox(Sandbox):
    """A cgroup v2 per run; see the module docstring."""

    path: Path = Path()
    kernel_limits: bool = False  # memory and pids controllers enforce the limits
    kind: str = "cgroup v2"

    def create(self, parent: Path) -> None:
        self.path = parent / f"quizbot-demo-{os.getpid()}-{next(_names)}"
        self.path.mkdir()
        if self.kernel_limits:
            self._write("memory.max", str(self.memory_limit))
            self._write("memory.oom.group", "1", optional=True)
            self._write("memory.swap.max", "0", optional=True)
            self._write("pids.max", str(self.max_tasks))

    def child_args(self) -> list[str]:
        return [*super().child_args(), f"--cgroup={self.path}"]

    def _listed(self) -> set[int]:
        try:
            return {int(x) for x in (self.path / "cgroup.procs").read_text().split()}
        except (OSError, ValueError):
            return set()

    def members(self, snap: dict[int, ProcInfo]) -> set[int]:
        return {p for p in self._listed() if p in snap}

    def snapshot(self) -> dict[int, ProcInfo]:
        # Only the members and the processes seen before (for reaping): no scan of /proc.
        found = {}
        for pid in self._listed() | self.known:
            info = read_stat(pid)
            if info is not None:
                found[pid] = info
        return found

    def _check(self) -> str | None:
        if not self.kernel_limits:
            return super()._check()
        self.known |= self.members(self.snapshot())
        if self._event("pids.events", "max") > 0:
            return TASKS
        if self._event("memory.events", "oom_kill") > 0:  # memory.oom.group: all of it died
            return MEMORY
        return None

    def _kill(self, live: set[int]) -> None:
        self._write("cgroup.freeze", "1", optional=True)
        if (self.path / "cgroup.kill").exists():
            self._write("cgroup.kill", "1")
        else:  # pragma: no cover - kernels before 5.14
            _signal_all(live, signal.SIGKILL)

    def close(self) -> None:
        for _ in range(100):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:  # still populated for a moment after the kill
                time.sleep(0.01)
        log.warning("could not remove demo cgroup %s", self.path)

    def _event(self, filename: str, key: str) -> int:
        try:
            for line in (self.path / filename).read_text().splitlines():
                name, _, number = line.partition(" ")
                if name == key:
                    return int(number)
        except (OSError, ValueError):
            pass
        return 0

    def _write(self, filename: str, text: str, optional: bool = False) -> None:
        try:
            (self.path / filename).write_text(text)
        except OSError:
            if not optional:
                raise


# --- detection -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CgroupSupport:
    parent: Path | None  # where the runs' cgroups go; None: cgroup v2 unusable here
    kernel_limits: bool  # memory + pids controllers available to the runs' cgroups
    reason: str  # why not, or what is used


_support: CgroupSupport | None = None


def cgroup_support(refresh: bool = False) -> CgroupSupport:
    """Whether (and how) this host lets the bot put demos in cgroups of their own. Cached."""
    global _support
    if _support is None or refresh:
        _support = _detect()
        log.info("demo containment: %s", _support.reason)
    return _support


def _detect() -> CgroupSupport:
    if not sys.platform.startswith("linux"):
        return CgroupSupport(None, False, "not Linux: no cgroups")
    mount = _cgroup2_mount()
    if mount is None:
        return CgroupSupport(None, False, "no cgroup v2 hierarchy is mounted")
    own = _own_cgroup()
    if own is None:
        return CgroupSupport(None, False, "this process is in no cgroup v2")
    parent = mount / own.lstrip("/")
    if not os.access(parent, os.W_OK):
        return CgroupSupport(None, False, f"{parent} is not writable (no delegation)")
    _remove_stale(parent)
    kernel_limits = _enable_controllers(parent)
    problem = _probe(parent)
    if problem:
        return CgroupSupport(None, False, f"cgroup v2 at {parent} unusable: {problem}")
    how = "memory.max and pids.max" if kernel_limits else "the watchdog (no memory/pids controller)"
    return CgroupSupport(parent, kernel_limits, f"cgroup v2 under {parent}; limits by {how}")


def _cgroup2_mount() -> Path | None:
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                if right.split()[:1] == ["cgroup2"]:
                    return Path(left.split()[4])
    except OSError:  # pragma: no cover
        pass
    return None


def _own_cgroup() -> str | None:
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                if line.startswith("0::"):
                    return line[3:].strip()
    except OSError:  # pragma: no cover
        pass
    return None


def _enable_controllers(parent: Path) -> bool:
    """Enable memory + pids for the runs' cgroups where the kernel lets us; True if both are."""
    try:
        available = (parent / "cgroup.controllers").read_text().split()
        enabled = (parent / "cgroup.subtree_control").read_text().split()
    except OSError:
        return False
    if not {"memory", "pids"} <= set(available):
        return False
    missing = [c for c in ("memory", "pids") if c not in enabled]
    if missing:
        try:  # fails (EBUSY) when the bot's cgroup holds processes and is not the root
            (parent / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in missing))
        except OSError:
            return False
    return True


def _remove_stale(parent: Path) -> None:
    """Remove empty run cgroups left by a bot that died (rmdir fails on populated ones)."""
    for old in parent.glob("quizbot-demo-*"):
        owner = old.name.split("-")[2]
        if owner.isdigit() and int(owner) != os.getpid() and not Path(f"/proc/{owner}").exists():
            with contextlib.suppress(OSError):
                old.rmdir()


def _probe(parent: Path) -> str:
    """Try what a run needs once: create a cgroup, move a process in, kill it, remove it."""
    box = CgroupSandbox(memory_limit=1 << 30, max_tasks=64, path=Path())
    try:
        box.create(parent)
    except OSError as exc:
        return f"cannot create a cgroup ({exc.strerror})"
    sleeper = None
    try:
        sleeper = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(30)"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        (box.path / "cgroup.procs").write_text(str(sleeper.pid))
        (box.path / "cgroup.kill").write_text("1")
        sleeper.wait(5)
        return ""
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot move a process into it or kill it ({exc})"
    finally:
        if sleeper is not None and sleeper.poll() is None:
            sleeper.kill()
            sleeper.wait()
        box.close()


def make_sandbox(mode: str, memory_limit: int, max_tasks: int) -> Sandbox:
    """A sandbox for one run. ``mode``: "auto" (cgroup v2 where usable), "cgroup" or "tree"."""
    if mode in ("auto", "cgroup"):
        support = cgroup_support()
        if support.parent is not None:
            box = CgroupSandbox(memory_limit, max_tasks, kernel_limits=support.kernel_limits)
            box.create(support.parent)
            return box
        if mode == "cgroup":
            raise RuntimeError(support.reason)
    return TreeSandbox(memory_limit, max_tasks)

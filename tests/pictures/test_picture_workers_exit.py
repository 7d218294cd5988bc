"""The picture pool's processes end with the bot, however the bot ends (SIGKILL included).

A worker's parent is the forkserver, and the forkserver waits for its last worker: without a
watch of their own, both (and multiprocessing's resource tracker) ran on as orphans once the
bot was killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.waiting import eventually

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def parents() -> dict[int, tuple[int, str]]:
    """Every live process: its parent's pid and its state letter (Z: a zombie)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        found[int(entry)] = (int(fields[1]), fields[0].decode())
    return found


def descendants(root: int) -> set[int]:
    table = parents()
    found: set[int] = set()
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        children = {pid for pid, (ppid, _) in table.items() if ppid == parent} - found
        found |= children
        frontier.extend(children)
    return found


def running(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (a zombie has ended; only its reaping is pending)."""
    table = parents()
    return {pid for pid in pids if pid in table and table[pid][1] != "Z"}


def command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


async def test_a_sigkilled_bot_leaves_no_picture_worker_or_forkserver_behind(tmp_path):
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "QUIZBOT_PICTURES": "on"}
    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot", "console", "--db", str(tmp_path / "q.db")),
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    pool: set[int] = set()
    try:
        bot.stdin.write(b"/card processes-vs-threads\n")
        await bot.stdin.drain()
        shown: list[str] = []
        # the card is shown (its picture drawn, or timed out to text: the bot's SCHED_IDLE
        # worker gets no core while the other test worker draws, and then no .png line comes)
        async with asyncio.timeout(60):
            while not any("Processes vs Threads" in line for line in shown):
                line = (await bot.stdout.readline()).decode()
                assert line, "the console ended early:\n" + "".join(shown)
                shown.append(line)

        def pool_started() -> bool:
            pool.update(descendants(bot.pid))
            lines = [command_line(pid) for pid in pool]
            servers = [pid for pid in pool if "forkserver" in command_line(pid)]
            # the forkserver, and a worker forked from it (the same command line)
            return len(servers) >= 2 and all(lines)

        await eventually(pool_started, "the forkserver and a picture worker")
        bot.kill()  # SIGKILL: nothing of the bot's own runs after this
        # not bot.wait() first: it waits for the output pipe, which an orphan would hold open
        await eventually(lambda: not running(pool | {bot.pid}), "the bot's pool to end")
    finally:
        with contextlib.suppress(ProcessLookupError):
            bot.kill()
        for pid in running(pool):  # a failed run must not leave them behind either
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        bot.stdin.close()
        async with asyncio.timeout(30):
            await bot.wait()
    assert bot.returncode == -signal.SIGKILL

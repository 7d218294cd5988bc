"""Demos reached through the core: the command, the card, and the bot answering meanwhile."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.app import QuizApp
from bot.demos import DemoResult, DemoRunner
from bot.kernel.results import Notice
from tests.conftest import CONTENT, ROOT, console_actor
from tests.waiting import eventually


@pytest.fixture
def started() -> list[int]:
    """The process group of every demo child the app's runner starts."""
    return []


@pytest.fixture
async def demo_app(tmp_path, clock, started):
    runner = DemoRunner(
        now=clock.now,
        extra_programs=("_nap", "_gate"),
        timeout_s=10,
        on_start=lambda name, pgid: started.append(pgid),
    )
    app = await QuizApp.open(tmp_path / "q.db", CONTENT, clock=clock, demos=runner)
    yield app
    await app.close()


async def test_demo_command_runs_the_experiment(demo_app):
    result = await demo_app.handle_text(console_actor("Ada"), "/quiz demo memory")
    assert isinstance(result, DemoResult) and result.ok
    values = {m.label: m.value for m in result.measurements}
    assert any(v == "0" for v in values.values())  # the parent's copy stayed 0
    again = await demo_app.handle_text(console_actor("Ada"), "/demo memory")
    assert not again.ok and "try again in" in again.error  # per-user cooldown


async def test_unknown_demo_lists_the_demos(demo_app):
    result = await demo_app.handle_text(console_actor("Ada"), "/quiz demo fork-bomb")
    assert not result.ok and "spawn, memory, crash, race, gil" in result.error
    empty = await demo_app.handle_text(console_actor("Ada"), "/quiz demo")
    assert isinstance(empty, Notice) and empty.error and "spawn" in empty.text


async def test_card_lists_its_demos(demo_app):
    card = demo_app.quiz.card("processes-vs-threads")
    assert {"spawn", "memory", "crash", "gil"} <= set(card.demos)


async def test_core_keeps_answering_while_a_demo_runs(demo_app, started):
    ada = console_actor("Ada")
    # _gate runs until the test opens it: the answers overlap the demo however long a busy
    # machine takes over them (a 0.3 s nap had ended before the 20th answer, at load ~17)
    demo = asyncio.create_task(demo_app.demos.run("console:bob", "_gate"))
    await eventually(lambda: started, "the demo's child to start")
    latencies = []
    for i in range(20):
        view = await demo_app.quiz.ask_question(ada)
        t0 = time.perf_counter()
        await demo_app.quiz.answer(console_actor(f"u{i}"), view.post_id, 0)
        latencies.append(time.perf_counter() - t0)
    assert not demo.done(), "the answers should overlap the running demo"
    Path(os.readlink(f"/proc/{started[0]}/cwd"), "open").touch()  # the child's own folder
    assert (await demo).ok
    assert max(latencies) < 0.5, latencies  # generous: the figure is in bench/demo_latency.py


def test_quizbot_demo_from_the_shell():
    out = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "race"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "with a lock" in out.stdout and "2000 of 2000" in out.stdout

"""The later cards' demos, run for real in the sandbox: what each reports, and that the lesson
follows the numbers it reported."""

from __future__ import annotations

import re

from bot.demos.harness import cores
from bot.demos.striping import STRIPES, thread_counts
from tests.demos.test_demos import run_demo, seconds, value


def ms_of(text: str) -> float:
    return seconds(re.search(r"[\d.]+ m?s", text).group(0))


async def test_blocking_call_stalls_the_other_tasks_and_to_thread_does_not():
    result = await run_demo("blocking")
    blocked = ms_of(value(result, "… one task calls time.sleep(0.2)"))
    in_thread = ms_of(value(result, "… one task awaits asyncio.to_thread"))
    assert blocked >= 0.19  # nothing else can run while the loop's one thread sleeps
    assert in_thread < blocked
    assert result.card_id == "event-loops-and-asyncio"
    assert "ran up to" in result.lesson and "held it" in result.lesson
    if in_thread < 0.05:
        assert "kept its thread" in result.lesson


async def test_start_methods_fork_child_sees_the_parents_change_spawn_child_does_not():
    result = await run_demo("startmethods")
    runtime = "appended by the parent at run time"
    assert runtime in value(result, "fork child sees")
    assert value(result, "spawn child sees") == "set when the module was imported"
    assert value(result, "forkserver child sees") == "set when the module was imported"
    fork = seconds(value(result, "fork: start + join"))
    spawn = seconds(value(result, "spawn: start + join"))
    assert 0 < fork and 0 < spawn
    assert "The fork child saw the item the parent appended" in result.lesson
    assert "broken" not in result.lesson
    assert result.card_id == "process-lifecycle"


async def test_bounded_queue_makes_the_producer_wait_and_caps_the_backlog():
    result = await run_demo("queue")
    assert int(value(result, "Queue(maxsize=8): most items waiting")) <= 8
    assert int(value(result, "Queue(): most items waiting")) > 8
    bounded_wait = seconds(value(result, "Queue(maxsize=8): producer waiting"))
    unbounded_done = seconds(value(result, "Queue(): producer done after"))
    assert bounded_wait > unbounded_done  # the bound, not the producer's own work, set its pace
    assert "waiting inside put()" in result.lesson and "broken" not in result.lesson
    assert result.card_id == "producer-consumer"


async def test_striped_locks_report_every_thread_count_and_the_gil_state():
    result = await run_demo("striped")
    for threads in thread_counts(cores()):
        label = f"{threads} thread{'s' if threads > 1 else ''}: increments/s, one lock vs"
        one, striped = value(result, label).split(" vs ")
        assert int(one.replace(",", "")) > 0 and int(striped.replace(",", "")) > 0
    gil = value(result, "GIL")
    assert gil in ("enabled", "disabled (free-threaded build)")
    if gil == "enabled":
        assert "Global Interpreter Lock (GIL) is enabled" in result.lesson or (
            "has the Global Interpreter Lock (GIL) enabled" in result.lesson
        )
    assert f"{STRIPES} striped locks" in result.lesson
    assert result.card_id == "how-locks-work"

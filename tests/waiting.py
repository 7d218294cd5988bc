"""Waiting for a condition in a test: a generous bound, never a count of event-loop turns.

A busy machine can take many loop turns (a database thread, a child process) to reach a state
a quiet one reaches in one; a test that counts turns or sleeps briefly passes quietly and
fails under load. ``eventually`` polls the condition until it holds or the bound passes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

GENEROUS_S = 30.0  # far above what any condition takes even on a loaded 2-core machine


async def eventually(
    condition: Callable[[], object], what: str = "", timeout: float = GENEROUS_S
) -> None:
    """Return once ``condition()`` is true; fail the test naming ``what`` after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or condition}")
        await asyncio.sleep(0.005)


async def eventually_read(
    read: Callable[[], Awaitable[T]],
    holds: Callable[[T], object],
    what: str = "",
    timeout: float = GENEROUS_S,
) -> T:
    """``read()`` again until ``holds`` of its value (a database row, a server's state); that
    value. Fails the test naming ``what`` after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not holds(value := await read()):
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or holds}")
        await asyncio.sleep(0.005)
    return value

"""The ``blocking`` demo: a blocking call inside the event loop vs ``await asyncio.to_thread``.

Runs only inside the sandboxed child. A few ticker tasks each wait on a short timer and record
how late it fires; meanwhile one task waits for ``BLOCK_S`` three ways: ``await asyncio.sleep``
(the baseline: nothing blocks), ``time.sleep`` on the loop (everything stalls), and ``await
asyncio.to_thread(time.sleep, ...)`` (the wait moves to a worker thread).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bot.demos.course_conclusions import BlockingMeasurement, blocking_conclusion
from bot.demos.harness import Payload, details, ms, payload

BLOCK_S = 0.2
TICK_S = 0.01
TICKERS = 3
SETTLE_S = 0.03  # let the tickers run before the wait starts, and after it ends


async def _ticker(stop: asyncio.Event, lags: list[float]) -> None:
    while not stop.is_set():
        due = time.perf_counter() + TICK_S
        await asyncio.sleep(TICK_S)
        lags.append(max(0.0, time.perf_counter() - due))


async def _worst_lag(wait: Callable[[], Awaitable[None]]) -> float:
    """Run the tickers around one ``wait()``; the worst lateness any of their timers had (s)."""
    stop = asyncio.Event()
    lags: list[float] = []
    tickers = [asyncio.create_task(_ticker(stop, lags)) for _ in range(TICKERS)]
    await asyncio.sleep(SETTLE_S)
    await wait()
    await asyncio.sleep(SETTLE_S)
    stop.set()
    await asyncio.gather(*tickers)
    return max(lags, default=0.0)


async def _blocking_sleep() -> None:
    time.sleep(BLOCK_S)  # the mistake on purpose: a blocking call on the loop's thread


async def _asleep() -> None:
    await asyncio.sleep(BLOCK_S)


async def _in_thread() -> None:
    await asyncio.to_thread(time.sleep, BLOCK_S)


async def _measure() -> BlockingMeasurement:
    await asyncio.to_thread(lambda: None)  # start the pool's first worker before timing
    return BlockingMeasurement(
        block_s=BLOCK_S,
        tick_s=TICK_S,
        tickers=TICKERS,
        blocking_lag_s=await _worst_lag(_blocking_sleep),
        thread_lag_s=await _worst_lag(_in_thread),
        idle_lag_s=await _worst_lag(_asleep),  # last: the first run also pays for warming up
    )


def demo_blocking() -> Payload:
    m = asyncio.run(_measure())
    wait = f"{BLOCK_S:g}"
    measurements = [
        (
            f"{TICKERS} tasks on {ms(TICK_S)} timers; one task awaits asyncio.sleep({wait})",
            f"worst lag {ms(m.idle_lag_s)}",
        ),
        (f"… one task calls time.sleep({wait}) on the loop", f"worst lag {ms(m.blocking_lag_s)}"),
        (
            f"… one task awaits asyncio.to_thread(time.sleep, {wait})",
            f"worst lag {ms(m.thread_lag_s)}",
        ),
    ]
    return payload(measurements, blocking_conclusion(m), details())

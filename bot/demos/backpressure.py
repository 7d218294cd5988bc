"""The ``queue`` demo: a bounded queue makes a fast producer wait for a slow consumer.

Runs only inside the sandboxed child. A producer thread puts ``ITEMS`` items as fast as it can;
a consumer thread takes each one and works on it for ``WORK_S`` (a sleep, standing for I/O).
The same run with a bounded queue and with an unbounded one shows where the backlog goes.
"""

from __future__ import annotations

import queue
import threading
import time

from bot.demos.course_conclusions import (
    BackpressureMeasurement,
    QueueRun,
    backpressure_conclusion,
)
from bot.demos.harness import Payload, details, ms, payload

ITEMS = 100
WORK_S = 0.003
MAXSIZE = 8
_DONE = object()  # the sentinel that tells the consumer to stop


def _run(maxsize: int) -> QueueRun:
    q: queue.Queue[object] = queue.Queue(maxsize=maxsize)
    finished: dict[str, float] = {}
    peak = 0
    blocked = 0.0

    def consume() -> None:
        while q.get() is not _DONE:
            time.sleep(WORK_S)
        finished["consumer"] = time.perf_counter()

    consumer = threading.Thread(target=consume)
    started = time.perf_counter()
    consumer.start()
    for item in range(ITEMS):
        before = time.perf_counter()
        q.put(item)  # waits while the queue is full
        blocked += time.perf_counter() - before
        peak = max(peak, q.qsize())
    producer_s = time.perf_counter() - started
    q.put(_DONE)
    consumer.join()
    return QueueRun(
        maxsize=maxsize,
        producer_s=producer_s,
        consumer_s=finished.get("consumer", time.perf_counter()) - started,
        peak=peak,
        blocked_s=blocked,
    )


def demo_backpressure() -> Payload:
    m = BackpressureMeasurement(
        items=ITEMS, work_s=WORK_S, bounded=_run(MAXSIZE), unbounded=_run(0)
    )
    measurements: list[tuple[str, str]] = []
    for run, name in ((m.bounded, f"Queue(maxsize={MAXSIZE})"), (m.unbounded, "Queue()")):
        measurements += [
            (f"{name}: producer done after", ms(run.producer_s)),
            (f"{name}: producer waiting in put()", ms(run.blocked_s)),
            (f"{name}: most items waiting", str(run.peak)),
            (f"{name}: consumer done after", ms(run.consumer_s)),
        ]
    lesson = backpressure_conclusion(m)
    return payload(measurements, lesson, details() + f"; {ITEMS} items, {ms(WORK_S)} of work each")

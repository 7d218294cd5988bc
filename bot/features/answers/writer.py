"""Group commit: whatever is queued when the writer gets to run goes in one transaction."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Sequence

from bot.features.answers.batch import (
    AnswerBatch,
    AnswerOutcome,
    AnswerWrite,
    BatchStep,
    StoredAnswer,
    UserTotals,
)
from bot.features.answers.outbox import apply_derived
from bot.kernel.db import Connection, Database, chunks, in_transaction, marks
from bot.kernel.errors import StorageError, StorageUnavailable, UserError, is_storage_fault

log = logging.getLogger(__name__)
#: What a user reads when their answer's batch did not commit (every answer request says it).
ANSWER_NOT_SAVED = "Couldn't save your answer — please try again."


class AnswerNotSaved(StorageError, UserError):
    """The batch holding the answer did not commit because the database was unreachable or
    the connection dropped: nothing of it was written; the user reads this and answers again."""

    def __init__(self) -> None:
        super().__init__(ANSWER_NOT_SAVED)


class AnswerBatchBug(RuntimeError):
    """A batch failed on a bug (our SQL or a step's code), not on the database: not a storage
    fault, so it reaches the adapter's error path with its cause."""


INSERT_ANSWER = (
    "INSERT INTO answers(post_id, user_key, question_id, card_id, choice, correct, points,"
    " answered_at, week, typed) VALUES (?,?,?,?,?,?,?,?,?,?)"
)


def answer_row(w: AnswerWrite) -> tuple[object, ...]:
    """The ``answers`` row of a write, in INSERT_ANSWER's column order."""
    return (
        w.post_id,
        w.user_key,
        w.question_id,
        w.topic_id,  # the card_id column
        w.choice,
        int(w.correct),
        w.points,
        w.answered_at,
        w.week,
        w.typed,
    )


def insert_answers(db: Connection, batch: AnswerBatch) -> None:
    """The batch step that stores the answer rows themselves."""
    db.executemany(INSERT_ANSWER, [answer_row(w) for w in batch.new])


def _find_stored(db: Connection, batch: AnswerBatch) -> None:
    """The first answer per (post, user) wins, whether the other one is in this batch or
    stored: note each key's first write here and what was stored before."""
    for w in batch.writes:
        batch.first.setdefault(w.key, w)
    by_post: dict[int, list[str]] = {}
    for post_id, user_key in batch.first:
        by_post.setdefault(post_id, []).append(user_key)
    for post_id, users in by_post.items():
        for chunk in chunks(users):
            for user_key, choice, correct, points, typed in db.execute(
                "SELECT user_key, choice, correct, points, typed FROM answers"
                f" WHERE post_id = ? AND user_key IN ({marks(len(chunk))})",
                (post_id, *chunk),
            ):
                batch.stored[(post_id, user_key)] = StoredAnswer(
                    choice, bool(correct), points, typed
                )


def _outcomes(batch: AnswerBatch) -> list[AnswerOutcome]:
    outcomes = []
    for w in batch.writes:
        totals = batch.totals.get(w.user_key, UserTotals(0, 0, None))
        after = (totals.points, totals.streak, totals.last_correct_day)
        before = batch.stored.get(w.key)
        if before is not None:
            outcomes.append(
                AnswerOutcome(
                    False, before.choice, before.correct, before.points, *after, typed=before.typed
                )
            )
        elif w.key in batch.refused:
            outcomes.append(
                AnswerOutcome(False, w.choice, False, 0, *after, closed=True, typed=w.typed)
            )
        elif batch.first[w.key] is w:
            outcomes.append(
                AnswerOutcome(True, w.choice, w.correct, w.points, *after, typed=w.typed)
            )
        else:  # a second answer inside this batch: report the first one's
            f = batch.first[w.key]
            outcomes.append(
                AnswerOutcome(False, f.choice, f.correct, f.points, *after, typed=f.typed)
            )
    return outcomes


def store_answers(
    db: Connection, writes: list[AnswerWrite], steps: Sequence[BatchStep]
) -> list[AnswerOutcome]:
    """A batch's statements, for a caller already inside a write transaction
    (``Database.write``): the answer rows, then each step in order."""
    batch = AnswerBatch(writes)
    _find_stored(db, batch)
    for step in steps:
        step(db, batch)
    return _outcomes(batch)


def store_batch(
    db: sqlite3.Connection,
    writes: list[AnswerWrite],
    steps: Sequence[BatchStep],
    derived_steps: Sequence[BatchStep] = (),
) -> list[AnswerOutcome]:
    """Store a batch of answers in one transaction, then apply what the outbox holds with
    ``derived_steps`` (when given) in the trailing transactions: what the writer does, run
    synchronously on a plain sqlite3 connection (tools, benchmarks)."""
    outcomes = in_transaction(db, store_answers, writes, steps)
    if derived_steps:
        while in_transaction(db, apply_derived, derived_steps, 5000):
            pass
    return outcomes


class AnswerWriter:
    """Queues answers and commits each batch with the click steps, in order; then applies
    what is derived from them with the trailing steps (``answers.outbox``), in order.

    Clicks come first: a batch of queued answers is stored whenever there is one, and the
    trailing step runs when the queue is empty, or before the next batch once the oldest
    answer not yet applied has waited ``max_lag`` seconds (so boards lag by at most one
    trailing step under a steady stream of clicks).

    A trailing step with no click waiting applies up to ``max_derived`` answers at once: the
    outbox rows of every click batch that queued up meanwhile (a burst's, say) in one
    transaction, so a burst's derived rows follow in one trailing step rather than a string
    of them. One that runs while clicks wait (the lag bound, or an answer again) applies at
    most ``max_derived_busy``, so those clicks wait behind a short one."""

    def __init__(
        self,
        db: Database,
        steps: Sequence[BatchStep],
        derived_steps: Sequence[BatchStep] = (),
        max_batch: int = 5000,
        max_derived: int = 10000,
        max_derived_busy: int = 1000,
        max_lag: float = 0.5,
    ) -> None:
        self._db = db
        self._steps = tuple(steps)
        self._derived_steps = tuple(derived_steps)
        self._max_batch = max_batch
        self._max_derived = max_derived
        self._max_derived_busy = max_derived_busy
        self._max_lag = max_lag
        self._pending: list[tuple[AnswerWrite, asyncio.Future[AnswerOutcome]]] = []
        self._wake = asyncio.Event()
        self._closing = False
        # the outbox may hold answers a previous run committed but did not apply
        self._derived_due = True
        self._retry_at = 0.0  # loop time before which a failed trailing step is not retried
        self._oldest_unapplied: float | None = None  # loop time of the first batch not applied
        self._committed = 0  # click batches committed by this writer
        self._applied = 0  # of those, how many have their derived rows applied
        self._last_batch_of: dict[str, int] = {}  # user key -> their last batch not applied
        self._applied_changed = asyncio.Condition()
        self._derived_failures = 0  # trailing steps that failed (settled() waiters stop)
        # (user key, question id) of answers stored but not applied (kept until the outbox is
        # empty; a later batch answering one of them waits for the trailing step first)
        self._unapplied_questions: set[tuple[str, str]] = set()
        self._task = asyncio.create_task(self._loop(), name="quizbot-answer-writer")
        self.batches = 0  # for benchmarks: how many transactions carried answers
        self.derived_batches = 0  # trailing transactions that applied derived rows
        self.derived_seconds: deque[float] = deque(maxlen=100)  # the last ones' durations
        self.submitted = 0  # answers handed to the writer (queued, in flight or stored)

    async def submit(self, write: AnswerWrite) -> AnswerOutcome:
        if self._task.done() or self._closing:
            raise StorageError("the answer writer is stopped")
        future: asyncio.Future[AnswerOutcome] = asyncio.get_running_loop().create_future()
        self._pending.append((write, future))
        self.submitted += 1
        self._wake.set()
        # A caller that gives up (cancelled) only cancels its future: the queued answer is
        # still stored, and the writer skips resolving a future that is already done.
        return await future

    async def settled(self, user_key: str | None = None) -> None:
        """Wait until the derived rows of ``user_key``'s answers stored so far (every user's,
        when None) are applied: a read that must show the reader's own last answer (/stats
        right after answering) waits here. Returns at once when nothing of theirs is pending
        or the writer has stopped, and when a trailing step fails (the database is down, say:
        the read then goes ahead and meets the same fault, or shows the rows as they are)."""
        target = self._committed if user_key is None else self._last_batch_of.get(user_key, 0)
        if target <= self._applied:
            return
        failures = self._derived_failures
        async with self._applied_changed:
            await self._applied_changed.wait_for(
                lambda: (
                    self._applied >= target
                    or self._task.done()
                    or self._derived_failures != failures
                )
            )

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                now = loop.time()
                derived_ready = self._derived_due and now >= self._retry_at
                lagging = (
                    derived_ready
                    and self._oldest_unapplied is not None
                    and now - self._oldest_unapplied >= self._max_lag
                )
                if self._pending and not lagging and not (derived_ready and self._answers_again()):
                    await self._store_batch()
                elif derived_ready:
                    await self._apply_derived()
                elif self._closing:
                    return
                else:
                    wait = self._retry_at - now if self._derived_due else None
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(wait):
                            await self._wake.wait()
                    self._wake.clear()
        finally:
            async with self._applied_changed:
                self._applied_changed.notify_all()  # settled() callers stop waiting

    def _answers_again(self) -> bool:
        """Whether the next batch answers a question again whose last answer by the same user
        is not applied yet: its FSRS review (a trailing step) decides whether the new answer
        scores, so the trailing step runs first."""
        if not self._unapplied_questions:
            return False
        unapplied = self._unapplied_questions
        return any(
            (w.user_key, w.question_id) in unapplied for w, _ in self._pending[: self._max_batch]
        )

    async def _apply_derived(self) -> None:
        """One trailing transaction over the oldest outbox rows; when the outbox is empty,
        every batch committed before it started is applied."""
        target = self._committed
        busy = bool(self._pending)  # clicks wait behind this step
        limit = self._max_derived_busy if busy else self._max_derived
        started = time.perf_counter()
        try:
            applied = await self._db.write(apply_derived, self._derived_steps, limit)
        except Exception as exc:
            # the outbox keeps the rows: a later trailing step (or the next start) applies
            # them; clicks go on meanwhile, so a fault here never holds back a reply
            if is_storage_fault(exc) or isinstance(exc, StorageUnavailable):
                log.warning("derived answer rows not applied yet (will retry): %s", exc)
            else:
                log.error("applying derived answer rows failed; will retry", exc_info=exc)
            if self._closing:
                self._derived_due = False  # the next start applies them
            self._retry_at = asyncio.get_running_loop().time() + self._max_lag
            self._derived_failures += 1
            async with self._applied_changed:
                self._applied_changed.notify_all()
            return
        if applied:
            self.derived_batches += 1
            self.derived_seconds.append(time.perf_counter() - started)
        if busy and applied == limit:
            # a short step while clicks wait: they go next, the rest follows a lag later
            self._oldest_unapplied = asyncio.get_running_loop().time()
        if applied < limit:  # the outbox is empty now
            self._derived_due = False
            self._oldest_unapplied = None
            self._applied = target
            if target == self._committed:
                self._last_batch_of.clear()
                self._unapplied_questions.clear()
            else:
                done = [k for k, n in self._last_batch_of.items() if n <= target]
                for key in done:
                    del self._last_batch_of[key]
            async with self._applied_changed:
                self._applied_changed.notify_all()

    async def _store_batch(self) -> None:
        batch = self._pending[: self._max_batch]
        del self._pending[: self._max_batch]
        try:
            # one transaction; its callers hear their outcomes only after the commit
            outcomes = await self._db.write(store_answers, [w for w, _ in batch], self._steps)
        except StorageUnavailable as exc:  # transient: its callers may try again
            log.warning("a batch of %d answers was not stored: %s", len(batch), exc)
            for _, future in batch:
                if not future.done():
                    failure = AnswerNotSaved()
                    failure.__cause__ = exc
                    future.set_exception(failure)
            return
        except Exception as exc:  # every answer of a failed batch hears the error
            # a fault of the database (locked, full, read-only) is the user's "couldn't
            # save"; a bug in a step's SQL or code stays a bug, so the adapter logs its
            # traceback and says "something went wrong" instead of passing it off
            fault = is_storage_fault(exc)
            if not fault:
                log.error("a batch of %d answers failed", len(batch), exc_info=exc)
            for _, future in batch:
                if not future.done():
                    failure = (
                        StorageError(f"answer not stored: {exc}")
                        if fault
                        else AnswerBatchBug(f"answer not stored: {exc!r}")
                    )
                    failure.__cause__ = exc
                    future.set_exception(failure)
            return
        self.batches += 1
        self._committed += 1
        self._derived_due = True
        if self._oldest_unapplied is None:
            self._oldest_unapplied = asyncio.get_running_loop().time()
        for (write, future), outcome in zip(batch, outcomes, strict=True):
            if outcome.stored:
                self._last_batch_of[write.user_key] = self._committed
                self._unapplied_questions.add((write.user_key, write.question_id))
            if not future.done():
                future.set_result(outcome)

    async def close(self) -> None:
        """Store every queued answer, the batch in flight included, then stop. The loop ends
        by itself once the queue is empty: cancelling it mid-write would drop a batch whose
        write had not started on the database thread (PostgreSQL's executor cancels a queued
        work item) and leave its callers waiting forever. A caller bounding the close (the
        graceful stop's hard cut) cancels this; what is still queued then hears an error."""
        self._closing = True  # the loop stores what is queued, applies the outbox, and ends
        self._wake.set()
        try:
            await self._task
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the close itself was cancelled: pass it on
        finally:
            for _, future in self._pending:
                if not future.done():
                    future.set_exception(StorageError("the answer writer is stopped"))
            self._pending.clear()

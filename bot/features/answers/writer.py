"""Group commit: whatever is queued when the writer gets to run goes in one transaction."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Sequence

from bot.features.answers.batch import (
    AnswerBatch,
    AnswerOutcome,
    AnswerWrite,
    BatchStep,
    StoredAnswer,
    UserTotals,
)
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
        w.card_id,
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
    db: sqlite3.Connection, writes: list[AnswerWrite], steps: Sequence[BatchStep]
) -> list[AnswerOutcome]:
    """Store a batch of answers in one transaction (runs on the writer thread)."""
    return in_transaction(db, store_answers, writes, steps)


class AnswerWriter:
    """Queues answers and commits each batch with the given steps, in order."""

    def __init__(self, db: Database, steps: Sequence[BatchStep], max_batch: int = 5000) -> None:
        self._db = db
        self._steps = tuple(steps)
        self._max_batch = max_batch
        self._pending: list[tuple[AnswerWrite, asyncio.Future[AnswerOutcome]]] = []
        self._wake = asyncio.Event()
        self._closing = False
        self._task = asyncio.create_task(self._loop(), name="quizbot-answer-writer")
        self.batches = 0  # for benchmarks: how many transactions carried answers
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

    async def _loop(self) -> None:
        while not self._closing or self._pending:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                try:
                    # one transaction; its callers hear their outcomes only after the commit
                    outcomes = await self._db.write(
                        store_answers, [w for w, _ in batch], self._steps
                    )
                except StorageUnavailable as exc:  # transient: its callers may try again
                    log.warning("a batch of %d answers was not stored: %s", len(batch), exc)
                    for _, future in batch:
                        if not future.done():
                            failure = AnswerNotSaved()
                            failure.__cause__ = exc
                            future.set_exception(failure)
                    continue
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
                    continue
                self.batches += 1
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if not future.done():
                        future.set_result(outcome)

    async def close(self) -> None:
        """Store every queued answer, the batch in flight included, then stop. The loop ends
        by itself once the queue is empty: cancelling it mid-write would drop a batch whose
        write had not started on the database thread (PostgreSQL's executor cancels a queued
        work item) and leave its callers waiting forever. A caller bounding the close (the
        graceful stop's hard cut) cancels this; what is still queued then hears an error."""
        self._closing = True
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

"""Answers: the group-commit writer. Answers queue; the writer stores everything queued in one
transaction, running the click steps that ``bot.app`` gives it in order (each step belongs to
the feature whose rows it moves), then tells each caller its outcome; what is derived from the
answers it applies after, in a trailing transaction over the outbox (``answers.outbox``)."""

from bot.features.answers.batch import (
    NO_CHOICE,
    AnswerBatch,
    AnswerOutcome,
    AnswerWrite,
    BatchStep,
    PostKind,
)
from bot.features.answers.outbox import record_derived
from bot.features.answers.writer import AnswerWriter, insert_answers, store_batch

__all__ = [
    "NO_CHOICE",
    "AnswerBatch",
    "AnswerOutcome",
    "AnswerWrite",
    "AnswerWriter",
    "BatchStep",
    "PostKind",
    "insert_answers",
    "record_derived",
    "store_batch",
]

"""Answers: the group-commit writer. Answers queue; the writer stores everything queued in one
transaction, running the steps that ``bot.app`` gives it in order (each step belongs to the
feature whose rows it moves), then tells each caller its outcome."""

from bot.features.answers.batch import (
    NO_CHOICE,
    AnswerBatch,
    AnswerOutcome,
    AnswerWrite,
    BatchStep,
    PostKind,
)
from bot.features.answers.writer import AnswerWriter, store_batch

__all__ = [
    "NO_CHOICE",
    "AnswerBatch",
    "AnswerOutcome",
    "AnswerWrite",
    "AnswerWriter",
    "BatchStep",
    "PostKind",
    "store_batch",
]

"""The answers feature as the app wires it: its steps of the click's batch, the answer rows and
the outbox row that the trailing steps derive the rest from."""

from __future__ import annotations

from bot.features.answers.outbox import record_derived
from bot.features.answers.writer import insert_answers
from bot.kernel.features import AnswerStep, Feature

# the answer rows, once it is decided which answers count (closed windows and rounds refused)
# and what they score (a right answer to a question not yet due scores nothing)
INSERT = AnswerStep(
    "answers.insert_answers",
    insert_answers,
    after=("daily.refuse_closed_windows", "live.record_answers", "quiz.score_by_due"),
)
# one outbox row per stored answer; it carries the totals step's "moved" flag
OUTBOX = AnswerStep(
    "answers.record_derived",
    record_derived,
    after=("answers.insert_answers", "boards.update_totals"),
)

FEATURE = Feature(
    "answers",
    answer_steps=(INSERT, OUTBOX),
    # its schema, and v001's walking skeleton every feature builds on (answers, posts, users):
    # the lowest feature, as the kernel holds no feature's tables
    migrations="bot.features.answers.migrations",
)

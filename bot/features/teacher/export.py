"""The teacher's reports as files: one flat table per report (for a spreadsheet), written as
CSV (UTF-8 with a BOM, ISO dates, formula-safe text), JSON (everything, nested) or a terminal
table. Pure: values in, text out."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from bot.features.teacher.results import ItemReport, ItemStats, LearnerReport

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): such
# text is written with a leading apostrophe, which spreadsheets show as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


Cell = str | int | float | None


@dataclass(frozen=True)
class FlatTable:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def safe_text(value: Cell) -> Cell:
    """Text a spreadsheet shows as text, never runs; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def item_table(report: ItemReport) -> FlatTable:
    columns = (
        "topic",
        "question_id",
        "prompt",
        "attempts",
        "right",
        "difficulty",
        "discrimination",
        "median_seconds",
        "choices",
        "flags",
    )
    rows = tuple(
        (
            i.card_title,
            i.question_id,
            i.prompt,
            i.attempts,
            i.right,
            _ratio(i.difficulty),
            _ratio(i.discrimination) if i.discrimination is not None else i.discrimination_text,
            i.median_seconds,
            " | ".join(c.line for c in i.choices)
            or " | ".join(f"typed {w.text!r} x{w.count}" for w in i.wrong_answers),
            " | ".join(f.text for f in i.flags),
        )
        for i in report.items
    )
    return FlatTable(columns, rows)


def learner_table(report: LearnerReport) -> FlatTable:
    columns = (
        "learner",
        "user_key",
        "topic",
        "answers",
        "correct",
        "accuracy",
        "mastered",
        "last_seen",
    )
    rows = tuple(
        (
            r.display_name,
            r.user_key,
            r.topic,
            r.answers,
            r.correct,
            _ratio(r.accuracy),
            r.mastered,
            r.last_seen.isoformat() if r.last_seen else None,
        )
        for r in report.rows
    )
    return FlatTable(columns, rows)


def to_csv(table: FlatTable) -> str:
    """UTF-8 text with a byte-order mark first (so spreadsheets read it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else safe_text(v) for v in row])
    return "\ufeff" + out.getvalue()


def _item_json(i: ItemStats) -> dict[str, Any]:
    return {
        "question_id": i.question_id,
        "topic": i.topic_id,
        "topic_title": i.card_title,
        "prompt": i.prompt,
        "typed": i.typed,
        "attempts": i.attempts,
        "right": i.right,
        "difficulty": i.difficulty,
        "discrimination": i.discrimination,
        "median_seconds": i.median_seconds,
        "choices": [
            {
                "letter": c.letter,
                "text": c.text,
                "correct": c.correct,
                "picked": c.picked,
                "share": c.share,
                "upper_share": c.upper_share,
                "lower_share": c.lower_share,
                "feedback": c.feedback,
            }
            for c in i.choices
        ],
        "wrong_answers": [{"text": w.text, "count": w.count} for w in i.wrong_answers],
        "flags": [{"kind": f.kind.name.lower(), "reason": f.reason} for f in i.flags],
    }


def items_json(report: ItemReport) -> str:
    body = {
        "scope": report.scope.text,
        "learners": report.learners,
        "items": [_item_json(i) for i in report.items],
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def table_json(table: FlatTable, scope: str) -> str:
    rows = [dict(zip(table.columns, row, strict=True)) for row in table.rows]
    return json.dumps({"scope": scope, "rows": rows}, ensure_ascii=False, indent=2) + "\n"

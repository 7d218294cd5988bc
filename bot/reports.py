"""``quizbot report items|learners``: the teacher's reports as files for a spreadsheet.

Builds the teacher's view's requests for one workspace (an admin's read), dispatches them like
any adapter, and writes the results as a terminal table, CSV or JSON on standard output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.app import QuizApp
from bot.features.teacher import ItemReport, LearnerReport
from bot.features.teacher.export import (
    FlatTable,
    item_table,
    items_json,
    learner_table,
    table_json,
    to_csv,
)
from bot.features.teacher.requests import AnalyseItems, ReportLearners
from bot.features.teacher.service import reader_for
from bot.kernel.errors import UserError
from bot.kernel.results import Notice
from bot.report_args import ReportFormat


def _print_table(table: FlatTable) -> None:
    grid = Table()
    for column in table.columns:
        grid.add_column(Text(column))
    for row in table.rows:
        grid.add_row(*(Text("" if v is None else str(v)) for v in row))
    # a terminal wraps the table to its width; a pipe or file gets every cell whole
    Console(width=None if sys.stdout.isatty() else 100_000).print(grid)


def _write(text: str) -> None:
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()


async def run(args: argparse.Namespace, db: Path | str, content: str | None) -> int:
    """Run one report; an unknown workspace, topic or group is one line on stderr, exit 1."""
    try:
        actor = reader_for(args.workspace)
    except UserError as exc:
        print(f"quizbot: --workspace: {exc}", file=sys.stderr)
        return 2
    kind = AnalyseItems if args.report_command == "items" else ReportLearners
    request = kind(
        channel=args.channel,
        group=args.group,
        since=args.since,
        until=args.until,
        topic=args.topic,
    )
    app = await QuizApp.open(db, content)
    try:
        result = await app.dispatch(actor, request)
    finally:
        await app.close()
    if isinstance(result, Notice):
        print(f"quizbot: {result.text}", file=sys.stderr)
        return 1
    fmt = ReportFormat(args.format)
    if isinstance(result, ItemReport):
        table, scope = item_table(result), result.scope.text
        if fmt == ReportFormat.JSON:
            _write(items_json(result))
            return 0
    else:
        assert isinstance(result, LearnerReport)
        table, scope = learner_table(result), result.scope.text
    if fmt == ReportFormat.CSV:
        _write(to_csv(table))
    elif fmt == ReportFormat.JSON:
        _write(table_json(table, scope))
    else:
        _print_table(table)
    return 0

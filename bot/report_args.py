"""The ``quizbot report`` command's arguments, apart from the reports themselves: parsing any
command line builds them, and the reports need the whole app (``bot.reports``)."""

from __future__ import annotations

import argparse
from datetime import date
from enum import StrEnum


class ReportFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


DEFAULT_WORKSPACE = "console:local"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def report_parser(
    sub: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    """The ``report`` command's arguments."""
    report = sub.add_parser("report", parents=[common], help="the teacher's reports as files")
    kinds = report.add_subparsers(dest="report_command", required=True)
    scope = argparse.ArgumentParser(add_help=False)
    scope.add_argument(
        "--workspace",
        default=DEFAULT_WORKSPACE,
        metavar="W",
        help=f"platform:id, e.g. slack:T0123 (default: {DEFAULT_WORKSPACE})",
    )
    scope.add_argument("--channel", metavar="C", help="one channel, by its platform id")
    scope.add_argument("--group", metavar="G", help="one study group, by name")
    scope.add_argument("--since", type=_day, metavar="DATE", help="from this UTC day")
    scope.add_argument("--until", type=_day, metavar="DATE", help="to this UTC day (included)")
    scope.add_argument("--topic", metavar="T", help="one card id or track")
    scope.add_argument(
        "--format",
        choices=[f.value for f in ReportFormat],
        default=ReportFormat.TABLE.value,
        help="table (default), csv (UTF-8 with BOM) or json",
    )
    kinds.add_parser("items", parents=[common, scope], help="every question's figures and flags")
    kinds.add_parser(
        "learners",
        parents=[common, scope],
        help="per learner per topic: answers, accuracy, mastered, last seen",
    )
    return report

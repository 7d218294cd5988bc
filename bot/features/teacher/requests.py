"""What a teacher can ask: item analysis (chat, files, web), learner rows, a group's and a
channel's page, and the dashboard link. Every one is for admins only (``needs_admin``); the
workspace is always the actor's own, never a parameter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.kernel.dispatch import Request
from bot.kernel.grammar import ParseContext, TextCommand


@dataclass(frozen=True)
class ScopedRequest(Request):
    """A request over part of the actor's workspace: one channel (its platform id) or one
    study group (by name), UTC days ``since``..``until`` (both included), one topic."""

    needs_admin = True
    admin_refusal = "Only admins can see the teacher's view."

    channel: str | None = None
    group: str | None = None
    since: date | None = None
    until: date | None = None
    topic: str | None = None


@dataclass(frozen=True)
class ShowFlaggedItems(ScopedRequest):
    """``/quiz items [topic]``: the flagged questions, worst first, privately."""


@dataclass(frozen=True)
class AnalyseItems(ScopedRequest):
    """Every question's figures (the file report and the dashboard's course page)."""


@dataclass(frozen=True)
class ShowItem(ScopedRequest):
    """One question's figures (the dashboard's question page)."""

    question_id: str = ""


@dataclass(frozen=True)
class ReportLearners(ScopedRequest):
    """Per learner per topic: answers, accuracy, mastered, last seen."""


@dataclass(frozen=True)
class ShowGroupProgress(Request):
    """A study group's members' progress per topic and its misconception."""

    needs_admin = True
    admin_refusal = "Only admins can see the teacher's view."

    group: str


@dataclass(frozen=True)
class ShowChannelHistory(Request):
    """A channel's daily questions, newest first (``channel``: its platform id)."""

    needs_admin = True
    admin_refusal = "Only admins can see the teacher's view."

    channel: str


@dataclass(frozen=True)
class ListDailyChannels(Request):
    """The workspace's channels that had a daily question (the dashboard's index)."""

    needs_admin = True
    admin_refusal = "Only admins can see the teacher's view."


@dataclass(frozen=True)
class OpenDashboard(Request):
    """``/quiz dashboard [group]``: a signed read-only link, privately."""

    needs_admin = True
    admin_refusal = "Only admins can see the teacher's view."

    group: str | None = None


def parse_items(args: list[str], _context: ParseContext) -> Request:
    return ShowFlaggedItems(topic=" ".join(args) or None)


def parse_dashboard(args: list[str], _context: ParseContext) -> Request:
    return OpenDashboard(group=" ".join(args) or None)


COMMANDS = (
    TextCommand("items", "items [topic]", "flagged questions, worst first (admins)", parse_items),
    TextCommand(
        "dashboard",
        "dashboard [group]",
        "a private link to the teacher's web dashboard (admins)",
        parse_dashboard,
    ),
)

"""What a user can ask of the boards, and how each request is typed as text."""

from __future__ import annotations

from dataclasses import dataclass

from bot.features.boards.results import (
    PERIOD_WORDS,
    SCOPE_WORDS,
    SORTS,
    BoardScope,
    Period,
    Sort,
)
from bot.kernel.dispatch import Request
from bot.kernel.errors import UserError
from bot.kernel.grammar import ParseContext, TextCommand, no_arguments


@dataclass(frozen=True)
class ShowStats(Request):
    user_key: str | None = None  # someone else's stats; None: the requester's


@dataclass(frozen=True)
class ShowLeaderboard(Request):
    scope: BoardScope = BoardScope.WORKSPACE  # a study group's board: ``group`` names it
    period: Period = Period.ALL
    sort: Sort = Sort.POINTS
    topic: str | None = None  # a card: a per-topic board
    group: str | None = None  # a study group's name: that group's board


def sort_named(word: str) -> Sort:
    """The sort a user typed (``points``, ``accuracy``, …), or a one-line error."""
    try:
        return Sort(word.lower())
    except ValueError:
        raise UserError(f"Unknown sort {word[:40]!r}; use {', '.join(SORTS)}.") from None


@dataclass(frozen=True)
class ShowTimezone(Request):
    pass


@dataclass(frozen=True)
class SetTimezone(Request):
    needs_admin = True
    admin_refusal = "Only an admin can set the workspace's time zone."
    zone: str


LEADERBOARD_USAGE = (
    "leaderboard [channel|server|group <name>] [week|all] [<topic>]"
    " [points|accuracy|streak|mastered]"
)


def _is_option(word: str, context: ParseContext) -> bool:
    lowered = word.lower()
    return (
        lowered in PERIOD_WORDS
        or lowered in SORTS
        or lowered in ("by", "topic", "group", *SCOPE_WORDS)
        or context.topic_index.exact(word) is not None  # a group name may hold other words
    )


def parse_leaderboard(args: list[str], context: ParseContext) -> ShowLeaderboard:
    scope, period, sort = BoardScope.WORKSPACE, Period.ALL, Sort.POINTS
    topic: str | None = None
    group: str | None = None
    words = list(args)
    while words:
        word = words.pop(0)
        lowered = word.lower()
        if lowered in PERIOD_WORDS:
            period = PERIOD_WORDS[lowered]
        elif lowered in SORTS:
            sort = Sort(lowered)
        elif lowered == "by" and words:
            sort = sort_named(words.pop(0))
        elif lowered in SCOPE_WORDS:
            scope = SCOPE_WORDS[lowered]
        elif lowered == "group":
            if not words:
                raise UserError("Which group? Usage: /quiz leaderboard group <name> [week]")
            # a group name may have spaces: it runs until the next known option
            name = [words.pop(0)]
            while words and not _is_option(words[0], context):
                name.append(words.pop(0))
            group = " ".join(name)
        else:
            # a topic, maybe several words (Locks & Synchronization): up to the next option
            phrase = [words.pop(0)] if lowered == "topic" and words else [word]
            while words and not _is_option(words[0], context):
                phrase.append(words.pop(0))
            typed = " ".join(phrase)
            index = context.topic_index
            topic = index.find(typed)
            if topic is None:
                if lowered == "topic" or index.matches(typed) or index.suggestions(typed):
                    index.resolve(typed)  # raises: which topics it could be, or did you mean
                raise UserError(
                    f"Unknown leaderboard option {word[:40]!r}. Usage: /quiz {LEADERBOARD_USAGE}"
                )
    return ShowLeaderboard(scope, period, sort, topic, group)


def parse_timezone(args: list[str], _context: ParseContext) -> ShowTimezone | SetTimezone:
    return SetTimezone(" ".join(args)) if args else ShowTimezone()


COMMANDS = (
    TextCommand("stats", "stats", "your points, accuracy and streak", no_arguments(ShowStats)),
    TextCommand(
        "leaderboard", LEADERBOARD_USAGE, "who leads", parse_leaderboard, aliases=("lb", "top")
    ),
    TextCommand(
        "timezone",
        "timezone [<IANA zone>]",
        "show or (admins) set the zone days and weeks are counted in",
        parse_timezone,
        aliases=("tz",),
    ),
)

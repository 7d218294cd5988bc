"""What a user can ask of the daily question, and how each request is typed as text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.features.daily.calendar import EVERY_DAY, TIME_PATTERN, looks_like_days, parse_weekdays
from bot.kernel.dispatch import Request
from bot.kernel.errors import UserError
from bot.kernel.grammar import ParseContext, TextCommand
from bot.kernel.identity import ChannelRef

USAGE = (
    "/quiz daily set HH:MM <time zone> [mon-fri|mon,wed,fri|daily|weekends] [topic] [<N>h]"
    " | show | off | now"
)


@dataclass(frozen=True)
class SetDailySchedule(Request):
    needs_admin = True
    admin_refusal = "Only admins can change the daily question."
    at: str  # HH:MM, checked by the service
    zone: str
    days: Sequence[int] = EVERY_DAY  # 0 = Monday
    topic: str | None = None
    window_hours: int | None = None  # None: answers close at the next post
    channel: ChannelRef | None = None  # None: the requester's channel
    # what was wrong with the typed words: told only once the caller is known to be an admin
    # (a non-admin learns nothing but the refusal)
    problem: str = ""


@dataclass(frozen=True)
class ShowDailySchedule(Request):
    channel: ChannelRef | None = None


@dataclass(frozen=True)
class StopDailySchedule(Request):
    needs_admin = True
    admin_refusal = "Only admins can change the daily question."
    channel: ChannelRef | None = None


@dataclass(frozen=True)
class PostDailyNow(Request):
    needs_admin = True
    admin_refusal = "Only admins can change the daily question."
    channel: ChannelRef | None = None


MAX_WINDOW_DIGITS = 4  # "<N>h": more digits than this can only be a mistake


def _set_options(words: list[str]) -> tuple[tuple[int, ...], str | None, int | None]:
    days: tuple[int, ...] | None = None
    topic: str | None = None
    window: int | None = None
    # "mon - fri" / "mon, wed, fri" arrive as several words: glue them back together
    words = re.sub(r"\s*([-–—,])\s*", r"\1", " ".join(words)).split()
    i = 0
    while i < len(words):
        word = words[i].lower()
        if word == "every" and i + 1 < len(words) and words[i + 1].lower() == "day":
            days, i = EVERY_DAY, i + 2
            continue
        if re.fullmatch(r"[0-9]+h", word):
            if len(word) - 1 > MAX_WINDOW_DIGITS:
                raise UserError("The answer window is 1 to 168 hours (e.g. 6h).")
            window = int(word[:-1])
        elif days is None and looks_like_days(word):
            days = parse_weekdays(word)
        else:  # the service finds the topic (any words of its title) or says why not
            topic = words[i] if topic is None else f"{topic} {words[i]}"
        i += 1
    return days or EVERY_DAY, topic, window


def parse_daily(args: list[str], _context: ParseContext) -> Request:
    sub = args[0].lower() if args else "show"
    rest = args[1:]
    if sub == "show":
        return ShowDailySchedule()
    if sub in ("off", "stop"):
        return StopDailySchedule()
    if sub == "now":
        return PostDailyNow()
    if sub == "set" or TIME_PATTERN.fullmatch(sub):
        rest = rest if sub == "set" else args  # "/quiz daily 09:00 …" means set
        if len(rest) < 2:
            return SetDailySchedule("", "", problem="Usage: " + USAGE)
        try:
            days, topic, window = _set_options(rest[2:])
        except UserError as exc:
            return SetDailySchedule(rest[0], rest[1], problem=str(exc))
        return SetDailySchedule(rest[0], rest[1], days, topic, window)
    raise UserError(f"Unknown daily command {sub[:40]!r}. Usage: {USAGE}")


COMMANDS = (
    TextCommand(
        "daily",
        "daily set HH:MM <zone> [days] [topic] | show | off | now",
        "the channel's question of the day (admins set it)",
        parse_daily,
    ),
)

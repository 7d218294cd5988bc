"""The daily question's calendar: times and weekdays as users type them, and when a schedule's
wall-clock time falls (daylight saving included). Pure functions, no I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.features.daily.store import ScheduleRow
from bot.kernel.errors import UserError

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SHORT_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
DAY_KEYWORDS = {
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "every-day": EVERY_DAY,
    "weekdays": (0, 1, 2, 3, 4),
    "workdays": (0, 1, 2, 3, 4),
    "weekends": (5, 6),
    "weekend": (5, 6),
}
TIME_PATTERN = re.compile(r"(\d{1,2})[:.](\d{2})")


def parse_time(text: str) -> time:
    match = TIME_PATTERN.fullmatch(text.strip())
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    raise UserError(f"Unknown time {text!r}: use HH:MM on a 24-hour clock, e.g. 09:00.")


def _day(name: str) -> int | None:
    if len(name) >= 2:
        for index, full in enumerate(DAY_NAMES):
            if full.startswith(name):
                return index
    return None


def looks_like_days(text: str) -> bool:
    word = text.lower()
    return word in DAY_KEYWORDS or "," in word or _day(re.split("[-–—,]", word)[0]) is not None


def parse_weekdays(text: str) -> tuple[int, ...]:
    """``mon-fri``, ``mon,wed,fri``, ``fri-mon``, ``daily``, ``weekends``, ``tuesday``…"""
    # "Mon–Fri" as the bot itself writes it (and autocorrect types it), "mon - fri", "mon, wed"
    word = re.sub(r"\s*[-–—]\s*", "-", text.strip().lower())
    word = re.sub(r"\s*,\s*", ",", word)
    if word in DAY_KEYWORDS:
        return DAY_KEYWORDS[word]
    days: set[int] = set()
    for part in word.split(","):
        ends = [_day(end) for end in part.split("-")]
        if not part or len(ends) > 2 or None in ends:
            raise UserError(
                f"Unknown weekdays {text!r}: use mon-fri, mon,wed,fri, daily or weekends."
            )
        first, last = ends[0], ends[-1]
        assert first is not None and last is not None
        day = first
        while True:  # a range may wrap the week: fri-mon
            days.add(day)
            if day == last:
                break
            day = (day + 1) % 7
    return tuple(sorted(days))


def weekdays_text(days: Sequence[int]) -> str:
    if tuple(days) == EVERY_DAY:
        return "every day"
    if tuple(days) == (5, 6):
        return "weekends"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(
        SHORT_DAYS[r[0]] if len(r) == 1 else f"{SHORT_DAYS[r[0]]}–{SHORT_DAYS[r[-1]]}" for r in runs
    )


# -- when -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    local_date: date
    instant: datetime  # UTC


def occurrence_on(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time ``at`` on ``day`` in ``zone``.

    On a fall-back day an ambiguous time is its first occurrence (fold=0). On a spring-forward
    day a time inside the gap does not exist; it becomes the first valid moment after it, the
    instant the clocks jump (02:30 in Berlin on 2026-03-29 -> 03:00 CEST).
    """
    wall = datetime.combine(day, at)
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # Inside a gap fold=0 and fold=1 give the two ends; find the transition between them.
    other = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    start = min(instant, other)
    before = start.astimezone(zone).utcoffset()
    low, high = 0, int(abs((instant - other).total_seconds()))
    while high - low > 1:
        mid = (low + high) // 2
        if (start + timedelta(seconds=mid)).astimezone(zone).utcoffset() == before:
            low = mid
        else:
            high = mid
    return start + timedelta(seconds=high)


def _schedule_parts(schedule: ScheduleRow) -> tuple[time, ZoneInfo, set[int]]:
    return (
        parse_time(schedule.local_time),
        ZoneInfo(schedule.zone),
        {int(d) for d in schedule.weekdays},
    )


def latest_occurrence(schedule: ScheduleRow, now: datetime) -> Occurrence | None:
    """The most recent scheduled instant at or before ``now``."""
    at, zone, days = _schedule_parts(schedule)
    today = now.astimezone(zone).date()
    for back in range(0, 9):
        day = today - timedelta(days=back)
        if day.weekday() in days:
            instant = occurrence_on(day, at, zone)
            if instant <= now:
                return Occurrence(day, instant)
    return None


def next_occurrence(
    schedule: ScheduleRow, after: datetime, after_date: date | None = None
) -> Occurrence:
    """The first scheduled instant after ``after`` (and on a local date after ``after_date``)."""
    at, zone, days = _schedule_parts(schedule)
    start = after.astimezone(zone).date() - timedelta(days=1)
    if after_date is not None:
        start = max(start, after_date + timedelta(days=1))
    for ahead in range(0, 16):
        day = start + timedelta(days=ahead)
        if day.weekday() in days:
            instant = occurrence_on(day, at, zone)
            if instant > after:
                return Occurrence(day, instant)
    raise ValueError(f"schedule {schedule.channel_key} has no weekdays")

"""Points, streaks and periods: the rules, kept apart from storage and platforms."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

POINTS_CORRECT = 10
POINTS_WRONG = 0


def points_for(correct: bool) -> int:
    return POINTS_CORRECT if correct else POINTS_WRONG


def local_day(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def current_streak(stored_streak: int, last_correct_day: str | None, today: date) -> int:
    """A streak counts consecutive days with a correct answer; it is still alive today if the
    last correct day was today or yesterday, and 0 once a whole day has been missed."""
    if not last_correct_day:
        return 0
    last = date.fromisoformat(last_correct_day)
    return stored_streak if (today - last).days <= 1 else 0

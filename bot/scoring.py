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


def current_daily_streak(
    stored_streak: int,
    last_post_id: int | None,
    recent_posts: list[tuple[int, str]],
    now: datetime,
) -> int:
    """A channel's daily streak counts consecutive daily posts of that channel answered
    correctly. ``recent_posts`` are the channel's last two daily posts (id, closes_at ISO),
    newest first. The run is alive if it ended with the newest post, or with the one before
    while the newest is still open; a missed post ends it (computed here, at read time)."""
    if last_post_id is None or not recent_posts:
        return 0
    if last_post_id == recent_posts[0][0]:
        return stored_streak
    newest_open = now < datetime.fromisoformat(recent_posts[0][1])
    if len(recent_posts) > 1 and last_post_id == recent_posts[1][0] and newest_open:
        return stored_streak
    return 0

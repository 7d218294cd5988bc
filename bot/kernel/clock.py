"""Time for the core: an injected clock (tests move time instead of sleeping), the zone
database, and how instants are shown to users."""

from __future__ import annotations

import asyncio
import difflib
import functools
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, available_timezones

from bot.kernel.errors import UserError

UTC_ZONE = ZoneInfo("UTC")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Return once ``now() >= when``."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        # Re-check after each sleep: the wall clock can jump.
        while (delay := (when - self.now()).total_seconds()) > 0:
            await asyncio.sleep(min(delay, 60.0))


class FakeClock:
    """A clock that only moves when a test says so."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._moved = asyncio.Event()

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)
        self._moved.set()
        self._moved = asyncio.Event()

    def advance(self, delta: timedelta | float) -> None:
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        self.set(self._now + delta)

    async def sleep_until(self, when: datetime) -> None:
        while self._now < when:
            await self._moved.wait()


def format_local(instant: datetime) -> str:
    """A local instant as users read it: "Tue 3 Mar 09:00 CET"."""
    return f"{instant:%a} {instant.day} {instant:%b %H:%M} {instant.tzname()}"


def day_text(day: date) -> str:
    """A day as users read it: "Tue 3 Mar"."""
    return f"{day:%a} {day.day} {day:%b}"


def local_day(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


@functools.cache
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def resolve_zone(text: str) -> str:
    """An IANA zone name as the user typed it (any case); UserError lists close matches."""
    wanted = text.strip()
    zones = _zones()
    if wanted.lower() in zones:
        return zones[wanted.lower()]
    same_city = sorted(name for key, name in zones.items() if key.split("/")[-1] == wanted.lower())
    close = [zones[key] for key in difflib.get_close_matches(wanted.lower(), zones, n=3)]
    hints = list(dict.fromkeys(same_city + close))[:3]
    hint = f" Did you mean {', '.join(hints)}?" if hints else ""
    raise UserError(
        f"Unknown time zone {wanted[:64]!r}.{hint} Use an IANA name such as Europe/Berlin or"
        " America/New_York."
    )


def parse_zone(name: str) -> ZoneInfo:
    """An IANA zone name in any case (e.g. europe/berlin), checked against the zone database;
    one lookup for both /quiz timezone and /quiz daily."""
    return ZoneInfo(resolve_zone(name))

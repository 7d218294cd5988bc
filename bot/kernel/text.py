"""Text from users and child processes, made safe to store and show: no control, format,
surrogate or private-use characters (no terminal escapes, no bidi overrides), on any platform.
Each adapter still escapes for its own markup (Discord markdown, Slack mrkdwn)."""

from __future__ import annotations

import unicodedata

DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
MAX_DISPLAY_NAME = 80


def strip_controls(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` without control and invisible characters (and U+FFFD left by bad bytes);
    ``keep_newlines`` keeps line breaks and tabs for multi-line output."""
    if text.isprintable() and "\ufffd" not in text:
        # the common case, checked in C: isprintable() is False for every character of the
        # dropped categories (and for line breaks and tabs, which then take the slow path)
        return text
    kept = "\n\t" if keep_newlines else ""
    return "".join(
        ch
        for ch in text
        if ch in kept or (unicodedata.category(ch) not in DROPPED_CATEGORIES and ch != "\ufffd")
    )


def clean_display_name(name: str) -> str:
    """A display name as stored and shown: one line, single spaces, at most 80 characters."""
    return " ".join(strip_controls(name, keep_newlines=True).split())[:MAX_DISPLAY_NAME].strip()


def count_of(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and its noun in the right number: "1 track", "3 tracks", "2 media references"."""
    return f"{count:,} {noun if count == 1 else (plural or noun + 's')}"

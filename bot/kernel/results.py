"""The one result every feature may return: a short message."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Notice:
    """A short message: help text, an error, a confirmation."""

    text: str
    error: bool = False
    lines: tuple[str, ...] = field(default_factory=tuple)

"""The one result every feature may return: a short message."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Notice:
    """A short message: help text, an error, a confirmation."""

    text: str
    error: bool = False
    lines: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Fact:
    """A labelled value a result shows, e.g. ("Answers open", "until the next post")."""

    label: str
    value: str

"""The one result every feature may return: a short message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Notice:
    """A short message: help text, an error, a confirmation."""

    text: str
    error: bool = False
    lines: tuple[str, ...] = field(default_factory=tuple)


DONE = "Done."  # what a handler that returns nothing is shown as
NOTHING_HERE = "Nothing here yet."  # what an empty list is shown as
# what an adapter replies when handling a request failed unexpectedly (the fault is logged)
SORRY = Notice("Something went wrong on our side; please try again.", error=True)


@dataclass(frozen=True)
class Fact:
    """A labelled value a result shows, e.g. ("Answers open", "until the next post")."""

    label: str
    value: str
    literal: bool = False  # a word users type (a topic id): renderers may show it as code
    at: datetime | None = None  # the instant ``value`` shows, for a platform's own time display


@dataclass(frozen=True)
class Image:
    """A picture a result carries. Every platform delivers it natively (an attachment, an
    upload, a saved file) and keeps the text version beside it; ``alt`` says what it shows
    (the numbers, not "a chart") for screen readers and for the console."""

    png: bytes
    name: str  # a file name ending in .png, for platforms that upload or save it
    alt: str


def images_of(result: object) -> tuple[Image, ...]:
    """The pictures a result carries: a result that shows pictures has an ``images`` field
    (a tuple of Image); every platform delivers them after rendering the result's text."""
    images = getattr(result, "images", ())
    if not isinstance(images, tuple):
        return ()
    return tuple(image for image in images if isinstance(image, Image))

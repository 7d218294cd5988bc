"""What a picture shows, as plain frozen values: the features build one from their results, a
worker draws it (``bot.pictures.draw``), and its alt text says the same numbers in words.

A spec holds everything the picture shows and nothing else, so two equal specs draw the same
picture: the cache keys on it (content version and data version in one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.content_picture import Arrow, ArrowStyle, Box, BoxStyle, Picture, all_boxes


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "0%"


@dataclass(frozen=True)
class CardDiagram:
    """A concept card's ``picture:``: its key idea as boxes and arrows."""

    card_id: str
    title: str
    picture: Picture

    @property
    def name(self) -> str:
        return f"{self.card_id}.png"

    @property
    def alt(self) -> str:
        boxes = {box.id: box for box, _, _ in all_boxes(self.picture.boxes)}

        def label(box_id: str) -> str:
            box = boxes.get(box_id)
            return box.label if box is not None and box.label else box_id

        def described(box: Box) -> str:
            inner = [described(b) for b in box.inside]
            if box.style == BoxStyle.GROUP:
                return ", ".join(inner)
            return f"{box.label} (holding {', '.join(inner)})" if inner else box.label

        def arrow_text(arrow: Arrow) -> str:
            said = f": {arrow.label}" if arrow.label else ""
            if arrow.style == ArrowStyle.BLOCKED:
                return f"{label(arrow.start)} cannot reach {label(arrow.end)}{said}"
            return f"{label(arrow.start)} to {label(arrow.end)}{said}"

        parts = [f"Diagram of {self.title}."]
        if self.picture.caption:
            parts.append(self.picture.caption.rstrip(".") + ".")
        parts.append("Boxes: " + "; ".join(described(b) for b in self.picture.boxes) + ".")
        if self.picture.arrows:
            parts.append("Arrows: " + "; ".join(arrow_text(a) for a in self.picture.arrows) + ".")
        return " ".join(parts)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the chart prints it: "12 (40%)", "4.1 ms"
    marked: bool = False  # the right answer, the expected count: drawn in green with a tick


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one per row, the marked ones green: a question's choices with how many
    picked each, a demo's measured times or counts, a group's accuracy per topic."""

    title: str
    bars: tuple[Bar, ...]
    file_name: str
    marked_means: str = ""  # what a green bar is, for the legend and the alt text
    note: str = ""  # one line under the chart
    top: float | None = None  # the axis end (100 for percentages); else the longest bar

    @property
    def name(self) -> str:
        return self.file_name

    @property
    def alt(self) -> str:
        def one(bar: Bar) -> str:
            mark = f" ({self.marked_means})" if bar.marked and self.marked_means else ""
            return f"{bar.label}: {bar.text}{mark}"

        title = self.title.rstrip(".")
        text = f"Bar chart, {title}: " + "; ".join(one(b) for b in self.bars) + "."
        return f"{text} {self.note}" if self.note else text


@dataclass(frozen=True)
class Place:
    rank: int
    name: str
    points: int
    right: int
    answered: int


@dataclass(frozen=True)
class PodiumChart:
    """The top three of a quiz night on a podium, their points and right answers."""

    title: str
    places: tuple[Place, ...]  # best first; ties share a rank
    file_name: str = "podium.png"

    @property
    def name(self) -> str:
        return self.file_name

    @property
    def alt(self) -> str:
        if not self.places:
            return f"Podium, {self.title}: nobody answered."
        lines = [
            f"{_ordinal(p.rank)} {p.name} with {_count(p.points, 'point')}"
            f" ({p.right} of {p.answered} right)"
            for p in self.places
        ]
        return f"Podium, {self.title}: " + "; ".join(lines) + "."


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class DayCount:
    day: date
    answered: int
    correct: int


@dataclass(frozen=True)
class TopicCount:
    topic: str
    new: int
    learning: int
    mastered: int


@dataclass(frozen=True)
class ProgressChart:
    """``/quiz stats`` as a picture: answers and accuracy per day over the last weeks, and per
    topic the questions new, learning and mastered (FSRS)."""

    name_shown: str
    days: tuple[DayCount, ...]  # every day of the period, oldest first (zeros included)
    topics: tuple[TopicCount, ...]

    name = "progress.png"

    @property
    def alt(self) -> str:
        answered = sum(d.answered for d in self.days)
        correct = sum(d.correct for d in self.days)
        active = [d for d in self.days if d.answered]
        weeks = max(1, len(self.days) // 7)
        parts = [f"Progress chart for {self.name_shown}, last {_count(weeks, 'week')}:"]
        if active:
            busiest = max(active, key=lambda d: (d.answered, d.day))
            parts.append(
                f"{_count(answered, 'answer')} on {_count(len(active), 'day')},"
                f" {correct} right ({_percent(correct, answered)});"
                f" busiest day {busiest.day:%a %d %b}: {_count(busiest.answered, 'answer')},"
                f" {busiest.correct} right."
            )
        else:
            parts.append("no answers in this period.")
        if self.topics:
            parts.append(
                "Per topic: "
                + "; ".join(
                    f"{t.topic}: {t.mastered} mastered, {t.learning} learning, {t.new} new"
                    for t in self.topics
                )
                + "."
            )
        return " ".join(parts)


PictureSpec = CardDiagram | BarChart | PodiumChart | ProgressChart

"""A demo's measured numbers for its bar chart: what the child reports beside its text, read
back as strictly as the rest of its output (a child's output is never trusted)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bot.kernel.text import strip_controls
from bot.pictures.specs import Bar, BarChart

MAX_BARS = 6
MAX_LABEL = 80
UNITS = ("ms", "")  # milliseconds, or a plain count


@dataclass(frozen=True)
class DemoBar:
    label: str
    value: float
    marked: bool = False


@dataclass(frozen=True)
class DemoChart:
    """The bars of one run: ``unit`` "ms" for times, "" for counts; ``marked_means`` says what
    a green bar is ("no update lost", "fastest")."""

    bars: tuple[DemoBar, ...]
    unit: str = ""
    marked_means: str = ""

    def as_payload(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "marked_means": self.marked_means,
            "bars": [[b.label, b.value, b.marked] for b in self.bars],
        }

    def spec(self, title: str, name: str) -> BarChart:
        def text(value: float) -> str:
            return f"{value:.1f} ms" if self.unit == "ms" else f"{value:,.0f}"

        return BarChart(
            title,
            tuple(Bar(b.label, b.value, text(b.value), b.marked) for b in self.bars),
            f"demo-{name}.png",
            marked_means=self.marked_means,
        )


def parse_chart(data: Any) -> DemoChart | None:
    """The chart a child reported, or None for anything malformed (never raises)."""
    if not isinstance(data, dict):
        return None
    unit, means, bars = data.get("unit", ""), data.get("marked_means", ""), data.get("bars")
    if unit not in UNITS or not isinstance(means, str) or not isinstance(bars, list):
        return None
    if not 0 < len(bars) <= MAX_BARS:
        return None
    parsed = []
    for bar in bars:
        if not (isinstance(bar, list) and len(bar) == 3):
            return None
        label, value, marked = bar
        if not isinstance(label, str) or not isinstance(marked, bool):
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if not math.isfinite(value) or value < 0:
            return None
        parsed.append(DemoBar(strip_controls(label)[:MAX_LABEL], float(value), marked))
    return DemoChart(tuple(parsed), unit, strip_controls(means)[:MAX_LABEL])

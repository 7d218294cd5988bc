"""What a demo's child prints: its JSON result read back strictly. The child's output is
untrusted (a demo could misbehave), so the parse never raises and bounds depth, count and length.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.demos.charts import DemoChart, parse_chart
from bot.kernel.text import strip_controls

_MAX_MEASUREMENTS = 24
_MAX_TEXT = 600
_MAX_DEPTH = 8  # the result is {"measurements": [[label, value], ...], ...}: depth 3


@dataclass(frozen=True)
class DemoMeasurement:
    label: str  # e.g. "50 threads: start + join"
    value: str  # e.g. "4.1 ms"


def _nesting(text: str) -> int:
    """How deeply ``[``/``{`` nest in JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_payload(
    raw: bytes,
) -> tuple[tuple[DemoMeasurement, ...], str, str, DemoChart | None] | None:
    """The result's fields, or None for anything else (never raises, whatever ``raw`` holds)."""
    try:
        text = raw.decode("utf-8")
        if _nesting(text) > _MAX_DEPTH:
            return None
        data: Any = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    items, lesson, details = data.get("measurements"), data.get("lesson"), data.get("details", "")
    if not isinstance(items, list) or not 0 < len(items) <= _MAX_MEASUREMENTS:
        return None
    if not isinstance(lesson, str) or not isinstance(details, str):
        return None
    measurements = []
    for item in items:
        if not (
            isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)
        ):
            return None
        label, value = (strip_controls(x)[:_MAX_TEXT] for x in item)  # child text: no escapes
        measurements.append(DemoMeasurement(label, value))
    lesson, details = strip_controls(lesson), strip_controls(details, keep_newlines=True)
    chart = parse_chart(data.get("chart"))  # a malformed chart costs the picture, not the text
    return tuple(measurements), lesson[: _MAX_TEXT * 2], details[:_MAX_TEXT], chart

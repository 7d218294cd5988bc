"""The drawing worker's entry point: one spec in, PNG bytes out. Runs in a worker process
(``bot.pictures.service``), never on the event loop's thread."""

from __future__ import annotations

import matplotlib

from bot.pictures import charts, diagram, style
from bot.pictures.specs import BarChart, CardDiagram, PictureSpec, PodiumChart, ProgressChart


def draw(spec: PictureSpec) -> bytes:
    with matplotlib.rc_context(style.RC):
        if isinstance(spec, CardDiagram):
            return diagram.draw(spec.picture)
        if isinstance(spec, BarChart):
            return charts.bars(spec)
        if isinstance(spec, PodiumChart):
            return charts.podium(spec)
        if isinstance(spec, ProgressChart):
            return charts.progress(spec)
    raise TypeError(f"no drawing for {type(spec).__name__}")


def warm() -> bool:
    """Import and draw once, so the first real picture does not pay for it."""
    draw(BarChart("warm-up", (), "warm.png"))
    return True

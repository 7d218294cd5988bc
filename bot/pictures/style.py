"""The look every picture shares, and the font: DejaVu Sans as bundled inside matplotlib (its
licence allows redistribution: mpl-data/fonts/ttf/LICENSE_DEJAVU), never a system font.

An opaque light panel with dark ink and a mid-grey frame: the same picture reads on Discord's
and Slack's dark and light themes (the frame parts it from a white page; on a dark page it is
a light card). Ink on the panel is above 12:1 contrast, every fill keeps text above 7:1.

Only the drawing worker imports this module (matplotlib takes about half a second to import).
"""

from __future__ import annotations

import io
import os
import unicodedata
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # no display, no GUI toolkit: the worker only writes PNG bytes
from matplotlib import ft2font  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

PANEL = "#fbfbfc"
FRAME = "#8c959f"
INK = "#1f2328"
MUTED = "#57606a"
GRID = "#d8dee4"
RIGHT = "#1a7f37"  # a right answer, an expected count
NEUTRAL = "#6e7781"
ACCENT = "#0969da"
WARN = "#cf222e"
DPI = 100
WIDTH_IN = 6.4  # 640 px: Discord and Slack show it inline at about 400-520 px, text still ~9 px+
FONT_SIZE = 11
FONT_FILE = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")

RC = {
    "font.family": "DejaVu Sans",
    "font.size": FONT_SIZE,
    "text.color": INK,
    "text.parse_math": False,  # a "$" in a display name is a dollar sign, not TeX
    "axes.edgecolor": GRID,
    "axes.labelcolor": INK,
    "axes.facecolor": PANEL,
    "axes.titlesize": FONT_SIZE + 2,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": INK,
    "figure.facecolor": PANEL,
    "svg.hashsalt": "quizbot",
    "path.simplify": True,
}

_DROP_WHEN_MISSING = ("So", "Sk", "Mn", "Me", "Cf", "Sm")  # emoji, modifiers, joiners
ELLIPSIS = "…"


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    return frozenset(ft2font.FT2Font(FONT_FILE).get_charmap())


def drawable(text: str, fallback: str = "?") -> str:
    """``text`` with only the characters the bundled font has: accents, Greek, Cyrillic and
    some symbols stay; a symbol or emoji it lacks is dropped, a run of letters it lacks (CJK)
    becomes one "…", never a tofu box. ``fallback`` when nothing readable is left."""
    covered = _covered()
    out: list[str] = []
    for ch in text:
        if ord(ch) in covered or ch == " ":
            out.append(ch)
        elif unicodedata.category(ch) in _DROP_WHEN_MISSING:
            continue
        elif not out or out[-1] != ELLIPSIS:
            out.append(ELLIPSIS)
    result = " ".join("".join(out).split())
    readable = any(ch.isalnum() for ch in result)
    if not readable:
        return fallback
    return result


def figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    fig.patch.set_facecolor(PANEL)
    fig.patch.set_edgecolor(FRAME)
    fig.patch.set_linewidth(2)
    return fig


def png_of(fig: Figure) -> bytes:
    """The figure as PNG bytes, without timestamps or software tags (same data, same bytes)."""
    out = io.BytesIO()
    fig.savefig(
        out,
        format="png",
        facecolor=fig.get_facecolor(),
        edgecolor=fig.patch.get_edgecolor(),
        metadata={"Software": None},
    )
    return out.getvalue()


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS

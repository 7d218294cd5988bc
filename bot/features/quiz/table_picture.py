"""A concept card's side-by-side table as a picture (PNG), with alt text that reads it out.

The first picture quizbot delivers through every platform's attachments; drawn with Pillow's
bundled font (no system font, no network). An opaque light card with dark text reads the same
on light and dark chat themes.
"""

from __future__ import annotations

import io
import textwrap
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.content import Card, Table
from bot.kernel.results import Image

FONT_SIZE = 16
PAD = 10  # inside a cell
MAX_COLUMN_CHARS = 28  # a cell wraps beyond this many characters
BACKGROUND = "#ffffff"
HEADER = "#e8eaf6"
GRID = "#9fa8da"
INK = "#1a1a2e"

if TYPE_CHECKING:
    from PIL import ImageFont


def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    return ImageFont.load_default(FONT_SIZE)  # Pillow's bundled font (FreeType)


def _wrapped(text: str) -> list[str]:
    return textwrap.wrap(text, MAX_COLUMN_CHARS) or [""]


def _draw(table: Table) -> bytes:
    # Pillow loads with the first table drawn: every process that opens the app (each command
    # line, each test's bot) would otherwise pay for it at start
    from PIL import Image as PILImage
    from PIL import ImageDraw

    font = _font()
    header = [_wrapped(c) for c in table.columns]
    rows = [
        [_wrapped(row[i] if i < len(row) else "") for i in range(len(header))] for row in table.rows
    ]
    line_height = FONT_SIZE + 6
    probe = ImageDraw.Draw(PILImage.new("RGB", (1, 1)))

    def width_of(line: str) -> int:
        return int(probe.textlength(line, font=font))

    widths = [
        max(width_of(line) for cells in (header, *rows) for line in cells[i]) + 2 * PAD
        for i in range(len(header))
    ]
    heights = [
        max(len(cell) for cell in cells) * line_height + 2 * PAD for cells in (header, *rows)
    ]
    size = (sum(widths) + 1, sum(heights) + 1)
    picture = PILImage.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(picture)
    top = 0
    for n, (cells, height) in enumerate(zip((header, *rows), heights, strict=True)):
        left = 0
        for cell, width in zip(cells, widths, strict=True):
            box = (left, top, left + width, top + height)
            draw.rectangle(box, fill=HEADER if n == 0 else BACKGROUND, outline=GRID)
            for k, line in enumerate(cell):
                xy = (left + PAD, top + PAD + k * line_height)
                draw.text(xy, line, fill=INK, font=font, stroke_width=1 if n == 0 else 0)
            left += width
        top += height
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def table_alt(card: Card) -> str:
    """What the picture shows, in words: each row's cells named by their column."""
    table = card.table
    if table is None:
        return ""
    columns = table.columns
    rows = [
        f"{row[0]}: "
        + "; ".join(f"{col} {cell}" for col, cell in zip(columns[1:], row[1:], strict=False))
        for row in table.rows
    ]
    return f"Table comparing {', '.join(columns[1:])} by {columns[0]}. " + ". ".join(rows) + "."


@lru_cache(maxsize=64)  # a card is frozen: a reload brings new cards, and new pictures
def table_picture(card: Card) -> Image | None:
    """The card's table as a PNG (None for a card without a table)."""
    if card.table is None:
        return None
    return Image(_draw(card.table), f"{card.id}-table.png", table_alt(card))

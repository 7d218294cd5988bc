"""A card's ``picture:`` drawn: boxes sized to their labels, boxes inside boxes laid out in
rows or columns, arrows between any two boxes (clipped at their frames), labels on arrows.

Coordinates are points (1/72 inch) from the top left, so a font size and a box size mean the
same unit; the figure is made as large as the layout needs.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.textpath import TextToPath

from bot.content_picture import Arrow, ArrowStyle, Box, BoxStyle, Layout, Picture
from bot.pictures import style

PAD = 9.0  # inside a frame
GAP = 16.0  # between boxes inside one box
OUTER_GAP = 32.0  # between the outermost boxes
ROW_LINK_GAP = 96.0  # between boxes side by side that an arrow joins: room for its label
COLUMN_LINK_GAP = 44.0  # between boxes one above the other that an arrow joins
LINE = 14.0  # one line of label text
WRAP = 22  # characters per label line
WIDE_WRAP = 44  # for a box on its own (an outermost box with nothing inside)
MARGIN = 14.0
FONT = FontProperties(family="DejaVu Sans", size=style.FONT_SIZE)
BOLD = FontProperties(family="DejaVu Sans", size=style.FONT_SIZE, weight="bold")

# fill, frame: light fills keep the dark ink above 7:1 contrast
COLOURS = {
    BoxStyle.PLAIN: ("#ffffff", "#57606a"),
    BoxStyle.PROCESS: ("#ddf4ff", "#0969da"),
    BoxStyle.THREAD: ("#fff8c5", "#9a6700"),
    BoxStyle.MEMORY: ("#dafbe1", "#1a7f37"),
    BoxStyle.SHARED: ("#fbefff", "#8250df"),
    BoxStyle.LOCK: ("#fff1e5", "#bc4c00"),
    BoxStyle.DANGER: ("#ffebe9", "#cf222e"),
    BoxStyle.NOTE: ("#f6f8fa", "#8c959f"),
}
_measure = TextToPath()


def _arrow_lines(arrow: Arrow) -> list[str]:
    label = style.drawable(arrow.label, "") if arrow.label else ""
    if arrow.style == ArrowStyle.BLOCKED:
        label = f"✗ {label}" if label else "✗"
    return textwrap.wrap(label, WRAP) if label else []


def _lines(box: Box, wrap: int = WRAP) -> list[str]:
    if box.style == BoxStyle.GROUP or not box.label:
        return []
    return textwrap.wrap(style.drawable(box.label), wrap) or [""]


def _text_width(line: str, bold: bool) -> float:
    width, _, _ = _measure.get_text_width_height_descent(line, BOLD if bold else FONT, ismath=False)
    return float(width)


@dataclass
class _Placed:
    box: Box
    lines: list[str]
    w: float = 0.0
    h: float = 0.0
    x: float = 0.0
    y: float = 0.0
    children: list[_Placed] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)  # this box's and every box's inside it

    @property
    def framed(self) -> bool:
        return self.box.style != BoxStyle.GROUP

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2


def _measured(box: Box, outermost: bool = False) -> _Placed:
    """Each box's natural size, inside out (gaps come from the arrows: see ``_Layout``). An
    outermost box with nothing inside (a note under the picture) may take longer lines."""
    wrap = WIDE_WRAP if outermost and not box.inside else WRAP
    node = _Placed(box, _lines(box, wrap), children=[_measured(b) for b in box.inside])
    node.ids = {box.id}.union(*(child.ids for child in node.children))
    bold = bool(node.children)
    label_w = max((_text_width(line, bold) for line in node.lines), default=0.0)
    label_h = LINE * len(node.lines)
    pad = PAD if node.framed else 0.0
    if not node.children:
        node.w, node.h = label_w + 2 * pad, label_h + 2 * pad
        return node
    node.w, node.h = label_w + 2 * pad, label_h + 2 * pad  # grown by _size once gaps are known
    return node


class _Layout:
    """Sizes and places the boxes; a gap crossed by an arrow is wide enough for its label."""

    def __init__(self, picture: Picture) -> None:
        # each arrow's ends and the width its label needs above a horizontal line
        self.links = [
            (a.start, a.end, max((_text_width(x, False) for x in _arrow_lines(a)), default=0.0))
            for a in picture.arrows
        ]

    def gaps(self, nodes: list[_Placed], layout: str, outermost: bool) -> list[float]:
        narrow = OUTER_GAP if outermost else GAP
        found = []
        for a, b in zip(nodes, nodes[1:], strict=False):
            crossing = [
                label
                for s, e, label in self.links
                if (s in a.ids and e in b.ids) or (s in b.ids and e in a.ids)
            ]
            if not crossing:
                found.append(narrow)
            elif layout == Layout.ROW:
                found.append(max(ROW_LINK_GAP, max(crossing) + 2 * PAD))
            else:
                found.append(COLUMN_LINK_GAP)
        return found

    def size(self, node: _Placed) -> None:
        if not node.children:
            return
        for child in node.children:
            self.size(child)
        inner_w, inner_h = self.stack(node.children, node.box.layout, outermost=False)
        pad = PAD if node.framed else 0.0
        label_h = LINE * len(node.lines)
        node.w = max(node.w, inner_w + 2 * pad)
        node.h = inner_h + 2 * pad + (label_h + PAD / 2 if node.lines else 0.0)

    def stack(self, nodes: list[_Placed], layout: str, outermost: bool) -> tuple[float, float]:
        gaps = sum(self.gaps(nodes, layout, outermost))
        if layout == Layout.COLUMN:
            return max(n.w for n in nodes), sum(n.h for n in nodes) + gaps
        return sum(n.w for n in nodes) + gaps, max(n.h for n in nodes)

    def place(
        self, nodes: list[_Placed], layout: str, x: float, y: float, w: float, outermost: bool
    ) -> None:
        """Lay ``nodes`` out from (x, y) within width ``w``: a row shares one height and is
        centred; a column shares one width."""
        gaps = [*self.gaps(nodes, layout, outermost), 0.0]
        if layout == Layout.COLUMN:
            for node, gap in zip(nodes, gaps, strict=True):
                node.w = w
                self.settle(node, x, y)
                y += node.h + gap
            return
        height = max(n.h for n in nodes)
        x += (w - sum(n.w for n in nodes) - sum(gaps)) / 2
        for node, gap in zip(nodes, gaps, strict=True):
            node.h = height
            self.settle(node, x, y)
            x += node.w + gap

    def settle(self, node: _Placed, x: float, y: float) -> None:
        node.x, node.y = x, y
        if not node.children:
            return
        pad = PAD if node.framed else 0.0
        top = y + pad + (LINE * len(node.lines) + PAD / 2 if node.lines else 0.0)
        self.place(node.children, node.box.layout, x + pad, top, node.w - 2 * pad, False)


def _walk(nodes: list[_Placed]) -> list[_Placed]:
    found: list[_Placed] = []
    for node in nodes:
        found.append(node)
        found.extend(_walk(node.children))
    return found


def draw(picture: Picture) -> bytes:
    outer = [_measured(b, outermost=True) for b in picture.boxes]
    layout = _Layout(picture)
    for node in outer:
        layout.size(node)
    width, height = layout.stack(outer, picture.layout, outermost=True)
    layout.place(outer, picture.layout, MARGIN, MARGIN, width, outermost=True)
    width_pt = max(width + 2 * MARGIN, style.WIDTH_IN * 72)
    if width_pt > width + 2 * MARGIN:  # centre a narrow layout on the standard width
        shift = (width_pt - width - 2 * MARGIN) / 2
        for node in _walk(outer):
            node.x += shift
    per_line = int(width_pt / (style.FONT_SIZE * 0.6))  # DejaVu's average advance
    caption = textwrap.wrap(style.drawable(picture.caption), per_line) if picture.caption else []
    height_pt = height + 2 * MARGIN + LINE * len(caption) + (PAD if caption else 0.0)
    fig = style.figure(height_pt / 72)
    fig.set_size_inches(width_pt / 72, height_pt / 72)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width_pt)
    ax.set_ylim(height_pt, 0)  # y grows downwards, like the layout
    ax.axis("off")
    patches = {}
    for node in _walk(outer):
        if not node.framed:
            continue
        fill, frame = COLOURS[BoxStyle(node.box.style)]
        patch = FancyBboxPatch(
            (node.x, node.y),
            node.w,
            node.h,
            boxstyle="round,pad=0,rounding_size=6",
            facecolor=fill,
            edgecolor=frame,
            linewidth=1.6 if node.children else 1.2,
            linestyle="--" if node.box.style == BoxStyle.NOTE else "-",
        )
        ax.add_patch(patch)
        patches[node.box.id] = patch
        text_y = (
            node.y + PAD + (0 if node.children else (node.h - 2 * PAD - LINE * len(node.lines)) / 2)
        )
        ax.text(
            node.x + node.w / 2,
            text_y,
            "\n".join(node.lines),
            ha="center",
            va="top",
            linespacing=1.15,
            fontweight="bold" if node.children else "normal",
            fontstyle="italic" if node.box.style == BoxStyle.NOTE else "normal",
        )
    centres = {node.box.id: node.centre for node in _walk(outer)}
    for arrow in picture.arrows:
        _arrow(ax, arrow, centres, patches)
    if caption:
        ax.text(
            width_pt / 2,
            height_pt - MARGIN / 2,
            "\n".join(caption),
            ha="center",
            va="bottom",
            color=style.MUTED,
            fontstyle="italic",
        )
    return style.png_of(fig)


def _arrow(ax: Axes, arrow: Arrow, centres: dict, patches: dict) -> None:
    blocked = arrow.style == ArrowStyle.BLOCKED
    (x1, y1), (x2, y2) = centres[arrow.start], centres[arrow.end]
    colour = style.WARN if blocked else style.INK
    ax.add_patch(
        FancyArrowPatch(
            (x1, y1),
            (x2, y2),
            patchA=patches.get(arrow.start),
            patchB=patches.get(arrow.end),
            arrowstyle="-|>",
            mutation_scale=14,
            color=colour,
            linewidth=1.5,
            linestyle="-" if arrow.style == ArrowStyle.SOLID else (0, (4, 3)),
            shrinkA=2,
            shrinkB=2,
            zorder=3,
        )
    )
    lines = _arrow_lines(arrow)
    if not lines:
        return
    text = "\n".join(lines)
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    if abs(y2 - y1) > abs(x2 - x1):  # mostly vertical: the label beside the line
        ax.text(
            mx + 5,
            my,
            text,
            ha="left",
            va="center",
            fontsize=style.FONT_SIZE - 1,
            color=colour,
            zorder=4,
        )
    else:  # mostly horizontal: the label above it
        ax.text(
            mx,
            my - 4,
            text,
            ha="center",
            va="bottom",
            fontsize=style.FONT_SIZE - 1,
            color=colour,
            zorder=4,
        )

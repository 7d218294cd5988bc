"""The charts: horizontal bars (choices, demo measurements, accuracy per topic), a quiz night
podium, and a learner's progress (answers and accuracy per day; FSRS state per topic)."""

from __future__ import annotations

import textwrap

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot.pictures import style
from bot.pictures.specs import BarChart, PodiumChart, ProgressChart

LABEL_WRAP = 30
TITLE_WRAP = 64  # characters of a title line at 13 pt on the 6.4 in width
LINE_IN = 0.24  # one title line, in inches
PODIUM_COLOURS = {1: "#d4a72c", 2: "#8c959f", 3: "#bc4c00"}  # gold, silver, bronze frames
PODIUM_FILL = {1: "#fff8c5", 2: "#eaeef2", 3: "#fff1e5"}
FSRS_COLOURS = (("mastered", style.RIGHT), ("learning", "#d4a72c"), ("new", "#afb8c1"))


def _label(text: str) -> str:
    return "\n".join(textwrap.wrap(style.shorten(style.drawable(text), 2 * LABEL_WRAP), LABEL_WRAP))


def _tidy(ax: Axes) -> None:
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color=style.GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def _heading(fig: Figure, text: str, fallback: str = "") -> float:
    """A bold title at the figure's top left, wrapped; returns where the plots may end (the
    top of the rect ``tight_layout`` fills)."""
    lines = textwrap.wrap(style.drawable(text, fallback), TITLE_WRAP) or [fallback]
    height = fig.get_figheight()
    fig.text(
        0.015,
        1 - 0.08 / height,
        "\n".join(lines),
        ha="left",
        va="top",
        fontsize=style.FONT_SIZE + 2,
        weight="bold",
        color=style.INK,
    )
    return 1 - (0.16 + LINE_IN * len(lines)) / height


def _footer(fig: Figure, lines: list[str]) -> float:
    """Muted lines at the bottom left; returns where the plots may start."""
    if not lines:
        return 0.0
    wrapped = [
        w for line in lines for w in textwrap.wrap(style.drawable(line, ""), TITLE_WRAP + 16)
    ]
    fig.text(
        0.015,
        0.08 / fig.get_figheight(),
        "\n".join(wrapped),
        ha="left",
        va="bottom",
        color=style.MUTED,
        fontsize=style.FONT_SIZE - 1,
    )
    return (0.14 + LINE_IN * len(wrapped)) / fig.get_figheight()


def bars(spec: BarChart) -> bytes:
    rows = list(reversed(spec.bars))  # the first bar on top
    footer = [spec.note] if spec.note else []
    if spec.marked_means and any(b.marked for b in rows):
        footer.insert(0, f"Green, ✓: {spec.marked_means}")
    fig = style.figure(1.5 + 0.55 * len(rows) + 0.25 * len(footer))
    ax = fig.add_subplot()
    colours = [style.RIGHT if b.marked else style.NEUTRAL for b in rows]
    drawn = ax.barh(range(len(rows)), [b.value for b in rows], color=colours, height=0.62)
    ax.set_yticks(range(len(rows)), [_label(("✓ " if b.marked else "") + b.label) for b in rows])
    ax.bar_label(drawn, [b.text for b in rows], padding=4, color=style.INK)
    longest = max((b.value for b in rows), default=0.0)
    top = spec.top if spec.top is not None else longest
    ax.set_xlim(0, (top or 1.0) * 1.22)  # room for the value printed after the longest bar
    _tidy(ax)
    top = _heading(fig, spec.title)
    bottom = _footer(fig, footer)
    fig.tight_layout(rect=(0, bottom, 1, top))
    return style.png_of(fig)


def podium(spec: PodiumChart) -> bytes:
    fig = style.figure(3.6)
    ax = fig.add_subplot()
    ax.axis("off")
    top3 = [p for p in spec.places if p.rank <= 3][:3]
    # the classic order: second, first, third
    slots = {1: 1.0, 2: 0.0, 3: 2.0}
    heights = {1: 3.0, 2: 2.2, 3: 1.6}
    used: dict[float, int] = {}
    for place in top3:
        x = slots[place.rank]
        while x in used:  # a tie: the next free step
            x += 1.0
        used[x] = place.rank
        h = heights[place.rank]
        ax.bar(
            x,
            h,
            width=0.9,
            color=PODIUM_FILL[place.rank],
            edgecolor=PODIUM_COLOURS[place.rank],
            linewidth=2,
        )
        ax.text(x, h / 2, str(place.rank), ha="center", va="center", fontsize=28, weight="bold")
        name = style.shorten(style.drawable(place.name, f"player {place.rank}"), 18)
        ax.text(x, h + 0.55, name, ha="center", va="bottom", weight="bold")
        ax.text(
            x,
            h + 0.1,
            f"{place.points} pts · {place.right}/{place.answered} right",
            ha="center",
            va="bottom",
            color=style.MUTED,
            fontsize=style.FONT_SIZE - 1,
        )
    if not top3:
        ax.text(1.0, 1.5, "Nobody answered.", ha="center", va="center", color=style.MUTED)
    ax.set_xlim(-0.6, max(2.6, max(used, default=0) + 0.6))
    ax.set_ylim(0, 4.4)
    top = _heading(fig, spec.title)
    fig.tight_layout(rect=(0, 0, 1, top))
    return style.png_of(fig)


def progress(spec: ProgressChart) -> bytes:
    topics = spec.topics
    fig = style.figure(3.2 + 0.45 * max(1, len(topics)))
    grid = fig.add_gridspec(2, 1, height_ratios=(2.2, 0.45 * max(1, len(topics)) + 0.6))
    days_ax = fig.add_subplot(grid[0])
    x = range(len(spec.days))
    answered = [d.answered for d in spec.days]
    correct = [d.correct for d in spec.days]
    days_ax.bar(x, answered, color="#afb8c1", width=0.8, label="answers")
    days_ax.bar(x, correct, color=style.RIGHT, width=0.8, label="right")
    days_ax.set_ylabel("answers")
    ticks = [i for i, d in enumerate(spec.days) if d.day.weekday() == 0] or [0]
    days_ax.set_xticks(ticks, [f"{spec.days[i].day:%d %b}" for i in ticks])
    days_ax.set_xlim(-0.6, len(spec.days) - 0.4)
    days_ax.set_ylim(0, max([*answered, 1]) * 1.6)  # room for the legend above the bars
    days_ax.grid(axis="y", color=style.GRID, linewidth=0.8)
    days_ax.set_axisbelow(True)
    rate = days_ax.twinx()
    points = [(i, d.correct / d.answered * 100) for i, d in enumerate(spec.days) if d.answered]
    if points:
        rate.plot(
            [i for i, _ in points],
            [p for _, p in points],
            color=style.ACCENT,
            marker="o",
            markersize=4,
            linewidth=1.6,
            label="accuracy %",
        )
    rate.set_ylim(0, 165)  # 100% at 60% of the height: the legend above stays clear
    rate.set_yticks([0, 25, 50, 75, 100])
    rate.set_ylabel("accuracy %", color=style.ACCENT)
    rate.tick_params(axis="y", colors=style.ACCENT)
    rate.spines["right"].set_visible(True)
    rate.spines["right"].set_color(style.GRID)
    handles = days_ax.get_legend_handles_labels()[0] + rate.get_legend_handles_labels()[0]
    days_ax.legend(handles=handles, loc="upper left", frameon=False, ncols=3, fontsize=9)
    top = _heading(fig, f"{spec.name_shown}: the last {len(spec.days) // 7} weeks", "Your progress")
    topic_ax = fig.add_subplot(grid[1])
    rows = list(reversed(topics))
    left = [0] * len(rows)
    for key, colour in FSRS_COLOURS:
        values = [getattr(t, key) for t in rows]
        drawn = topic_ax.barh(range(len(rows)), values, left=left, color=colour, label=key)
        topic_ax.bar_label(
            drawn, [str(v) if v else "" for v in values], label_type="center", color=style.INK
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    topic_ax.set_yticks(range(len(rows)), [_label(t.topic) for t in rows])
    topic_ax.set_xlabel("questions")
    _tidy(topic_ax)
    topic_ax.legend(loc="lower right", frameon=False, ncols=3, fontsize=9, bbox_to_anchor=(1, 1))
    fig.tight_layout(rect=(0, 0, 1, top))
    return style.png_of(fig)

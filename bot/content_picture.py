"""A card's ``picture:``: the key idea as a small declarative diagram (boxes, boxes inside
boxes, arrows, labels), drawn by ``bot.pictures``; its schema and the checks beyond the schema.

An author writes what the picture means, not where things go: the layout is computed.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

import msgspec

MAX_BOXES = 24  # more than this is no longer a picture people read at a glance
MAX_DEPTH = 3  # a box inside a box inside a box
MAX_LABEL = 60  # characters; a label is a few words (it wraps at about 20)


class BoxStyle(StrEnum):
    """What a box stands for; each style has its own colour (the legend is the labels)."""

    PLAIN = "plain"
    PROCESS = "process"
    THREAD = "thread"
    MEMORY = "memory"
    SHARED = "shared"  # something several parts use together (shared memory, a queue)
    LOCK = "lock"
    DANGER = "danger"  # what goes wrong (a crash, a lost update)
    NOTE = "note"
    GROUP = "group"  # no frame and no label: only places the boxes inside it together


class ArrowStyle(StrEnum):
    SOLID = "solid"
    DASHED = "dashed"  # something that may happen, or happens through the system
    BLOCKED = "blocked"  # cannot happen: drawn crossed out


class Layout(StrEnum):
    ROW = "row"
    COLUMN = "column"


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


class Box(_Strict):
    id: str
    label: str = ""  # every box but a group has one
    style: str = BoxStyle.PLAIN.value
    layout: str = Layout.ROW.value  # how the boxes inside are placed
    inside: tuple[Box, ...] = ()


class Arrow(_Strict):
    start: str = msgspec.field(name="from")  # a box id
    end: str = msgspec.field(name="to")
    label: str = ""
    style: str = ArrowStyle.SOLID.value


class Picture(_Strict):
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...] = ()
    layout: str = Layout.ROW.value  # how the outermost boxes are placed
    caption: str = ""  # one sentence: what the picture shows (it leads the alt text)


PICTURE_TYPES = (Picture, Box, Arrow)


def all_boxes(boxes: tuple[Box, ...], depth: int = 1) -> list[tuple[Box, int, tuple[int, ...]]]:
    """Every box with its depth and its index path (for error lines), outermost first."""
    found: list[tuple[Box, int, tuple[int, ...]]] = []
    for i, box in enumerate(boxes):
        found.append((box, depth, (i,)))
        for inner, inner_depth, path in all_boxes(box.inside, depth + 1):
            found.append((inner, inner_depth, (i, *path)))
    return found


def _box_path(where: tuple[Any, ...], indexes: tuple[int, ...]) -> tuple[Any, ...]:
    path: tuple[Any, ...] = (*where, "boxes", indexes[0])
    for i in indexes[1:]:
        path = (*path, "inside", i)
    return path


def _known(enum: type[StrEnum]) -> str:
    return ", ".join(member.value for member in enum)


def check_picture(
    picture: Picture,
    where: tuple[Any, ...],
    problem: Callable[[tuple[Any, ...], str], None],
    slug: Callable[[str], bool],
) -> None:
    """Report what the schema cannot: ids, references, styles, sizes (``problem`` places each
    at its line)."""
    boxes = all_boxes(picture.boxes)
    if not boxes:
        problem((*where, "boxes"), "picture needs at least one box")
    if len(boxes) > MAX_BOXES:
        problem((*where, "boxes"), f"picture has {len(boxes)} boxes; at most {MAX_BOXES}")
    if picture.layout not in set(Layout):
        problem((*where, "layout"), f"unknown layout {picture.layout!r} (known: {_known(Layout)})")
    ids: dict[str, int] = {}
    for box, depth, indexes in boxes:
        path = _box_path(where, indexes)
        if not slug(box.id):
            problem((*path, "id"), f"box id {box.id!r} must be a lowercase slug (a-z, 0-9, '-')")
        elif box.id in ids:
            problem((*path, "id"), f"duplicate box id {box.id!r} in this picture")
        ids[box.id] = depth
        if box.style == BoxStyle.GROUP:
            if not box.inside:
                problem(path, f"group {box.id!r} has no boxes inside")
        elif not box.label.strip():
            problem((*path, "label"), f"box {box.id!r}: label is empty")
        elif len(box.label) > MAX_LABEL:
            problem((*path, "label"), f"box {box.id!r}: label over {MAX_LABEL} characters")
        if box.style not in set(BoxStyle):
            problem(
                (*path, "style"), f"unknown box style {box.style!r} (known: {_known(BoxStyle)})"
            )
        if box.layout not in set(Layout):
            problem((*path, "layout"), f"unknown layout {box.layout!r} (known: {_known(Layout)})")
        if depth == MAX_DEPTH + 1:  # reported once, at the first box too deep
            problem(path, f"box {box.id!r} is nested {depth} deep; at most {MAX_DEPTH}")
    for a, arrow in enumerate(picture.arrows):
        path = (*where, "arrows", a)
        for key, target in (("from", arrow.start), ("to", arrow.end)):
            if target not in ids:
                problem((*path, key), f"arrow {key} unknown box {target!r}")
        if arrow.start == arrow.end:
            problem(path, f"arrow from {arrow.start!r} to itself")
        if arrow.style not in set(ArrowStyle):
            problem(
                (*path, "style"),
                f"unknown arrow style {arrow.style!r} (known: {_known(ArrowStyle)})",
            )
        if len(arrow.label) > MAX_LABEL:
            problem((*path, "label"), f"arrow label over {MAX_LABEL} characters")

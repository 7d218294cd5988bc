"""The slow path of a content load: a file that msgspec refused is walked field by field, so
that every unknown key, missing key and wrong type is reported with its line (msgspec stops at
the first), keeping the sound parts for the content checks. Loaded only when a file fails."""

from __future__ import annotations

import difflib
import types
import typing
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

from bot.content_files import (
    MAX_PROBLEMS_PER_FILE,
    UNREADABLE,
    TooManyProblems,
    YamlDoc,
    show,
)
from bot.content_model import (
    Card,
    ChoiceIn,
    ContentProblem,
    Misconception,
    Parsed,
    QuestionIn,
    Section,
    Table,
)
from bot.content_picture import PICTURE_TYPES


def _fields(cls: type[msgspec.Struct]) -> dict[str, msgspec.structs.FieldInfo]:
    """A struct's fields by the key a file writes (``from``, where Python says ``start``)."""
    return {f.encode_name: f for f in msgspec.structs.fields(cls)}


_FIELDS = {
    cls: _fields(cls)
    for cls in (Card, Section, Table, Misconception, ChoiceIn, QuestionIn, *PICTURE_TYPES)
}


class SchemaWalk:
    """The slow path for a file msgspec refused: walk it field by field and report every
    unknown key, missing key and wrong type (msgspec stops at the first), keeping the sound
    parts so the content checks still run on them."""

    def __init__(self, file: Path, doc: YamlDoc, reported: int = 0) -> None:
        self._file = str(file)
        self._doc = doc
        self._room = MAX_PROBLEMS_PER_FILE - reported
        self.problems: list[ContentProblem] = []

    def problem(self, path: tuple[Any, ...], message: str) -> None:
        if len(self.problems) >= self._room:
            raise TooManyProblems
        self.problems.append(ContentProblem(self._file, self._doc.line_of(path), message))

    def file(self) -> Parsed:
        parsed = Parsed(Path(self._file), self._doc)
        data = self._doc.data
        if data is None:
            self.problem((), "the file is empty; it needs card: and questions:")
            return parsed
        if not isinstance(data, dict):
            self.problem((), f"expected a mapping with card: and questions:, got {_kind(data)}")
            return parsed
        for key in data:
            if key not in ("card", "questions"):
                self.problem((key,), f"unknown key {show(key)}")
        if "card" in data:
            parsed.card, parsed.card_bad = self.struct(data["card"], Card, ("card",))
        else:
            self.problem((), "missing required key 'card'")
        items = data.get("questions", [])
        if not isinstance(items, list):
            if items is not UNREADABLE:
                self.problem(("questions",), f"questions: expected a list, got {_kind(items)}")
            return parsed
        for i, item in enumerate(items):
            question, bad = self.struct(item, QuestionIn, ("questions", i))
            if question is not None:
                parsed.questions.append((i, question, bad))
        return parsed

    def struct(self, value: Any, cls: type, path: tuple[Any, ...]) -> tuple[Any, frozenset[str]]:
        """``cls`` from ``value``; missing or malformed fields are reported, get a placeholder
        and are named in the returned set. ``None`` if ``value`` is not a mapping at all."""
        if value is UNREADABLE:
            return None, frozenset()
        if not isinstance(value, dict):
            self.problem(path, f"{_where(path)}expected a mapping (key: value), got {_kind(value)}")
            return None, frozenset()
        fields = _FIELDS[cls]
        absent = [name for name in fields if name not in value]
        typos: set[str] = set()  # absent keys an unknown key looks like a typo of
        for key in value:
            if key not in fields:
                close = difflib.get_close_matches(key, absent, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                typos.update(close)
                self.problem((*path, key), f"unknown key {show(key)}{hint}")
        kwargs: dict[str, Any] = {}
        bad: set[str] = set()
        for name, info in fields.items():
            if name in value:
                converted, ok = self.value(value[name], info.type, (*path, name))
                if ok:
                    kwargs[info.name] = converted
                    continue
            elif info.required:
                if name not in typos:  # `wyh:` is one problem, not two
                    self.problem(path, f"{_where(path)}missing required key {name!r}")
            else:
                continue
            bad.add(name)
            if info.required:
                kwargs[info.name] = () if typing.get_origin(info.type) is tuple else ""
        return cls(**kwargs), frozenset(bad)

    def value(self, value: Any, tp: Any, path: tuple[Any, ...]) -> tuple[Any, bool]:
        """(converted, sound) for one field's value; each problem reported once."""
        if value is UNREADABLE:
            return None, False
        try:  # most of a file that failed is sound: convert it whole where it is
            return msgspec.convert(value, tp), True
        except msgspec.ValidationError:
            pass
        if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            result, bad = self.struct(value, tp, path)
            return result, result is not None and not bad
        origin = typing.get_origin(tp)
        if origin is tuple:
            if not isinstance(value, list):
                self.problem(path, f"{_where(path)}expected a list, got {_kind(value)}")
                return None, False
            items, sound = [], True
            for i, item in enumerate(value):
                converted, ok = self.value(item, typing.get_args(tp)[0], (*path, i))
                items.append(converted)
                sound = sound and ok
            return tuple(items), sound
        if origin in (typing.Union, types.UnionType) and isinstance(value, dict):
            for member in typing.get_args(tp):
                if isinstance(member, type) and issubclass(member, msgspec.Struct):
                    return self.value(value, member, path)
        hint = ""
        takes_text = tp is str or str in typing.get_args(tp)
        if takes_text and isinstance(value, bool | int | float | date):
            hint = " (put it in quotes if you meant text)"  # `answer: yes`, `title: 1.0`
        self.problem(path, f"{_where(path)}expected {_describe(tp)}, got {_kind(value)}{hint}")
        return None, False


def _where(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) + ": " if path else ""


def _describe(tp: Any) -> str:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        names = [_describe(m) for m in typing.get_args(tp) if m is not type(None)]
        return " or ".join(names)
    if typing.get_origin(tp) is tuple:
        return "a list"
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return "a mapping (key: value)"
    return {str: "text", int: "a whole number", bool: "true or false"}.get(tp, str(tp))


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {value}"
    if isinstance(value, int | float):
        return f"the number {show(value)}"
    if isinstance(value, str):
        return f"the text {show(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, date):
        return f"the date {value}"
    if isinstance(value, bytes):
        return "binary data"
    return type(value).__name__  # pragma: no cover - the YAML types are all above

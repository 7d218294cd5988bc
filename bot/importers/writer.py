"""Card files written the way people write them: block style, multi-line text as ``|``
blocks, keys in schema order. libyaml's emitter writes them (50,000 questions in about a
second, where PyYAML's own took over a minute); it puts a list's ``-`` at its key's column."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from bot.importers.markup import clean


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    value = clean(value)  # the last guard: a lone surrogate cannot be written as UTF-8
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_card(card: dict[str, Any], questions: Sequence[dict[str, Any]]) -> str:
    """One card file's YAML text."""
    head = "# Imported by `quizbot content import`; edit freely (keep the question ids).\n"
    body = yaml.dump(
        {"card": card, "questions": list(questions)},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=4096,  # no folding: one line per value is easier to edit
        default_flow_style=False,
    )
    return head + body

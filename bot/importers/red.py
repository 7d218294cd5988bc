"""Red-DiscordBot trivia lists: a YAML mapping of question -> list of accepted answers,
with the reserved keys ``AUTHOR``, ``DESCRIPTION`` and ``CONFIG`` (and ``$schema``).

The file is composed with PyYAML's base loader (libyaml's where PyYAML has it), so every
scalar keeps the text it was written as: ``- 7`` is the answer "7", ``- yes`` is "yes" (not
True), ``- 1.50`` is "1.50". Every question becomes a typed-answer question in one topic
named after the file.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.content_files import yaml_error
from bot.importers.common import KIND_TYPED, FileReport, ImportedQuestion, ParsedFile, plain_text
from bot.importers.markup import clean
from bot.kernel.text import count_of

try:  # libyaml's parser and composer, ~10x faster than PyYAML's own; the same nodes
    from yaml import CBaseLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import BaseLoader as _Loader  # type: ignore[assignment]

FORMAT = "red"
RESERVED = ("AUTHOR", "DESCRIPTION", "CONFIG", "$schema")


class _AliasRefused(Exception):
    def __init__(self, anchor: str, line: int) -> None:
        super().__init__(anchor)
        self.anchor, self.line = anchor, line


_TOO_DEEP = "invalid YAML: nested too deep (a trivia list nests 2)"


def _refuse_aliases(text: str) -> None:
    """Raise ``_AliasRefused`` at the first alias, as a composer would meet it: like the pack
    loader, a list never expands a ``*name`` (a 5 KB file of aliases to aliases would become a
    card of megabytes). libyaml's composer cannot be stopped at an alias, so its events are
    read first; only when the text has a ``*`` at all."""
    if "*" not in text:
        return
    anchors: set[str] = set()
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise _AliasRefused(str(event.anchor), event.start_mark.line + 1)
        if isinstance(event, yaml.DocumentEndEvent):
            return  # a second document is the composer's error, found before its aliases
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            if anchor in anchors:
                return  # a duplicate anchor too: the composer reports it where it is
            anchors.add(anchor)


def parse(path: Path, text: str, label: str) -> ParsedFile:
    """Read a Red trivia list's ``text``; ``label`` names it in messages."""
    report = FileReport(label, FORMAT)
    topic = clean(Path(label).stem)
    try:
        _refuse_aliases(text)
        root = yaml.compose(text, Loader=_Loader)
    except _AliasRefused as exc:
        report.problem(exc.line, f"YAML alias *{exc.anchor} is not allowed; write the value out")
        return report.result()
    except RecursionError:  # PyYAML's own composer recurses once per level
        report.problem(1, _TOO_DEEP)
        return report.result()
    except yaml.YAMLError as exc:
        line, message = yaml_error(text, exc)
        if getattr(exc, "problem", None) == "exceeded maximum nesting depth":  # libyaml's 1,000
            message = _TOO_DEEP
        report.problem(line, message)
        return report.result()
    if root is None:
        report.problem(1, "empty file: a Red trivia list maps each question to its answers")
        return report.result()
    if not isinstance(root, yaml.MappingNode):
        found = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        report.problem(
            root.start_mark.line + 1,
            f"a Red trivia list is a mapping of question -> list of answers; found {found}",
        )
        return report.result()
    seen: dict[str, int] = {}
    about: list[str] = []
    for key, value in root.value:
        line = key.start_mark.line + 1
        if not isinstance(key, yaml.ScalarNode):
            report.problem(line, "a question must be text, not a list or mapping")
            continue
        if key.value in RESERVED:
            if key.value in ("AUTHOR", "DESCRIPTION") and isinstance(value, yaml.ScalarNode):
                about.append(f"{key.value.title()}: {' '.join(clean(value.value).split())}")
            continue
        prompt, media = plain_text(key.value)
        if not prompt:
            report.problem(line, "empty question")
            continue
        if not isinstance(value, yaml.SequenceNode):
            report.problem(
                value.start_mark.line + 1, f"the answers to {prompt[:40]!r} must be a list"
            )
            continue
        answers: list[str] = []
        folded_answers: set[str] = set()
        bad = False
        for item in value.value:
            if not isinstance(item, yaml.ScalarNode):
                report.problem(item.start_mark.line + 1, "an answer must be text, not a list")
                bad = True
                continue
            answer = " ".join(clean(item.value).split())
            if answer and answer.casefold() not in folded_answers:
                folded_answers.add(answer.casefold())
                answers.append(answer)
        if bad:
            continue
        if not answers:
            report.problem(line, f"{prompt[:40]!r} has no answers")
            continue
        folded = prompt.casefold()
        if folded in seen:
            report.skip(line, f"the same question as line {seen[folded]}")
            continue
        seen[folded] = line
        if media:
            report.note(line, f"dropped {count_of(media, 'media reference')}")
        report.add(
            topic,
            ImportedQuestion(prompt=prompt, kind=KIND_TYPED, line=line, accept=tuple(answers)),
        )
    report.about[topic] = about
    return report.result()

"""Red-DiscordBot trivia lists: a YAML mapping of question -> list of accepted answers,
with the reserved keys ``AUTHOR``, ``DESCRIPTION`` and ``CONFIG`` (and ``$schema``).

The file is composed with PyYAML's BaseLoader, so every scalar keeps the text it was
written as: ``- 7`` is the answer "7", ``- yes`` is "yes" (not True), ``- 1.50`` is
"1.50". Every question becomes a typed-answer question in one topic named after the file.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.importers.common import KIND_TYPED, FileReport, ImportedQuestion, ParsedFile, plain_text
from bot.importers.markup import clean
from bot.kernel.text import count_of

FORMAT = "red"
RESERVED = ("AUTHOR", "DESCRIPTION", "CONFIG", "$schema")


class _AliasRefused(Exception):
    def __init__(self, anchor: str, line: int) -> None:
        super().__init__(anchor)
        self.anchor, self.line = anchor, line


class _Loader(yaml.BaseLoader):
    """Every scalar as written, and no aliases: like the pack loader, a list never expands a
    ``*name`` (a 5 KB file of aliases to aliases would become a card of megabytes)."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasRefused(str(event.anchor), event.start_mark.line + 1)
        return super().compose_node(parent, index)


def parse(path: Path, text: str, label: str) -> ParsedFile:
    """Read a Red trivia list's ``text``; ``label`` names it in messages."""
    report = FileReport(label, FORMAT)
    topic = clean(Path(label).stem)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except _AliasRefused as exc:
        report.problem(exc.line, f"YAML alias *{exc.anchor} is not allowed; write the value out")
        return report.result()
    except RecursionError:
        report.problem(1, "invalid YAML: nested too deep (a trivia list nests 2)")
        return report.result()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        report.problem(mark.line + 1 if mark else 1, f"invalid YAML: {reason}")
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

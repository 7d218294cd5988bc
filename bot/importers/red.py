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

FORMAT = "red"
RESERVED = ("AUTHOR", "DESCRIPTION", "CONFIG", "$schema")


def parse(path: Path, text: str, label: str) -> ParsedFile:
    """Read a Red trivia list's ``text``; ``label`` names it in messages."""
    report = FileReport(label, FORMAT)
    topic = Path(label).stem
    try:
        root = yaml.compose(text, Loader=yaml.BaseLoader)
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
                about.append(f"{key.value.title()}: {' '.join(value.value.split())}")
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
        bad = False
        for item in value.value:
            if not isinstance(item, yaml.ScalarNode):
                report.problem(item.start_mark.line + 1, "an answer must be text, not a list")
                bad = True
                continue
            answer = " ".join(item.value.split())
            if answer and answer.casefold() not in (a.casefold() for a in answers):
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
            report.note(line, f"dropped {media} media reference(s)")
        report.add(
            topic,
            ImportedQuestion(prompt=prompt, kind=KIND_TYPED, line=line, accept=tuple(answers)),
        )
    report.about[topic] = about
    return report.result()

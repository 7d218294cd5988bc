"""``quizbot content import``: questions from other quiz formats as a content pack.

Each format module turns one file into a :class:`~bot.importers.common.ParsedFile`
(topics of questions, skipped items, notes, problems); :func:`import_files` turns those
into one card file per topic, checks the result with the normal loader (together with
the ``.yaml`` files already in the output folder) in a temporary folder, and only then
writes. Any problem anywhere: nothing is written.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.content import ContentError, load_pack
from bot.importers import anki, gift, opentdb, red
from bot.importers.common import (
    IMPORTED,
    NO_EXPLANATION,
    ORIGINAL_RIGHT_FEEDBACK,
    ImportedQuestion,
    ParsedFile,
    no_explanation_why,
    slug,
    stable_id,
)
from bot.importers.writer import dump_card

Parser = Callable[[Path, str, str], ParsedFile]
FORMATS: dict[str, tuple[str, Parser]] = {
    "gift": ("Moodle GIFT", gift.parse),
    "red": ("Red-DiscordBot trivia list", red.parse),
    "opentdb": ("Open Trivia DB JSON", opentdb.parse),
    "anki": ("Anki plain-text export", anki.parse),
}
DEFAULT_TRACK = "imported"
CARD_ORDER = 100  # imported cards come after the lessons, in the order of their sources


@dataclass(frozen=True)
class ImportResult:
    """What an import did (``written`` is empty when ``problems`` is not)."""

    written: tuple[tuple[Path, int], ...]  # (file, questions in it)
    kinds: tuple[tuple[str, int], ...]  # questions per kind
    skipped: tuple[str, ...]
    notes: tuple[str, ...]
    problems: tuple[str, ...]
    no_explanation: int = 0

    @property
    def imported(self) -> int:
        return sum(n for _, n in self.kinds)


def parse_files(fmt: str, files: Sequence[Path | str]) -> list[ParsedFile]:
    """Run the ``fmt`` importer on every file (unreadable files become problems)."""
    _, parser = FORMATS[fmt]
    parsed = []
    seen: set[Path] = set()
    for name in files:
        path = Path(name)
        if path.resolve() in seen:  # the same file named twice is read once
            continue
        seen.add(path.resolve())
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            parsed.append(ParsedFile(str(path), fmt, problems=(f"{path}:0: no such file",)))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            parsed.append(
                ParsedFile(str(path), fmt, problems=(f"{path}:0: cannot read: {reason}",))
            )
            continue
        parsed.append(parser(path, text, str(path)))
    return parsed


def build_documents(parsed: Sequence[ParsedFile], track: str) -> dict[str, tuple[str, int]]:
    """Each card file: file name -> (YAML text, number of questions), in topic order."""
    grouped: dict[str, list[tuple[ParsedFile, ImportedQuestion]]] = {}
    about: dict[str, list[str]] = {}
    sources: dict[str, list[str]] = {}
    for result in parsed:
        name = FORMATS[result.format][0]
        for topic in result.topics:
            grouped.setdefault(topic.name, []).extend((result, q) for q in topic.questions)
            lines = about.setdefault(topic.name, [])
            lines.extend(line for line in topic.about if line not in lines)
            origin = f"{Path(result.path).name} ({name})"
            if origin not in sources.setdefault(topic.name, []):
                sources[topic.name].append(origin)

    documents: dict[str, tuple[str, int]] = {}
    used: set[str] = set()
    occurrences: Counter[tuple[str, str]] = Counter()
    for position, (topic, items) in enumerate(grouped.items()):
        base = slug(topic) or DEFAULT_TRACK
        card_id, n = base, 2
        while card_id in used:
            card_id, n = f"{base}-{n}", n + 1
        used.add(card_id)
        questions = []
        for result, q in items:
            source = f"{result.format}:{Path(result.path).name}"
            key = (source, " ".join(q.prompt.casefold().split()))
            occurrences[key] += 1
            questions.append(_question_data(q, stable_id(q.prompt, source, occurrences[key])))
        from_ = ", ".join(sources[topic])
        card = {
            "id": card_id,
            "title": topic,
            "track": track,
            "order": CARD_ORDER + position,
            "summary": f"{_questions(len(items))} imported from {from_}.",
            "sections": [
                {
                    "heading": "Source",
                    "points": [
                        f"Imported with quizbot content import from {from_}.",
                        *about[topic],
                        "This card has no lesson text yet: only the imported questions.",
                    ],
                }
            ],
            "recap": [f"{_questions(len(items))} imported about {topic}."],
        }
        documents[f"{card_id}.yaml"] = (dump_card(card, questions), len(questions))
    return documents


def _questions(n: int) -> str:
    return f"{n} question" if n == 1 else f"{n} questions"


def _question_data(q: ImportedQuestion, question_id: str) -> dict[str, object]:
    answers = q.accept if q.accept else (q.answer,)
    data: dict[str, object] = {"id": question_id, "prompt": q.prompt}
    if q.accept:
        data["accept"] = list(q.accept)
    else:
        data["choices"] = [
            {"text": text, "feedback": feedback} if feedback else text
            for text, feedback in zip(q.choices, q.feedback or [""] * len(q.choices), strict=True)
        ]
        data["answer"] = q.answer
        if q.keep_order:
            data["keep_order"] = True
    if not q.why:
        data["why"] = no_explanation_why(q.kind, answers, q.right_feedback)
    elif q.right_feedback and q.right_feedback not in q.why:
        # the general feedback is the Why; the right choice's own feedback is kept after it
        data["why"] = f"{q.why} {ORIGINAL_RIGHT_FEEDBACK}“{q.right_feedback}”"
    else:
        data["why"] = q.why
    data["source"] = IMPORTED if q.why else NO_EXPLANATION
    return data


def import_files(
    fmt: str,
    files: Sequence[Path | str],
    out: Path | str,
    topic: str | None = None,
    force: bool = False,
) -> ImportResult:
    """Import ``files`` of format ``fmt`` into card files in ``out`` (see the module doc)."""
    out = Path(out)
    parsed = parse_files(fmt, files)
    skipped = tuple(line for p in parsed for line in p.skipped)
    notes = tuple(line for p in parsed for line in p.notes)
    problems = [line for p in parsed for line in p.problems]

    def failed(extra: Sequence[str] = ()) -> ImportResult:
        return ImportResult((), (), skipped, notes, (*problems, *extra))

    track = DEFAULT_TRACK
    if topic is not None:
        track = slug(topic, max_words=12, max_length=60)
        if not track:
            return failed([f"--topic {topic!r}: needs letters or digits"])
    if problems:
        return failed()
    questions = [q for p in parsed for t in p.topics for q in t.questions]
    if not questions:
        return failed(["nothing to import: no questions that quizbot can ask were found"])
    documents = build_documents(parsed, track)
    if out.exists() and not out.is_dir():
        return failed([f"{out}: --out must be a folder"])
    clashes = [f"{out / n}: already exists (--force overwrites)" for n in documents]
    clashes = [c for c, n in zip(clashes, documents, strict=True) if (out / n).exists()]
    if clashes and not force:
        return failed(clashes)

    with tempfile.TemporaryDirectory(prefix="quizbot-import-") as tmp:
        staging = Path(tmp)
        if out.is_dir():  # check against the pack already there (ids must stay unique)
            for existing in [*out.glob("*.yaml"), *out.glob("*.yml")]:
                if existing.name not in documents:
                    shutil.copyfile(existing, staging / existing.name)
        for name, (text, _) in documents.items():
            (staging / name).write_text(text, encoding="utf-8")
        try:
            load_pack(staging)
        except ContentError as exc:
            shown = str(staging)
            return failed(
                [
                    f"the result does not validate: {str(p).replace(shown, str(out))}"
                    for p in exc.problems
                ]
            )
        written = []
        try:
            out.mkdir(parents=True, exist_ok=True)
            for name, (text, count) in documents.items():
                temp = out / f".{name}.importing"
                temp.write_text(text, encoding="utf-8")
                temp.replace(out / name)
                written.append((out / name, count))
        except OSError as exc:
            done = f" ({len(written)} file(s) were written before)" if written else ""
            return failed([f"{exc.filename or out}: cannot write: {exc.strerror}{done}"])
    kinds = Counter(q.kind for q in questions)
    return ImportResult(
        written=tuple(written),
        kinds=tuple(sorted(kinds.items())),
        skipped=skipped,
        notes=notes,
        problems=(),
        no_explanation=sum(1 for q in questions if not q.why),
    )

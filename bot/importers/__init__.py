"""``quizbot content import``: questions from other quiz formats as a content pack.

Each format module turns one file into a :class:`~bot.importers.common.ParsedFile`
(topics of questions, skipped items, notes, problems); :func:`import_files` turns those
into one card file per topic, checks the result with the normal loader (together with
the ``.yaml`` files already in the output folder) in a temporary folder, and only then
writes. Any problem anywhere: nothing is written.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.content import ContentError, load_pack
from bot.content_files import collector_paused, find_files, read_text
from bot.import_formats import FORMAT_LABELS
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
from bot.kernel.text import count_of

Parser = Callable[[Path, str, str], ParsedFile]
_PARSERS: dict[str, Parser] = {
    "gift": gift.parse,
    "red": red.parse,
    "opentdb": opentdb.parse,
    "anki": anki.parse,
}
# every format the command line offers has its parser (a KeyError here at import otherwise)
FORMATS: dict[str, tuple[str, Parser]] = {
    name: (label, _PARSERS[name]) for name, label in FORMAT_LABELS.items()
}
MAX_IMPORT_BYTES = 32 * 1024 * 1024  # ~150,000 GIFT questions; read no more than this
# one card file per topic, cut into parts below the loader's 2 MB cap: a big bank stays
# several files a person can open and edit
MAX_QUESTIONS_PER_FILE = 1000
PART_BYTES = 1024 * 1024  # JSON size of a part's questions; its YAML is about the same
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
    malformed: int = 0  # of the skipped: questions that could not be read

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
        if not os.path.lexists(path):
            parsed.append(ParsedFile(str(path), fmt, problems=(f"{path}:0: no such file",)))
            continue
        # only a regular file is opened (a FIFO would block, /dev/zero never end), and at most
        # MAX_IMPORT_BYTES of it is read
        text, found = read_text(path, MAX_IMPORT_BYTES)
        if text is None:
            line, message = found[0]
            parsed.append(ParsedFile(str(path), fmt, problems=(f"{path}:{line}: {message}",)))
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
    position = 0
    for topic, items in grouped.items():
        questions = []
        for result, q in items:
            source = f"{result.format}:{Path(result.path).name}"
            key = (source, " ".join(q.prompt.casefold().split()))
            occurrences[key] += 1
            questions.append(_question_data(q, stable_id(q.prompt, source, occurrences[key])))
        parts = _parts(questions)
        for number, part in enumerate(parts, start=1):
            base = slug(topic) or DEFAULT_TRACK
            if len(parts) > 1:
                base = f"{base}-part-{number}"
            card_id, n = base, 2
            while card_id in used:
                card_id, n = f"{base}-{n}", n + 1
            used.add(card_id)
            title = f"{topic} (part {number} of {len(parts)})" if len(parts) > 1 else topic
            from_ = ", ".join(sources[topic])
            card = {
                "id": card_id,
                "title": title,
                "track": track,
                "order": CARD_ORDER + position,
                "summary": f"{_questions(len(part))} imported from {from_}.",
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
                "recap": [f"{_questions(len(part))} imported about {topic}."],
            }
            documents[f"{card_id}.yaml"] = (dump_card(card, part), len(part))
            position += 1
    return documents


def _parts(questions: list[dict[str, object]]) -> list[list[dict[str, object]]]:
    """A topic's questions cut into card files that stay well under the loader's size cap
    (MAX_FILE_BYTES): at most MAX_QUESTIONS_PER_FILE questions and PART_BYTES of text each."""
    parts: list[list[dict[str, object]]] = [[]]
    size = 0
    for question in questions:
        weight = len(json.dumps(question, ensure_ascii=False).encode("utf-8"))
        if parts[-1] and (len(parts[-1]) >= MAX_QUESTIONS_PER_FILE or size + weight > PART_BYTES):
            parts.append([])
            size = 0
        parts[-1].append(question)
        size += weight
    return parts


def _questions(n: int) -> str:
    return f"{n} question" if n == 1 else f"{n} questions"


def _question_data(q: ImportedQuestion, question_id: str) -> dict[str, object]:
    answers = q.accept or q.answers or (q.answer,)
    data: dict[str, object] = {"id": question_id, "prompt": q.prompt}
    if q.back:
        data["back"] = q.back
    elif q.accept:
        data["accept"] = list(q.accept)
    else:
        data["choices"] = [
            {"text": text, "feedback": feedback} if feedback else text
            for text, feedback in zip(q.choices, q.feedback or [""] * len(q.choices), strict=True)
        ]
        if q.answers:
            data["answers"] = list(q.answers)
        else:
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
    with collector_paused():  # tens of thousands of questions: see collector_paused
        return _import_files(fmt, files, Path(out), topic, force)


def _import_files(
    fmt: str, files: Sequence[Path | str], out: Path, topic: str | None, force: bool
) -> ImportResult:
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
    clashes = _clashes(out, documents, force)
    if clashes:
        return failed(clashes)
    existing, skipped_in_out = _existing_pack(out, documents)
    notes = (*notes, *skipped_in_out)
    with tempfile.TemporaryDirectory(prefix="quizbot-import-") as tmp:
        checked = Path(tmp)
        for name, text in [*existing, *((n, t) for n, (t, _) in documents.items())]:
            (checked / name).write_text(text, encoding="utf-8")
        try:
            load_pack(checked)
        except ContentError as exc:
            shown = str(checked)
            return failed(
                [
                    f"the result does not validate: {str(p).replace(shown, str(out))}"
                    for p in exc.problems
                ]
            )
    written: list[tuple[Path, int]] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        _write(out, documents, written)
    except OSError as exc:
        were = "was" if len(written) == 1 else "were"
        done = f" ({count_of(len(written), 'file')} {were} written before)" if written else ""
        return failed([f"{exc.filename or out}: cannot write: {exc.strerror}{done}"])
    kinds = Counter(q.kind for q in questions)
    return ImportResult(
        written=tuple(written),
        kinds=tuple(sorted(kinds.items())),
        skipped=skipped,
        notes=tuple(notes),
        problems=(),
        no_explanation=sum(1 for q in questions if not q.why),
        malformed=sum(p.malformed for p in parsed),
    )


def _clashes(out: Path, documents: dict[str, tuple[str, int]], force: bool) -> list[str]:
    """Why card files cannot be written: one that exists (without ``force``), or a name taken
    by a folder, FIFO or device (never replaced, even with ``force``)."""
    found = []
    for name in documents:
        target = out / name
        try:
            info = os.lstat(target)
        except FileNotFoundError:
            continue
        except OSError as exc:
            found.append(f"{target}: cannot check: {exc.strerror}")
            continue
        if stat.S_ISDIR(info.st_mode) or not (
            stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)
        ):
            found.append(f"{target}: is not a regular file; not replaced")
        elif not force:
            found.append(f"{target}: already exists (--force overwrites)")
    return found


def _existing_pack(
    out: Path, documents: dict[str, tuple[str, int]]
) -> tuple[list[tuple[str, str]], list[str]]:
    """The card files already in ``out`` that the import keeps, to check the result against
    (ids must stay unique): (name, text) pairs, and one line per entry that is skipped (a
    folder or FIFO named like a card file is never opened)."""
    if not out.is_dir():
        return [], []
    files, _, skipped = find_files(out)
    kept = []
    for file in files:
        if file.name in documents:
            continue
        text, found = read_text(file)
        if text is None:
            skipped.append(f"{file}: skipped: {found[0][1]}")
            continue
        kept.append((file.name, text))
    return kept, skipped


def _write(out: Path, documents: dict[str, tuple[str, int]], written: list) -> None:
    """Each card file is written in a private folder made inside ``out`` (created with a new,
    unguessable name, so nothing planted there can redirect the write) and renamed into
    place: a symbolic link in ``out`` is replaced, never followed."""
    staging = Path(tempfile.mkdtemp(prefix=".quizbot-import-", dir=out))
    try:
        for name, (text, count) in documents.items():
            temp = staging / name
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            with open(os.open(temp, flags, 0o644), "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temp, out / name)
            written.append((out / name, count))
    finally:
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()

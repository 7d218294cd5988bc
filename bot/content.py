"""Content packs: YAML cards with their questions, validated as a whole, then built.

What a pack is made of is ``bot.content_model`` (re-exported here: import from this module);
reading files, ``bot.content_files``; the rules a pack must keep, ``bot.content_checks``.

Each file is read and composed once (``bot.content_files``: safe reading, aliases and duplicate
keys refused); the fast path is then one msgspec conversion per file. Only a file that fails it
is walked field by field, so that every problem in it is reported, each with its line from the
node tree composed at the start.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import msgspec

from bot.content_checks import check_pack
from bot.content_files import (
    MAX_FILE_BYTES,
    MAX_PROBLEMS_PER_FILE,
    TooManyProblems,
    YamlDoc,
    collector_paused,
    find_files,
    parse,
    read_text,
    stopped_message,
)
from bot.content_model import (
    ID_PATTERN,
    MAX_CHOICES,
    MIN_CHOICES,
    SOUND,
    Card,
    CardFile,
    ChoiceIn,
    ContentError,
    ContentProblem,
    Misconception,
    Parsed,
    Question,
    Section,
    Table,
    one_line,
)
from bot.kernel.names import Named, NameIndex
from bot.kernel.text import count_of

# bot.content is the one import for content: the loader, and the pack's parts re-exported
__all__ = [
    "ID_PATTERN",
    "MAX_CHOICES",
    "MAX_FILE_BYTES",
    "MIN_CHOICES",
    "Card",
    "ChoiceIn",
    "ContentError",
    "ContentProblem",
    "Misconception",
    "Pack",
    "PackHolder",
    "Question",
    "Section",
    "Table",
    "default_content_path",
    "load_pack",
]


@dataclass(frozen=True)
class Pack:
    """A validated content pack. Cards are in lesson order."""

    cards: tuple[Card, ...]
    questions: tuple[Question, ...]
    source: Path
    skipped: tuple[str, ...] = ()  # one line per folder entry that is not a regular file

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cards", {c.id: c for c in self.cards})
        object.__setattr__(self, "_questions", {q.id: q for q in self.questions})

    def card(self, card_id: str) -> Card | None:
        return self._cards.get(card_id)  # type: ignore[attr-defined]

    def question(self, question_id: str) -> Question | None:
        return self._questions.get(question_id)  # type: ignore[attr-defined]

    @property
    def tracks(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.track for c in self.cards))

    @property
    def topics(self) -> tuple[str, ...]:
        """Everything a user may name as a topic: card ids, then tracks."""
        return tuple(c.id for c in self.cards) + self.tracks

    @cached_property
    def topic_index(self) -> NameIndex:
        """Topics as users name them: a card by its id or title, a track by its name (each
        also by a unique prefix or words); the one lookup every command uses."""
        cards = (Named(c.id, (c.title,)) for c in self.cards)
        return NameIndex.of([*cards, *(Named(track) for track in self.tracks)])

    def questions_for(self, topic: str | None) -> tuple[Question, ...]:
        """Questions of a card id or a track; all questions for ``None``."""
        if topic is None:
            return self.questions
        topic = topic.strip().lower()
        return tuple(q for q in self.questions if topic in (q.topic_id, q.track))

    def summary(self) -> str:
        return (
            f"{count_of(len(self.cards), 'card')}, {count_of(len(self.questions), 'question')},"
            f" {count_of(len(self.tracks), 'track')} ({', '.join(self.tracks)})"
        )


class PackHolder:
    """The pack being served, shared by every service. ``/quiz reload`` (and SIGHUP) load a
    new pack completely and validate it, then swap it in with one assignment: a request that
    already took ``holder.pack`` finishes against the pack it started with."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack


def default_content_path() -> Path:
    """The bundled pack: inside the installed package, else the checkout's content/."""
    here = Path(__file__).resolve().parent
    bundled = here / "_content"
    return bundled if bundled.is_dir() else here.parent / "content"


def load_pack(path: Path | str, known_demos: Iterable[str] | None = None) -> Pack:
    """Load and validate every ``*.yaml``/``*.yml`` file under ``path`` (a folder or a file).

    Raises ContentError listing every problem, sorted by file and line; nothing is returned
    half-loaded. No input raises anything else.
    """
    with collector_paused():
        return _load_pack(Path(path), None if known_demos is None else frozenset(known_demos))


# Packs already built, by everything they were built from (the files' paths and texts): a pack
# is immutable, and the same texts give the same pack, so a process that opens the same content
# again (a reload with nothing changed; a test suite's thousand apps) skips parsing it (~35 ms).
_BUILT: OrderedDict[tuple[object, ...], Pack] = OrderedDict()
_BUILT_KEPT = 4
_BUILT_LOCK = threading.Lock()  # a reload loads on a worker thread


def _load_pack(root: Path, known_demos: frozenset[str] | None) -> Pack:
    files, trouble, skipped = find_files(root)  # skipped: a folder or FIFO named x.yaml
    problems = [ContentProblem(str(file), line, message) for file, line, message in trouble]
    read = [(file, *read_text(file)) for file in files]
    key = (root, known_demos, tuple(skipped), tuple((file, text) for file, text, _ in read))
    sound = not trouble and all(text is not None and not found for _, text, found in read)
    if sound:
        with _BUILT_LOCK:
            if key in _BUILT:
                _BUILT.move_to_end(key)
                return _BUILT[key]
    parsed: list[Parsed] = []
    for file, text, found in read:
        doc = None
        if text is not None:
            doc, more = parse(text)
            found.extend(more)
        problems.extend(ContentProblem(str(file), line, message) for line, message in found)
        if doc is not None:
            parsed.append(_convert(file, doc, problems, reported=len(found)))
    problems.extend(check_pack(parsed, known_demos))
    if problems:
        problems.sort(key=lambda p: (p.file, p.line))
        raise ContentError(problems)
    pack = _build(parsed, root, tuple(one_line(line) for line in skipped))
    if sound:
        with _BUILT_LOCK:
            _BUILT[key] = pack
            while len(_BUILT) > _BUILT_KEPT:
                _BUILT.popitem(last=False)
    return pack


def _convert(file: Path, doc: YamlDoc, problems: list[ContentProblem], *, reported: int) -> Parsed:
    """The file's card and questions: one msgspec conversion when the file is sound, else the
    field-by-field walk that reports every problem (``reported``: found while parsing)."""
    data = doc.data
    if isinstance(data, dict) and "questions" in data and data["questions"] is None:
        data["questions"] = []  # `questions:` with nothing under it: a card without questions yet
    try:
        whole = msgspec.convert(data, CardFile)  # the fast path: sound content
    except msgspec.ValidationError as exc:
        from bot.content_walk import SchemaWalk  # the slow path, loaded only when a file fails

        schema = SchemaWalk(file, doc, reported)
        try:
            parsed = schema.file()
        except TooManyProblems:
            last = schema.problems[-1].line if schema.problems else 1
            problems.extend(schema.problems)
            problems.append(ContentProblem(str(file), last, stopped_message()))
            return Parsed(file, doc, MAX_PROBLEMS_PER_FILE)
        if not schema.problems and not reported:  # pragma: no cover - the walk and msgspec
            # disagree (a value that could not be built is reported by the parser): say so
            schema.problem((), f"does not match the schema: {exc}")
        problems.extend(schema.problems)
        parsed.reported = reported + len(schema.problems)
        return parsed
    questions = [(i, q, SOUND) for i, q in enumerate(whole.questions)]
    return Parsed(file, doc, reported, whole.card, questions=questions)


def _build(parsed: list[Parsed], root: Path, skipped: tuple[str, ...] = ()) -> Pack:
    files = [(p.card, [q for _, q, _ in p.questions]) for p in parsed if p.card is not None]
    files.sort(key=lambda item: (item[0].order, item[0].id))
    cards = tuple(card for card, _ in files)
    questions = tuple(
        Question(
            id=q.id,
            prompt=q.prompt,
            why=q.why,
            choices=q.choice_texts,
            answer="; ".join(a.strip() for a in q.answers)
            if q.answers
            else (q.answer or "").strip()
            if q.choices
            else q.back.strip()
            if q.back
            else q.accept[0].strip(),
            feedback=q.choice_feedback if any(q.choice_feedback) else (),
            accept=tuple(a.strip() for a in q.accept),
            keep_order=q.keep_order,
            source=q.source,
            back=q.back.strip(),
            answers=tuple(a.strip() for a in q.answers),
            topic_id=card.id,
            track=card.track,
        )
        for card, items in files
        for q in items
    )
    return Pack(cards=cards, questions=questions, source=root, skipped=skipped)

"""Content packs: YAML cards with their questions, validated as a whole.

Long: the schema and every rule it checks stay together, so an author's question ("what makes a
question valid?") has one answer; reading files lives in ``bot.content_files``.

Each file is read and composed once (``bot.content_files``: safe reading, aliases and duplicate
keys refused); the fast path is then one msgspec conversion per file. Only a file that fails it
is walked field by field, so that every problem in it is reported, each with its line from the
node tree composed at the start.
"""

from __future__ import annotations

import difflib
import re
import threading
import types
import typing
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import msgspec

from bot.content_files import (
    MAX_FILE_BYTES as MAX_FILE_BYTES,  # the size cap on one file, re-exported
)
from bot.content_files import (
    MAX_PROBLEMS_PER_FILE,
    UNREADABLE,
    TooManyProblems,
    YamlDoc,
    collector_paused,
    find_files,
    parse,
    read_text,
    show,
    stopped_message,
)
from bot.content_picture import PICTURE_TYPES, Picture, check_picture
from bot.kernel.names import Named, NameIndex
from bot.kernel.text import count_of

# \A...\Z: "alpha\n" is not a slug (``$`` matches before a final newline); safe with .match too
ID_PATTERN = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")
MIN_CHOICES, MAX_CHOICES = 2, 10  # Discord: 5 buttons a row; ten letters A-J


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


class Section(_Strict):
    heading: str
    points: tuple[str, ...]


class Table(_Strict):
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class Misconception(_Strict):
    claim: str
    truth: str


class Card(_Strict):
    id: str
    title: str
    track: str
    summary: str
    sections: tuple[Section, ...]
    recap: tuple[str, ...]
    order: int = 0
    table: Table | None = None
    misconceptions: tuple[Misconception, ...] = ()
    diagram: str | None = None
    diagram_caption: str | None = None
    next: tuple[str, ...] = ()
    demos: tuple[str, ...] = ()
    picture: Picture | None = None  # the key idea as a diagram (bot.content_picture)


class Question(_Strict):
    """A question as the core uses it. A choice question (``choices`` and ``answer``), a
    typed-answer question (``accept``: the answers a learner may type), or a self-graded
    flashcard (``back``: shown on request; the learner says whether they knew it)."""

    id: str
    prompt: str
    why: str
    choices: tuple[str, ...] = ()
    answer: str = ""  # the right choice; for a typed question, the first accepted answer
    # per choice, why *that* choice is wrong ("" where the author wrote none, and for the
    # right choice, which the Why explains)
    feedback: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()
    keep_order: bool = False  # the choices' order means something ("All of the above")
    source: str | None = None
    back: str = ""  # a flashcard's back (its answer), as long as it needs to be
    # choose all that apply: every right choice (``answer`` joins them); right only when
    # exactly these are chosen
    answers: tuple[str, ...] = ()
    # Filled in by the loader (not allowed in YAML: see _QuestionIn).
    topic_id: str = ""  # the card (topic) the question belongs to
    track: str = ""

    @property
    def correct_index(self) -> int:
        return self.choices.index(self.answer)

    @property
    def typed(self) -> bool:
        """Answered by typing text rather than by picking a choice."""
        return bool(self.accept)

    @property
    def multi(self) -> bool:
        """Choose all that apply: several choices may be right, all of them must be chosen."""
        return bool(self.answers)

    @property
    def right_indexes(self) -> frozenset[int]:
        """The right choices' indexes (one for a plain choice question)."""
        if self.answers:
            return frozenset(self.choices.index(a) for a in self.answers)
        return frozenset({self.correct_index}) if self.choices else frozenset()

    @property
    def flashcard(self) -> bool:
        """Self-graded: the learner reads the back and says whether they knew it."""
        return bool(self.back)

    def feedback_for(self, choice: int) -> str:
        """What the author says about picking ``choice`` ("" when nothing)."""
        return self.feedback[choice] if 0 <= choice < len(self.feedback) else ""


class ChoiceIn(_Strict):
    """A choice written with its feedback: ``{text: ..., feedback: ...}``."""

    text: str
    feedback: str = ""


class _QuestionIn(_Strict):
    id: str
    prompt: str
    why: str
    choices: tuple[str | ChoiceIn, ...] = ()
    answer: str | None = None
    accept: tuple[str, ...] = ()
    keep_order: bool = False
    source: str | None = None
    back: str = ""
    answers: tuple[str, ...] = ()

    @property
    def choice_texts(self) -> tuple[str, ...]:
        return tuple((c if isinstance(c, str) else c.text).strip() for c in self.choices)

    @property
    def choice_feedback(self) -> tuple[str, ...]:
        return tuple("" if isinstance(c, str) else c.feedback.strip() for c in self.choices)


class _File(_Strict):
    card: Card
    questions: tuple[_QuestionIn, ...] = ()


@dataclass(frozen=True)
class ContentProblem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{_one_line(self.file)}:{self.line}: {_one_line(self.message)}"


_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """Control characters (a newline in a file name or a key) as escapes: one problem, one
    line."""
    return _LINE_BREAKING.sub(lambda m: repr(m.group())[1:-1], text)


class ContentError(Exception):
    """Content that cannot be loaded; ``problems`` holds every problem found."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        first = str(problems[0]) if problems else "no problems"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)


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
    parsed: list[_Parsed] = []
    for file, text, found in read:
        doc = None
        if text is not None:
            doc, more = parse(text)
            found.extend(more)
        problems.extend(ContentProblem(str(file), line, message) for line, message in found)
        if doc is not None:
            parsed.append(_convert(file, doc, problems, reported=len(found)))
    problems.extend(_check_pack(parsed, known_demos))
    if problems:
        problems.sort(key=lambda p: (p.file, p.line))
        raise ContentError(problems)
    pack = _build(parsed, root, tuple(_one_line(line) for line in skipped))
    if sound:
        with _BUILT_LOCK:
            _BUILT[key] = pack
            while len(_BUILT) > _BUILT_KEPT:
                _BUILT.popitem(last=False)
    return pack


_SOUND: frozenset[str] = frozenset()


@dataclass
class _Parsed:
    """One file after the schema: its card and questions as far as they are sound. ``bad``
    names the fields that were missing or malformed (already reported; checks skip them)."""

    file: Path
    doc: YamlDoc
    reported: int = 0  # problems found in this file so far (its check stops at a limit)
    card: Card | None = None
    card_bad: frozenset[str] = frozenset()
    questions: list[tuple[int, _QuestionIn, frozenset[str]]] = field(default_factory=list)


def _convert(file: Path, doc: YamlDoc, problems: list[ContentProblem], *, reported: int) -> _Parsed:
    """The file's card and questions: one msgspec conversion when the file is sound, else the
    field-by-field walk that reports every problem (``reported``: found while parsing)."""
    data = doc.data
    if isinstance(data, dict) and "questions" in data and data["questions"] is None:
        data["questions"] = []  # `questions:` with nothing under it: a card without questions yet
    try:
        whole = msgspec.convert(data, _File)  # the fast path: sound content
    except msgspec.ValidationError as exc:
        schema = _Schema(file, doc, reported)
        try:
            parsed = schema.file()
        except TooManyProblems:
            last = schema.problems[-1].line if schema.problems else 1
            problems.extend(schema.problems)
            problems.append(ContentProblem(str(file), last, stopped_message()))
            return _Parsed(file, doc, MAX_PROBLEMS_PER_FILE)
        if not schema.problems and not reported:  # pragma: no cover - the walk and msgspec
            # disagree (a value that could not be built is reported by the parser): say so
            schema.problem((), f"does not match the schema: {exc}")
        problems.extend(schema.problems)
        parsed.reported = reported + len(schema.problems)
        return parsed
    questions = [(i, q, _SOUND) for i, q in enumerate(whole.questions)]
    return _Parsed(file, doc, reported, whole.card, questions=questions)


def _fields(cls: type[msgspec.Struct]) -> dict[str, msgspec.structs.FieldInfo]:
    """A struct's fields by the key a file writes (``from``, where Python says ``start``)."""
    return {f.encode_name: f for f in msgspec.structs.fields(cls)}


_FIELDS = {
    cls: _fields(cls)
    for cls in (Card, Section, Table, Misconception, ChoiceIn, _QuestionIn, *PICTURE_TYPES)
}


class _Schema:
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

    def file(self) -> _Parsed:
        parsed = _Parsed(Path(self._file), self._doc)
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
            question, bad = self.struct(item, _QuestionIn, ("questions", i))
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


def _build(parsed: list[_Parsed], root: Path, skipped: tuple[str, ...] = ()) -> Pack:
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


def _check_pack(parsed: list[_Parsed], known_demos: Iterable[str] | None) -> list[ContentProblem]:
    """The checks beyond the schema, on every sound field (a field already reported as
    missing or malformed is skipped, and so is a check that needs it)."""
    problems: list[ContentProblem] = []
    demos = set(known_demos) if known_demos is not None else None
    seen_ids: dict[str, str] = {}
    card_ids = {p.card.id for p in parsed if p.card is not None and "id" not in p.card_bad}

    for entry in parsed:
        file, doc = str(entry.file), entry.doc

        def problem(
            path: tuple[Any, ...], message: str, _entry: _Parsed = entry, _doc: YamlDoc = doc
        ) -> None:
            _entry.reported += 1
            if _entry.reported > MAX_PROBLEMS_PER_FILE + 1:
                return
            if _entry.reported > MAX_PROBLEMS_PER_FILE:
                message = stopped_message()
            problems.append(ContentProblem(str(_entry.file), _doc.line_of(path), message))

        def check_id(value: str, path: tuple[Any, ...], kind: str, _file: str = file) -> None:
            if not ID_PATTERN.match(value):
                problem(path, f"{kind} id {show(value)} must be a lowercase slug (a-z, 0-9, '-')")
            if value in seen_ids:
                problem(path, f"duplicate id {show(value)} (also in {seen_ids[value]})")
            else:
                seen_ids[value] = _file

        card, bad = entry.card, entry.card_bad
        if card is not None:
            if "id" not in bad:
                check_id(card.id, ("card", "id"), "card")
            for key in ("title", "track", "summary"):
                if key not in bad and not getattr(card, key).strip():
                    problem(("card", key), f"card {key} is empty")
            if "sections" not in bad and not card.sections:
                problem(("card", "sections"), "card needs at least one section")
            if "table" not in bad and card.table is not None:
                width = len(card.table.columns)
                for r, row in enumerate(card.table.rows):
                    if len(row) != width:
                        problem(
                            ("card", "table", "rows", r),
                            f"table row has {len(row)} cells but there are {width} columns",
                        )
            if "next" not in bad:
                for n, target in enumerate(card.next):
                    if target not in card_ids:
                        problem(("card", "next", n), f"next links to unknown card {show(target)}")
            if card.picture is not None and "picture" not in bad:
                check_picture(
                    card.picture, ("card", "picture"), problem, lambda v: bool(ID_PATTERN.match(v))
                )
            if demos is not None and "demos" not in bad:
                for n, demo in enumerate(card.demos):
                    if demo not in demos:
                        known = ", ".join(sorted(demos))
                        problem(("card", "demos", n), f"unknown demo {show(demo)} (known: {known})")

        for i, q, bad in entry.questions:
            _check_question(q, ("questions", i), bad, problem, check_id)
    return problems


def _check_question(
    q: _QuestionIn,
    where: tuple[Any, ...],
    bad: frozenset[str],
    problem: typing.Callable[[tuple[Any, ...], str], None],
    check_id: typing.Callable[[str, tuple[Any, ...], str], None],
) -> None:
    if "id" in bad:
        name = f"question {where[-1] + 1}"
    else:
        check_id(q.id, (*where, "id"), "question")
        name = f"question {show(q.id)}"
    if "prompt" not in bad and not q.prompt.strip():
        problem((*where, "prompt"), f"{name}: prompt is empty")
    if "why" not in bad and not q.why.strip():
        problem((*where, "why"), f"{name}: why is empty")
    if bad & {"accept", "choices", "answer", "back", "answers"}:
        return
    if q.back:
        if q.choices or q.accept or q.answer is not None or q.answers:
            problem(
                (*where, "back"),
                f"{name}: a flashcard has a back only (no choices, answer or accept)",
            )
        elif not q.back.strip():
            problem((*where, "back"), f"{name}: back is empty")
        return
    if q.accept:
        if q.choices or q.answer is not None:
            problem(
                (*where, "accept"),
                f"{name}: has both accept (typed answers) and choices/answer; use one",
            )
        for a, accepted in enumerate(q.accept):
            if not accepted.strip():
                problem((*where, "accept", a), f"{name}: accepted answer {a + 1} is empty")
        return
    if q.answers and q.answer is not None:
        problem((*where, "answers"), f"{name}: has both answer and answers; use one")
        return
    if q.answers:
        _check_answers(q, where, name, problem)
        return
    if q.answer is None:
        problem(where, f"{name}: needs choices and answer, or accept (typed answers)")
        return
    texts = q.choice_texts
    if not MIN_CHOICES <= len(texts) <= MAX_CHOICES:
        problem(
            (*where, "choices"),
            f"{name}: has {len(texts)} choices, needs {MIN_CHOICES} to {MAX_CHOICES}",
        )
    folded: dict[str, int] = {}
    for c, choice in enumerate(texts):
        key = choice.casefold()
        if not key:
            problem((*where, "choices", c), f"{name}: choice {c + 1} is empty")
        elif key in folded:
            problem((*where, "choices", c), f"{name}: duplicate choice {show(choice)}")
        folded.setdefault(key, c)
    if q.answer.strip() not in texts:
        problem(
            (*where, "answer"),
            f"{name}: answer {show(q.answer.strip())} is not one of the choices",
        )
    else:
        right = texts.index(q.answer.strip())
        if q.choice_feedback[right]:
            problem(
                (*where, "choices", right),
                f"{name}: feedback is for wrong choices; the why explains the right one",
            )


def _check_answers(
    q: _QuestionIn,
    where: tuple[Any, ...],
    name: str,
    problem: typing.Callable[[tuple[Any, ...], str], None],
) -> None:
    """Choose all that apply: 2-10 distinct choices, every right one among them, and at
    least one wrong choice (else there is nothing to leave out)."""
    texts = q.choice_texts
    if not MIN_CHOICES <= len(texts) <= MAX_CHOICES:
        problem(
            (*where, "choices"),
            f"{name}: has {len(texts)} choices, needs {MIN_CHOICES} to {MAX_CHOICES}",
        )
    if len({t.casefold() for t in texts}) != len(texts):
        problem((*where, "choices"), f"{name}: two choices are the same")
    for n, right in enumerate(q.answers):
        if right.strip() not in texts:
            problem((*where, "answers", n), f"{name}: answer {show(right.strip())} is not a choice")
    if len({a.strip() for a in q.answers}) == len(texts):
        problem((*where, "answers"), f"{name}: every choice is right; leave one out")

"""Content packs: YAML cards with their questions, validated as a whole.

The fast path is PyYAML's C loader plus one msgspec conversion per file; line numbers are
only worked out (by composing the YAML again) when there is an error to report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import yaml

try:  # PyYAML's C loader is several times faster; fall back where libyaml is missing.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_CHOICES, MAX_CHOICES = 2, 6


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


class Question(_Strict):
    """A question as the core uses it. Either a choice question (``choices`` and ``answer``)
    or a typed-answer question (``accept``: the answers a learner may type)."""

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
    # Filled in by the loader (not allowed in YAML: see _QuestionIn).
    card_id: str = ""
    track: str = ""

    @property
    def correct_index(self) -> int:
        return self.choices.index(self.answer)

    @property
    def typed(self) -> bool:
        """Answered by typing text rather than by picking a choice."""
        return bool(self.accept)

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
        return f"{self.file}:{self.line}: {self.message}"


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

    def questions_for(self, topic: str | None) -> tuple[Question, ...]:
        """Questions of a card id or a track; all questions for ``None``."""
        if topic is None:
            return self.questions
        topic = topic.strip().lower()
        return tuple(q for q in self.questions if topic in (q.card_id, q.track))

    def summary(self) -> str:
        return (
            f"{len(self.cards)} cards, {len(self.questions)} questions, "
            f"{len(self.tracks)} tracks ({', '.join(self.tracks)})"
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

    Raises ContentError listing every problem; nothing is returned half-loaded.
    """
    root = Path(path)
    if root.is_dir():
        files = sorted([*root.glob("*.yaml"), *root.glob("*.yml")])
    elif root.exists():
        files = [root]
    else:
        raise ContentError([ContentProblem(str(root), 0, "no such file or folder")])
    if not files:
        raise ContentError([ContentProblem(str(root), 0, "no .yaml files in this folder")])

    problems: list[ContentProblem] = []
    parsed: list[tuple[Path, str, _File]] = []
    for file in files:
        text = file.read_text(encoding="utf-8")
        try:
            data = yaml.load(text, Loader=_Loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 0
            reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            problems.append(ContentProblem(str(file), line, f"invalid YAML: {reason}"))
            continue
        try:
            parsed.append((file, text, msgspec.convert(data, _File)))
        except msgspec.ValidationError:
            # find every schema problem, not just the first, and keep checking the valid parts
            partial, found = _convert_piecewise(file, text, data)
            problems.extend(found)
            if partial is not None:
                parsed.append((file, text, partial))
    problems.extend(_check_pack(parsed, known_demos))
    if problems:
        raise ContentError(problems)
    return _build(parsed, root)


def _convert_piecewise(
    file: Path, text: str, data: Any
) -> tuple[_File | None, list[ContentProblem]]:
    if not isinstance(data, dict):
        return None, [_schema_problem(file, text, "Expected `object` - at `$`")]
    problems = [
        _schema_problem(file, text, f"Object contains unknown field `{key}` - at `$`")
        for key in data
        if key not in ("card", "questions")
    ]
    card = None
    try:
        card = msgspec.convert(data.get("card"), Card)
    except msgspec.ValidationError as exc:
        problems.append(_schema_problem(file, text, _prefix(str(exc), "$.card")))
    items = data.get("questions") or []
    if not isinstance(items, list):
        problems.append(_schema_problem(file, text, "Expected `array` - at `$.questions`"))
        items = []
    questions = []
    for i, item in enumerate(items):
        try:
            questions.append(msgspec.convert(item, _QuestionIn))
        except msgspec.ValidationError as exc:
            problems.append(_schema_problem(file, text, _prefix(str(exc), f"$.questions[{i}]")))
    return (_File(card=card, questions=tuple(questions)) if card else None), problems


def _prefix(message: str, root: str) -> str:
    msg, sep, at = message.partition(" - at `$")
    return f"{msg} - at `{root}{at}" if sep else f"{msg} - at `{root}`"


def _build(parsed: list[tuple[Path, str, _File]], root: Path) -> Pack:
    parsed.sort(key=lambda item: (item[2].card.order, item[2].card.id))
    cards = tuple(f.card for _, _, f in parsed)
    questions = tuple(
        Question(
            id=q.id,
            prompt=q.prompt,
            why=q.why,
            choices=q.choice_texts,
            answer=(q.answer or "").strip() if q.choices else q.accept[0].strip(),
            feedback=q.choice_feedback if any(q.choice_feedback) else (),
            accept=tuple(a.strip() for a in q.accept),
            keep_order=q.keep_order,
            source=q.source,
            card_id=f.card.id,
            track=f.card.track,
        )
        for _, _, f in parsed
        for q in f.questions
    )
    return Pack(cards=cards, questions=questions, source=root)


def _check_pack(
    parsed: list[tuple[Path, str, _File]], known_demos: Iterable[str] | None
) -> list[ContentProblem]:
    problems: list[ContentProblem] = []
    demos = set(known_demos) if known_demos is not None else None
    seen_ids: dict[str, str] = {}
    card_ids = {f.card.id for _, _, f in parsed}

    for file, text, f in parsed:
        lines = _LineFinder(text)

        def problem(
            path: tuple[Any, ...], message: str, _f: Path = file, _lines: _LineFinder = lines
        ) -> None:
            problems.append(ContentProblem(str(_f), _lines.line_of(path), message))

        def check_id(value: str, path: tuple[Any, ...], kind: str, _f: Path = file) -> None:
            if not ID_PATTERN.match(value):
                problem(path, f"{kind} id {value!r} must be a lowercase slug (a-z, 0-9, '-')")
            if value in seen_ids:
                problem(path, f"duplicate id {value!r} (also in {seen_ids[value]})")
            else:
                seen_ids[value] = str(_f)

        card = f.card
        check_id(card.id, ("card", "id"), "card")
        for key in ("title", "track", "summary"):
            if not getattr(card, key).strip():
                problem(("card", key), f"card {key} is empty")
        if not card.sections:
            problem(("card", "sections"), "card needs at least one section")
        if card.table is not None:
            width = len(card.table.columns)
            for r, row in enumerate(card.table.rows):
                if len(row) != width:
                    problem(
                        ("card", "table", "rows", r),
                        f"table row has {len(row)} cells but there are {width} columns",
                    )
        for n, target in enumerate(card.next):
            if target not in card_ids:
                problem(("card", "next", n), f"next links to unknown card {target!r}")
        if demos is not None:
            for n, demo in enumerate(card.demos):
                if demo not in demos:
                    known = ", ".join(sorted(demos))
                    problem(("card", "demos", n), f"unknown demo {demo!r} (known: {known})")

        for i, q in enumerate(f.questions):
            where = ("questions", i)
            check_id(q.id, (*where, "id"), "question")
            if not q.prompt.strip():
                problem((*where, "prompt"), f"question {q.id!r}: prompt is empty")
            if not q.why.strip():
                problem((*where, "why"), f"question {q.id!r}: why is empty")
            if q.accept:
                if q.choices or q.answer is not None:
                    problem(
                        (*where, "accept"),
                        f"question {q.id!r}: has both accept (typed answers) and "
                        "choices/answer; use one",
                    )
                for a, accepted in enumerate(q.accept):
                    if not accepted.strip():
                        problem(
                            (*where, "accept", a),
                            f"question {q.id!r}: accepted answer {a + 1} is empty",
                        )
                continue
            if q.answer is None:
                problem(
                    where,
                    f"question {q.id!r}: needs choices and answer, or accept (typed answers)",
                )
                continue
            texts = q.choice_texts
            if not MIN_CHOICES <= len(texts) <= MAX_CHOICES:
                problem(
                    (*where, "choices"),
                    f"question {q.id!r}: has {len(texts)} choices, "
                    f"needs {MIN_CHOICES} to {MAX_CHOICES}",
                )
            folded: dict[str, int] = {}
            for c, choice in enumerate(texts):
                key = choice.casefold()
                if not key:
                    problem((*where, "choices", c), f"question {q.id!r}: choice {c + 1} is empty")
                elif key in folded:
                    problem(
                        (*where, "choices", c),
                        f"question {q.id!r}: duplicate choice {choice!r}",
                    )
                folded.setdefault(key, c)
            if q.answer.strip() not in texts:
                problem(
                    (*where, "answer"),
                    f"question {q.id!r}: answer {q.answer.strip()!r} is not one of the choices",
                )
            else:
                right = texts.index(q.answer.strip())
                if q.choice_feedback[right]:
                    problem(
                        (*where, "choices", right),
                        f"question {q.id!r}: feedback is for wrong choices; the why explains "
                        "the right one",
                    )
    return problems


_PATH_PART = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]")


def _schema_problem(file: Path, text: str, message: str) -> ContentProblem:
    """Turn msgspec's ``Object contains unknown field `wyh` - at `$.questions[2]` `` into a
    problem with the line of that place."""
    msg, _, at = message.partition(" - at `")
    path: tuple[Any, ...] = ()
    if at:
        path = tuple(
            name if name else int(index)
            for name, index in _PATH_PART.findall(at.rstrip("`").removeprefix("$"))
        )
    unknown = re.match(r"Object contains unknown field `(.+)`", msg)
    if unknown:
        path = (*path, unknown.group(1))
        msg = f"unknown key {unknown.group(1)!r}"
    missing = re.match(r"Object missing required field `(.+)`", msg)
    if missing:
        msg = f"missing required key {missing.group(1)!r}"
    where = ".".join(str(p) for p in path)
    if where and not unknown:
        msg = f"{where}: {msg}"
    return ContentProblem(str(file), _LineFinder(text).line_of(path), msg)


class _LineFinder:
    """Line numbers of places in a YAML document, by composing it again (only on errors)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._root: yaml.Node | None = None
        self._done = False

    def line_of(self, path: tuple[Any, ...]) -> int:
        if not self._done:
            self._done = True
            try:
                self._root = yaml.compose(self._text, Loader=_Loader)
            except yaml.YAMLError:
                self._root = None
        node = self._root
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for part in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == part:
                        # an unknown/bad key points at the key itself
                        child, line = value, key.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part < len(node.value):
                    child = node.value[part]
                    line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line

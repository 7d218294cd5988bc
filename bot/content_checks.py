"""The rules of a content pack beyond its schema: ids, choices, answers, links between cards,
demos and pictures. Every problem is reported with its file and line."""

from __future__ import annotations

import typing
from collections.abc import Iterable
from typing import Any

from bot.content_files import MAX_PROBLEMS_PER_FILE, YamlDoc, show, stopped_message
from bot.content_model import (
    ID_PATTERN,
    MAX_CHOICES,
    MIN_CHOICES,
    ContentProblem,
    Parsed,
    QuestionIn,
)
from bot.content_picture import check_picture


def check_pack(parsed: list[Parsed], known_demos: Iterable[str] | None) -> list[ContentProblem]:
    """The checks beyond the schema, on every sound field (a field already reported as
    missing or malformed is skipped, and so is a check that needs it)."""
    problems: list[ContentProblem] = []
    demos = set(known_demos) if known_demos is not None else None
    seen_ids: dict[str, str] = {}
    card_ids = {p.card.id for p in parsed if p.card is not None and "id" not in p.card_bad}

    for entry in parsed:
        file, doc = str(entry.file), entry.doc

        def problem(
            path: tuple[Any, ...], message: str, _entry: Parsed = entry, _doc: YamlDoc = doc
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
    q: QuestionIn,
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
    q: QuestionIn,
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

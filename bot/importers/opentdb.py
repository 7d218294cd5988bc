"""Open Trivia DB API responses (``{"response_code": 0, "results": [...]}``).

Responses fetched with ``encode=url3986`` or ``encode=base64`` are decoded first (told
apart by their ``type`` field and their spaces). ``multiple`` items become choice
questions (the choices in a stable order derived from the question, so the right one is
not always first), ``boolean`` items True/False questions. HTML entities are unescaped.
One topic per ``category``. Open Trivia DB questions are licensed CC BY-SA 4.0; every
card says so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.content import MAX_CHOICES, MIN_CHOICES
from bot.importers.common import (
    KIND_CHOICE,
    KIND_TRUE_FALSE,
    FileReport,
    ImportedQuestion,
    ParsedFile,
    html_to_text,
)

FORMAT = "opentdb"
ATTRIBUTION = (
    "Questions from the Open Trivia Database (https://opentdb.com), licensed CC BY-SA 4.0"
    " (https://creativecommons.org/licenses/by-sa/4.0/)."
)
KINDS = ("multiple", "boolean")
RESPONSE_CODES = {
    1: "No Results: the database has not enough questions for the query",
    2: "Invalid Parameter: the query was not valid",
    3: "Token Not Found: the session token does not exist",
    4: "Token Empty: the session token has returned every question for the query",
    5: "Rate Limit: too many requests",
}


def parse(path: Path, text: str, label: str) -> ParsedFile:
    """Read an Open Trivia DB response's ``text``; ``label`` names it in messages."""
    report = FileReport(label, FORMAT)
    try:
        # numbers stay text: an integer of 4,300+ digits would raise, and none is used
        data = json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
    except json.JSONDecodeError as exc:
        report.problem(exc.lineno, f"invalid JSON: {exc.msg}")
        return report.result()
    except RecursionError:
        report.problem(1, "invalid JSON: nested too deep (an Open Trivia DB response nests 3)")
        return report.result()
    if not isinstance(data, dict) or "response_code" not in data:
        report.problem(1, "not an Open Trivia DB response (no response_code)")
        return report.result()
    code = data["response_code"]
    if code != "0":
        known = isinstance(code, str) and code.isdigit() and len(code) < 3
        meaning = RESPONSE_CODES.get(int(code), "unknown code") if known else "?"
        shown = code if isinstance(code, str) and len(code) < 20 else "?"
        report.problem(1, f"response_code {shown} ({meaning}); nothing to import")
        return report.result()
    if "results" not in data:
        what = " (a session-token response)" if "token" in data else ""
        report.problem(1, f"no results: not a question response{what}")
        return report.result()
    results = data["results"]
    if not isinstance(results, list):
        report.problem(1, "results must be a list")
        return report.result()
    decode = _decoder(results)
    if decode is not None:
        results = [_decoded(item, decode) for item in results]
    seen: dict[tuple[str, str], int] = {}
    for number, item in enumerate(results, start=1):
        _item(item, number, report, seen)
    for topic in report.topics:
        report.about[topic] = [ATTRIBUTION]
    return report.result()


def _b64(text: str) -> str:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return text


def _decoder(results: list[Any]) -> Callable[[str], str] | None:
    """How the API encoded the strings (``encode=``): None for the default (HTML)."""
    items = [r for r in results if isinstance(r, dict) and isinstance(r.get("type"), str)]
    if not items:
        return None
    if all(r["type"] not in KINDS and _b64(r["type"]) in KINDS for r in items):
        return _b64
    questions = [r.get("question") for r in items if isinstance(r.get("question"), str)]
    if questions and all(" " not in q and "%" in q for q in questions):
        return urllib.parse.unquote
    return None


def _decoded(item: Any, decode: Callable[[str], str]) -> Any:
    if isinstance(item, str):
        return decode(item)
    if isinstance(item, list):
        return [_decoded(x, decode) for x in item]
    if isinstance(item, dict):
        return {k: _decoded(v, decode) for k, v in item.items()}
    return item


def _clean(value: Any) -> str:
    return html_to_text(value)[0] if isinstance(value, str) else ""


def _item(item: Any, number: int, report: FileReport, seen: dict[tuple[str, str], int]) -> None:
    where = f"item {number}"
    if not isinstance(item, dict):
        report.problem(where, "a result must be an object")
        return
    missing = [
        k for k in ("type", "question", "correct_answer", "incorrect_answers") if k not in item
    ]
    if missing:
        report.problem(where, f"missing {', '.join(missing)}")
        return
    kind = item["type"]
    prompt = _clean(item["question"])
    right = _clean(item["correct_answer"])
    wrong_raw = item["incorrect_answers"]
    if not prompt or not right:
        report.problem(where, "question or correct_answer is empty or not text")
        return
    if not isinstance(wrong_raw, list) or not all(isinstance(w, str) for w in wrong_raw):
        report.problem(where, "incorrect_answers must be a list of texts")
        return
    wrong = [_clean(w) for w in wrong_raw]
    category = _clean(item.get("category")) or Path(report.path).stem
    if (category, prompt.casefold()) in seen:
        report.skip(where, f"the same question as item {seen[(category, prompt.casefold())]}")
        return
    seen[(category, prompt.casefold())] = number
    if kind == "boolean":
        if (
            right not in ("True", "False")
            or wrong not in (["True"], ["False"])
            or wrong[0] == right
        ):
            report.problem(where, "a boolean question's answers must be True and False")
            return
        question = ImportedQuestion(
            prompt=prompt,
            kind=KIND_TRUE_FALSE,
            line=number,
            choices=("True", "False"),
            answer=right,
            keep_order=True,
        )
    elif kind == "multiple":
        choices = [right, *wrong]
        if not MIN_CHOICES <= len(choices) <= MAX_CHOICES or len(
            {c.casefold() for c in choices}
        ) != len(choices):
            report.skip(
                where,
                f"{len(choices)} choices, or two alike ({MIN_CHOICES} to {MAX_CHOICES} distinct"
                " fit)",
            )
            return
        order = hashlib.sha256(prompt.encode("utf-8")).digest()
        choices = [c for _, c in sorted(zip(order, choices, strict=False), key=lambda p: p[0])]
        question = ImportedQuestion(
            prompt=prompt, kind=KIND_CHOICE, line=number, choices=tuple(choices), answer=right
        )
    else:
        report.problem(where, f"unknown type {kind!r} (multiple or boolean)")
        return
    report.add(category, question)

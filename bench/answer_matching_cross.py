"""Measure the typed-answer matcher's fuzzy threshold on the real question banks.

For every typed question of the real sets (/work/shared/realdata: Red trivia lists, the
Anki export, GIFT short answers), every accepted answer of every *other* question is
typed as an answer: a match is a wrong answer accepted. Matches that are the same answer
after normalising (two questions whose answer really is "RAM") are counted apart: they
are right, not fuzzy mistakes. Also: how many one-typo variants of the real answers are
still accepted (what the fuzziness buys). Run with a threshold sweep:

    .venv/bin/python bench/answer_matching_cross.py [REALDATA] [--json]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

import bot.answer_matching as am
from bot.importers import parse_files

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "realdata"


def typed_questions(realdata: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(prompt, accepted answers) of every typed question in the real sets."""
    parsed = [
        *parse_files("red", sorted((realdata / "red-trivia").glob("*.yaml"))),
        *parse_files("anki", sorted((realdata / "anki").glob("*.txt"))),
        *parse_files("gift", sorted((realdata / "gift").glob("*.gift"))),
    ]
    return [(q.prompt, q.accept) for p in parsed for t in p.topics for q in t.questions if q.accept]


def cross(questions: list[tuple[str, tuple[str, ...]]]) -> tuple[int, int, list[str]]:
    """(pairs tried, same-answer matches, fuzzy wrong matches as readable lines)."""
    tried, same, wrong = 0, 0, []
    for i, (prompt, accepted) in enumerate(questions):
        mine = {am.normalize(a).replace(" ", "") for a in accepted}
        for j, (_, others) in enumerate(questions):
            if i == j:
                continue
            for typed in others:
                tried += 1
                if not am.matches(typed, accepted):
                    continue
                if am.normalize(typed).replace(" ", "") in mine or am._number(typed) is not None:
                    same += 1
                else:
                    wrong.append(f"{typed!r} accepted for {prompt[:50]!r} ({accepted[:3]})")
    return tried, same, wrong


def typo_recall(questions: list[tuple[str, tuple[str, ...]]]) -> tuple[int, int]:
    """One-letter deletions in the middle of every answer without digits that has at least
    5 letters: (accepted, tried)."""
    ok = tried = 0
    for _, accepted in questions:
        for answer in accepted:
            if len(am.normalize(answer).replace(" ", "")) < 5 or any(c.isdigit() for c in answer):
                continue
            middle = len(answer) // 2
            typo = answer[:middle] + answer[middle + 1 :]
            tried += 1
            ok += am.matches(typo, accepted)
    return ok, tried


def closest_wrong(questions: list[tuple[str, tuple[str, ...]]]) -> tuple[int, str]:
    """The smallest margin (edits minus the typos allowed) between an answer and another
    question's answer that is not also one of this question's answers: how close the
    nearest wrong answer comes to being forgiven as a typo (0 or less: accepted)."""
    best, what = 10**6, ""
    norm = [(p, [am.normalize(a) for a in acc]) for p, acc in questions]
    for i, (prompt, mine) in enumerate(norm):
        compact = {a.replace(" ", "") for a in mine}
        for j, (_, theirs) in enumerate(norm):
            if i == j:
                continue
            for b in theirs:
                if b.replace(" ", "") in compact:
                    continue
                for a in mine:
                    if am.allowed_typos(a) == 0 or am._digits(a) != am._digits(b):
                        continue
                    margin = OSA.distance(a, b) - am.allowed_typos(a)
                    if margin < best:
                        best = margin
                        what = f"{b!r} for {a!r} (allowed {am.allowed_typos(a)}; {prompt[:40]!r})"
    return best, what


def _ratio_rule(threshold: float) -> Callable[[str, str], bool]:
    def rule(typed: str, answer: str) -> bool:
        return len(answer) >= 5 and fuzz.ratio(typed, answer) >= threshold

    return rule


def _edits_rule(min_length: int, long_from: int) -> Callable[[str, str], bool]:
    def rule(typed: str, answer: str) -> bool:
        length = len(answer.replace(" ", ""))
        if length < min_length:
            return False
        allowed = 1 if length < long_from else 2
        return OSA.distance(typed, answer) <= allowed

    return rule


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--json"]
    realdata = Path(args[0]) if args else DEFAULT
    if not realdata.is_dir():
        print(f"no real data at {realdata}", file=sys.stderr)
        return 1
    questions = typed_questions(realdata)
    results: dict[str, object] = {"questions": len(questions)}
    rules: dict[str, Callable[[str, str], bool]] = {
        f"ratio >= {t:g}": _ratio_rule(t) for t in (75.0, 80.0, 85.0, 90.0)
    }
    rules["edits (quizbot's rule)"] = am._close
    rules["edits from 5 chars"] = _edits_rule(5, 12)
    rules["edits, 2 from 8 chars"] = _edits_rule(6, 8)
    quizbot = am._close
    for name, rule in rules.items():
        am._close = rule
        try:
            tried, same, wrong = cross(questions)
            ok, typos = typo_recall(questions)
        finally:
            am._close = quizbot
        print(
            f"{name}: {tried} cross pairs, {same} same-answer matches,"
            f" {len(wrong)} wrong answers accepted; one-typo variants accepted {ok}/{typos}"
        )
        for line in wrong[:5]:
            print(f"    {line}")
        results[f"wrong[{name}]"] = len(wrong)
        results[f"typos[{name}]"] = f"{ok}/{typos}"
    best, what = closest_wrong(questions)
    print(f"nearest wrong answer: {best} edit(s) beyond the typos allowed: {what}")
    results["closest_wrong_margin"] = best
    if "--json" in sys.argv:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Warnings for content that loads but can be gamed (bot/content_lint.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import Question, load_pack
from bot.content_lint import lint_pack, why_repeat_share
from tests.command_line import Quizbot
from tests.conftest import CONTENT

CARD = """\
card:
  id: alpha
  title: Alpha
  track: basics
  summary: The first card.
  sections:
    - heading: Points
      points: [one, two]
  recap: [one]
questions:
"""


@pytest.fixture
def quizbot(monkeypatch, capfd):
    # the command in this process: its output and status as a process's
    return Quizbot(monkeypatch, capfd, bound_s=60)


def question(n: int, answer: str, others: list[str], why: str) -> str:
    choices = "".join(f"      - {c}\n" for c in [answer, *others])
    return (
        f"  - id: alpha-q{n}\n    prompt: Question {n}?\n    choices:\n{choices}"
        f"    answer: {answer}\n    why: {why}\n"
    )


def pack_of(tmp_path: Path, *questions: str) -> Path:
    (tmp_path / "alpha.yaml").write_text(CARD + "".join(questions), encoding="utf-8")
    return tmp_path


def lint(path: Path) -> list[str]:
    return [str(w) for w in lint_pack(load_pack(path))]


def middle(n: int) -> str:
    """A question whose answer is neither the longest nor the shortest choice."""
    return question(n, "a middle one", ["tiny", "a much longer wrong one"], "Because it is so.")


def test_a_card_whose_answers_are_mostly_the_longest_choice_warns(tmp_path):
    # 2 of 4 answers are the longest (50% > 40%); one of them only tied
    path = pack_of(
        tmp_path,
        question(1, "a long right answer", ["short", "a tiny one"], "Because it is so."),
        question(2, "equal text", ["same size!", "x"], "Because it is so."),
        middle(3),
        middle(4),
    )
    (warning,) = lint(path)
    assert warning.startswith(f"{tmp_path / 'alpha.yaml'}:2: warning: card 'alpha'")
    assert "the longest choice in 2 of 4 questions (50%" in warning


def test_a_card_whose_answers_are_mostly_the_shortest_choice_warns(tmp_path):
    path = pack_of(
        tmp_path,
        *(question(n, "short", ["a longer one", "a much longer one"], "So.") for n in (1, 2, 3)),
        *(middle(n) for n in (4, 5, 6)),
    )
    (warning,) = lint(path)
    assert "warning: card 'alpha'" in warning
    assert "the shortest choice in 3 of 6 questions (50%" in warning


def test_forty_percent_longest_and_shortest_is_allowed(tmp_path):
    path = pack_of(
        tmp_path,
        question(1, "a long right answer", ["short", "a tiny one"], "Because it is so."),
        question(2, "a long right answer too", ["short", "a tiny one"], "Because it is so."),
        question(3, "short", ["a longer one", "a much longer one"], "Because it is so."),
        question(4, "brief", ["a longer one", "a much longer one"], "Because it is so."),
        middle(5),
    )
    assert lint(path) == []


def test_a_why_that_repeats_its_answer_warns_with_the_question_line(tmp_path):
    path = pack_of(
        tmp_path,
        middle(1),
        question(
            2,
            "Each process has its own isolated memory",
            ["short", "a longer wrong choice than that one, by far"],
            "Each process has its own, isolated memory.",
        ),
    )
    (warning,) = lint(path)
    # 10 lines of card, 8 of the first question: the second starts on line 19
    assert warning.startswith(f"{tmp_path / 'alpha.yaml'}:19: warning: question 'alpha-q2'")
    assert "repeats the answer" in warning


def test_a_why_that_explains_its_answer_does_not_warn(tmp_path):
    path = pack_of(
        tmp_path,
        question(
            1,
            "Each process has its own isolated memory",
            ["short", "a longer wrong choice than that one, by far"],
            "The operating system gives every process a separate address space.",
        ),
    )
    assert lint(path) == []


def test_short_answers_are_not_checked_for_repetition():
    answer, why = "A pipe", "A pipe carries the output of ls into grep."
    q = Question(id="q", prompt="p?", why=why, choices=(answer, "other"), answer=answer)
    assert why_repeat_share(q) == 0.0


def test_validate_prints_warnings_and_still_exits_zero(tmp_path, quizbot):
    path = pack_of(
        tmp_path,
        question(1, "a long right answer", ["short", "tiny!"], "A long right answer."),
    )
    out = quizbot("content", "validate", str(path), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert any(": warning: card 'alpha'" in line for line in lines), out.stdout
    assert any(": warning: question 'alpha-q1'" in line for line in lines), out.stdout
    assert lines[-1].endswith("OK — 1 card, 1 question, 1 track (basics) (2 warnings)")


def test_the_shipped_pack_has_no_warnings():
    assert lint(CONTENT) == []


def test_validate_on_the_shipped_pack_prints_no_warnings(tmp_path, quizbot):
    out = quizbot("content", "validate", str(CONTENT), cwd=tmp_path)
    assert out.returncode == 0 and "warning" not in out.stdout, out.stdout


# -- absolute words, near-duplicate prompts, applications without a scenario ------------------


def lint_only(path: Path, phrase: str) -> list[str]:
    """The warnings of one kind (the made-up questions may trip the length warnings too)."""
    return [w for w in lint(path) if phrase in w]


def choice_question(qid: str, prompt: str, answer: str, others: list[str], **extra: str) -> str:
    choices = "".join(f"      - {c}\n" for c in [answer, *others])
    more = "".join(f"    {key}: {value}\n" for key, value in extra.items())
    return (
        f"  - id: {qid}\n    prompt: {prompt}\n    choices:\n{choices}"
        f"    answer: {answer}\n    why: Because it is so.\n{more}"
    )


def test_two_distractors_with_absolute_words_the_answer_lacks_warn(tmp_path):
    path = pack_of(
        tmp_path,
        choice_question(
            "alpha-abs",
            "What do threads share?",
            "The process memory",
            ["Only their stacks", "Nothing at all here", "Their CPU core"],
        ),
    )
    (warning,) = lint_only(path, "absolute words")
    assert warning.startswith(f"{tmp_path / 'alpha.yaml'}:11: warning: question 'alpha-abs'")
    assert "2 distractors use absolute words" in warning
    assert "'Only their stacks'; 'Nothing at all here'" in warning


def test_one_absolute_distractor_or_an_absolute_answer_does_not_warn(tmp_path):
    path = pack_of(
        tmp_path,
        choice_question(
            "alpha-one",
            "What do threads share?",
            "The process memory",
            ["Only their stacks", "Their registers", "Their CPU core"],
        ),
        # the answer says "always" too, so "always" is no cue; "never" alone is one distractor
        choice_question(
            "alpha-two",
            "Do cores make threads parallel?",
            "Needed, not always enough",
            ["They always do", "They never do", "Memory decides it"],
        ),
    )
    assert lint_only(path, "absolute words") == []


def test_prompts_with_the_same_content_words_warn_on_the_later_one(tmp_path):
    (tmp_path / "beta.yaml").write_text(
        CARD.replace("alpha", "beta").replace("Alpha", "Beta")
        + choice_question(
            "beta-q", "Why is a thread called lightweight?", "No new memory", ["x", "y"]
        ),
        encoding="utf-8",
    )
    path = pack_of(
        tmp_path,
        choice_question(
            "alpha-q", "Why are threads called lightweight?", "Shared memory", ["x", "y"]
        ),
    )
    (warning,) = lint_only(path, "nearly repeats")
    assert warning.startswith(f"{tmp_path / 'beta.yaml'}:11: warning: question 'beta-q'")
    assert f"nearly repeats question 'alpha-q''s ({tmp_path / 'alpha.yaml'}:11)" in warning


def test_similar_prompts_warn_only_when_they_expect_the_same_answer(tmp_path):
    path = pack_of(
        tmp_path,
        # one word apart, same answer: the same question twice
        choice_question(
            "alpha-a", "What does an OS pipe carry between two processes?", "Bytes", ["x", "y"]
        ),
        choice_question(
            "alpha-b", "What does a pipe carry between two processes?", "Bytes", ["x", "y"]
        ),
        # a template with another subject and another answer: two questions
        choice_question("alpha-c", "What does CD-R stand for?", "Compact Disc Recordable", ["x"]),
        choice_question("alpha-d", "What does CD-RW stand for?", "Compact Disc Rewritable", ["x"]),
    )
    warnings = lint_only(path, "nearly repeats")
    assert len(warnings) == 1 and ": warning: question 'alpha-b'" in warnings[0], warnings


def test_an_application_without_a_scenario_warns(tmp_path):
    path = pack_of(
        tmp_path,
        choice_question(
            "alpha-recall",
            "What is a race condition?",
            "A timing bug",
            ["x", "y"],
            source="application",
        ),
        choice_question(
            "alpha-setup",
            "Two threads add 1 to a counter. Why can an update be lost?",
            "Interleaving",
            ["x", "y"],
            source="application",
        ),
        choice_question(
            "alpha-code",
            "'What does `a, b = Pipe()` give?'",
            "Two ends",
            ["x", "y"],
            source="application",
        ),
        choice_question("alpha-label", "What is a deadlock?", "A wait cycle", ["x", "y"]),
    )
    (warning,) = lint_only(path, "labelled application")
    assert ": warning: question 'alpha-recall'" in warning
    assert "labelled application, but its prompt is one question with no scenario" in warning

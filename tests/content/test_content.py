"""The loader on the shipped pack and on each kind of bad content."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.content import ContentError, load_pack
from tests.command_line import Quizbot
from tests.conftest import CONTENT, ROOT

SEED = ROOT.parent / "shared" / "seeds" / "processes-vs-threads.txt"

GOOD = """\
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
  - id: alpha-one
    prompt: Which is first?
    choices: [one, two, three]
    answer: one
    why: Because one comes first.
"""


@pytest.fixture
def quizbot(monkeypatch, capfd):
    # the command in this process: its output and status as a process's
    return Quizbot(monkeypatch, capfd, bound_s=60)


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_pack(path)
    return [str(p) for p in info.value.problems]


def test_shipped_pack_loads_with_the_whole_seed_lesson():
    pack = load_pack(CONTENT)
    card = pack.card("processes-vs-threads")
    assert card is not None
    assert [c.id for c in pack.cards][:1] == ["processes-vs-threads"]
    assert {"interprocess-communication", "locks-and-synchronization"} <= set(card.next)
    # the 4-row table, word for word
    assert card.table is not None
    assert [row[0] for row in card.table.rows] == [
        "Memory",
        "Weight",
        "If one crashes",
        "Sharing data",
    ]
    assert card.table.rows[2] == (
        "If one crashes",
        "Others are safe",
        "Can take down the whole process",
    )
    assert len(card.misconceptions) == 3
    assert len(card.recap) == 4
    assert card.diagram and "memory" in card.diagram.lower()
    seed = SEED.read_text(encoding="utf-8") if SEED.exists() else None
    questions = pack.questions_for("processes-vs-threads")
    assert len(questions) >= 12
    whys = [
        line.removeprefix("Why: ") for line in (seed or "").splitlines() if line.startswith("Why: ")
    ]
    for why in whys:  # the lesson's four Why texts, word for word
        assert any(q.why.strip() == why.strip() for q in questions), why
    for q in pack.questions:
        assert (q.typed or q.answer in q.choices) and q.why.strip()


def test_reordering_a_file_keeps_question_ids(tmp_path):
    text = GOOD.replace(
        "questions:\n",
        "questions:\n  - id: alpha-two\n    prompt: P?\n    choices: [x, y]\n    answer: y\n"
        "    why: W.\n",
    )
    ids = [q.id for q in load_pack(write(tmp_path, "a.yaml", text)).questions]
    assert ids == ["alpha-two", "alpha-one"]


def test_content_loaded_again_is_read_again_even_when_only_a_letter_changed(tmp_path):
    """A process keeps the packs it built (by the files' texts): loading the same files again
    gives the same pack, and a one-letter edit at once (same size, same mtime tick) a new one."""
    first = load_pack(write(tmp_path, "a.yaml", GOOD))
    assert load_pack(tmp_path) is first
    edited = load_pack(
        write(tmp_path, "a.yaml", GOOD.replace("Which is first?", "Which is First?"))
    )
    assert [q.prompt for q in edited.questions] == ["Which is First?"]
    bad = GOOD.replace("    answer: one", "    answer: eno")
    with pytest.raises(ContentError, match="answer 'eno' is not one of the choices"):
        load_pack(write(tmp_path, "a.yaml", bad))
    assert load_pack(write(tmp_path, "a.yaml", GOOD)) is first


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("    why: Because one comes first.\n", ""), 11, "missing required key 'why'"),
        (("    why:", "    wyh:"), 15, "unknown key 'wyh'"),
        (("    answer: one", "    answer: four"), 14, "answer 'four' is not one of the choices"),
        (("[one, two, three]", "[one, two, One]"), 13, "duplicate choice 'One'"),
        (("[one, two, three]", "[one]"), 13, "has 1 choices, needs 2 to 10"),
        (("  recap: [one]\n", "  recap: [one]\n  next: [nowhere]\n"), 10, "unknown card 'nowhere'"),
        (("  title: Alpha", "  title: [Alpha"), 4, "invalid YAML"),
        (("  id: alpha\n", "  id: Alpha One\n"), 2, "must be a lowercase slug"),
    ],
)
def test_bad_content_names_file_line_and_problem(tmp_path, change, line, message):
    write(tmp_path, "alpha.yaml", GOOD.replace(*change))
    problems = problems_of(tmp_path)
    assert any(
        p.startswith(f"{tmp_path / 'alpha.yaml'}:{line}:") and message in p for p in problems
    ), problems


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("card: [unclosed\n", 1),  # libyaml sees it at the end of the stream: line 2 of 1
        ("id: a\ntitle\n\n\n", 2),  # a key without its colon, then blank lines
        ('id: a\ntitle: "open\n', 2),
    ],
)
def test_a_problem_seen_at_the_end_of_the_file_names_its_last_line_of_text(tmp_path, text, line):
    write(tmp_path, "end.yaml", text)
    problems = problems_of(tmp_path)
    assert any(p.startswith(f"{tmp_path / 'end.yaml'}:{line}: invalid YAML") for p in problems), (
        problems
    )


def test_duplicate_ids_across_files(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD.replace("id: alpha\n", "id: beta\n"))
    problems = problems_of(tmp_path)
    assert any("b.yaml:11:" in p and "duplicate id 'alpha-one'" in p for p in problems), problems


def test_validate_command_prints_every_problem_and_fails(tmp_path, quizbot):
    bad = GOOD.replace("    why:", "    wyh:") + (
        "  - id: alpha-two\n    prompt: P?\n    choices: [x, y]\n    answer: nine\n    why: W.\n"
    )
    write(tmp_path, "alpha.yaml", bad)
    out = quizbot("content", "validate", str(tmp_path), cwd=tmp_path)
    assert out.returncode == 1
    assert "unknown key 'wyh'" in out.stdout and "answer 'nine'" in out.stdout
    assert re.search(r"2 problems found", out.stdout)


def test_validate_command_summarises_good_content(tmp_path, quizbot):
    shutil.copytree(CONTENT, tmp_path / "pack")
    out = quizbot("content", "validate", str(tmp_path / "pack"), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    cards = len(list(CONTENT.glob("*.yaml")))
    assert re.search(rf"OK — {cards} cards, \d+ questions, 1 track", out.stdout)


def test_bad_content_stops_the_bot_with_one_line_and_no_database(tmp_path, quizbot):
    # in a process with hostile content: tests/content/test_content_hostile.py
    write(tmp_path, "alpha.yaml", GOOD.replace("    why:", "    wyh:"))
    db = tmp_path / "quiz.db"
    out = quizbot("--db", str(db), "--content", str(tmp_path), cwd=tmp_path, input="")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"quizbot: {tmp_path / 'alpha.yaml'}:15: unknown key 'wyh' (did you mean 'why'?)"
    ]
    assert not db.exists()


FEEDBACK = GOOD.replace(
    "    choices: [one, two, three]\n",
    "    choices:\n"
    "      - one\n"
    "      - text: two\n"
    "        feedback: No, two comes second.\n"
    "      - three\n",
)


def test_a_wrong_choice_carries_its_own_feedback(tmp_path):
    pack = load_pack(write(tmp_path, "a.yaml", FEEDBACK))
    question = pack.question("alpha-one")
    assert question.choices == ("one", "two", "three")
    assert question.feedback_for(1) == "No, two comes second."
    assert question.feedback_for(2) == ""
    assert question.correct_index == 0


def test_feedback_on_the_right_choice_is_refused(tmp_path):
    text = FEEDBACK.replace("answer: one", "answer: two")
    (message,) = problems_of(write(tmp_path, "a.yaml", text))
    assert re.search(r"a\.yaml:\d+: question 'alpha-one': feedback is for wrong choices", message)


def test_a_typed_question_accepts_answers_instead_of_choices(tmp_path):
    text = GOOD.replace(
        "    choices: [one, two, three]\n    answer: one\n", "    accept: [one, '1']\n"
    )
    question = load_pack(write(tmp_path, "a.yaml", text)).question("alpha-one")
    assert question.typed and question.accept == ("one", "1") and question.answer == "one"


def test_a_question_with_both_choices_and_accept_is_refused(tmp_path):
    text = GOOD.replace("    answer: one\n", "    answer: one\n    accept: [one]\n")
    (message,) = problems_of(write(tmp_path, "a.yaml", text))
    assert "has both accept (typed answers) and choices/answer" in message


def test_a_question_with_neither_choices_nor_accept_is_refused(tmp_path):
    text = GOOD.replace("    choices: [one, two, three]\n    answer: one\n", "")
    (message,) = problems_of(write(tmp_path, "a.yaml", text))
    assert "needs choices and answer, or accept" in message


# -- the shipped course (per-card quality: tests/content/test_course_quality.py) -------------


def test_the_gil_is_named_and_demonstrated_on_the_processes_vs_threads_card():
    card = load_pack(CONTENT).card("processes-vs-threads")
    points = [p for s in card.sections for p in s.points]
    assert "gil" in card.demos
    assert sum("Global Interpreter Lock" in p for p in points) == 1

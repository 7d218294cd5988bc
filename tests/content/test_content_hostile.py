"""The loader on hostile content (issue 13) and reporting every problem (issue 15): each case
gives ``file:line: message`` lines, never a traceback, a hang or a memory blow-up."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
import yaml

import bot.content_files
from bot.content import MAX_FILE_BYTES, ContentError, load_pack
from bot.content_files import MAX_PROBLEMS_PER_FILE
from tests.command_line import Quizbot
from tests.content.test_content import GOOD

QUESTION = "  - id: {id}\n    prompt: P?\n    choices: [x, y]\n    answer: x\n    why: W.\n"


def pack(tmp_path: Path, text: str = GOOD, name: str = "alpha.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_pack(path)
    lines = [str(p) for p in info.value.problems]
    for line in lines:  # every problem: one line, ``file:line: message``
        assert "\n" not in line and re.match(r".+:\d+: \S", line), line
    return lines


# -- parse once ---------------------------------------------------------------------------


def test_a_file_is_composed_once_however_many_problems_it_has(tmp_path, monkeypatch):
    # 300 questions without a why: the old loader composed the file again for each problem
    text = GOOD + "".join(QUESTION.format(id=f"q-{i}") for i in range(300))
    text = text.replace("    why: W.\n", "")
    pack(tmp_path, text)
    made = []
    original = yaml.CSafeLoader.__init__

    def counting(self, stream):
        made.append(1)
        original(self, stream)

    monkeypatch.setattr(yaml.CSafeLoader, "__init__", counting)
    found = problems_of(tmp_path)
    assert len(found) == 300 and all("missing required key 'why'" in p for p in found)
    assert len(made) == 1


# -- aliases and size ---------------------------------------------------------------------


def test_an_alias_the_schema_would_accept_is_refused_at_its_line(tmp_path):
    text = GOOD.replace("why: Because", "why: &because Because") + QUESTION.format(
        id="alpha-two"
    ).replace("why: W.", "why: *because")
    (message,) = problems_of(pack(tmp_path, text))
    assert message.startswith(f"{tmp_path / 'alpha.yaml'}:20: YAML alias *because")


def test_an_alias_bomb_is_refused_without_expanding_it(tmp_path):
    # 9 levels of 9: a billion 'lol's once expanded; the old loader took it as a valid recap
    levels = ["      - &l0 lol"]
    for n in range(1, 10):
        refs = ", ".join([f"*l{n - 1}"] * 9)
        levels.append(f"      - &l{n} [{refs}]")
    text = GOOD.replace("  recap: [one]\n", "  recap:\n" + "\n".join(levels) + "\n")
    aliases = [p for p in problems_of(pack(tmp_path, text)) if "YAML alias" in p]
    assert [int(p.split(":")[1]) for p in aliases] == list(range(11, 20))  # one a line
    assert aliases[-1].endswith(
        ": YAML alias *l8 is not allowed; write the value out (9 times on this line)"
    )


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path):
    text = GOOD + "#" * MAX_FILE_BYTES
    (message,) = problems_of(pack(tmp_path, text))
    assert f"over {MAX_FILE_BYTES:,} bytes" in message


# -- duplicate keys -----------------------------------------------------------------------


def test_a_second_answer_is_an_error_naming_both_lines(tmp_path):
    text = GOOD + "    answer: three\n"  # YAML alone would make 'three' the right answer
    (message,) = problems_of(pack(tmp_path, text))
    assert message == (
        f"{tmp_path / 'alpha.yaml'}:16: duplicate key 'answer' (first at line 14); "
        "YAML would keep only the last one"
    )


def test_a_second_questions_block_is_an_error(tmp_path):
    text = GOOD + "questions:\n" + QUESTION.format(id="alpha-two")
    (message,) = problems_of(pack(tmp_path, text))
    assert ":16: duplicate key 'questions' (first at line 10)" in message


# -- bytes and encodings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "line", "message"),
    [
        (GOOD.replace("Alpha", "Caf\xe9").encode("latin-1"), 3, "byte 0xe9 is not UTF-8"),
        (GOOD.encode() + b"\xff\n", 16, "byte 0xff is not UTF-8"),
        (GOOD.encode("utf-16"), 1, "the file is UTF-16; save it as UTF-8"),
        (GOOD.replace("Alpha", "A\x01").encode(), 3, "character '\\x01' is not allowed"),
        (GOOD.replace("Alpha", "A\x00").encode(), 3, "character '\\x00' is not allowed"),
    ],
)
def test_bytes_that_are_not_utf8_yaml_give_their_line(tmp_path, raw, line, message):
    (tmp_path / "alpha.yaml").write_bytes(raw)
    (found,) = problems_of(tmp_path)
    assert found.startswith(f"{tmp_path / 'alpha.yaml'}:{line}: ") and message in found, found


def test_a_utf8_bom_is_accepted(tmp_path):
    (tmp_path / "alpha.yaml").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_pack(tmp_path).card("alpha") is not None


# -- files that are not regular files -----------------------------------------------------


def test_hidden_files_are_skipped_and_upper_case_yaml_is_loaded(tmp_path):
    pack(tmp_path, GOOD, "ALPHA.YAML")
    os.symlink(tmp_path / "gone.yaml", tmp_path / ".#alpha.yaml")  # an editor's lock file
    pack(tmp_path, "not: [yaml", ".alpha.yaml.swp.yaml")
    assert [c.id for c in load_pack(tmp_path).cards] == ["alpha"]


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_yaml_name_that_is_not_a_regular_file_is_skipped_with_one_line(tmp_path, kind):
    """A folder or FIFO named odd.yaml in a content folder is skipped, never opened (the old
    loader blocked forever opening the FIFO), and said in one line; the rest of the pack
    loads, so a stray folder never stops the bot from starting."""
    pack(tmp_path)
    odd = tmp_path / "odd.yaml"
    if kind == "folder":
        odd.mkdir()
    else:
        os.mkfifo(odd)
    result: list = []
    worker = threading.Thread(target=lambda: result.append(load_pack(tmp_path)), daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "load_pack hangs"
    (loaded,) = result
    assert [c.id for c in loaded.cards] == ["alpha"]
    why = {"folder": "is a folder", "fifo": "FIFO"}[kind]
    (line,) = loaded.skipped
    assert line.startswith(f"{odd}: skipped: ") and why in line


def test_a_broken_link_named_like_a_content_file_is_a_problem(tmp_path):
    """Most likely a content file that moved: refusing the pack (a reload keeps the last good
    one) beats retiring its questions without a word."""
    pack(tmp_path)
    (tmp_path / "moved.yaml").symlink_to(tmp_path / "nowhere.yaml")
    [found] = problems_of(tmp_path)
    assert found.startswith(f"{tmp_path / 'moved.yaml'}:0: broken symbolic link")


def test_lint_warnings_never_open_a_fifo_in_the_pack(tmp_path):
    """Placing a warning reads the pack's files again: through the loader's own finder, so a
    FIFO named like a content file is never opened (``validate`` hung forever on it)."""
    from bot.content_lint import lint_pack

    pack(tmp_path)  # its one question's right answer is the shortest choice: a warning
    os.mkfifo(tmp_path / "zz.yaml")
    result: list = []
    worker = threading.Thread(target=lambda: result.append(lint_pack(load_pack(tmp_path))))
    worker.daemon = True
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "lint_pack hangs"
    assert result[0], "expected a warning to place"


def test_a_content_path_that_is_a_fifo_is_a_problem_not_opened(tmp_path):
    """Named by itself (``--content f.yaml``), a FIFO is a problem: it was asked for."""
    odd = tmp_path / "f.yaml"
    os.mkfifo(odd)
    result: list = []
    worker = threading.Thread(target=lambda: result.append(problems_of(odd)), daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "load_pack hangs"
    (found,) = result[0]
    assert found.startswith(f"{odd}:0: ") and "FIFO" in found


def test_an_unreadable_file_is_reported(tmp_path, monkeypatch):
    pack(tmp_path)
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("alpha.yaml"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(bot.content_files.os, "open", refuse)  # root can read a chmod 000 file
    assert problems_of(tmp_path) == [f"{tmp_path / 'alpha.yaml'}:0: cannot read: Permission denied"]


# -- ids, control characters, keys --------------------------------------------------------


def test_an_id_with_a_trailing_newline_is_not_a_slug(tmp_path):
    (message,) = problems_of(pack(tmp_path, GOOD.replace("  id: alpha\n", '  id: "alpha\\n"\n')))
    assert ":2: card id 'alpha\\n' must be a lowercase slug" in message


def test_a_key_with_a_newline_is_reported_on_one_line(tmp_path):
    text = GOOD.replace("  title: Alpha\n", '  title: Alpha\n  "ti\\ntle": x\n')
    (message,) = problems_of(pack(tmp_path, text))
    assert message == f"{tmp_path / 'alpha.yaml'}:4: unknown key 'ti\\ntle'"


def test_a_file_name_with_a_newline_is_reported_on_one_line(tmp_path):
    pack(tmp_path, GOOD.replace("    why:", "    wyh:"), "al\npha.yaml")
    (message,) = problems_of(tmp_path)
    assert message.startswith(f"{tmp_path}/al\\npha.yaml:15: unknown key 'wyh'")


def test_escaped_control_characters_in_text_are_refused(tmp_path):
    # "\e[2J" would clear the console of whoever is asked this question
    text = GOOD.replace("    prompt: Which is first?", '    prompt: "Which\\e[2J is first?"')
    (message,) = problems_of(pack(tmp_path, text))
    assert ":12: text has the control character '\\x1b'" in message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("  order: 1\n",), "cannot be read as an integer"),  # 5,000 digits: int() refuses
        (("  order: 2026-02-30\n",), "'2026-02-30' cannot be read as a date"),
        (("  summary: !!python/object:os.system x\n",), "YAML tag '!!python/object:os.system'"),
        (("  summary: !!binary 'a'\n",), "cannot be read as binary data"),
        (("  recap: !!set {a}\n",), "YAML tag '!!set' is not supported"),
        (("  recap: !custom [a]\n",), "YAML tag '!custom' is not supported"),
    ],
)
def test_scalars_and_tags_yaml_cannot_build_are_problems(tmp_path, change, message):
    extra = change[0].replace("1\n", "1" * 5000 + "\n") if "order: 1" in change[0] else change[0]
    key = extra.split(":")[0]
    lines = [line for line in GOOD.splitlines(keepends=True) if not line.startswith(key + ":")]
    lines.insert(2, extra)
    found = problems_of(pack(tmp_path, "".join(lines)))
    assert any(p.startswith(f"{tmp_path / 'alpha.yaml'}:3: ") and message in p for p in found), (
        found
    )


def test_deep_nesting_is_a_problem_not_a_recursion_error(tmp_path):
    for depth in (40, 5000):
        text = GOOD.replace("  recap: [one]", "  recap: " + "[" * depth + "]" * depth)
        assert problems_of(pack(tmp_path, text))


def test_a_file_with_too_many_problems_stops_at_the_limit(tmp_path):
    numbers = "[" + "1, " * (MAX_PROBLEMS_PER_FILE + 50) + "]"  # a recap of numbers, not text
    found = problems_of(pack(tmp_path, GOOD.replace("  recap: [one]", f"  recap: {numbers}")))
    assert len(found) == MAX_PROBLEMS_PER_FILE + 1
    assert found[-1].endswith(
        f": more than {MAX_PROBLEMS_PER_FILE:,} problems; stopped checking this file"
    )
    # the content checks count too: questions without a prompt
    empty = QUESTION.replace("prompt: P?", "prompt: ''")
    text = GOOD + "".join(empty.format(id=f"q-{i}") for i in range(MAX_PROBLEMS_PER_FILE + 5))
    found = problems_of(pack(tmp_path, text))
    assert len(found) == MAX_PROBLEMS_PER_FILE + 1 and "stopped checking" in found[-1]


# -- issue 15: every problem --------------------------------------------------------------


def test_an_unknown_key_does_not_hide_a_bad_answer_in_the_same_question(tmp_path):
    text = GOOD.replace("    answer: one", "    answer: four\n    hint: x").replace(
        "[one, two, three]", "[one, two, One]"
    )
    found = problems_of(pack(tmp_path, text))
    file = tmp_path / "alpha.yaml"
    assert found == [
        f"{file}:13: question 'alpha-one': duplicate choice 'One'",
        f"{file}:14: question 'alpha-one': answer 'four' is not one of the choices",
        f"{file}:15: unknown key 'hint'",
    ]


def test_every_schema_problem_of_a_question_is_reported_sorted_by_file_and_line(tmp_path):
    bad = (
        "  - id: Bad Id\n    prompt: [not, text]\n    colour: red\n    choices: [x, y]\n"
        "    answer: z\n"
    )
    pack(tmp_path, GOOD + bad, "b.yaml")
    pack(tmp_path, GOOD.replace("alpha", "gamma").replace("  title: Alpha\n", ""), "a.yaml")
    found = problems_of(tmp_path)
    assert [p.split(": ", 1)[0].rsplit("/", 1)[1] for p in found] == [
        "a.yaml:1",
        "b.yaml:16",
        "b.yaml:16",
        "b.yaml:17",
        "b.yaml:18",
        "b.yaml:20",
    ]
    text = "\n".join(found)
    for expected in (
        "card: missing required key 'title'",
        "missing required key 'why'",
        "question id 'Bad Id' must be a lowercase slug",
        "questions.1.prompt: expected text, got a list",
        "unknown key 'colour'",
        "answer 'z' is not one of the choices",
    ):
        assert expected in text, found


def test_an_unquoted_yes_is_reported_with_a_hint_and_an_empty_questions_key_is_allowed(tmp_path):
    text = GOOD.replace("[one, two, three]", "[yes, two, three]").replace(
        "answer: one", "answer: yes"
    )
    found = problems_of(pack(tmp_path, text))
    assert [p.split(":", 1)[1] for p in found] == [
        "13: questions.0.choices.0: expected text or a mapping (key: value), got the boolean "
        "True "
        "(put it in quotes if you meant text)",
        "14: questions.0.answer: expected text, got the boolean True "
        "(put it in quotes if you meant text)",
    ]
    card = GOOD.split("questions:")[0]
    assert load_pack(pack(tmp_path, card + "questions:\n")).questions == ()


# -- the commands -------------------------------------------------------------------------


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """One folder with a file for each kind of hostile content."""
    folder = tmp_path / "pack"
    folder.mkdir()
    pack(folder, GOOD)
    (folder / "latin1.yaml").write_bytes(GOOD.replace("Alpha", "Caf\xe9").encode("latin-1"))
    (folder / "ff.yaml").write_bytes(b"\xff")
    (folder / "utf16.yaml").write_bytes(GOOD.encode("utf-16"))
    (folder / "dir.yaml").mkdir()
    (folder / "broken.yaml").symlink_to(folder / "nowhere")
    (folder / ".#alpha.yaml").symlink_to(folder / "nowhere")
    os.mkfifo(folder / "fifo.yaml")
    bomb = "a: &a [x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 8)}]\n" for n in range(12)
    )
    pack(folder, bomb, "bomb.yaml")
    pack(folder, GOOD + "    answer: three\n", "dup.yaml")
    pack(folder, GOOD.replace("  id: alpha\n", '  id: "alpha\\n"\n'), "slug.yaml")
    pack(folder, GOOD.replace("  title: Alpha\n", '  "ti\\ntle": x\n'), "key.yaml")
    return folder


@pytest.fixture
def quizbot(monkeypatch, capfd):
    return Quizbot(monkeypatch, capfd, bound_s=120)  # a FIFO opened would block for ever


def test_validate_and_start_up_report_hostile_content_without_a_traceback(
    hostile, tmp_path, quizbot
):
    # dir.yaml and fifo.yaml are skipped (never opened), not problems
    names = ["latin1", "ff", "utf16", "broken", "bomb", "dup", "slug", "key"]
    # the start in a process, which the timeout ends if the FIFO is opened; then validate, which
    # reads the folder the same way, in this process
    db = str(tmp_path / "q.db")
    start = quizbot("--db", db, "--content", str(hostile), cwd=tmp_path, input="", process=True)
    validate = quizbot("content", "validate", str(hostile), cwd=tmp_path)
    assert (validate.returncode, start.returncode) == (1, 2)
    assert validate.stderr == "" and "Traceback" not in start.stderr
    problems = validate.stdout.splitlines()[:-1]
    assert [f"quizbot: {p}" for p in problems] == start.stderr.splitlines()
    for line in problems:
        assert re.match(rf"{re.escape(str(hostile))}/\S+\.yaml:\d+: \S", line), line
    assert {Path(p.split(":")[0]).stem for p in problems} == set(names)
    assert not (tmp_path / "q.db").exists()

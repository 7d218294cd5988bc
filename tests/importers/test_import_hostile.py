"""`quizbot content import` against hostile files, each case as a careful tester found it: no
traceback, no hang, no write outside --out, and one line saying what is wrong."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.content import load_pack
from bot.importers import MAX_IMPORT_BYTES, MAX_QUESTIONS_PER_FILE, import_files
from bot.importers.common import html_to_text
from tests.command_line import Quizbot, Run

# a hang or quadratic blow-up shows as this bound passing (the quadratic cases took 40-80 s on
# inputs a fraction of the size used here); a correct run takes well under a second
BOUND_S = 120


@pytest.fixture
def quizbot(monkeypatch, capfd):
    # in this process (a hang or quadratic blow-up fails on BOUND_S once it ends); process=True
    # where an open of a FIFO or a device could block for ever: the timeout ends a process
    return Quizbot(monkeypatch, capfd, bound_s=BOUND_S)


@pytest.fixture
def import_cli(quizbot):
    def run(tmp_path: Path, fmt: str, source: Path | str, *extra: str, process: bool = False):
        args = ("content", "import", "--from", fmt, str(source), "--out", "out", *extra)
        return quizbot(*args, cwd=tmp_path, process=process)

    return run


def one_line_error(run: Run, says: str) -> None:
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    assert run.returncode == 1, (run.stdout, run.stderr)
    lines = run.stderr.splitlines()
    assert lines[-1] == "nothing written" and len(lines) == 2, run.stderr
    assert says in lines[0], lines[0]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---- writing: nothing outside --out ------------------------------------------------------


def test_a_planted_symlink_in_out_is_never_followed(tmp_path):
    victim = write(tmp_path / "victim.txt", "precious\n")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(victim, out / ".t.yaml.importing")  # the old staging file's name
    source = write(tmp_path / "t.gift", "Q? {=a ~b}\n")
    assert import_files("gift", [source], out).problems == ()
    assert victim.read_text() == "precious\n"
    assert load_pack(out / "t.yaml").questions[0].prompt == "Q?"
    # a link named like the card file itself is replaced (with --force), never written through
    (out / "t.yaml").unlink()
    os.symlink(victim, out / "t.yaml")
    assert "already exists" in import_files("gift", [source], out).problems[0]
    assert import_files("gift", [source], out, force=True).problems == ()
    assert victim.read_text() == "precious\n" and not (out / "t.yaml").is_symlink()
    assert sorted(p.name for p in out.iterdir()) == [".t.yaml.importing", "t.yaml"]


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_folder_or_fifo_named_like_a_card_file_in_out(tmp_path, kind, import_cli):
    out = tmp_path / "out"
    out.mkdir()
    (out / "x.yaml").mkdir() if kind == "folder" else os.mkfifo(out / "x.yaml")
    write(tmp_path / "t.gift", "Q? {=a ~b}\n")
    fifo = kind == "fifo"  # opened by mistake it blocks: in a process the timeout can end
    run = import_cli(tmp_path, "gift", "t.gift", process=fifo)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert "out/x.yaml: skipped: is a" in run.stdout and "not a regular file" in run.stdout
    assert (out / "t.yaml").is_file()
    # the card file's own name taken by one: refused, even with --force, nothing written
    (out / "t.yaml").unlink()
    (out / "t.yaml").mkdir() if kind == "folder" else os.mkfifo(out / "t.yaml")
    one_line_error(
        import_cli(tmp_path, "gift", "t.gift", "--force", process=fifo),
        "t.yaml: is not a regular file",
    )


# ---- reading: only regular files, and not too much ---------------------------------------


def test_a_fifo_as_the_input_is_refused_unopened(tmp_path, import_cli):
    os.mkfifo(tmp_path / "in.gift")
    one_line_error(import_cli(tmp_path, "gift", "in.gift", process=True), "is a FIFO (named pipe)")


def test_dev_zero_is_refused_unread(tmp_path, import_cli):
    one_line_error(
        import_cli(tmp_path, "gift", "/dev/zero", process=True), "/dev/zero:0: is a device"
    )


def test_a_file_over_the_input_cap_is_refused_in_one_line(tmp_path):
    big = tmp_path / "big.gift"
    with big.open("wb") as handle:
        handle.truncate(MAX_IMPORT_BYTES + 1)  # sparse: no disk used
    result = import_files("gift", [big], tmp_path / "out")
    assert result.problems == (
        f"{big}:0: the file is over {MAX_IMPORT_BYTES:,} bytes ({MAX_IMPORT_BYTES + 1:,} or more);"
        " split it",
    )


# ---- tracebacks that were ---------------------------------------------------------------


def test_opentdb_json_nested_a_thousand_deep(tmp_path, import_cli):
    write(tmp_path / "deep.json", "[" * 1000 + "]" * 1000)
    one_line_error(
        import_cli(tmp_path, "opentdb", "deep.json"), "deep.json:1: invalid JSON: nested"
    )


def opentdb(items: list[dict], **extra: object) -> str:
    return json.dumps({"response_code": 0, "results": items, **extra})


ITEM = {
    "type": "boolean",
    "category": "Science",
    "question": "Water boils at 100 °C at sea level.",
    "correct_answer": "True",
    "incorrect_answers": ["False"],
}


def test_opentdb_integers_of_thousands_of_digits(tmp_path, import_cli):
    digits = "9" * 5000
    text = opentdb([ITEM]).replace('"results"', f'"x": {digits}, "results"')
    write(tmp_path / "ok.json", text)
    assert import_files("opentdb", [tmp_path / "ok.json"], tmp_path / "out").problems == ()
    write(tmp_path / "code.json", text.replace('"response_code": 0', f'"response_code": {digits}'))
    one_line_error(import_cli(tmp_path, "opentdb", "code.json"), "response_code ? (?)")


def test_a_lone_surrogate_is_dropped_not_a_failed_write(tmp_path, import_cli):
    item = {**ITEM, "question": "Water boils\\ud800 at 100 °C.", "category": "Sci\\udfffence"}
    write(
        tmp_path / "s.json",
        opentdb([item]).replace("\\\\ud800", "\\ud800").replace("\\\\udfff", "\\udfff"),
    )
    assert "\\ud800" in (tmp_path / "s.json").read_text()
    run = import_cli(tmp_path, "opentdb", "s.json")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    (question,) = load_pack(tmp_path / "out").questions
    assert question.prompt == "Water boils at 100 °C." and question.answer == "True"


def test_red_yaml_nested_two_thousand_deep(tmp_path, import_cli):
    write(tmp_path / "deep.yaml", "q: " + "[" * 2000 + "]" * 2000 + "\n")
    one_line_error(import_cli(tmp_path, "red", "deep.yaml"), "deep.yaml:1: invalid YAML: nested")


@pytest.mark.parametrize("value", ["²", "9" * 5000, "0", "1001"])
def test_anki_column_headers_that_are_not_column_numbers(tmp_path, value, import_cli):
    write(tmp_path / "deck.txt", f"#separator:tab\n#deck column:{value}\nfront\tback\n")
    one_line_error(
        import_cli(tmp_path, "anki", "deck.txt"),
        "deck.txt:2: #deck column: must be a column number from 1 to 1000",
    )


def test_an_anki_note_over_the_csv_limit_is_skipped_with_its_line_and_the_rest_imported(
    tmp_path, import_cli
):
    long = "x" * 140_000
    notes = [
        "front one\tback one",
        # quoted over three lines, with a tab, a doubled quote and a second line in the long
        # field: the notes after it are still read from their own first line
        f'"long\tfront"\t"a ""quote""\there\n{long}\nend"',
        "front two\tback two",
        f"front three\t{long}",  # unquoted: one line
        "front four\tback four",
    ]
    write(tmp_path / "long.txt", "#separator:tab\n#html:false\n" + "\n".join(notes) + "\n")
    run = import_cli(tmp_path, "anki", "long.txt")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    why = "a field is longer than 131,072 characters (the most a note's field may have here)"
    assert f"long.txt:4: skipped, malformed: {why}" in run.stdout
    assert f"long.txt:8: skipped, malformed: {why}" in run.stdout
    assert "skipped 2 (2 malformed)" in run.stdout
    pack = load_pack(tmp_path / "out")
    assert [q.prompt for q in pack.questions] == ["front one", "front two", "front four"]


def test_an_anki_file_of_only_an_over_long_note_has_nothing_to_import(tmp_path, import_cli):
    write(tmp_path / "long.txt", "#separator:tab\nfront\t" + "x" * 140_000 + "\n")
    run = import_cli(tmp_path, "anki", "long.txt")
    assert "long.txt:2: skipped, malformed: a field is longer than 131,072" in run.stdout
    one_line_error(run, "nothing to import")


def test_red_aliases_are_refused_like_the_pack_loader_does(tmp_path, import_cli):
    # 5 KB that expanded into a card of over a megabyte
    lines = ["a0: &a0 [x, y, z, w, v, u, t, s]"]
    lines += [f"a{n}: &a{n} [*a{n - 1}, *a{n - 1}, *a{n - 1}]" for n in range(1, 8)]
    write(tmp_path / "bomb.yaml", "\n".join(lines) + "\n")
    one_line_error(import_cli(tmp_path, "red", "bomb.yaml"), "bomb.yaml:2: YAML alias *a0 is not")


# ---- database settings that look like URLs -----------------------------------------------


@pytest.mark.parametrize(
    "url, says, process",
    [
        # found by the database driver as the console opens: the whole command, in a process
        ("postgresql://ada:s3cret@127.0.0.1:99999/quiz", "not a valid postgresql:// URL", True),
        # found before the console loads (bot.config), in this process
        ("postgresql:/ada:s3cret@127.0.0.1/quiz", "postgresql://user@host/database", False),
        ("postgres:ada:s3cret@127.0.0.1/quiz", "postgresql://user@host/database", False),
    ],
)
def test_a_url_that_is_not_a_valid_postgresql_url_is_one_line(
    tmp_path, url, says, process, quizbot
):
    run = quizbot("console", "--db", url, cwd=tmp_path, process=process)
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "QUIZBOT_DB" in lines[0] and says in lines[0], run.stderr
    assert "s3cret" not in run.stderr + run.stdout
    assert list(tmp_path.iterdir()) == []  # no SQLite file named after the URL


# ---- unbounded work ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "markup, text",
    [
        ("<!--" * 250_000, ""),  # 1 MB; 160 KB took 58 s with html.parser
        ("<a" * 200_000, ""),
        ("x<p title='" * 100_000, "x"),
        ("<b>bold</b> &amp; " * 50_000, "bold & bold"),
    ],
    ids=["comments", "open-tags", "open-attribute", "many-tags"],
)
def test_html_to_text_takes_linear_time_on_malformed_markup(tmp_path, markup, text, import_cli):
    item = {**ITEM, "question": f"Q {markup} end", "category": "C"}
    write(tmp_path / "h.json", opentdb([item]))
    run = import_cli(tmp_path, "opentdb", "h.json")  # a quadratic parser hits BOUND_S
    assert "Traceback" not in run.stderr, run.stderr
    assert html_to_text(markup)[0].startswith(text)


def test_a_long_anki_field_of_html_imports(tmp_path, import_cli):
    field = "<div>" + "<a href='x'>" * 7_500 + "word" + "</a>" * 7_500 + "</div>"  # 120 KB
    write(tmp_path / "deck.txt", f"#separator:tab\n#html:true\nfront\t{field}\n")
    run = import_cli(tmp_path, "anki", "deck.txt")
    assert run.returncode == 0, run.stderr
    assert load_pack(tmp_path / "out").questions[0].accept[0] == "word"


def test_red_answers_are_deduplicated_in_linear_time(tmp_path, import_cli):
    answers = "".join(f"  - answer {n}\n  - ANSWER {n}\n" for n in range(30_000))
    write(tmp_path / "many.yaml", f"How many?:\n{answers}")
    run = import_cli(tmp_path, "red", "many.yaml")  # 30,000 answers took 82 s
    assert run.returncode == 0, run.stderr
    (question,) = load_pack(tmp_path / "out").questions
    assert len(question.accept) == 30_000 and question.accept[:2] == ("answer 0", "answer 1")


def test_a_big_topic_is_written_as_several_card_files(tmp_path):
    count = 2 * MAX_QUESTIONS_PER_FILE + 5
    text = "\n".join(f"Question {n}? {{=yes{n} ~no{n}}}\n" for n in range(count))
    write(tmp_path / "big.gift", text)
    result = import_files("gift", [tmp_path / "big.gift"], tmp_path / "out")
    assert result.problems == ()
    assert [(p.name, n) for p, n in result.written] == [
        ("big-part-1.yaml", MAX_QUESTIONS_PER_FILE),
        ("big-part-2.yaml", MAX_QUESTIONS_PER_FILE),
        ("big-part-3.yaml", 5),
    ]
    pack = load_pack(tmp_path / "out")
    assert len(pack.questions) == count
    assert [c.title for c in pack.cards] == [f"big (part {n} of 3)" for n in (1, 2, 3)]

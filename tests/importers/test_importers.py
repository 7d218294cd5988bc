"""`quizbot content import`: each format's sample file round-trips through the loader, bad
files write nothing and name file and line, and the real question banks import."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app import QuizApp
from bot.cli import main
from bot.content import Pack, Question, load_pack
from bot.features.quiz.requests import AnswerTyped, AskQuestion
from bot.importers import import_files, parse_files
from bot.importers.anki import alternatives
from bot.importers.common import NO_EXPLANATION, html_to_text, slug, stable_id
from tests.conftest import ROOT, console_actor

DATA = ROOT / "tests" / "data" / "import"
REALDATA = ROOT.parent / "shared" / "realdata"


def imported(tmp_path: Path, fmt: str, *names: str, **kwargs: object) -> Pack:
    out = tmp_path / "out"
    result = import_files(fmt, [DATA / n for n in names], out, **kwargs)  # type: ignore[arg-type]
    assert not result.problems, result.problems
    return load_pack(out)


def by_prompt(pack: Pack) -> dict[str, Question]:
    return {q.prompt: q for q in pack.questions}


# ---- GIFT -----------------------------------------------------------------------------


def test_gift_round_trip(tmp_path):
    pack = imported(tmp_path, "gift", "sample.gift")
    assert [c.title for c in pack.cards] == ["Networking", "Trivia"]  # $CATEGORY -> card
    assert {c.track for c in pack.cards} == {"imported"}
    q = by_prompt(pack)

    tcp = q["How many packets does a TCP handshake take?"]
    assert tcp.choices == ("Two", "Three", "Four", "One")
    assert tcp.answer == "Three"
    assert tcp.why == "SYN, SYN-ACK, ACK: three packets open a TCP connection."  # ####
    assert tcp.source == "imported"
    assert tcp.feedback_for(0) == "That is a request and a reply, not a handshake."
    # a partial-credit choice is a wrong choice, with its feedback and a note
    assert tcp.feedback_for(2).startswith("Close: that is how many close a connection.")
    assert "50% credit" in tcp.feedback_for(2)
    assert tcp.feedback_for(3) == ""

    udp = q["UDP guarantees delivery."]  # {F#wrong-answer feedback#right-answer feedback}
    assert udp.choices == ("True", "False") and udp.answer == "False" and udp.keep_order
    assert udp.feedback_for(0) == "It does not: UDP is fire-and-forget."
    assert udp.source == NO_EXPLANATION
    assert "Right: UDP has no acknowledgements." in udp.why
    assert q["TCP is connection-oriented."].answer == "True"
    assert q["Is water wet?"].answer == "True"

    ping = q["A ping uses _____ packets."]  # short answer: full-credit answers only
    assert ping.typed and ping.accept == ("ICMP", "Internet Control Message Protocol")
    assert ping.why.startswith("Accepted answers are “ICMP” or")

    escapes = q["Escapes: a {brace}, an = equals, a ~ tilde and a # hash."]
    assert escapes.answer == "yes"
    assert q["Which port does HTTPS use by default?"].answer == "443"  # [html] -> text
    assert "Name *two* primes." in q  # [markdown] kept as written
    seasons = q["Pick the seasons."]  # two full-credit choices: choose all that apply
    assert seasons.multi and seasons.answers == ("spring", "summer")
    assert len(pack.questions) == 9


def test_gift_skips_what_quizbot_cannot_ask(tmp_path):
    (parsed,) = parse_files("gift", [DATA / "sample.gift"])
    skipped = "\n".join(parsed.skipped)
    for kind in ("numeric", "matching", "essay", "description"):
        assert kind in skipped
    assert len(parsed.skipped) == 4
    assert all(line.startswith(f"{DATA / 'sample.gift'}:") for line in parsed.skipped)
    assert any("partial-credit answers not accepted: 'IP' (50%)" in n for n in parsed.notes)


def test_gift_one_malformed_question_is_skipped_with_its_line_not_the_whole_file(tmp_path, capsys):
    out = tmp_path / "out"
    result = import_files("gift", [DATA / "sample.gift", DATA / "unclosed.gift"], out)
    assert result.problems == ()
    assert f"{DATA / 'unclosed.gift'}:4: skipped, malformed: '{{' is not closed before the end" in (
        "\n".join(result.skipped)
    )
    assert result.malformed == 1
    prompts = {q.prompt for q in load_pack(out).questions}
    assert {"Fine question.", "Another fine one."} <= prompts
    assert not any(p.startswith("Broken question") for p in prompts)
    args = ["content", "import", "--from", "gift", str(DATA / "unclosed.gift"), "--out"]
    assert main([*args, str(tmp_path / "cli")]) == 0
    assert "imported 2 questions (multiple choice 1, true/false 1), skipped 1 (1 malformed)" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("::No end title{T}\n", ":1: skipped, malformed: the title's '::' is never closed"),
        ("Stray } brace{T}\n", ":1: skipped, malformed: '}' without an opening '{'"),
        ("Q{T}\n\nQ2{garbage =x}\n", ":3: skipped, malformed: answers must start with '='"),
        ("Q{TRUE junk}\n", ":1: skipped, malformed: unexpected text after 'TRUE'"),
    ],
)
def test_gift_malformed(tmp_path, text, message):
    path = tmp_path / "bad.gift"
    path.write_text(text, encoding="utf-8")
    (parsed,) = parse_files("gift", [path])
    assert parsed.problems == () and parsed.malformed == 1
    assert len(parsed.skipped) == 1 and message in parsed.skipped[0], parsed.skipped


def test_gift_short_answer_shorthand_arrows_in_choices_and_format_tags_on_answers(tmp_path):
    source = tmp_path / "real.gift"
    source.write_text(
        "How do you write the word for 1? {One}\n\n"
        "What do you do first? {~go to starbucks -> order a coffee"
        " =get coffee powder -> add water}\n\n"
        "Match these. {=cat -> meow =dog -> woof}\n\n"
        "[moodle]¿Cuándo? {~[moodle]Cuando sí. =[html]<b>Nunca</b>. #[html]<i>¡Bien!</i>}\n",
        encoding="utf-8",
    )
    result = import_files("gift", [source], tmp_path / "out")
    assert result.problems == ()
    assert result.skipped == (
        f"{source}:5: skipped: matching question 'Match these.': matching is not supported",
    )
    q = by_prompt(load_pack(tmp_path / "out"))
    assert q["How do you write the word for 1?"].accept == ("One",)
    arrows = q["What do you do first?"]
    assert arrows.choices == ("go to starbucks -> order a coffee", "get coffee powder -> add water")
    assert arrows.answer == "get coffee powder -> add water"
    tagged = q["¿Cuándo?"]
    assert tagged.choices == ("Cuando sí.", "Nunca.") and tagged.answer == "Nunca."
    assert "“¡Bien!”" in tagged.why  # the right choice's [html] feedback, as text


# ---- Red trivia -----------------------------------------------------------------------


def test_red_round_trip_keeps_scalars_as_written(tmp_path):
    pack = imported(tmp_path, "red", "sample.yaml")
    (card,) = pack.cards
    assert card.id == "sample"
    assert "Author: Quizbot tests" in card.sections[0].points
    q = by_prompt(pack)
    assert q["How many bits are in a byte?"].accept == ("8", "eight")
    assert q["What is 1.5 times 1?"].accept == ("1.50", "1.5")  # not the float 1.5
    assert q["Is the Earth round?"].accept == ("yes", "True")  # not the boolean True
    logo = q["What does this logo show? https://example.org/logo.png"]  # links stay
    assert logo.accept == ("A whale", "whale")
    assert all(x.source == NO_EXPLANATION for x in pack.questions)
    assert q["How many bits are in a byte?"].why == (
        "Accepted answers are “8” or “eight”; this imported question has no explanation yet."
    )
    assert len(pack.questions) == 4  # AUTHOR, DESCRIPTION and CONFIG are not questions


def test_red_not_a_mapping(tmp_path):
    out = tmp_path / "out"
    result = import_files("red", [DATA / "sample.yaml", DATA / "not_mapping.yaml"], out)
    assert result.problems == (
        f"{DATA / 'not_mapping.yaml'}:1: a Red trivia list is a mapping of question -> list"
        " of answers; found a list",
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Q?: just one answer\n", ":1: the answers to 'Q?' must be a list"),
        ("Q?: []\n", ":1: 'Q?' has no answers"),
        ("Q?:\n- [a, b]\n", ":2: an answer must be text, not a list"),
        ("Q?: [\n", "invalid YAML"),
        # libyaml reports the byte offset of a bad character: the line is found in the text
        ("Q?:\n- ok\n- a\x07b\n", ":3: character '\\x07' is not allowed in a YAML file"),
    ],
)
def test_red_malformed(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    (parsed,) = parse_files("red", [path])
    assert len(parsed.problems) == 1 and message in parsed.problems[0], parsed.problems


# ---- Open Trivia DB -------------------------------------------------------------------


def test_opentdb_round_trip(tmp_path):
    pack = imported(tmp_path, "opentdb", "sample.json")
    assert [c.title for c in pack.cards] == ["Science: Computers", "Geography"]
    for card in pack.cards:
        assert any("CC BY-SA 4.0" in p for p in card.sections[0].points)
    q = by_prompt(pack)
    http = q['What does "HTTP" stand for?']  # &quot; unescaped
    assert http.answer == "HyperText Transfer Protocol"
    assert "HyperText & Text Protocol" in http.choices
    assert len(http.choices) == 4
    ram = q["'RAM' is volatile memory."]
    assert ram.choices == ("True", "False") and ram.answer == "True" and ram.keep_order
    assert q["Tokyo is the capital of Japan."].track == "imported"


@pytest.mark.parametrize("encoding", ["url3986", "base64"])
def test_opentdb_other_encodings(tmp_path, encoding):
    import base64
    import json
    import urllib.parse

    def enc(text: str) -> str:
        if encoding == "base64":
            return base64.b64encode(text.encode()).decode()
        return urllib.parse.quote(text, safe="")

    item = {
        "category": enc("Science & Nature"),
        "type": enc("multiple"),
        "difficulty": enc("easy"),
        "question": enc("Which gas do plants take in?"),
        "correct_answer": enc("Carbon dioxide"),
        "incorrect_answers": [enc("Oxygen"), enc("Helium"), enc("Nitrogen")],
    }
    path = tmp_path / "enc.json"
    path.write_text(json.dumps({"response_code": 0, "results": [item]}), encoding="utf-8")
    result = import_files("opentdb", [path], tmp_path / "out")
    assert not result.problems, result.problems
    (q,) = load_pack(tmp_path / "out").questions
    assert q.prompt == "Which gas do plants take in?" and q.answer == "Carbon dioxide"
    assert load_pack(tmp_path / "out").cards[0].title == "Science & Nature"


def test_opentdb_response_code(tmp_path):
    out = tmp_path / "out"
    result = import_files("opentdb", [DATA / "response_code_1.json"], out)
    assert len(result.problems) == 1
    assert result.problems[0].startswith(f"{DATA / 'response_code_1.json'}:1: response_code 1")
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", ":1: invalid JSON"),
        ('{"response_code": 0, "token": "abc"}', "session-token response"),
        ('{"response_code": 0, "results": [{"type": "multiple"}]}', ":item 1: missing"),
        (
            '{"response_code": 0, "results": [1, {"type": "x", "question": "q",'
            ' "correct_answer": "a", "incorrect_answers": ["b"]}]}',
            ":item 2: unknown type 'x'",
        ),
    ],
)
def test_opentdb_malformed(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    (parsed,) = parse_files("opentdb", [path])
    assert parsed.problems and message in parsed.problems[-1], parsed.problems


# ---- Anki -----------------------------------------------------------------------------


def test_anki_round_trip(tmp_path):
    pack = imported(tmp_path, "anki", "sample.txt")
    assert [c.title for c in pack.cards] == ["Languages / Croatian", "Languages / German"]
    q = by_prompt(pack)
    assert q["sol (salt)"].accept == ("salt",)  # HTML to text, quoted multi-line field
    assert q["papar"].accept == ("pepper (spice)", "pepper")  # also without the remark
    assert q['He said "hi"'].accept == ("greeting",)  # "" inside a quoted field
    assert q["Salz"].accept == ("salt",)
    assert len(pack.questions) == 4
    (parsed,) = parse_files("anki", [DATA / "sample.txt"])
    assert any("the front is empty" in s for s in parsed.skipped)  # a media-only front
    assert any("dropped 2 media references" in n for n in parsed.notes)


def test_anki_columns_header_names_the_front_and_back(tmp_path):
    source = tmp_path / "deck.txt"
    source.write_text(
        "#separator:tab\n#html:false\n#columns:Tags\tBack\tFront\n"
        "spice\tpepper\tpapar\nspice\tsalt\tsol\n",
        encoding="utf-8",
    )
    result = import_files("anki", [source], tmp_path / "out")
    assert not result.problems, result.problems
    q = by_prompt(load_pack(tmp_path / "out"))
    assert q["papar"].accept == ("pepper",) and q["sol"].accept == ("salt",)


@pytest.mark.parametrize(
    ("back", "accepted"),
    [
        ("ss (or netstat)", ("ss (or netstat)", "netstat", "ss")),
        ("cat / dog", ("cat / dog", "cat", "dog")),
        ("salt; pepper", ("salt; pepper", "salt", "pepper")),
        ("TCP/IP", ("TCP/IP",)),  # a slash without spaces is part of the answer
        ("pwd (print working directory)", ("pwd (print working directory)", "pwd")),
    ],
)
def test_anki_alternatives_in_the_back_are_accepted(back, accepted):
    assert alternatives(back) == accepted


async def test_anki_answers_a_learner_types_are_right(tmp_path, clock):
    source = tmp_path / "deck.txt"
    source.write_text(
        "#separator:tab\n#html:false\n"
        "Which command lists sockets?\tss (or netstat)\n"
        "What does pwd print?\tthe current working directory\n",
        encoding="utf-8",
    )
    assert import_files("anki", [source], tmp_path / "out").problems == ()
    app = await QuizApp.open(tmp_path / "q.db", tmp_path / "out", clock=clock)
    try:
        for prompt, typed in (
            ("Which command lists sockets?", "netstat"),
            ("What does pwd print?", "current working directory"),
        ):
            view = await app.dispatch(console_actor("Ada"), AskQuestion(None))
            while app.pack.question(view.question_id).prompt != prompt:
                view = await app.dispatch(console_actor("Ada"), AskQuestion(None))
            result = await app.dispatch(console_actor("Ada"), AnswerTyped(view.post_id, typed))
            assert result.correct, (prompt, typed, result)
    finally:
        await app.close()


def test_anki_broken_quote(tmp_path):
    out = tmp_path / "out"
    result = import_files("anki", [DATA / "broken_quote.txt"], out)
    assert result.problems == (
        f"{DATA / 'broken_quote.txt'}:4: broken field quoting: unexpected end of data",
    )
    assert not out.exists()


# ---- the writer and the command -------------------------------------------------------


def test_ids_are_stable_and_unique_for_repeated_prompts(tmp_path):
    first = imported(tmp_path / "a", "gift", "sample.gift")
    second = imported(tmp_path / "b", "gift", "sample.gift")
    assert [q.id for q in first.questions] == [q.id for q in second.questions]
    assert stable_id("Q?", "gift:x.gift", 1) != stable_id("Q?", "gift:x.gift", 2)
    assert stable_id("Q?", "gift:x.gift", 1) != stable_id("Q?", "gift:y.gift", 1)
    assert slug("Spices - začinima!") == "spices-zacinima"


def test_never_overwrites_without_force(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["content", "import", "--from", "red", str(DATA / "sample.yaml"), "--out", str(out)]
    assert main(args) == 0
    before = (out / "sample.yaml").read_text(encoding="utf-8")
    (out / "sample.yaml").write_text(before + "# my edit\n", encoding="utf-8")
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "sample.yaml: already exists (--force overwrites)" in err
    assert "nothing written" in err
    assert (out / "sample.yaml").read_text(encoding="utf-8").endswith("# my edit\n")
    assert main([*args, "--force"]) == 0
    assert (out / "sample.yaml").read_text(encoding="utf-8") == before


def test_command_prints_a_summary_and_topic_sets_the_track(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        ["content", "import", "--from", "gift", str(DATA / "sample.gift"), "--out", str(out)]
        + ["--topic", "Net Basics"]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert (
        "imported 9 questions (choose all that apply 1, multiple choice 4, true/false 3,"
        " typed answer 1), skipped 4, 8 without an explanation:" in text
    )
    assert f"{out / 'networking.yaml'} (6 questions)" in text
    assert {c.track for c in load_pack(out).cards} == {"net-basics"}


def test_validation_against_the_pack_already_in_out(tmp_path):
    out = tmp_path / "out"
    shutil.copytree(ROOT / "content", out)
    shipped = len(load_pack(out).cards)
    assert import_files("red", [DATA / "sample.yaml"], out).problems == ()
    assert len(load_pack(out).cards) == shipped + 1
    # a card id already used by another file of the pack: the check fails, nothing written
    mine = (out / "sample.yaml").read_text(encoding="utf-8")
    mine = mine.replace("id: sample", "id: networking").replace("  - id: ", "  - id: mine-")
    (out / "mine.yaml").write_text(mine, encoding="utf-8")
    (out / "sample.yaml").unlink()
    result = import_files("gift", [DATA / "sample.gift"], out)
    assert any(
        p.startswith(f"the result does not validate: {out}") and "duplicate id 'networking'" in p
        for p in result.problems
    ), result.problems
    assert not (out / "networking.yaml").exists() and not (out / "trivia.yaml").exists()


def test_validate_counts_questions_without_explanation(tmp_path, capsys):
    out = tmp_path / "out"
    import_files("red", [DATA / "sample.yaml"], out)
    capsys.readouterr()
    assert main(["content", "validate", str(out)]) == 0
    assert f"4 questions have no explanation yet (source: {NO_EXPLANATION})" in (
        capsys.readouterr().out
    )


def test_bad_invocations_are_one_line(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["content", "import", "--from", "red", str(tmp_path / "nope.yaml")]) == 1
    assert f"{tmp_path / 'nope.yaml'}:0: no such file" in capsys.readouterr().err
    binary = tmp_path / "bin.gift"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert main(["content", "import", "--from", "gift", str(binary), "--out", str(out)]) == 1
    assert f"{binary}:1: the file is UTF-16; save it as UTF-8" in capsys.readouterr().err
    binary.write_bytes(b"Q? {=a ~b}\n\nR? {=\xff ~c}\n")
    assert main(["content", "import", "--from", "gift", str(binary), "--out", str(out)]) == 1
    assert f"{binary}:3: byte 0xff is not UTF-8 text" in capsys.readouterr().err
    empty = tmp_path / "empty.gift"
    empty.write_text("// only a comment\n", encoding="utf-8")
    assert main(["content", "import", "--from", "gift", str(empty), "--out", str(out)]) == 1
    assert "nothing to import" in capsys.readouterr().err
    assert not out.exists()


def test_html_to_text():
    assert html_to_text("<p>a&nbsp;b</p><p>c\n d</p>[sound:x.mp3]<img src='y.png'>") == (
        "a b\nc d",
        2,
    )
    assert html_to_text('<a href="https://e.org">link</a>')[0] == "link (https://e.org)"


# ---- the real question banks ----------------------------------------------------------

# file -> (imported, skipped) or the start of its one error
REAL = {
    "gift/TFTwoFeedback.gift": (3, 0),
    "gift/category1.gift": "nothing to import",
    "gift/description1.gift": (1, 1),
    "gift/escapeColon.gift": (1, 0),  # 4 right answers: one choose-all-that-apply question
    "gift/escapeEquals.gift": (1, 0),
    "gift/essay1.gift": "nothing to import",
    "gift/giftFormatPhpExamples.gift": (7, 3),
    "gift/matching1.gift": "nothing to import",
    "gift/mc1.gift": (1, 0),
    "gift/mc2.gift": (1, 0),
    "gift/numerical1.gift": "nothing to import",
    "gift/shortAnswer1.gift": (2, 0),
    "gift/tf1.gift": (1, 0),
    "gift/tf2.gift": (2, 0),
    "red-trivia/computers.yaml": (164, 0),
    "red-trivia/gameofthrones.yaml": (60, 0),
    "opentdb/api_3q_typeboolean.json": (3, 0),
    "opentdb/api_fail_respcode_1.json": "response_code 1",
    "opentdb/api_fail_respcode_2.json": "response_code 2",
    "opentdb/api_fail_respcode_3.json": "response_code 3",
    "opentdb/api_fail_respcode_4.json": "response_code 4",
    "opentdb/api_session_new.json": "no results",
    "opentdb/api_session_reset.json": "no results",
    "anki/Croatian_Spices.txt": (18, 0),
}
FORMAT_OF = {"gift": "gift", "red-trivia": "red", "opentdb": "opentdb", "anki": "anki"}


def _realdata() -> Path:
    if not REALDATA.is_dir():
        reason = f"real question banks not found at {REALDATA}"
        print(reason)
        pytest.skip(reason)
    return REALDATA


def test_every_real_file_imports_or_fails_with_one_line(tmp_path):
    realdata = _realdata()
    found = {
        str(p.relative_to(realdata))
        for p in realdata.glob("*/*")
        if p.suffix in (".gift", ".yaml", ".json", ".txt") and p.parent.name in FORMAT_OF
    }
    found -= {p for p in found if p.startswith("gift/") and p.endswith(".json")}  # GIFT ASTs
    found.discard("red-trivia/trivia.schema.json")
    assert found == set(REAL)
    for name, expected in REAL.items():
        out = tmp_path / name.replace("/", "_")
        result = import_files(FORMAT_OF[name.split("/")[0]], [realdata / name], out)
        if isinstance(expected, str):
            assert len(result.problems) == 1 and expected in result.problems[0], (name, result)
            assert not out.exists()
            continue
        assert not result.problems, (name, result.problems)
        assert (result.imported, len(result.skipped)) == expected, name
        load_pack(out)


def test_real_files_import_together_with_the_right_answers(tmp_path):
    realdata = _realdata()
    out = tmp_path / "out"
    gifts = [realdata / n for n, e in REAL.items() if n[:5] == "gift/" and not isinstance(e, str)]
    for fmt, files in [
        ("gift", gifts),
        ("red", sorted((realdata / "red-trivia").glob("*.yaml"))),
        ("opentdb", [realdata / "opentdb" / "api_3q_typeboolean.json"]),
        ("anki", [realdata / "anki" / "Croatian_Spices.txt"]),
    ]:
        result = import_files(fmt, files, out)
        assert not result.problems, result.problems
    pack = load_pack(out)
    assert len(pack.questions) == 19 + 60 + 164 + 3 + 19  # GIFT 19: escapeColon is choose-all
    q = by_prompt(pack)
    assert q["Who's buried in Grant's tomb?"].answer == "no one"
    assert q["How many layers are present in TCP/IP model?"].accept == ("Seven", "7")
    assert q["(mr) bosiljak"].accept == ("basil",)
    assert q["The flag of South Africa features 7 colours."].answer == "False"
    grant = [x for x in pack.questions if x.prompt == "Grant is _____ in Grant's tomb."]
    assert {x.answer for x in grant} == {"entombed"}
    assert q["Jesus Christ was from _____."].accept == ("Nazareth",)
    assert q["Which answer equals 5?"].choices == ("= 2 + 2", "= 2 + 3", "= 2 + 4")
    assert q["Which answer equals 5?"].answer == "= 2 + 3"
    # importing the same files again gives the same ids
    again = tmp_path / "again"
    for fmt, files in [("red", sorted((realdata / "red-trivia").glob("*.yaml")))]:
        import_files(fmt, files, again)
    assert {x.id for x in load_pack(again).questions} <= {x.id for x in pack.questions}


def test_every_importer_on_every_real_file_never_raises(tmp_path):
    """The wrong importer for a file (GIFT read as a Red list, a LICENSE as Anki...) gives
    one-line problems or a result, never an exception."""
    realdata = _realdata()
    files = sorted(p for p in realdata.rglob("*") if p.is_file())
    for fmt in ("gift", "red", "opentdb", "anki"):
        for n, path in enumerate(files):
            result = import_files(fmt, [path], tmp_path / f"{fmt}-{n}")
            assert all("\n" not in p for p in result.problems), (fmt, path)


def test_gift_feedback_on_the_right_choice_is_kept_after_the_general_feedback(tmp_path):
    source = tmp_path / "fb.gift"
    source.write_text(
        "Which protocol retransmits lost segments? {\n"
        "=TCP#Right: it acknowledges every segment.\n"
        "~UDP#No: UDP never retransmits.\n"
        "####TCP keeps a retransmission timer per connection.\n"
        "}\n",
        encoding="utf-8",
    )
    result = import_files("gift", [source], tmp_path / "out")
    assert not result.problems, result.problems
    [question] = load_pack(tmp_path / "out").questions
    assert question.why == (
        "TCP keeps a retransmission timer per connection. The original's feedback on the"
        " right answer: “Right: it acknowledges every segment.”"
    )
    assert question.feedback_for(question.choices.index("UDP")) == "No: UDP never retransmits."

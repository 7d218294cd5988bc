"""``quizbot report items|learners``: CSV that opens cleanly in a spreadsheet (UTF-8 BOM, ISO
dates, display names that cannot run as formulas), JSON with every figure, a terminal table,
and one-line errors."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import QuizApp
from bot.cli import main
from bot.kernel.clock import FakeClock
from bot.kernel.identity import Actor
from tests.features.teacher.test_item_analysis import ADMIN, A, B
from tests.teacher_content import teacher_content

HOSTILE = ('=HYPERLINK("http://x")', "+1+1", "@SUM(A1)", "-2", "Zoë")


@pytest.fixture
def seeded(tmp_path):
    db, content = tmp_path / "quiz.db", teacher_content(tmp_path / "content")
    clock = FakeClock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))

    async def seed() -> None:
        app = await QuizApp.open(db, content, clock=clock)
        try:
            view = await app.quiz.post_question(ADMIN, app.pack.question("lab-one"))
            for n, name in enumerate(HOSTILE):
                clock.advance(timedelta(seconds=3))
                actor = Actor("console", f"u{n}", name, "local", "terminal")
                await app.quiz.answer(actor, view.post_id, A if n % 2 == 0 else B)
        finally:
            await app.close()

    asyncio.run(seed())
    return ["--db", str(db), "--content", str(content)]


def run(capsysbinary, *argv: str) -> tuple[int, bytes, str]:
    code = main(list(argv))
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


def test_learners_csv_opens_cleanly_in_a_spreadsheet(seeded, capsysbinary):
    code, out, _ = run(capsysbinary, "report", "learners", *seeded, "--format", "csv")
    assert code == 0
    assert out.startswith("\ufeff".encode())  # UTF-8 with a byte-order mark
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8-sig"))))
    names = {r["learner"] for r in rows}
    # text that would run as a formula starts with an apostrophe; other names stay as typed
    assert names == {'\'=HYPERLINK("http://x")', "'+1+1", "'@SUM(A1)", "'-2", "Zoë"}
    zoe = next(r for r in rows if r["learner"] == "Zoë")
    assert (zoe["topic"], zoe["answers"], zoe["correct"], zoe["accuracy"]) == (
        "Item lab",
        "1",
        "1",
        "1.0",
    )
    assert zoe["last_seen"] == "2026-03-02T12:00:15+00:00"  # ISO 8601, UTC


def test_items_json_and_csv_carry_the_figures(seeded, capsysbinary):
    code, out, _ = run(capsysbinary, "report", "items", *seeded, "--format", "json")
    assert code == 0
    body = json.loads(out)
    one = next(i for i in body["items"] if i["question_id"] == "lab-one")
    assert (one["attempts"], one["right"], one["discrimination"]) == (5, 3, None)
    assert [c["picked"] for c in one["choices"]] == [3, 2, 0, 0]
    assert one["median_seconds"] == 9  # answers after 3, 6, 9, 12, 15 s
    assert body["learners"] == 5
    code, out, _ = run(capsysbinary, "report", "items", *seeded, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8-sig"))))
    first = next(r for r in rows if r["question_id"] == "lab-one")
    assert (first["attempts"], first["difficulty"]) == ("5", "0.6")
    assert first["discrimination"] == "not enough answers yet"
    assert "feedback missing" in first["flags"]


def test_table_and_scope_options(seeded, capsysbinary):
    code, out, _ = run(capsysbinary, "report", "learners", *seeded, "--since", "2026-03-03")
    assert code == 0 and b"Zo" not in out  # nobody answered since then
    code, out, _ = run(capsysbinary, "report", "items", *seeded, "--topic", "lab")
    assert code == 0 and b"lab-typed" in out and b"attempts" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (("--workspace", "nowhere"), "'nowhere' is no workspace: give platform:id"),
        (("--topic", "nosuch"), "Unknown topic 'nosuch'"),
        (("--group", "ghosts"), "No group called 'ghosts'"),
    ],
)
def test_bad_options_are_one_line(seeded, capsysbinary, argv, message):
    code, out, err = run(capsysbinary, "report", "items", *seeded, *argv)
    assert code != 0 and out == b""
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_bad_date_is_refused_by_the_parser(seeded, capsysbinary):
    with pytest.raises(SystemExit) as exit_:
        main(["report", "items", *seeded, "--since", "2026-13-01"])
    assert exit_.value.code == 2
    assert "'2026-13-01' is not a date (YYYY-MM-DD)" in capsysbinary.readouterr().err.decode()

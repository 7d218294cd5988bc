"""The whole flow as a user would do it: `quizbot console` as a real subprocess."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def run_console(db, commands: list[str]) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", str(db)],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    return out.stdout


def test_two_users_answer_double_answer_and_scores_survive_restart(tmp_path):
    db = tmp_path / "quiz.db"
    out = run_console(
        db,
        [
            "/as Ada",
            "/quiz card processes-vs-threads",
            "/quiz question processes-vs-threads",
            "A",
            "B",  # Ada again on the same question: already answered
            "/as Bob",
            "2",
            "/quiz leaderboard",
            "/stats",
            "Z",
            "/nonsense",
            "/quit",
        ],
    )
    assert "Processes vs Threads" in out and "Own, isolated" in out
    assert "Try it live" in out
    ada_result = re.search(r"(✅ Correct! \+10 points|❌ Not quite\.)", out)
    assert ada_result, out
    assert out.count("Why: ") == 3  # Ada, Ada's repeat, Bob
    assert "You already answered: A)" in out
    assert "no change" in out
    assert "'Z' is not a choice" in out
    assert "Unknown command 'nonsense'" in out
    board = out[out.index("This server — all time") :]
    assert "Ada" in board and "Bob" in board

    # a second run on the same database: the scores are still there
    again = run_console(db, ["/as Ada", "/stats", "/as Bob", "/stats"])
    points = re.findall(r"^(Ada|Bob): (\d+) points", again, flags=re.M)
    assert [name for name, _ in points] == ["Ada", "Bob"]
    first = dict(re.findall(r"^(Ada|Bob): (\d+) points", out, flags=re.M))
    assert first.get("Bob") == dict(points)["Bob"]
    assert "answered 1" in again


def test_console_with_closed_stdin_exits_cleanly(tmp_path):
    out = run_console(tmp_path / "q.db", [])
    assert "Type /quiz for a question" in out

"""Quiz night's one-session-per-channel claim across real OS processes: three bot processes on
one database (a SQLite file; a PostgreSQL schema) each ask for a live quiz in the same channel
at the same moment. Exactly one starts it (and its runner posts round 1); the others are shown
the running session instead; one session row, one round. (test_live's racing test runs two
apps in one process; this one has no shared interpreter, loop or connection pool.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from bot.app import QuizApp
from bot.kernel.clock import FakeClock
from tests.conftest import CONTENT, ROOT
from tests.pg_server import query

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
PROCESSES = 3


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_processes_racing_to_start_in_one_channel_start_one_session(kind, tmp_path, request):
    if kind == "sqlite":
        target: str = str(tmp_path / "quiz.db")
    else:
        target = request.getfixturevalue("postgres").fresh_schema()
    # migrated once up front: the race is about the claim, not the schema
    setup = await QuizApp.open(target, CONTENT, clock=FakeClock(datetime(2026, 3, 2, tzinfo=UTC)))
    await setup.close()

    children = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "cluster_child.py"), target, "live", str(w)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=ENV,
        )
        for w in range(PROCESSES)
    ]
    try:
        for child in children:  # every process open, its runner scanning, before any asks
            line = child.stdout.readline()
            assert line.strip() == "ready", (line, child.stderr.read() if child.poll() else "")
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        reports = [json.loads(child.stdout.readline()) for child in children]
        # every process has answered and is still up: what the database holds now
        sessions = query(
            target, "SELECT id, status, owner, started_by, rounds FROM live_sessions ORDER BY id"
        )
        rounds = query(
            target, "SELECT session_id, number, status FROM live_rounds ORDER BY session_id, number"
        )
        for child in children:  # now they may close (the winner hands its session back)
            child.stdin.write("close\n")
            child.stdin.flush()
        errs = [child.communicate(timeout=60)[1] for child in children]
    finally:
        for child in children:
            child.kill()
            child.wait(timeout=10)
    assert [child.returncode for child in children] == [0] * PROCESSES, errs

    started = [r for r in reports if r["reply"] == "started"]
    shown = [r for r in reports if r["reply"] == "shown"]
    assert len(started) == 1 and len(shown) == PROCESSES - 1, reports
    [winner] = started
    [(session_id, status, owner, started_by, session_rounds)] = sessions
    assert (session_id, status) == (winner["session"], "running")
    assert owner == winner["runner"]  # the starter's runner drives it
    assert started_by == f"console:p{winner['worker']}"
    assert session_rounds == winner["rounds"] == winner["worker"] + 2  # the winner's settings
    for loser in shown:
        assert loser["already_running"] and loser["session"] == session_id
        assert loser["text"].startswith("A live quiz is already running here")
        assert loser["started_by"] == f"Player {winner['worker']}"
        assert loser["rounds"] == winner["rounds"]
        assert loser["posted"] == [] and loser["other"] == []  # their runners kept off it
    # one session, one first round, posted once, by the winner's runner
    assert winner["posted"] == [["terminal", session_id, 1]] and winner["other"] == []
    assert rounds == [(session_id, 1, "open")]

"""Kill the bot (SIGKILL) with thousands of answers in flight: every answer whose result was
delivered is stored exactly once, and the materialized scores match the answers table."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.conftest import ROOT
from tests.pg_server import query


def test_sigkill_loses_no_delivered_answer(db_target):
    db = db_target
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "durability_child.py"), str(db)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    delivered: dict[str, int] = {}
    try:
        header = child.stdout.readline().split()
        assert header[0] == "post", header
        post_id = int(header[1])
        for line in child.stdout:
            _, user_key, choice = line.split()
            delivered[user_key] = int(choice)
            if len(delivered) >= 3000:
                break
        child.send_signal(signal.SIGKILL)  # mid-flight: ~2,000 answers are queued or committing
        rest = child.stdout.read()  # results printed before the kill still count
        for line in rest.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == "ok":
                delivered[parts[1]] = int(parts[2])
    finally:
        child.kill()
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    stored = dict(query(db, "SELECT user_key, choice FROM answers WHERE post_id = ?", (post_id,)))
    missing = [k for k in delivered if k not in stored]
    assert missing == [], f"{len(missing)} delivered answers lost"
    assert all(stored[k] == delivered[k] for k in delivered)  # the first answer, not the retry
    [(rows,)] = query(db, "SELECT COUNT(*) FROM answers WHERE post_id = ?", (post_id,))
    assert rows == len(stored)  # one row per user (primary key), retries never stored

    # materialized totals equal a recomputation from the answers table
    users = query(
        db,
        "SELECT u.user_key, u.points, u.answered, u.correct, SUM(a.points), COUNT(*),"
        " SUM(a.correct) FROM users u JOIN answers a ON a.user_key = u.user_key"
        " GROUP BY u.user_key, u.points, u.answered, u.correct",
    )
    assert users and all(r[1:4] == r[4:7] for r in users)
    [(orphans,)] = query(
        db, "SELECT COUNT(*) FROM answers WHERE user_key NOT IN (SELECT user_key FROM users)"
    )
    assert orphans == 0
    [(mismatched,)] = query(
        db,
        "SELECT COUNT(*) FROM scores s WHERE s.period = 'all' AND s.scope LIKE 'ws:%' AND"
        " (s.points, s.answered) != (SELECT SUM(points), COUNT(*) FROM answers a"
        " WHERE a.user_key = s.user_key)",
    )
    assert mismatched == 0
    [(board_rows,)] = query(
        db, "SELECT COUNT(*) FROM scores WHERE period = 'all' AND scope LIKE 'ws:%'"
    )
    assert board_rows == len(users)

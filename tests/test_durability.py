"""Kill the bot (SIGKILL) with thousands of answers in flight: every answer whose result was
delivered is stored exactly once, and the materialized scores match the answers table."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.conftest import ROOT
from tests.pg_server import query
from tests.waiting import eventually


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


async def test_closing_stores_the_answers_still_queued(db_target, clock):
    """A close (the end of a graceful stop) with answers queued and a batch in flight: every
    queued answer is stored and its caller hears its result. On PostgreSQL the writer used to
    be cancelled while its batch waited for the database thread, which dropped the batch and
    left its callers waiting forever."""
    import asyncio

    from bot.app import QuizApp
    from bot.features.quiz.requests import AnswerQuestion, AskQuestion
    from bot.kernel.identity import Actor
    from tests.conftest import CONTENT

    app = await QuizApp.open(db_target, CONTENT, clock=clock)
    users = [Actor("slack", f"U{i}", f"user {i}", "T1", "C1") for i in range(10)]
    view = await app.dispatch(users[0], AskQuestion())
    answering = [
        asyncio.create_task(app.dispatch(user, AnswerQuestion(view.post_id, 0))) for user in users
    ]
    # until every answer reached the writer: queued, or in the batch in flight
    await eventually(lambda: app.answers.submitted == len(users), "every answer submitted")
    await app.close()
    replies = await asyncio.wait_for(asyncio.gather(*answering), timeout=10)
    assert all("please try again" not in str(reply) for reply in replies), replies
    reopened = await QuizApp.open(db_target, CONTENT, clock=clock)
    try:
        stored = await reopened.db.read(
            lambda db: db.execute(
                "SELECT COUNT(*) FROM answers WHERE post_id = ?", (view.post_id,)
            ).fetchone()[0]
        )
    finally:
        await reopened.close()
    assert stored == 10

"""Kill the bot (SIGKILL) with thousands of answers in flight, or between a click's commit and
the trailing step that derives its rows: every answer whose result was delivered is stored
exactly once, and after a restart the derived rows (scores, topics, board sizes) match the
answers table."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading

from tests.conftest import ROOT
from tests.pg_server import query
from tests.waiting import eventually

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)


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
    # the totals the reply prints were committed with each answer
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
    restart(db)  # applies whatever derived rows the kill left in the outbox
    assert_derived_rows_match_answers(db)


def restart(db) -> None:
    """Open the app on ``db`` and close it again: opening applies what the outbox holds."""
    import asyncio

    from bot.app import QuizApp
    from tests.conftest import CONTENT

    async def open_and_close() -> None:
        app = await QuizApp.open(db, CONTENT)
        await app.answers.settled()
        await app.close()

    asyncio.run(open_and_close())


def assert_derived_rows_match_answers(db) -> None:
    """Every derived row equals a recomputation from the answers table, each answer counted
    exactly once, and the outbox is empty."""
    assert query(db, "SELECT COUNT(*) FROM answer_outbox") == [(0,)]
    [(mismatched,)] = query(
        db,
        "SELECT COUNT(*) FROM scores s WHERE s.period = 'all' AND s.scope LIKE 'ws:%' AND"
        " (s.points, s.answered, s.correct) != (SELECT SUM(points), COUNT(*), SUM(correct)"
        " FROM answers a WHERE a.user_key = s.user_key)",
    )
    assert mismatched == 0
    [(board_rows,)] = query(
        db, "SELECT COUNT(*) FROM scores WHERE period = 'all' AND scope LIKE 'ws:%'"
    )
    [(answerers,)] = query(db, "SELECT COUNT(DISTINCT user_key) FROM answers")
    assert board_rows == answerers
    [(topics_off,)] = query(
        db,
        "SELECT COUNT(*) FROM user_topics t WHERE (t.answered, t.correct) != (SELECT COUNT(*),"
        " SUM(correct) FROM answers a WHERE a.user_key = t.user_key AND a.card_id = t.card_id)",
    )
    assert topics_off == 0
    # board sizes (counted per batch with the score rows) count each player once
    [(sizes_off,)] = query(
        db,
        "SELECT COUNT(*) FROM boards b WHERE b.players != (SELECT COUNT(*) FROM scores s"
        " WHERE s.scope = b.scope AND s.period = b.period)",
    )
    assert sizes_off == 0


def test_sigkill_between_the_click_and_its_derived_rows(db_target):
    """Killed after a batch of answers committed and while the trailing step that derives
    their rows is in its transaction: the replies were delivered, no board row has them yet,
    and the next start applies them, each exactly once."""
    db = db_target
    users = 300
    child = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "durability_child.py"),
            str(db),
            "between",
            str(users),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(
        target=lambda: [lines.put(line) for line in child.stdout], daemon=True
    )
    reader.start()
    delivered: dict[str, int] = {}
    seen: set[str] = set()
    try:
        while not {"applying", "delivered"} <= seen:
            line = lines.get(timeout=60).split()
            if line[0] == "ok":
                delivered[line[1]] = int(line[2])
            seen.add(line[0])
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    assert len(delivered) == users

    stored = dict(query(db, "SELECT user_key, choice FROM answers WHERE user_key LIKE 'slack:B%'"))
    assert stored == delivered
    # killed between the steps: the answers and totals are in, the derived rows are not
    assert query(db, "SELECT COUNT(*) FROM answer_outbox") == [(users,)]
    assert query(db, "SELECT COUNT(*) FROM scores WHERE user_key LIKE 'slack:B%'") == [(0,)]
    assert query(db, "SELECT COUNT(*) FROM users WHERE user_key LIKE 'slack:B%'") == [(users,)]

    restart(db)
    assert_derived_rows_match_answers(db)
    restart(db)  # a second start finds nothing left to apply: still counted once
    assert_derived_rows_match_answers(db)


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


async def test_a_failing_trailing_step_holds_back_no_reply_and_is_applied_later(db_target, clock):
    """The trailing step fails (a bug, a fault): the clicks still get their replies, the
    outbox keeps the answers (nothing of the failed step is half-applied), a board read does
    not hang on it, and once the step works again the writer applies them, each once."""
    from bot.app import QuizApp
    from bot.features.quiz.requests import AnswerQuestion, AskQuestion
    from bot.kernel.identity import Actor
    from tests.conftest import CONTENT

    app = await QuizApp.open(db_target, CONTENT, clock=clock)
    broken = True

    def fails_while_broken(db, batch) -> None:
        if broken:
            raise RuntimeError("the trailing step is broken")

    app.answers._derived_steps = (*app.answers._derived_steps, fails_while_broken)
    try:
        users = [Actor("slack", f"U{i}", f"user {i}", "T1", "C1") for i in range(5)]
        view = await app.dispatch(users[0], AskQuestion())
        for user in users:
            reply = await app.dispatch(user, AnswerQuestion(view.post_id, 0))
            assert reply.total_points in (0, 10), reply  # the reply's totals are the click's
        board = await app.boards.leaderboard(users[0])  # returns: the step failed, no hang
        assert board.total_players < 5
        assert await app.db.read(
            lambda db: db.execute("SELECT COUNT(*) FROM answer_outbox").fetchone()[0]
        ) == len(users)
        broken = False
        await eventually(lambda: app.answers.derived_batches > 0, "the trailing step applied")
        board = await app.boards.leaderboard(users[0], limit=10)
        assert board.total_players == len(users)
        assert sorted(r.answered for r in board.rows) == [1] * len(users)
    finally:
        await app.close()
    assert query(db_target, "SELECT COUNT(*) FROM answer_outbox") == [(0,)]

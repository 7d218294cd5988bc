"""What keeping every board an index walk costs the answer batch, for users with history.

Score rows carry their user's streak, last correct day and mastered count, and study groups
have rows of their own, so an established user's first right answer of a day rewrites their
live rows (all time and recent weeks, in every scope and group). This times the core's own
batch and its trailing step (``store_batch`` with ANSWER_STEPS and DERIVED_STEPS, stdlib
sqlite3, batches of 100) on the leaderboard benchmark's data set (default 1,000 users x 100
answers each, 5 channels, every user in a 2,000-member group and a fifth in a 200-member one):

- baseline: wrong answers (no streak moves: only the answer's own rows are written);
- streak moves: each user's first right answer of a new day (their live rows are refreshed).

    python bench/board_upkeep.py [--json] [--users N --answers N] [--rounds 4]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, emit_json, median

sys.path.insert(0, str(ROOT / "bench"))

from leaderboard import WS_KEY, build  # noqa: E402

from bot.app import ANSWER_STEPS, DERIVED_STEPS, SCHEMA  # noqa: E402
from bot.features.answers import AnswerWrite  # noqa: E402
from bot.features.answers.writer import store_batch  # noqa: E402
from bot.kernel.db import open_sync  # noqa: E402
from bot.kernel.identity import channel_scope, topic_scope, workspace_scope  # noqa: E402

BATCH = 100
WEEK = "2026-03-09"  # the week after the data set's last


def writes(post_id: int, question: tuple[str, str], users: range, right: bool, day: str):
    question_id, topic_id = question
    return [
        AnswerWrite(
            post_id=post_id,
            user_key=f"console:u{u:05d}",
            display_name=f"User {u:05d}",
            question_id=question_id,
            topic_id=topic_id,
            choice=0,
            correct=right,
            points=10 if right else 0,
            answered_at=f"{day}T09:00:00+00:00",
            day=day,
            week=WEEK,
            scopes=(
                workspace_scope(WS_KEY),
                channel_scope(f"{WS_KEY}:c0"),
                topic_scope(WS_KEY, topic_id),
            ),
        )
        for u in users
    ]


def measure(path: Path, users: int, rounds: int) -> dict[str, float]:
    db = open_sync(path, SCHEMA)
    question = db.execute("SELECT question_id, card_id FROM posts LIMIT 1").fetchone()
    (post_id,) = db.execute("SELECT MAX(id) FROM posts").fetchone()
    times: dict[str, list[float]] = {"wrong_ms": [], "streak_moves_ms": []}
    for r in range(rounds):
        day = f"2026-03-{10 + r:02d}"  # a new day each round: every right answer moves a streak
        for kind, right in (("wrong_ms", False), ("streak_moves_ms", True)):
            for start in range(0, users, BATCH):
                post_id += 1
                db.execute(
                    "INSERT INTO posts(id, question_id, card_id, workspace_key, channel_key,"
                    " created_at) VALUES (?,?,?,?,?,?)",
                    (post_id, *question, WS_KEY, f"{WS_KEY}:c0", f"{day}T08:00:00+00:00"),
                )
                batch = writes(post_id, question, range(start, start + BATCH), right, day)
                t0 = time.perf_counter()
                store_batch(db, batch, ANSWER_STEPS, DERIVED_STEPS)
                times[kind].append((time.perf_counter() - t0) * 1000)
    db.close()
    return {k: median(v) for k, v in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--json", action="store_true", help="print a JSON summary last")
    args = parser.parse_args()
    users = args.users - args.users % BATCH
    with tempfile.TemporaryDirectory(prefix="quizbot-upkeep-") as tmp:
        built, path = Path(tmp) / "built.db", Path(tmp) / "run.db"
        build(built, args.users, args.answers)
        shutil.copy(built, path)
        figures = measure(path, users, args.rounds)
    ratio = figures["streak_moves_ms"] / figures["wrong_ms"]
    print(
        f"{args.users:,} users with {args.answers // args.users} answers each; batches of {BATCH}"
    )
    print(f"wrong answers (baseline)      {figures['wrong_ms']:7.1f} ms per batch (median)")
    print(f"first right answer of a day   {figures['streak_moves_ms']:7.1f} ms per batch (median)")
    print(f"streak moves / baseline       {ratio:7.2f}x")
    if args.json:
        emit_json(
            {**{k: round(v, 2) for k, v in figures.items()}, "moves_vs_wrong": round(ratio, 2)}
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

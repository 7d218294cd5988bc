"""CPU per answer of the core's click and trailing steps on SQLite, with nothing in the way.

    python bench/step_cpu.py [--posts 3] [--answers 5000] [--batch 100] [--rounds 3] [--json]

``bench/answers.py``'s "raw limit" (the core's own ``store_batch`` with ANSWER_STEPS, then the
trailing DERIVED_STEPS until the outbox is empty, stdlib sqlite3 on a fresh file) timed by
``time.thread_time`` instead of the wall clock: one thread does all the work, so its CPU time
is what the steps cost, and it moves far less with the machine's load than answers/s does.
Each round answers ``--posts`` questions with ``--answers`` users each, in click batches of
``--batch``; the figures are medians over rounds, in microseconds per answer.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import emit_json, median  # first: the repo root on sys.path
from answers import new_post, rows

from bot.app import ANSWER_STEPS, DERIVED_STEPS, SCHEMA
from bot.features.answers.outbox import apply_derived
from bot.features.answers.writer import store_batch
from bot.kernel.db import in_transaction, open_sync


def one_round(posts: int, answers: int, batch: int) -> tuple[float, float]:
    """Microseconds of CPU per answer: the click part, the trailing part."""
    click = trailing = 0.0
    with tempfile.TemporaryDirectory(prefix="quizbot-step-cpu-") as folder:
        db = open_sync(Path(folder) / "steps.db", SCHEMA)
        for _ in range(posts):
            writes = rows(new_post(db), 0, answers)  # the same users answer every post
            for start in range(0, answers, batch):
                t0 = time.thread_time()
                store_batch(db, writes[start : start + batch], ANSWER_STEPS)
                t1 = time.thread_time()
                while in_transaction(db, apply_derived, DERIVED_STEPS, 5000):
                    pass
                trailing += time.thread_time() - t1
                click += t1 - t0
        db.close()
    total = posts * answers
    return click / total * 1e6, trailing / total * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=3, help="questions answered")
    parser.add_argument("--answers", type=int, default=5000, help="answers per question")
    parser.add_argument("--batch", type=int, default=100, help="answers per click batch")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    args = parser.parse_args()
    results = [one_round(args.posts, args.answers, args.batch) for _ in range(args.rounds)]
    figures = {
        "click_cpu_us": round(median([click for click, _ in results]), 1),
        "trailing_cpu_us": round(median([trailing for _, trailing in results]), 1),
        "batch": args.batch,
    }
    print(
        f"CPU per answer (median of {args.rounds}, batches of {args.batch}):"
        f" click {figures['click_cpu_us']} us, trailing {figures['trailing_cpu_us']} us"
    )
    if args.json:
        emit_json(figures)


if __name__ == "__main__":
    main()

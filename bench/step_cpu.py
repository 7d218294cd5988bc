"""CPU per answer of the core's click and trailing steps on SQLite, with nothing in the way.

    python bench/step_cpu.py [--posts 3] [--answers 5000] [--batch 100] [--rounds 3] [--json]

``bench/answers.py``'s "raw limit" (``raw_same_rows``: the core's own ``store_batch`` with
ANSWER_STEPS, then the trailing DERIVED_STEPS until the outbox is empty, stdlib sqlite3 on one
file) timed by ``time.thread_time`` instead of the wall clock: one thread does all the work, so
its CPU time is what the steps cost, and it moves far less with the machine's load than
answers/s does.
Each round answers ``--posts`` questions with ``--answers`` users each, in click batches of
``--batch``; the figures are medians over rounds, in microseconds per answer.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import emit_json, median  # first: the repo root on sys.path
from answers import raw_same_rows


def one_round(posts: int, answers: int, batch: int) -> tuple[float, float]:
    """Microseconds of CPU per answer: the click part, the trailing part (the same users
    answering ``posts`` questions one after another in one file)."""
    click = trailing = 0.0
    with tempfile.TemporaryDirectory(prefix="quizbot-step-cpu-") as folder:
        path = Path(folder) / "steps.db"
        for _ in range(posts):
            _, click_rate, trailing_rate = raw_same_rows(path, answers, 0, batch, time.thread_time)
            click += answers / click_rate
            trailing += answers / trailing_rate
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

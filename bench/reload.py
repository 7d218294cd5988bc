"""Typed answers and content reload: what they cost, and that a reload loses no answer.

    python bench/reload.py [--json] [--rounds 3] [--answers 10000]

- reload: ``QuizApp.reload_content()`` of the shipped pack plus one typed-answer card (load,
  validate, swap), milliseconds per reload.
- choice burst / typed burst: ``--answers`` answers submitted at once to one post (one per
  user) through ``app.dispatch``, choice clicks vs typed answers (the typed path adds the
  matcher); answers per second.
- typed burst with reloads: the same typed burst with a reload started after every 10% of the
  answers; answers per second, and how many answers were lost (stored rows vs submitted).
Each figure is the median of --rounds runs, on a real SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import ROOT, emit_json, median

import bot.content
from bot.app import QuizApp
from bot.features.quiz.requests import AnswerQuestion, AnswerTyped, AskQuestion
from bot.kernel.clock import FakeClock
from bot.kernel.identity import Actor

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TYPED_CARD = """\
card:
  id: bench-typed
  title: Typed answers
  track: bench
  order: 99
  summary: A card with a typed-answer question.
  sections:
    - heading: Transport
      points: [TCP retransmits what is lost.]
  recap: [TCP is reliable.]
questions:
  - id: bench-typed-tcp
    prompt: Which transport protocol retransmits lost segments?
    why: TCP acknowledges segments and retransmits what is lost.
    accept: [TCP, Transmission Control Protocol]
"""


def actor(i: int) -> Actor:
    return Actor("console", f"u{i}", f"User {i}", "local", "terminal", is_admin=True)


def content(folder: Path) -> Path:
    shutil.copytree(ROOT / "content", folder, ignore=shutil.ignore_patterns("*.md"))
    (folder / "bench-typed.yaml").write_text(TYPED_CARD, encoding="utf-8")
    return folder


async def burst(app: QuizApp, topic: str, count: int, reloads: int) -> tuple[float, int]:
    """``count`` answers at once to one post, ``reloads`` reloads spread among them; answers
    per second and how many were stored."""
    view = await app.dispatch(actor(0), AskQuestion(topic))
    typed = getattr(view, "typed", False)
    post_id = view.post_id  # type: ignore[attr-defined]
    every = count // reloads if reloads else count + 1
    started = time.perf_counter()
    tasks = []
    for i in range(1, count + 1):
        text = "tcp" if i % 2 else "udp"
        request = AnswerTyped(post_id, text) if typed else AnswerQuestion(post_id, i % 2)
        tasks.append(asyncio.ensure_future(app.dispatch(actor(i), request)))
        if i % every == 0:
            tasks.append(asyncio.ensure_future(app.reload_content()))
            await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    with sqlite3.connect(app.db.path) as db:
        (stored,) = db.execute(
            "SELECT COUNT(*) FROM answers WHERE post_id = ?", (post_id,)
        ).fetchone()
    return count / elapsed, stored


async def one_round(folder: Path, answers: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    pack = content(folder / "content")
    app = await QuizApp.open(folder / "bench.db", pack, clock=FakeClock(START))
    try:
        times = []
        for _ in range(5):
            # the loader keeps the packs it built: time a reload that reads the files anew
            getattr(bot.content, "_BUILT", {}).clear()
            started = time.perf_counter()
            outcome = await app.reload_content()
            times.append(time.perf_counter() - started)
            assert outcome.ok, outcome.problems
        figures["reload_ms"] = median(times) * 1e3
        figures["questions"] = len(app.pack.questions)
        figures["choice_per_s"], stored = await burst(app, "processes-vs-threads", answers, 0)
        figures["choice_lost"] = answers - stored
        figures["typed_per_s"], stored = await burst(app, "bench-typed", answers, 0)
        figures["typed_lost"] = answers - stored
        figures["typed_reloading_per_s"], stored = await burst(app, "bench-typed", answers, 10)
        figures["typed_reloading_lost"] = answers - stored
    finally:
        await app.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--answers", type=int, default=10000, help="answers per burst")
    args = parser.parse_args()
    rounds = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            rounds.append(asyncio.run(one_round(Path(tmp), args.answers)))
    med = {key: median([r[key] for r in rounds]) for key in rounds[0]}
    print(f"reload and typed answers: {args.rounds} rounds, medians; {args.answers:,} per burst")
    print(
        f"reload of {med['questions']:.0f} questions (load, validate, swap): "
        f"{med['reload_ms']:.1f} ms"
    )
    print(f"{'burst':<34}{'answers/s':>12}{'lost':>8}")
    for label, key in (
        ("choice clicks", "choice"),
        ("typed answers", "typed"),
        ("typed answers, 10 reloads", "typed_reloading"),
    ):
        print(
            f"{label:<34}{med[key + '_per_s']:>12,.0f}{max(r[key + '_lost'] for r in rounds):>8.0f}"
        )
    if args.json:
        emit_json({key: round(value, 2) for key, value in med.items()})


if __name__ == "__main__":
    main()

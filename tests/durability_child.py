"""Child process for test_durability: answers as fast as it can and prints each delivered result.

A line ``ok <user_key> <choice>`` is printed (and flushed) only after QuizService.answer
returned, i.e. after the transaction holding that answer committed.
"""

from __future__ import annotations

import asyncio
import sys

from bot.app import QuizApp
from bot.kernel.identity import Actor


async def main(db: str) -> None:
    app = await QuizApp.open(db)
    first = Actor("slack", "U0", "starter", "T1", "C1")
    view = await app.quiz.ask_question(first)
    print(f"post {view.post_id} {len(view.choices)}", flush=True)
    out = sys.stdout

    async def answerer(worker: int) -> None:
        n = 0
        while True:
            n += 1
            actor = Actor("slack", f"U{worker}-{n}", f"user {worker}-{n}", "T1", "C1")
            choice = n % len(view.choices)
            result = await app.quiz.answer(actor, view.post_id, choice)
            out.write(f"ok {actor.user_key} {result.chosen_index}\n")
            out.flush()
            # the same user again: must stay one row
            await app.quiz.answer(actor, view.post_id, (choice + 1) % len(view.choices))

    await asyncio.gather(*(answerer(w) for w in range(2000)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

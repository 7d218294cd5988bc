"""Child process for test_durability: answers and prints each delivered result.

A line ``ok <user_key> <choice>`` is printed (and flushed) only after QuizService.answer
returned, i.e. after the transaction holding that answer committed.

``durability_child.py DB`` answers as fast as it can, forever (the test kills it mid-flight).
``durability_child.py DB between N`` answers N users at once (one click batch), then stops
inside the trailing step that would apply their derived rows (a last step that prints
``applying`` and never returns), so the test can kill it between the two steps.
"""

from __future__ import annotations

import asyncio
import sys
import threading

from bot.app import QuizApp
from bot.kernel.db import Connection
from bot.kernel.identity import Actor


def never_returns(db: Connection, batch: object) -> None:
    """A trailing step that holds its transaction open until the process is killed."""
    print("applying", flush=True)
    threading.Event().wait()


async def answer_forever(app: QuizApp, post_id: int, choices: int) -> None:
    out = sys.stdout

    async def answerer(worker: int) -> None:
        n = 0
        while True:
            n += 1
            actor = Actor("slack", f"U{worker}-{n}", f"user {worker}-{n}", "T1", "C1")
            choice = n % choices
            result = await app.quiz.answer(actor, post_id, choice)
            out.write(f"ok {actor.user_key} {result.chosen_index}\n")
            out.flush()
            # the same user again: must stay one row
            await app.quiz.answer(actor, post_id, (choice + 1) % choices)

    await asyncio.gather(*(answerer(w) for w in range(2000)))


async def answer_then_stop_between(app: QuizApp, post_id: int, choices: int, users: int) -> None:
    app.answers._derived_steps = (*app.answers._derived_steps, never_returns)  # noqa: SLF001

    async def one(i: int) -> None:
        actor = Actor("slack", f"B{i}", f"user B{i}", "T1", "C1")
        result = await app.quiz.answer(actor, post_id, i % choices)
        print(f"ok {actor.user_key} {result.chosen_index}", flush=True)

    await asyncio.gather(*(one(i) for i in range(users)))
    print("delivered", flush=True)
    await asyncio.Event().wait()  # the trailing step never ends; the test kills us


async def main(db: str, mode: str, users: int) -> None:
    app = await QuizApp.open(db)
    first = Actor("slack", "U0", "starter", "T1", "C1")
    view = await app.quiz.ask_question(first)
    print(f"post {view.post_id} {len(view.choices)}", flush=True)
    if mode == "between":
        await answer_then_stop_between(app, view.post_id, len(view.choices), users)
    else:
        await answer_forever(app, view.post_id, len(view.choices))


if __name__ == "__main__":
    db_arg, mode_arg, users_arg = (*sys.argv[1:], "forever", "0")[:3]
    asyncio.run(main(db_arg, mode_arg, int(users_arg)))

"""Teaching, not only testing: choices shuffled per post (the same order for everyone, after a
restart, in every process), answers stored by the content's index, feedback on the choice
picked."""

from __future__ import annotations

import os
import subprocess
import sys

import msgspec

from bot.app import QuizApp
from bot.features.quiz.results import choice_order
from tests.conftest import CONTENT, ROOT, console_actor

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

PVT = "processes-vs-threads"


async def test_the_same_post_shows_the_same_order_after_a_restart(db_target, clock):
    db = db_target
    app = await QuizApp.open(db, CONTENT, clock=clock)
    ada = console_actor("Ada")
    try:
        view = await app.quiz.ask_question(ada, PVT)
    finally:
        await app.close()
    again = await QuizApp.open(db, CONTENT, clock=clock)
    try:
        question = again.pack.question(view.question_id)
        assert again.quiz.view(view.post_id, question).shown == view.shown
        # the right choice, wherever it is shown, is stored by its index in the content
        right = next(c for c in view.shown if c.index == question.correct_index)
        result = await again.quiz.answer(ada, view.post_id, right.index)
        assert result.correct and result.chosen_index == question.correct_index
        assert result.correct_label.startswith(f"{right.letter}) ")
    finally:
        await again.close()


def test_the_order_is_the_same_in_every_process():
    code = (
        "from bot.features.quiz.results import choice_order; print(choice_order(7, 'q', 6, False))"
    )
    seen = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
        )
        seen.add(out.stdout.strip())
    assert seen == {str(choice_order(7, "q", 6, False))}


async def test_different_posts_show_different_orders_unless_the_question_keeps_its_order(app):
    ada = console_actor("Ada")
    question = app.pack.questions_for(PVT)[0]
    orders = {app.quiz.view(post_id, question).order for post_id in range(1, 21)}
    assert len(orders) > 1
    assert all(sorted(order) == list(range(len(question.choices))) for order in orders)
    kept = msgspec.structs.replace(question, keep_order=True)
    assert {app.quiz.view(post_id, kept).order for post_id in range(1, 21)} == {
        tuple(range(len(question.choices)))
    }
    view = await app.quiz.post_question(ada, question)
    assert view.order == choice_order(view.post_id, question.id, len(question.choices), False)


async def test_a_wrong_answer_carries_the_feedback_for_the_choice_picked(app):
    ada = console_actor("Ada")
    question = next(q for q in app.pack.questions_for(PVT) if any(q.feedback))
    wrong = next(i for i, text in enumerate(question.feedback) if text)
    view = await app.quiz.post_question(ada, question)
    result = await app.quiz.answer(ada, view.post_id, wrong)
    assert not result.correct and result.chosen_feedback == question.feedback_for(wrong)
    letter = next(c.letter for c in view.shown if c.index == wrong)
    assert result.feedback_text == f"{letter}: {question.feedback_for(wrong)}"
    assert result.headline.startswith(f"❌ Not quite — you picked {letter}) ")

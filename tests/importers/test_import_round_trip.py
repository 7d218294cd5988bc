"""Bring your own questions, end to end for each import format: import -> validate -> ask ->
answer right and wrong (typed and choice questions) -> scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import QuizApp
from bot.content import load_pack
from bot.demos import DEMO_NAMES
from bot.features.boards import Leaderboard
from bot.features.quiz import AnswerResult, QuestionView
from bot.features.quiz.requests import AnswerChoices, AnswerQuestion, AnswerTyped, AskQuestion
from bot.importers import import_files
from bot.kernel.identity import Actor
from tests.conftest import console_actor

DATA = Path(__file__).parents[1] / "data" / "import"
WRONG_TEXT = "certainly not the answer"


async def answer(app: QuizApp, actor: Actor, view: QuestionView, right: bool) -> AnswerResult:
    question = app.pack.question(view.question_id)
    assert question is not None
    if view.typed:
        request: AnswerQuestion | AnswerTyped | AnswerChoices = AnswerTyped(
            view.post_id, question.accept[-1] if right else WRONG_TEXT
        )
    elif view.multi:  # choose all that apply: the right set, or one right choice short
        chosen = set(question.right_indexes) if right else set(sorted(question.right_indexes)[1:])
        request = AnswerChoices(view.post_id, frozenset(chosen))
    else:
        wrong = (question.correct_index + 1) % len(question.choices)
        request = AnswerQuestion(view.post_id, question.correct_index if right else wrong)
    result = await app.dispatch(actor, request)
    assert isinstance(result, AnswerResult), result
    return result


@pytest.mark.parametrize(
    ("fmt", "file", "kinds"),
    [
        ("gift", "sample.gift", {"typed", "choice", "choose all"}),
        ("red", "sample.yaml", {"typed"}),
        ("opentdb", "sample.json", {"choice"}),
        ("anki", "sample.txt", {"typed"}),
    ],
)
async def test_import_validate_ask_answer_and_score(tmp_path, clock, fmt, file, kinds):
    out = tmp_path / "pack"
    imported = import_files(fmt, [DATA / file], out)
    assert imported.problems == () and imported.imported > 0
    pack = load_pack(out, known_demos=DEMO_NAMES)  # what `quizbot content validate` checks
    assert len(pack.questions) == imported.imported
    app = await QuizApp.open(tmp_path / "quiz.db", out, clock=clock)
    try:
        ada, bob = console_actor("Ada"), console_actor("Bob")
        seen: set[str] = set()
        for _ in pack.questions:  # every question once, in lesson order ("new")
            view = await app.dispatch(ada, AskQuestion())
            assert isinstance(view, QuestionView) and view.reason == "new"
            assert view.typed == (not view.choices)
            seen.add("typed" if view.typed else "choose all" if view.multi else "choice")
            right = await answer(app, ada, view, right=True)
            wrong = await answer(app, bob, view, right=False)
            assert right.correct and right.points_gained == 10 and right.why
            assert not wrong.correct and wrong.points_gained == 0
            assert wrong.correct_text == app.pack.question(view.question_id).answer
        assert seen == kinds
        count = len(pack.questions)
        ada_stats, bob_stats = await app.boards.stats(ada), await app.boards.stats(bob)
        assert (ada_stats.points, ada_stats.answered, ada_stats.correct) == (
            10 * count,
            count,
            count,
        )
        assert (bob_stats.points, bob_stats.answered, bob_stats.correct) == (0, count, 0)
        board = await app.boards.leaderboard(ada, "workspace", "all")
        assert isinstance(board, Leaderboard)
        assert [(r.display_name, r.points) for r in board.rows] == [("Ada", 10 * count), ("Bob", 0)]
    finally:
        await app.close()

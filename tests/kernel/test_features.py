"""Features plug themselves in: the app is a list of features, and the answer batch's steps
come in the order their needs give (no hand-kept list)."""

from __future__ import annotations

import pytest

from bot.app import ANSWER_STEPS, DERIVED_STEPS, FEATURES, TEXT_COMMANDS
from bot.kernel.dispatch import Dispatcher
from bot.kernel.features import AnswerStep, Feature, StepPhase, ordered_steps


def _noop(db: object, batch: object) -> None:
    return None


def test_the_answer_steps_run_in_the_order_their_needs_give():
    click = [step.name for step in ordered_steps(FEATURES, StepPhase.CLICK)]
    assert click == [
        "daily.refuse_closed_windows",  # refusals first: nothing after sees a refused answer
        "live.record_answers",
        "quiz.score_by_due",  # before the rows: a right answer not yet due scores nothing
        "answers.insert_answers",
        "boards.update_totals",  # what the reply prints
        "answers.record_derived",  # the outbox row carries the totals' "moved" flag
    ]
    derived = [step.name for step in ordered_steps(FEATURES, StepPhase.DERIVED)]
    assert derived == [
        "quiz.review_cards",
        "groups.add_group_scopes",  # the scopes the score step counts in
        "boards.update_scores",  # after the reviews: they move the mastered counts
        "daily.update_streaks",
        "teacher.record_first_answers",
    ]
    assert ANSWER_STEPS == tuple(s.run for s in ordered_steps(FEATURES, StepPhase.CLICK))
    assert DERIVED_STEPS == tuple(s.run for s in ordered_steps(FEATURES, StepPhase.DERIVED))


def test_a_step_never_runs_before_one_it_needs():
    for phase in StepPhase:
        placed = {step.name: n for n, step in enumerate(ordered_steps(FEATURES, phase))}
        for feature in FEATURES:
            for step in feature.answer_steps:
                if step.phase == phase:
                    assert all(placed[n] < placed[step.name] for n in step.after), step.name


def test_an_unknown_or_circular_need_is_refused_at_start():
    lonely = Feature("x", answer_steps=(AnswerStep("x.a", _noop, after=("y.missing",)),))
    with pytest.raises(ValueError, match="needs unknown steps"):
        ordered_steps([lonely])
    circle = Feature(
        "x",
        answer_steps=(
            AnswerStep("x.a", _noop, after=("x.b",)),
            AnswerStep("x.b", _noop, after=("x.a",)),
        ),
    )
    with pytest.raises(ValueError, match="need each other"):
        ordered_steps([circle])


def test_every_feature_registers_its_handlers_and_commands_once():
    class Stub:
        dispatcher = Dispatcher()

    app = Stub()
    for feature in FEATURES:
        for request_type, handler in feature.handlers(_AppStub()):
            app.dispatcher.register(request_type, handler)  # a second handler would raise
    assert len(TEXT_COMMANDS) == len({c.name for c in TEXT_COMMANDS})
    assert {f.name for f in FEATURES} >= {"quiz", "boards", "groups", "daily", "live"}


class _AppStub:
    """What feature.handlers reads from the app (services are only used when a request runs)."""

    def __getattr__(self, name: str) -> object:
        return object()

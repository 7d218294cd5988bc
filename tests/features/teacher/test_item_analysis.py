"""Item analysis against hand-computed figures on small fixed answer sets (both backends):
ties on the 27% boundary, a key that is wrong, a single learner, a question nobody answered,
typed answers, reviews and second attempts left out, and the /quiz items reply."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import QuizApp
from bot.features.answers import PostKind
from bot.features.quiz.results import KNEW
from bot.features.teacher import FlaggedItems, FlagKind, ItemReport
from bot.features.teacher.requests import AnalyseItems
from bot.kernel.identity import Actor
from tests.conftest import CONTENT, write_old_database
from tests.teacher_content import teacher_content

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

ADMIN = Actor("console", "teacher", "Teacher", "local", "terminal", is_admin=True)
A, B, C, D = range(4)


def learner(n: int) -> Actor:
    return Actor("console", f"l{n}", f"Learner {n}", "local", "terminal")


@pytest.fixture
async def lab(db_target, clock, tmp_path):
    app = await QuizApp.open(db_target, teacher_content(tmp_path / "content"), clock=clock)
    yield app
    await app.close()


async def answer_all(
    app: QuizApp, clock, question_id: str, picks: dict[int, int | str | frozenset[int]]
):
    """One post of ``question_id``; learner n answers ``picks[n]`` (a choice, typed text, or
    the set of choices of a choose-all-that-apply question) n+1 seconds after the post."""
    question = app.pack.question(question_id)
    view = await app.quiz.post_question(ADMIN, question)
    start = clock.now()
    for n, pick in picks.items():
        clock.set(start + timedelta(seconds=n + 1))
        if isinstance(pick, str):
            await app.quiz.answer_typed(learner(n), view.post_id, pick)
        elif isinstance(pick, frozenset):
            await app.quiz.answer_choices(learner(n), view.post_id, pick)
        else:
            await app.quiz.answer(learner(n), view.post_id, pick)
    clock.set(start + timedelta(minutes=5))
    return view.post_id


async def report(app: QuizApp, **scope) -> ItemReport:
    result = await app.dispatch(ADMIN, AnalyseItems(**scope))
    assert isinstance(result, ItemReport), result
    return result


async def test_ties_on_the_boundary_share_the_places(lab, clock):
    # scores: L0-L2 1.0 (both right), L3-L8 0.5, L9 0.0; 10 learners, 2.7 places per group.
    # upper: the three at 1.0 weigh 2.7/3 = 0.9 each; lower: L9 weighs 1, the six at 0.5 share
    # the 1.7 places left (0.28333 each).
    await answer_all(
        lab, clock, "lab-one", {0: A, 1: A, 2: A, 3: A, 4: A, 5: A, 6: B, 7: B, 8: C, 9: B}
    )
    await answer_all(
        lab, clock, "lab-two", {0: A, 1: A, 2: A, 3: C, 4: C, 5: C, 6: A, 7: A, 8: A, 9: B}
    )
    got = await report(lab)
    assert got.learners == 10
    one = got.item("lab-one")
    assert (one.attempts, one.right, one.difficulty) == (10, 6, 0.6)
    # upper all right; lower right: L3-L5 at 0.28333 = 0.85 of 2.7 -> D = 1 - 0.85/2.7
    assert one.discrimination == pytest.approx(1 - 0.85 / 2.7, abs=1e-6)
    assert one.discrimination_text == "+0.69"
    shares = {c.letter: (c.picked, c.share, c.upper_share, c.lower_share) for c in one.choices}
    assert shares["A"] == pytest.approx((6, 0.6, 1.0, 0.85 / 2.7))
    assert shares["B"] == pytest.approx((3, 0.3, 0.0, (1 + 2 * 1.7 / 6) / 2.7))
    assert shares["C"] == pytest.approx((1, 0.1, 0.0, (1.7 / 6) / 2.7))
    assert shares["D"] == pytest.approx((0, 0.0, 0.0, 0.0))
    # median of 1..10 s: (5 + 6) / 2 = 5.5, shown rounded half up
    assert one.median_seconds == 6
    kinds = [f.kind for f in one.flags]
    assert kinds == [FlagKind.UNPICKED, FlagKind.NO_FEEDBACK]
    assert "D “D” is picked by 0%" in one.flags[0].reason
    assert "D “D” has no feedback" in one.flags[1].reason

    two = got.item("lab-two")
    # lower right: L6-L8 at 0.28333 -> the same 0.85 of 2.7
    assert (two.attempts, two.right) == (10, 6)
    assert two.discrimination == pytest.approx(1 - 0.85 / 2.7, abs=1e-6)
    # every wrong choice has feedback; nobody picked D "four" (B 1, C 3)
    assert [(f.kind, f.reason[:8]) for f in two.flags] == [(FlagKind.UNPICKED, "D “four”")]
    # nobody answered lab-three: no figures, only what the content itself lacks (nothing)
    three = got.item("lab-three")
    assert (three.attempts, three.difficulty, three.median_seconds) == (0, None, None)
    assert three.discrimination_text == "not enough answers yet"
    assert three.figures == "no answers yet"
    assert all(c.share is None for c in three.choices)


async def test_a_wrong_key_is_flagged(lab, clock):
    # strong S0-S2 get lab-one and lab-two right and pick B on lab-three; M3-M6 only lab-one,
    # pick C on lab-three; W7-W9 only lab-three (its key). Scores: S 2/3, M and W 1/3.
    # upper: S (0.9 each), all B on lab-three -> 0% right; lower: the seven at 1/3 share 2.7
    # places (2.7/7 each): W right, M wrong -> 3/7. D = 0 - 3/7.
    await answer_all(lab, clock, "lab-one", {n: A if n < 7 else B for n in range(10)})
    await answer_all(lab, clock, "lab-two", {n: A if n < 3 else B for n in range(10)})
    await answer_all(
        lab, clock, "lab-three", {n: B if n < 3 else C if n < 7 else A for n in range(10)}
    )
    three = (await report(lab)).item("lab-three")
    assert three.discrimination == pytest.approx(-3 / 7, abs=1e-6)
    key = three.flags[0]
    assert key.kind == FlagKind.CHECK_KEY and "discrimination -0.43" in key.reason
    upper = {c.letter: c.upper_share for c in three.choices}
    assert upper == pytest.approx({"A": 0.0, "B": 1.0, "C": 0.0, "D": 0.0})


async def test_a_single_learner_gives_figures_but_no_discrimination(lab, clock):
    await answer_all(lab, clock, "lab-one", {0: A})
    one = (await report(lab)).item("lab-one")
    assert (one.attempts, one.right, one.difficulty, one.median_seconds) == (1, 1, 1.0, 1)
    assert one.discrimination is None
    assert "discrimination not enough answers yet" in one.figures
    # one right answer is not "too easy": answer-based flags wait for 10 attempts
    assert [f.kind for f in one.flags] == [FlagKind.NO_FEEDBACK]


async def test_typed_answers_list_the_common_wrong_ones(lab, clock):
    picks = {0: "TCP", 1: "tcp", 2: "udp", 3: "UDP ", 4: "Udp", 5: "http", 6: "ip", 7: "ip"}
    await answer_all(lab, clock, "lab-typed", picks)
    typed = (await report(lab)).item("lab-typed")
    assert (typed.attempts, typed.right) == (8, 2)
    assert [(w.text, w.count) for w in typed.wrong_answers] == [("udp", 3), ("ip", 2), ("http", 1)]
    assert typed.choices == () and typed.flags == ()


async def test_only_first_answers_count(lab, clock):
    # L0 answers lab-one wrong, then right on a second post and in a review: only the first
    # counts. A review post is never a first answer.
    await answer_all(lab, clock, "lab-one", {0: B})
    await answer_all(lab, clock, "lab-one", {0: A, 1: A})
    question = lab.pack.question("lab-one")
    review = await lab.quiz.post_question(learner(2), question, kind=PostKind.REVIEW)
    await lab.quiz.answer(learner(2), review.post_id, A)
    one = (await report(lab)).item("lab-one")
    assert (one.attempts, one.right) == (2, 1)  # L0's first (wrong) and L1's; not L2's review
    assert {c.letter: c.picked for c in one.choices} == {"A": 1, "B": 1, "C": 0, "D": 0}


async def test_scope_by_channel_days_and_group(lab, clock):
    other = Actor("console", "teacher", "Teacher", "local", "lab-room", is_admin=True)
    await answer_all(lab, clock, "lab-one", {0: A, 1: B})
    clock.advance(timedelta(days=2))
    question = lab.pack.question("lab-two")
    view = await lab.quiz.post_question(other, question)
    elsewhere = Actor("console", "l3", "Learner 3", "local", "lab-room")
    await lab.quiz.answer(elsewhere, view.post_id, A)
    whole = await report(lab)
    assert (whole.learners, whole.item("lab-one").attempts, whole.item("lab-two").attempts) == (
        3,
        2,
        1,
    )
    room = await report(lab, channel="lab-room")
    assert (room.learners, room.item("lab-one").attempts, room.item("lab-two").attempts) == (
        1,
        0,
        1,
    )
    later = await report(lab, since=clock.now().date())
    assert later.item("lab-one").attempts == 0 and later.item("lab-two").attempts == 1
    earlier = await report(lab, until=(clock.now() - timedelta(days=1)).date())
    assert earlier.item("lab-one").attempts == 2 and earlier.item("lab-two").attempts == 0
    await lab.groups.create(ADMIN, "Pair")
    await lab.groups.join(learner(1), "pair")
    group = await report(lab, group="pair")
    assert group.scope.group == "Pair" and group.item("lab-one").attempts == 1
    assert group.item("lab-one").right == 0
    topic = await report(lab, topic="item-lab")
    assert len(topic.items) == 6
    # another workspace sees none of it
    stranger = Actor("console", "t2", "T2", "elsewhere", "terminal", is_admin=True)
    theirs = await lab.dispatch(stranger, AnalyseItems())
    assert theirs.learners == 0 and all(i.attempts == 0 for i in theirs.items)


async def test_quiz_items_lists_flagged_questions_worst_first_for_admins(lab, clock):
    await answer_all(lab, clock, "lab-one", {n: A if n < 7 else B for n in range(10)})
    await answer_all(lab, clock, "lab-two", {n: A if n < 3 else B for n in range(10)})
    await answer_all(
        lab, clock, "lab-three", {n: B if n < 3 else C if n < 7 else A for n in range(10)}
    )
    flagged = await lab.handle_text(ADMIN, "/quiz items lab")
    assert isinstance(flagged, FlaggedItems)
    assert [i.question_id for i in flagged.shown][0] == "lab-three"  # check the key: worst
    assert flagged.title.endswith("flagged questions, worst first")
    lines = FlaggedItems.lines(flagged.shown[0])
    assert lines[0].startswith("10 attempts · 30% right · discrimination -0.43")
    refused = await lab.handle_text(learner(1), "/quiz items")
    assert refused.error and "Only admins" in refused.text
    unknown = await lab.handle_text(ADMIN, "/quiz items nosuch")
    assert unknown.error and "Unknown topic 'nosuch'" in unknown.text


async def test_answers_stored_before_the_upgrade_count_as_first_answers(tmp_path, clock):
    # a database from before item analysis (schema 9): Ada's answer 5 s after the post
    write_old_database(tmp_path / "old.db", 9)
    app = await QuizApp.open(tmp_path / "old.db", CONTENT, clock=clock)
    try:
        ada = Actor("console", "ada", "Ada", "local", "terminal")
        item = (await report(app)).item("pvt-threads-share-what")
        assert (item.attempts, item.right, item.median_seconds) == (1, 1, 5)
        # answering the same question again on a new post is not a first answer
        question = app.pack.question("pvt-threads-share-what")
        view = await app.quiz.post_question(ADMIN, question)
        await app.quiz.answer(ada, view.post_id, (question.correct_index + 1) % 4)
        again = (await report(app)).item("pvt-threads-share-what")
        assert (again.attempts, again.right) == (1, 1)
    finally:
        await app.close()


async def test_choose_all_that_apply_and_flashcards(lab, clock):
    # all that apply: right only with exactly {A, E}; a choice's pick rate counts every set
    # holding it. Flashcards: "knew it" is right, and there are no choices to tally.
    both, a_only, a_b = frozenset({A, B}), frozenset({A}), frozenset({A, C})
    picks = {0: both, 1: both, 2: both, 3: a_only, 4: a_b, 5: both, 6: a_only, 7: a_b}
    await answer_all(lab, clock, "lab-multi", picks)
    await answer_all(lab, clock, "lab-card", {0: KNEW, 1: KNEW, 2: 0})
    got = await report(lab)
    multi = got.item("lab-multi")
    assert (multi.attempts, multi.right) == (8, 4)
    picked = {c.letter: (c.picked, c.correct) for c in multi.choices}
    assert picked == {"A": (8, True), "B": (4, True), "C": (2, False), "D": (0, False)}
    assert not any(f.kind == FlagKind.CHECK_KEY for f in multi.flags)
    card = got.item("lab-card")
    assert (card.attempts, card.right, card.choices) == (3, 2, ())

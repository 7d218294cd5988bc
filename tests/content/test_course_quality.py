"""The course teaches: what every card in content/ must keep (issue 23's quality bar).

Per card, whichever helper wrote it: enough questions (15 for a new card, 12 for the three the
course started with), at least half of them applications, feedback on every wrong choice, the
right answer the longest choice in at most 40% of the choice questions, and none of the lint
warnings (absolute-word distractors, near-duplicate prompts, applications without a scenario,
a Why that repeats its answer). And the lesson's own four Check-Your-Knowledge questions keep
their prompt and Why word for word.
"""

from __future__ import annotations

import pytest

from bot.content import load_pack
from bot.content_lint import LONGEST_SHARE, answer_is_longest, lint_pack
from tests.conftest import CONTENT, ROOT

PACK = load_pack(CONTENT)
CARDS = [card.id for card in PACK.cards]
#: The cards the course started with; they keep their 12-question floor.
FIRST_CARDS = ("processes-vs-threads", "interprocess-communication", "locks-and-synchronization")
NEW_CARD_QUESTIONS = 15
FIRST_CARD_QUESTIONS = 12

SEED = ROOT.parent / "shared" / "seeds" / "processes-vs-threads.txt"
#: The lesson's "Check Your Knowledge" questions and their Whys, word for word.
CHECK_YOUR_KNOWLEDGE = (
    (
        "Threads inside the same process share what?",
        "Threads share the process memory, which makes passing data easy but can cause bugs if "
        "two threads change the same data.",
    ),
    (
        "If one thread crashes, what can happen?",
        "Because threads share memory, a crash in one can bring down the whole process. "
        "Separate processes are isolated.",
    ),
    (
        "Why are threads called lightweight?",
        "A thread runs inside an existing process and shares its memory, so it is cheaper and "
        "faster to start than a process.",
    ),
    (
        "What is the main benefit of using separate processes?",
        "Processes have their own isolated memory, so a bug or crash in one does not affect the "
        "others.",
    ),
)


def test_the_course_has_its_first_three_cards():
    assert set(FIRST_CARDS) <= set(CARDS)


@pytest.mark.parametrize("card_id", CARDS)
def test_a_card_has_enough_questions_and_half_are_applications(card_id):
    questions = PACK.questions_for(card_id)
    floor = FIRST_CARD_QUESTIONS if card_id in FIRST_CARDS else NEW_CARD_QUESTIONS
    applications = [q.id for q in questions if q.source == "application"]
    assert len(questions) >= floor, (card_id, len(questions))
    assert 2 * len(applications) >= len(questions), (card_id, len(applications), len(questions))


@pytest.mark.parametrize("card_id", CARDS)
def test_every_wrong_choice_of_a_card_has_feedback(card_id):
    missing = [
        (q.id, choice)
        for q in PACK.questions_for(card_id)
        for i, choice in enumerate(q.choices)
        if i != q.correct_index and not q.feedback_for(i).strip()
    ]
    assert missing == []


@pytest.mark.parametrize("card_id", CARDS)
def test_the_longest_choice_is_right_in_at_most_forty_percent(card_id):
    choice_questions = [q for q in PACK.questions_for(card_id) if not q.typed]
    longest = [q.id for q in choice_questions if answer_is_longest(q)]
    assert len(longest) <= LONGEST_SHARE * len(choice_questions), longest


@pytest.mark.parametrize("card_id", CARDS)
def test_a_card_has_no_lint_warning(card_id):
    # absolute-word distractors, near-duplicate prompts (also across cards), applications
    # without a scenario, a Why that repeats its answer, the length cue
    ids = {card_id, *(q.id for q in PACK.questions_for(card_id))}
    warnings = [str(w) for w in lint_pack(PACK) if any(f"'{i}'" in str(w) for i in ids)]
    assert warnings == []


def test_the_lessons_own_questions_keep_their_prompt_and_why_word_for_word():
    asked = {
        q.prompt: q
        for q in PACK.questions_for("processes-vs-threads")
        if q.source == "check-your-knowledge"
    }
    assert set(asked) == {prompt for prompt, _ in CHECK_YOUR_KNOWLEDGE}
    for prompt, why in CHECK_YOUR_KNOWLEDGE:
        assert asked[prompt].why == why, prompt


@pytest.mark.skipif(not SEED.exists(), reason="the lesson file is beside the repo only")
def test_the_pinned_whys_are_the_lessons_own_text():
    lines = SEED.read_text(encoding="utf-8").splitlines()
    whys = [line.removeprefix("Why: ") for line in lines if line.startswith("Why: ")]
    assert whys == [why for _, why in CHECK_YOUR_KNOWLEDGE]
    for prompt, _ in CHECK_YOUR_KNOWLEDGE:
        assert prompt in lines

"""The cards that grow the concurrency course (issue 23): each one teaches, and the track is a path.

Pinned per new card: at least 15 questions, at least half of them applications, a few typed
answers, feedback on every wrong choice, the right answer the longest choice in at most 40% of
the choice questions, and no distractor leaning on an absolute word its answer lacks.
"""

from __future__ import annotations

import itertools
import re

import pytest

from bot.content import load_pack
from bot.content_lint import LONGEST_SHARE, answer_is_longest
from tests.conftest import CONTENT

NEW_CARDS = ("event-loops-and-asyncio", "process-lifecycle", "producer-consumer")

ABSOLUTE = re.compile(r"\b(only|always|every|never)\b", re.IGNORECASE)

PACK = load_pack(CONTENT)


@pytest.mark.parametrize("card_id", NEW_CARDS)
def test_a_new_card_teaches_with_applications_typed_answers_and_feedback(card_id):
    questions = PACK.questions_for(card_id)
    choice = [q for q in questions if not q.typed]
    applications = [q for q in questions if q.source == "application"]
    assert len(questions) >= 15
    assert 2 * len(applications) >= len(questions), len(applications)
    assert 2 <= len(questions) - len(choice) <= 5  # a few typed answers, mostly choices
    missing = [
        (q.id, c)
        for q in choice
        for i, c in enumerate(q.choices)
        if i != q.correct_index and not q.feedback_for(i).strip()
    ]
    assert missing == []
    longest = [q.id for q in choice if answer_is_longest(q)]
    assert len(longest) <= LONGEST_SHARE * len(choice), longest


@pytest.mark.parametrize("card_id", NEW_CARDS)
def test_no_distractor_leans_on_an_absolute_word_the_answer_lacks(card_id):
    leaning = []
    for q in PACK.questions_for(card_id):
        if q.typed:
            continue
        in_answer = {w.lower() for w in ABSOLUTE.findall(q.answer)}
        for i, text in enumerate(q.choices):
            if i != q.correct_index and {w.lower() for w in ABSOLUTE.findall(text)} - in_answer:
                leaning.append((q.id, text))
    assert leaning == []


def test_the_concurrency_track_is_one_path_through_every_card_in_order():
    cards = {c.id: c for c in PACK.cards if c.track == "concurrency"}
    seen, frontier = [], ["processes-vs-threads"]
    while frontier:
        card_id = frontier.pop(0)
        if card_id not in seen:
            seen.append(card_id)
            frontier += cards[card_id].next
    assert set(seen) == set(cards)
    by_order = sorted(cards.values(), key=lambda c: c.order)
    for earlier, later in itertools.pairwise(by_order):
        assert later.id in earlier.next, (earlier.id, later.id)
    assert [c.id for c in by_order][3 : 3 + len(NEW_CARDS)] == list(NEW_CARDS)

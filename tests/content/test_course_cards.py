"""The cards that grow the concurrency course (issue 23), beyond what
tests/content/test_course_quality.py pins for every card: each new card lets a newcomer try typed
answers, and the track is one path through every card in lesson order.
"""

from __future__ import annotations

import itertools

import pytest

from bot.content import load_pack
from tests.conftest import CONTENT

NEW_CARDS = (
    "event-loops-and-asyncio",
    "process-lifecycle",
    "producer-consumer",
    "memory-visibility",
    "how-locks-work",
)

PACK = load_pack(CONTENT)


@pytest.mark.parametrize("card_id", NEW_CARDS)
def test_a_new_card_has_a_few_typed_answers_among_its_choices(card_id):
    questions = PACK.questions_for(card_id)
    typed = [q for q in questions if q.typed]
    assert 2 <= len(typed) <= 5 < len(questions) - len(typed)


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

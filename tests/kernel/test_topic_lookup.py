"""A topic is found the same way by every command that takes one: by id, title, a unique
prefix or words, with "did you mean" on a near miss (bot/kernel/names.py, one lookup for the
grammar and the services); a demo by its name or a unique prefix."""

from __future__ import annotations

import pytest

from bot.features.boards.results import Leaderboard
from bot.features.daily.results import ScheduleInfo
from bot.features.live.results import LiveStarted
from bot.features.quiz import QuestionView
from bot.features.quiz.results import CardView, ReviewSession
from bot.kernel.errors import UserError
from bot.kernel.names import Named, NameIndex
from bot.kernel.results import Notice
from tests.conftest import console_actor

LOCKS = "locks-and-synchronization"
PVT = "processes-vs-threads"
IPC = "interprocess-communication"

INDEX = NameIndex.of(
    [
        Named(PVT, ("Processes vs Threads",)),
        Named(IPC, ("Interprocess Communication",)),
        Named(LOCKS, ("Locks & Synchronization",)),
        Named("concurrency"),
    ]
)


@pytest.mark.parametrize(
    "typed, found",
    [
        (LOCKS, LOCKS),  # the id
        ("Locks & Synchronization", LOCKS),  # the title as /topics shows it
        ("  locks   AND synchronization ", LOCKS),  # any case, spacing, & or and
        ("locks", LOCKS),  # a unique prefix of the id
        ("Proc", PVT),  # ... or of the title
        ("synchronization", LOCKS),  # a word
        ("threads", PVT),
        ("inter comm", IPC),  # words, each the start of one of its words
        ("concurrency", "concurrency"),  # a track
    ],
)
def test_a_topic_is_found_by_id_title_prefix_or_words(typed, found):
    assert INDEX.find(typed) == found
    assert INDEX.resolve(typed) == found


def test_a_near_miss_says_did_you_mean_and_an_ambiguous_word_which_ones():
    with pytest.raises(UserError) as miss:
        INDEX.resolve("lcoks")
    assert str(miss.value) == (
        f"Unknown topic 'lcoks'. Did you mean {LOCKS}? Topics: {PVT}, {IPC}, {LOCKS}, concurrency"
    )
    assert INDEX.find("process") == PVT  # a prefix of one topic, a word inside another
    two = NameIndex.of([Named("race-conditions"), Named("raft-consensus")])
    with pytest.raises(UserError) as ambiguous:
        two.resolve("ra")
    assert (
        str(ambiguous.value) == "'ra' could be the topic race-conditions or raft-consensus:"
        " which one?"
    )
    assert INDEX.find("") is None and INDEX.find("nothing like it") is None


async def test_every_command_that_takes_a_topic_finds_it(app):
    ada = console_actor("Ada")
    for typed in (
        "/quiz locks",
        "/quiz Locks & Synchronization",
        "/quiz question locks",
        "/q sync",
    ):
        view = await app.handle_text(ada, typed)
        assert isinstance(view, QuestionView), (typed, view)
        assert view.topic_id == LOCKS
    card = await app.handle_text(ada, "/card locks")
    assert isinstance(card, CardView) and card.card.id == LOCKS
    review = await app.handle_text(ada, "/review locks")
    assert isinstance(review, ReviewSession)
    board = await app.handle_text(ada, "/leaderboard Locks & Synchronization week")
    assert isinstance(board, Leaderboard) and board.topic == "Locks & Synchronization"
    schedule = await app.handle_text(ada, "/daily set 09:00 Europe/Paris mon-fri locks")
    assert isinstance(schedule, ScheduleInfo) and schedule.topic == LOCKS
    started = await app.handle_text(ada, "/live start locks 2 20s")
    assert isinstance(started, LiveStarted), started
    assert started.topic_title == "Locks & Synchronization"
    await app.handle_text(ada, "/live stop")


@pytest.mark.parametrize(
    "typed, says",
    [
        ("/quiz question lcoks", f"Unknown topic 'lcoks'. Did you mean {LOCKS}"),
        ("/card procesess", f"Unknown topic 'procesess'. Did you mean {PVT}"),
        ("/review lcoks", f"Unknown topic 'lcoks'. Did you mean {LOCKS}"),
        ("/leaderboard lcoks", f"Unknown topic 'lcoks'. Did you mean {LOCKS}"),
        ("/daily set 09:00 UTC lcoks", f"Unknown topic 'lcoks'. Did you mean {LOCKS}"),
        ("/live lcoks", f"Unknown topic 'lcoks'. Did you mean {LOCKS}"),
        ("/quiz lcoks", f"Unknown command or topic 'lcoks' — did you mean the topic {LOCKS}"),
    ],
)
async def test_a_near_miss_gets_did_you_mean_everywhere(app, typed, says):
    reply = await app.handle_text(console_actor("Ada"), typed)
    assert isinstance(reply, Notice) and reply.error
    assert reply.text.startswith(says), reply.text


async def test_a_demo_near_miss_suggests_the_demo(app):
    result = await app.demos.run("console:ada", "gill")
    assert not result.ok
    assert result.error.startswith("unknown demo 'gill' (did you mean gil?); available demos:")

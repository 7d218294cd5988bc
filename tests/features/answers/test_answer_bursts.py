"""A burst of answers, stored in click batches of many answers and derived in trailing steps
that take several batches at once (or short ones while clicks wait), leaves exactly the rows
that applying each answer on its own leaves: answers, users, score rows, board sizes, topic
rows, FSRS cards and first answers, on both backends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.app import QuizApp
from bot.kernel.db import Connection
from bot.kernel.identity import Actor
from tests.conftest import CONTENT

BACKENDS = ("sqlite", "postgres")  # run on both (tests/conftest.py)

DERIVED = {
    "answers": "SELECT post_id, user_key, question_id, choice, correct, points, answered_at"
    " FROM answers",
    "users": "SELECT user_key, display_name, points, answered, correct, streak, best_streak,"
    " last_correct_day, mastered FROM users",
    "scores": "SELECT scope, period, user_key, points, answered, correct, streak,"
    " last_correct_day, mastered FROM scores",
    "boards": "SELECT scope, period, players, qualified FROM boards",
    "score_counts": "SELECT scope, period, sort, day, shift, bucket, players FROM score_counts",
    "user_topics": "SELECT user_key, card_id, answered, correct, mastered FROM user_topics",
    "srs_cards": "SELECT user_key, question_id, card_id, state, step, stability, difficulty,"
    " due, last_review, reps, lapses FROM srs_cards",
    "first_answers": "SELECT workspace_key, user_key, question_id, post_id, choice, correct,"
    " seconds FROM first_answers",
    "answer_outbox": "SELECT post_id, user_key FROM answer_outbox",
}


def snapshot(db: Connection) -> dict[str, list[tuple[object, ...]]]:
    return {name: sorted(db.execute(sql).fetchall(), key=repr) for name, sql in DERIVED.items()}


def person(i: int) -> Actor:
    return Actor("console", f"u{i}", f"User {i}", "local", ("terminal", "room")[i % 2])


ADMIN = Actor("console", "admin", "Admin", "local", "terminal", is_admin=True)
PEOPLE = [person(i) for i in range(30)]


async def play(app: QuizApp, clock, one_by_one: bool) -> None:
    """Two days of answers around group changes: all at once (``one_by_one`` False: each
    day's answers in one burst) or each answer stored and derived before the next."""
    by_card: dict[str, list] = {}
    for q in app.pack.questions:
        if not (q.typed or q.multi or q.flashcard):
            by_card.setdefault(q.topic_id, []).append(q)
    # two questions of each of six topics, the topics taking turns
    questions = [qs[n] for n in range(2) for qs in list(by_card.values())[:6]]
    await app.groups.create(ADMIN, "core")
    for actor in PEOPLE[:10]:
        await app.groups.join(actor, "core")

    async def day(posted: list, pairs: list[tuple[Actor, int, int]]) -> None:
        async def one(actor: Actor, post: int, choice: int) -> None:
            await app.quiz.answer(actor, posted[post].post_id, choice)

        if one_by_one:
            for actor, post, choice in pairs:
                await one(actor, post, choice)
                await app.answers.settled()
        else:
            await asyncio.gather(*(one(*pair) for pair in pairs))
            await app.answers.settled()

    def answers(posted: list, every: int) -> list[tuple[Actor, int, int]]:
        pairs = []
        for i, actor in enumerate(PEOPLE):
            for j, view in enumerate(posted):
                if (i + j) % every:
                    continue
                right = app.pack.question(view.question_id).correct_index
                choice = right if (i * j) % 3 else (right + 1) % len(view.choices)
                pairs.append((actor, j, choice))
        return pairs + [(actor, 0, 0) for actor in PEOPLE[:5]]  # again: the first one stays

    # day 1: posts in both channels; every user answers every other one (3 answers)
    first = [
        await app.quiz.post_question((ADMIN, PEOPLE[1])[j % 2], questions[j]) for j in range(6)
    ]
    await day(first, answers(first, 2))
    for actor in PEOPLE[10:15]:  # joins with history: their rows are copied
        await app.groups.join(actor, "core")
    await app.groups.leave(PEOPLE[0], "core")
    clock.advance(timedelta(days=1))
    # day 2: new questions and two of day 1's again (their FSRS cards move on); 4 answers
    # each, so many reach the accuracy boards' 5
    again = [questions[0], questions[1]]
    second = [
        await app.quiz.post_question((ADMIN, PEOPLE[1])[j % 2], q)
        for j, q in enumerate([*questions[6:12], *again])
    ]
    await day(second, answers(second, 2))


@pytest.fixture
def second_target(backend, tmp_path, request):
    """A second database beside ``db_target``, on the same backend."""
    if backend == "sqlite":
        yield tmp_path / "one_by_one.db"
        return
    request.getfixturevalue("postgres")
    pool = request.getfixturevalue("pg_schemas")
    url = pool.take()
    yield url
    pool.give_back(url)


async def test_a_burst_derives_what_one_answer_at_a_time_derives(db_target, second_target, clock):
    start = clock.now()
    burst = await QuizApp.open(db_target, CONTENT, clock=clock)
    try:
        # small click batches, so a burst is many of them: the trailing step takes several at
        # once; with no lag allowed and a short step while clicks wait, they interleave. A click
        # batch stays below the short step (20 < 30): since a new post is cached by its write
        # (54ca493) the burst's clicks reach the writer together, in full batches
        burst.answers._max_batch = 20
        burst.answers._max_derived_busy = 30
        await play(burst, clock, one_by_one=False)
        assert burst.answers.derived_batches < burst.answers.batches
        got = await burst.db.read(snapshot)
    finally:
        await burst.close()
    clock.set(start)
    single = await QuizApp.open(second_target, CONTENT, clock=clock)
    try:
        await play(single, clock, one_by_one=True)
        want = await single.db.read(snapshot)
    finally:
        await single.close()
    assert want["answer_outbox"] == [] and got["answer_outbox"] == []
    assert len(want["answers"]) > 150 and len(want["boards"]) > 20
    assert any(qualified for *_, qualified in want["boards"])
    # the rank buckets of the sorts these answers reach (no FSRS mastery in two days)
    assert {row[2] for row in want["score_counts"]} == {"points", "accuracy", "streak"}
    for name in DERIVED:
        assert got[name] == want[name], name

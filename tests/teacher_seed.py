"""A seeded course for the dashboard's tests and its screenshot: learners of varied strength
answer the bundled pack through the real answer path (posts, clicks, the answer writer), one
question with a key the strongest learners disagree with, one distractor nobody believes, a
study group with a hostile display name, and a channel's daily questions."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from bot.app import QuizApp
from bot.content import Question
from bot.features.daily import DailyQuestion, DailyResults, DailyScheduler
from bot.kernel.clock import FakeClock
from bot.kernel.identity import Actor, ChannelRef

ADMIN = Actor("console", "teacher", "Teacher", "local", "terminal", is_admin=True)
HOSTILE_NAME = '<script>alert("pwned")</script>'
GROUP = 'Evening & "friends"'
SUSPECT = "pvt-thread-crash"  # the strongest learners pick one wrong choice here
UNBELIEVED = "pvt-threads-lightweight"  # its last wrong choice is never picked
LEARNERS = 24
QUESTIONS = 12  # the pack's first one-right-choice questions, in lesson order


@dataclass(frozen=True)
class Seeded:
    learners: tuple[Actor, ...]
    questions: tuple[str, ...]


class KeptPosts:
    """Where the daily scheduler posts in these tests: nowhere but a list."""

    def __init__(self) -> None:
        self.questions: list[DailyQuestion] = []

    async def post_question(self, channel: ChannelRef, question: DailyQuestion) -> str:
        self.questions.append(question)
        return f"msg-{question.view.post_id}"

    async def post_results(self, channel: ChannelRef, results: DailyResults) -> str:
        return f"res-{results.post_id}"


def _pick(rng: random.Random, question: Question, strength: float, suspect: bool) -> int:
    right = question.correct_index
    wrong = [i for i in range(len(question.choices)) if i != right]
    if suspect and strength > 0.6:
        return wrong[0]  # strong learners agree on a wrong choice: check the key
    if rng.random() < strength:
        return right
    return rng.choice(wrong[:2] if question.id == UNBELIEVED else wrong)


async def seed(app: QuizApp, clock: FakeClock) -> Seeded:
    rng = random.Random(25)
    learners = tuple(
        Actor(
            "console",
            f"learner{n}",
            HOSTILE_NAME if n == 3 else f"Learner {n:02d}",
            "local",
            "terminal",
        )
        for n in range(LEARNERS)
    )
    strengths = [0.25 + 0.7 * n / (LEARNERS - 1) for n in range(LEARNERS)]
    single = [q for q in app.pack.questions if q.choices and not q.multi and not q.flashcard]
    questions = single[:QUESTIONS]
    for question in questions:
        view = await app.quiz.post_question(ADMIN, question)
        start = clock.now()
        for n, (learner, strength) in enumerate(zip(learners, strengths, strict=True)):
            clock.set(start + timedelta(seconds=4 + (n * 7) % 23))
            choice = _pick(rng, question, strength, question.id == SUSPECT)
            await app.quiz.answer(learner, view.post_id, choice)
        clock.set(start + timedelta(minutes=10))
    await app.groups.create(ADMIN, GROUP)
    for learner in learners[:6]:
        await app.groups.join(learner, GROUP)
    # two days of the daily question in this channel, answered by half the learners
    await app.handle_text(ADMIN, "/quiz daily set 09:00 UTC")
    posts = KeptPosts()
    scheduler = DailyScheduler(app.daily, "console", posts)
    for _ in range(2):
        day = clock.now().date() + timedelta(days=1)
        clock.set(
            clock.now().replace(year=day.year, month=day.month, day=day.day, hour=9, minute=1)
        )
        await scheduler.run_due()
        for learner, strength in list(zip(learners, strengths, strict=True))[::2]:
            daily = posts.questions[-1]
            question = app.pack.question(daily.view.question_id)
            clock.advance(timedelta(seconds=30))
            await app.quiz.answer(
                learner, daily.view.post_id, _pick(rng, question, strength, False)
            )
    return Seeded(learners, tuple(q.id for q in questions))

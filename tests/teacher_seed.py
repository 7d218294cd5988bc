"""A seeded course for the dashboard's tests and its screenshot: learners of varied strength
answer the bundled pack through the real answer path (posts, clicks, the answer writer), one
question with a key the strongest learners disagree with, one distractor nobody believes, a
study group with a hostile display name, and a channel's daily questions.

Seeding answers one by one through the real path is ~340 write transactions (about 1 s on
SQLite, 4 s on PostgreSQL, several times that on a busy machine), so a worker seeds once per
backend (``SeededCourse``) and each test gets its own copy of the rows: a copy of the file, or
the rows copied into the test's own schema."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg

from bot.app import QuizApp
from bot.content import Question
from bot.features.daily import DailyQuestion, DailyResults, DailyScheduler
from bot.kernel.clock import FakeClock
from bot.kernel.identity import Actor, ChannelRef
from bot.kernel.pg_url import is_postgres_url
from tests import pg_server
from tests.conftest import CONTENT

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


# Every row of one schema into another at the same version, in one round trip: the tables'
# triggers and foreign keys off (session_replication_role, as the superuser the tests connect
# as), so derived rows (counts, board sizes) are copied as they are, not counted again; the id
# sequences follow the copied ids.
_COPY_ROWS = """
DO $$
DECLARE name text; seq record;
BEGIN
    PERFORM set_config('session_replication_role', 'replica', true);
    FOR name IN SELECT tablename FROM pg_tables
                WHERE schemaname = '{source}' AND tablename <> 'quizbot_schema' LOOP
        EXECUTE format('INSERT INTO %I.%I SELECT * FROM %I.%I', '{target}', name, '{source}', name);
    END LOOP;
    FOR seq IN SELECT sequencename, last_value FROM pg_sequences
               WHERE schemaname = '{source}' AND last_value IS NOT NULL LOOP
        PERFORM setval(format('%I.%I', '{target}', seq.sequencename), seq.last_value);
    END LOOP;
END $$
"""


def _schema_of(url: str) -> str:
    return url.rpartition("search_path=")[2]


@dataclass(frozen=True)
class _Seeded:
    database: Path | str  # the seeded file, or the URL of the seeded schema
    start: datetime  # the clock when seeding began
    end: datetime  # the clock when it ended: where each copy's clock is set


class SeededCourse:
    """The seeded course, made once per backend for a worker; ``copy_into`` gives a test its
    own copy (a test may change its copy: nothing reaches the original or another test)."""

    def __init__(self, folder: Path, pg_run: pg_server.PgRun | str) -> None:
        self._folder = folder
        self._pg_run = pg_run
        self._seeded: dict[bool, _Seeded] = {}

    def copy_into(self, target: Path | str, clock: FakeClock) -> None:
        """Fill ``target`` (a new SQLite file, or an empty schema's URL) with the seeded rows and
        move ``clock`` to where seeding left it, as if the test had seeded ``target`` itself."""
        postgres = is_postgres_url(target)
        seeded = self._seeded.get(postgres)
        if seeded is None:
            seeded = self._seeded[postgres] = self._seed(postgres, clock.now())
        assert clock.now() == seeded.start, "every test's clock starts where seeding began"
        if postgres:
            pg_server._run(self._copy_rows(seeded.database, str(target)))
        else:
            source = sqlite3.connect(seeded.database)
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        clock.set(seeded.end)

    def _seed(self, postgres: bool, start: datetime) -> _Seeded:
        if postgres:
            assert isinstance(self._pg_run, pg_server.PgRun), self._pg_run
            database: Path | str = self._pg_run.fresh_schema()  # kept out of the pool
        else:
            database = self._folder / "seeded.db"

        async def seeded() -> datetime:
            clock = FakeClock(start)
            app = await QuizApp.open(database, CONTENT, clock=clock, rng=random.Random(25))
            try:
                await seed(app, clock)
            finally:
                await app.close()
            return clock.now()

        return _Seeded(database, start, pg_server._run(seeded()))

    @staticmethod
    async def _copy_rows(source: str, target: str) -> None:
        app = await QuizApp.open(target, CONTENT)  # the schema's tables, at this version
        await app.close()
        conn = await asyncpg.connect(target, timeout=5)
        try:
            await conn.execute(
                _COPY_ROWS.format(source=_schema_of(source), target=_schema_of(target))
            )
        finally:
            await conn.close()

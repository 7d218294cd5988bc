"""Quiz night: start, show and stop a channel's live session, take locked-in answers, and
compute what each round close and the end show (reveal, scoreboard, podium).

The rounds themselves are run by a ``LiveRunner`` (runner.py) per adapter platform; this module
only knows it as a ``SessionDriver`` it can poke. Live answers go through the ordinary answer
writer (kind 'live'), so they feed FSRS, per-topic accuracy and the boards like any answer;
the session's speed points (``store.live_points``) are kept in the session's own table and
never reach the leaderboards.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.content import Pack, Question
from bot.features.live import store
from bot.features.live.results import (
    EndReason,
    FastestAnswer,
    LivePodium,
    LiveProgress,
    LiveScoreboard,
    LiveStarted,
    LockedIn,
    MissedQuestion,
    RoundReveal,
    Standing,
)
from bot.features.live.store import (
    LiveAnswerRow,
    NewSession,
    RoundRow,
    RoundStatus,
    SessionRow,
    SessionStatus,
)
from bot.features.quiz import PostRow, QuizService
from bot.features.quiz.results import choice_order
from bot.kernel.clock import Clock
from bot.kernel.db import Database
from bot.kernel.errors import UserError
from bot.kernel.identity import Actor
from bot.kernel.results import Notice
from bot.pictures.service import Pictures, with_cached_picture, with_picture

SCOREBOARD_SIZE = 5
WHOLE_COURSE = "the whole course"


@dataclass(frozen=True)
class LiveLimits:
    """What ``/quiz live`` accepts. The console's tests lower ``min_seconds`` through the
    constructor (never through user input) to play real-time rounds quickly."""

    min_rounds: int = 1
    max_rounds: int = 30
    min_seconds: int = 5
    max_seconds: int = 120
    default_rounds: int = 10
    default_seconds: int = 20


class SessionDriver(Protocol):
    """What the service needs of a platform's runner (``LiveRunner``)."""

    name: str
    lease: timedelta

    def poke(self, session_id: int) -> None:
        """Something changed in the session (started, answered, stop asked): look again."""
        ...


class LiveService:
    def __init__(
        self,
        quiz: QuizService,
        db: Database,
        clock: Clock,
        limits: LiveLimits | None = None,
        rng: random.Random | None = None,
        pictures: Pictures | None = None,
    ) -> None:
        self.quiz = quiz
        self.db = db
        self.clock = clock
        self.limits = limits or LiveLimits()
        self.rng = rng or random.Random()
        self.pictures = pictures  # the reveals and the podium are drawn (None: text only)
        self.runners: dict[str, SessionDriver] = {}  # platform -> this process's runner
        # a round's post, number and times never change: a burst of clicks reads it once (its
        # status may be stale here; the answer step reads the stored one and decides)
        self._rounds: OrderedDict[int, RoundRow] = OrderedDict()

    @property
    def pack(self) -> Pack:
        """The content served now (a reload swaps it; see ``PackHolder``)."""
        return self.quiz.pack

    # -- requests ---------------------------------------------------------------------------

    async def start(
        self, actor: Actor, topic: str | None, rounds: int | None, seconds: int | None
    ) -> LiveStarted | LiveProgress:
        limits = self.limits
        rounds = limits.default_rounds if rounds is None else rounds
        seconds = limits.default_seconds if seconds is None else seconds
        if not limits.min_rounds <= rounds <= limits.max_rounds:
            raise UserError(
                f"Rounds: {limits.min_rounds} to {limits.max_rounds} (you asked {rounds})."
            )
        if not limits.min_seconds <= seconds <= limits.max_seconds:
            raise UserError(
                f"Seconds per round: {limits.min_seconds} to {limits.max_seconds}"
                f" (you asked {seconds}). Example: /quiz live 5 20s"
            )
        resolved = self.quiz.resolve_topic(topic) if topic else None
        pool = self.pool(resolved)
        if not pool:
            raise UserError(f"No multiple-choice questions on {resolved!r} for a live quiz.")
        running = await self.db.read(store.running_session, actor.channel_key)
        if running is not None:
            return await self.progress(running, already_running=True)
        note = ""
        if len(pool) < rounds:
            note = f"Only {len(pool)} questions on this topic: {len(pool)} rounds."
            rounds = len(pool)
        now = self.clock.now()
        driver = self.runners.get(actor.platform)
        session_id = await self.db.write(
            store.claim_session,
            NewSession(
                channel_key=actor.channel_key,
                platform=actor.platform,
                workspace_id=actor.workspace_id,
                channel_id=actor.channel_id,
                topic=resolved,
                rounds=rounds,
                seconds=seconds,
                started_by=actor.user_key,
                started_by_name=actor.display_name,
                started_at=now.isoformat(),
                owner=driver.name if driver else None,
                lease_until=(now + driver.lease).isoformat() if driver else None,
            ),
        )
        if session_id is None:  # another process started one a moment ago
            running = await self.db.read(store.running_session, actor.channel_key)
            if running is None:
                raise UserError("A live quiz here just started and ended; try again.")
            return await self.progress(running, already_running=True)
        if driver is not None:
            driver.poke(session_id)
        return LiveStarted(
            session_id, self.topic_title(resolved), rounds, seconds, actor.display_name, note
        )

    async def show(self, actor: Actor) -> LiveProgress | Notice:
        running = await self.db.read(store.running_session, actor.channel_key)
        if running is None:
            return Notice(
                "No live quiz is running here. Start one: /quiz live [topic] [rounds] [seconds]s"
            )
        return await self.progress(running)

    async def stop(self, actor: Actor) -> Notice | LivePodium:
        """Ask the session's runner to end it after revealing the current round; when nobody
        drives it (its process is gone and no runner here can take it), end it here."""
        session = await self.db.read(store.running_session, actor.channel_key)
        if session is None:
            raise UserError("No live quiz is running here.")
        if actor.user_key != session.started_by and not actor.is_admin:
            raise UserError(
                f"Only {session.started_by_name} (who started this quiz) or an admin can stop it."
            )
        await self.db.write(store.request_stop, session.id, actor.display_name)
        now = self.clock.now()
        driver = self.runners.get(session.platform)
        orphaned = (
            session.owner is None
            or session.lease_until is None
            or datetime.fromisoformat(session.lease_until) <= now
        )
        if driver is None and orphaned:
            if not await self.db.write(
                store.end_session, session.id, SessionStatus.STOPPED, now.isoformat(), None
            ):
                raise UserError("That quiz has just ended.")
            return await self.podium(session.id, EndReason.STOPPED, stopped_by=actor.display_name)
        if driver is not None:
            driver.poke(session.id)
        return Notice("Stopping the quiz: this round's answer and the final standings follow.")

    async def answer(self, actor: Actor, post: PostRow, choice: int) -> LockedIn:
        """Lock in ``actor``'s answer to a live round. The reply never says whether it is
        right; the first answer stands."""
        found = self._rounds.get(post.id)
        if found is None:
            found = await self.db.read(store.round_of_post, post.id)
            if found is not None:
                self._rounds[post.id] = found
                if len(self._rounds) > 256:
                    self._rounds.popitem(last=False)
        if found is None or post.workspace_key != actor.workspace_key:
            raise UserError("That question is not available any more.")
        question = self.pack.question(post.question_id)
        if question is None:
            raise UserError("That question was removed from the content.")
        if not 0 <= choice < len(question.choices):
            raise UserError(f"Pick a choice from 1 to {len(question.choices)}.")
        now = self.clock.now()
        closes = datetime.fromisoformat(found.closes_at)
        closed = f"Round {found.number} has closed; answers no longer count."
        if found.status in (RoundStatus.CLOSING, RoundStatus.CLOSED) or now >= closes:
            raise UserError(closed)
        correct = choice == question.correct_index
        outcome = await self.quiz.answers.submit(
            self.quiz.answer_write(actor, post, question, choice, correct, now)
        )
        if outcome.closed:
            raise UserError(closed)
        driver = self.runners.get(actor.platform)
        if driver is not None and outcome.stored and found.number >= 2:
            driver.poke(found.session_id)  # every player may have answered: close early
        return LockedIn(
            post.id,
            found.number,
            outcome.choice,
            question.choices[outcome.choice],
            closes,
            already_answered=not outcome.stored,
            order=choice_order(post.id, question.id, len(question.choices), question.keep_order),
        )

    # -- what the runner shows --------------------------------------------------------------

    def pool(self, topic: str | None) -> tuple[Question, ...]:
        """The multiple-choice questions of a topic (typed-answer ones cannot be buttons)."""
        return tuple(
            q for q in self.pack.questions_for(topic) if q.choices and not q.typed and not q.multi
        )

    def topic_title(self, topic: str | None) -> str:
        if topic is None:
            return WHOLE_COURSE
        card = self.pack.card(topic)
        return card.title if card else topic

    def choose_question(self, session: SessionRow, rounds: Sequence[RoundRow]) -> Question | None:
        """A question of the session's topic not asked in this session yet (random)."""
        asked = {r.question_id for r in rounds}
        fresh = [q for q in self.pool(session.topic) if q.id not in asked]
        return self.rng.choice(fresh) if fresh else None

    async def progress(self, session: SessionRow, already_running: bool = False) -> LiveProgress:
        rounds = await self.db.read(store.rounds_of, session.id)
        answers = await self.db.read(store.answers_of, session.id)
        table = standings(answers)
        current = rounds[-1] if rounds else None
        closes = None
        if current is not None and current.status in (RoundStatus.OPEN, RoundStatus.POSTING):
            closes = datetime.fromisoformat(current.closes_at)
        return LiveProgress(
            session_id=session.id,
            topic_title=self.topic_title(session.topic),
            round_number=current.number if current else 0,
            rounds=session.rounds,
            seconds=session.seconds,
            started_by=session.started_by_name,
            players=len(table),
            leaders=tuple(s for s in table if s.rank <= 3),
            closes_at=closes,
            already_running=already_running,
        )

    async def everyone_answered(self, session_id: int, number: int) -> bool:
        """From round 2 on: every player of the session (whoever answered an earlier round)
        has answered round ``number``."""
        if number < 2:
            return False
        seen = await self.db.read(store.turnout, session_id, number)
        return seen.players > 0 and seen.missing == 0

    async def reveal(
        self, session: SessionRow, found: RoundRow, closed_early: bool
    ) -> RoundReveal | None:
        """A closed round's reveal, at once: its chart only when already drawn (``chart`` draws
        it; the runner edits it in afterwards, so nobody waits for the answer while it draws).
        None when its question left the content."""
        question = self.pack.question(found.question_id)
        if question is None:
            return None
        answers = [
            a for a in await self.db.read(store.answers_of, session.id) if a.number == found.number
        ]
        counts = [0] * len(question.choices)
        for a in answers:
            if 0 <= a.choice < len(counts):
                counts[a.choice] += 1
        opened = datetime.fromisoformat(found.opened_at)
        right = [a for a in answers if a.correct]
        fastest = None
        if right:
            first = min(right, key=lambda a: (a.answered_at, a.user_key))
            elapsed = (datetime.fromisoformat(first.answered_at) - opened).total_seconds()
            fastest = FastestAnswer(first.display_name, round(elapsed, 1))
        reveal = RoundReveal(
            session_id=session.id,
            number=found.number,
            rounds=session.rounds,
            view=self.quiz.view(found.post_id, question, reason="live"),
            correct_index=question.correct_index,
            correct_text=question.answer,
            why=question.why,
            counts=tuple(counts),
            answered=len(answers),
            right=len(right),
            fastest=fastest,
            closed_early=closed_early,
        )
        return with_cached_picture(self.pictures, reveal)

    async def chart(self, reveal: RoundReveal) -> RoundReveal | None:
        """``reveal`` with its chart (the answers' distribution), drawn now if need be; None
        when it has none, already had it, or it could not be drawn in time."""
        if reveal.images or reveal.picture is None:
            return None
        drawn = await with_picture(self.pictures, reveal)
        return drawn if drawn.images else None

    async def scoreboard(self, session: SessionRow, number: int) -> LiveScoreboard:
        table = standings(await self.db.read(store.answers_of, session.id))
        return LiveScoreboard(
            session.id, number, session.rounds, tuple(table[:SCOREBOARD_SIZE]), len(table)
        )

    async def podium(
        self,
        session_id: int,
        reason: EndReason,
        stopped_by: str | None = None,
        detail: str = "",
    ) -> LivePodium:
        session = await self.db.read(store.get_session, session_id)
        if session is None:
            raise UserError("That quiz is gone.")
        rounds = await self.db.read(store.rounds_of, session_id)
        answers = await self.db.read(store.answers_of, session_id)
        table = standings(answers)
        # a round whose post never came back (the bot died posting it) was not played, even
        # once the session's end closed it
        played = [r for r in rounds if r.message_ref is not None]
        podium = LivePodium(
            session_id=session_id,
            topic_title=self.topic_title(session.topic),
            rounds_played=len(played),
            rounds=session.rounds,
            reason=reason,
            standings=tuple(table),
            missed_most=self._missed_most(played, answers, len(table)),
            stopped_by=stopped_by or session.stop_requested_by,
            detail=detail,
        )
        # the end of the quiz: nothing follows it, so it may wait for its picture (bounded by
        # the pictures' timeout) and go out once, with it
        return await with_picture(self.pictures, podium)

    def _missed_most(
        self, rounds: Sequence[RoundRow], answers: Sequence[LiveAnswerRow], players: int
    ) -> MissedQuestion | None:
        """The played round the most players missed (a wrong answer or none); the earlier
        round on a tie; None when every player got every round right."""
        best: MissedQuestion | None = None
        for r in rounds:
            question = self.pack.question(r.question_id)
            if question is None:
                continue
            right = sum(1 for a in answers if a.number == r.number and a.correct)
            missed = players - right
            if missed > 0 and (best is None or missed > best.missed):
                best = MissedQuestion(
                    r.number, question.prompt, question.answer, question.why, missed, players
                )
        return best


def standings(answers: Sequence[LiveAnswerRow]) -> list[Standing]:
    """Everyone who answered, by points, then right answers; equal ones share a rank."""
    totals: dict[str, list] = {}  # type: ignore[type-arg]
    for a in answers:
        row = totals.setdefault(a.user_key, [a.display_name, 0, 0, 0])
        row[0] = a.display_name
        row[1] += a.points
        row[2] += int(a.correct)
        row[3] += 1
    ordered = sorted(totals.values(), key=lambda r: (-r[1], -r[2], r[0].lower()))
    table: list[Standing] = []
    for index, (name, points, right, answered) in enumerate(ordered):
        rank = index + 1
        if table and (table[-1].points, table[-1].right) == (points, right):
            rank = table[-1].rank
        table.append(Standing(rank, name, points, right, answered))
    return table

"""What the live quiz hands back to adapters: the values each renderer shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.features.quiz.results import QuestionView, letter_of
from bot.kernel.clock import UTC_ZONE
from bot.kernel.results import Image
from bot.kernel.text import count_of
from bot.pictures.specs import Bar, BarChart, Place, PodiumChart


@dataclass(frozen=True)
class LiveStarted:
    """The reply to ``/quiz live``: a session started here; its first round follows."""

    session_id: int
    topic_title: str  # "the whole course" when no topic was named
    rounds: int
    seconds: int
    started_by: str
    note: str = ""  # e.g. "only 4 questions on this topic: 4 rounds"

    @property
    def text(self) -> str:
        return self.text_for("Answer with the buttons")

    def text_for(self, answer_hint: str) -> str:
        """The announcement, with how to answer on the platform (a platform without buttons
        says so in its own words, e.g. "Answer with a letter or number")."""
        rounds = "1 round" if self.rounds == 1 else f"{self.rounds} rounds"
        line = (
            f"Quiz night! {rounds} of {self.seconds} s on {self.topic_title}, started by"
            f" {self.started_by}. {answer_hint}: answers are locked in and revealed"
            " when each round ends. First question coming up."
        )
        return f"{line} {self.note}" if self.note else line


@dataclass(frozen=True)
class Standing:
    rank: int  # equal points and right answers share a rank
    name: str
    points: int
    right: int
    answered: int

    @property
    def score_text(self) -> str:
        """What follows a player's name on a scoreboard: "2700 points · 3/4 right"."""
        return f"{self.points} points · {self.right}/{self.answered} right"


@dataclass(frozen=True)
class LiveProgress:
    """A running session, as ``/quiz live`` shows it instead of starting a second one."""

    session_id: int
    topic_title: str
    round_number: int  # the round being played (0: the first is being posted)
    rounds: int
    seconds: int
    started_by: str
    players: int
    leaders: tuple[Standing, ...]  # the top three so far
    closes_at: datetime | None  # the current round's close, UTC
    already_running: bool = False  # True: the reply to an attempt to start another one

    @property
    def text(self) -> str:
        head = "A live quiz is already running here" if self.already_running else "Live quiz"
        where = (
            f"round {self.round_number} of {self.rounds}"
            if self.round_number
            else f"starting ({self.rounds} rounds)"
        )
        players = "1 player" if self.players == 1 else f"{self.players} players"
        return (
            f"{head}: {where}, {self.seconds} s each, on {self.topic_title}, started by"
            f" {self.started_by} · {players}. /quiz live stop ends it (starter or admin)."
        )


@dataclass(frozen=True)
class LiveRound:
    """One round's question: posted to the channel with answer buttons and its close time."""

    session_id: int
    number: int
    rounds: int
    view: QuestionView
    seconds: int
    closes_at: datetime  # UTC
    zone: ZoneInfo = UTC_ZONE  # the workspace's (/quiz timezone): what a close time is read in

    rules_text = "one answer each, locked in"

    @property
    def closes_text(self) -> str:
        """ "closes 21:07:40 CET", in the workspace's zone."""
        local = self.closes_at.astimezone(self.zone)
        return f"closes {local:%H:%M:%S} {local.tzname()}"

    scoring_text = "faster right answers score more (1000 down to 500)"

    @property
    def title(self) -> str:
        return f"🎯 Round {self.number} of {self.rounds}"


@dataclass(frozen=True)
class FastestAnswer:
    name: str
    seconds: float  # after the round opened

    def text_for(self, name: str) -> str:
        """The fastest right answer ("Ada in 2.5 s"), with ``name`` as a platform shows it."""
        return f"{name} in {self.seconds:g} s"


@dataclass(frozen=True)
class RoundReveal:
    """A closed round: what the question message becomes (its buttons disabled)."""

    session_id: int
    number: int
    rounds: int
    view: QuestionView
    correct_index: int
    correct_text: str
    why: str
    counts: tuple[int, ...]  # how many picked each choice
    answered: int
    right: int
    fastest: FastestAnswer | None  # the fastest right answer
    closed_early: bool  # every player had answered before the time was up
    images: tuple[Image, ...] = ()

    closed_text = "this round is closed"

    @property
    def picture(self) -> BarChart | None:
        """How many picked each choice, in the order the round showed them, the right one
        marked (once someone answered), as the daily question's results show it."""
        if not self.answered:
            return None
        return BarChart(
            f"Round {self.number} of {self.rounds}: {self.summary}",
            tuple(
                Bar(
                    f"{c.letter}) {c.text}",
                    self.counts[c.index],
                    f"{self.counts[c.index]} ({self.share(c.index):.0%})",
                    c.index == self.correct_index,
                )
                for c in self.view.shown
            ),
            f"quiz-night-{self.session_id}-round-{self.number}.png",
            marked_means="right answer",
        )

    @property
    def title(self) -> str:
        return f"✅ Round {self.number} of {self.rounds}"

    @property
    def summary(self) -> str:
        if not self.answered:
            return "Nobody answered this round."
        people = "1 answer" if self.answered == 1 else f"{self.answered} answers"
        early = " · everyone answered, closed early" if self.closed_early else ""
        return f"{people} · {self.right} right{early}"

    def share(self, choice: int) -> float:
        return self.counts[choice] / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class LiveScoreboard:
    """The short scoreboard posted after a round (not after the last: the podium follows)."""

    session_id: int
    number: int
    rounds: int
    standings: tuple[Standing, ...]  # at most SCOREBOARD_SIZE rows
    players: int

    empty_text = "Nobody has scored yet."

    @property
    def title(self) -> str:
        return f"Scoreboard after round {self.number} of {self.rounds}"

    @property
    def more_text(self) -> str:
        """How many players the board leaves out ("" when none)."""
        more = self.players - len(self.standings)
        return count_of(more, "more player") if more > 0 else ""


class EndReason(StrEnum):
    FINISHED = "finished"
    STOPPED = "stopped"
    IDLE = "idle"  # two rounds in a row without an answer
    INTERRUPTED = "interrupted"  # it could not go on


@dataclass(frozen=True)
class MissedQuestion:
    """The round the players missed most (wrong or no answer), with its Why."""

    number: int
    prompt: str
    correct_text: str
    why: str
    missed: int
    players: int

    @property
    def heading(self) -> str:
        return f"Missed most: round {self.number}"

    @property
    def count_text(self) -> str:
        return f"({self.missed} of {self.players})"

    @property
    def title(self) -> str:
        return f"{self.heading} {self.count_text}"


@dataclass(frozen=True)
class LivePodium:
    """The end of a session: the top three, everyone's score and right answers, and the
    question the group missed most."""

    session_id: int
    topic_title: str
    rounds_played: int
    rounds: int
    reason: EndReason
    standings: tuple[Standing, ...]  # everyone who answered, best first
    missed_most: MissedQuestion | None
    stopped_by: str | None = None
    detail: str = ""  # why an interrupted session could not go on
    images: tuple[Image, ...] = ()

    @property
    def picture(self) -> PodiumChart | None:
        if not self.podium:
            return None
        return PodiumChart(
            self.title,
            tuple(Place(s.rank, s.name, s.points, s.right, s.answered) for s in self.podium),
            f"quiz-night-{self.session_id}.png",
        )

    heading = "🏆 Quiz night results"
    empty_text = "Nobody answered."
    boards_note = "Live answers count on the normal boards as ordinary answers"  # renderers end it

    @property
    def title(self) -> str:
        return f"{self.heading} — {self.topic_title}"

    @property
    def podium(self) -> tuple[Standing, ...]:
        return tuple(s for s in self.standings if s.rank <= 3)

    @property
    def ending(self) -> str:
        """Why the session ended, in one line."""
        played = f"{self.rounds_played} of {self.rounds} rounds"
        if self.reason == EndReason.STOPPED:
            by = f" by {self.stopped_by}" if self.stopped_by else ""
            return f"Stopped{by} after {played}."
        if self.reason == EndReason.IDLE:
            return f"Ended after {played}: two rounds in a row without an answer."
        if self.reason == EndReason.INTERRUPTED:
            detail = f" ({self.detail})" if self.detail else ""
            return f"The quiz could not go on{detail}: standings after {played}."
        return f"All {self.rounds_played} rounds played."


@dataclass(frozen=True)
class LockedIn:
    """The private reply to a live answer: what was locked in, never whether it is right."""

    post_id: int
    round_number: int
    choice_index: int
    choice_text: str
    closes_at: datetime
    already_answered: bool = False  # a second click: the first answer stands
    # how the round's post showed the choices (letters follow it); derived from the post
    order: tuple[int, ...] = field(default=(), compare=False)

    @property
    def text(self) -> str:
        letter = letter_of(self.order, self.choice_index)
        if self.already_answered:
            return (
                f"You already locked in {letter}: answers can't be changed — results when the"
                " round ends."
            )
        return f"Locked in: {letter} — results when the round ends."

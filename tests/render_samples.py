"""Results as the core hands them to renderers, for the pure renderer tests (result in, payload
out): one question shown shuffled, its answers, a card, a board, daily results."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.content import Card, Misconception, Section, Table
from bot.features.boards import Leaderboard, LeaderboardRow, UserStats
from bot.features.boards.results import BoardScope, Period, Sort
from bot.features.daily import DailyResults
from bot.features.quiz import AnswerResult, CardPart, CardView, QuestionView
from bot.kernel.identity import ChannelRef

CHOICES = ("Nothing", "Only the stack", "The process's memory", "One CPU core")
CORRECT = 2  # the content's index of the right choice
FEEDBACK = (
    "No: that describes separate processes.",
    "No: the stack is the one thing each thread keeps to itself.",
    "",
    "No: threads of one process can run on many cores.",
)
# shown position -> content index: the post shows "One CPU core" as A, the right one as B
ORDER = (3, 2, 0, 1)

VIEW = QuestionView(
    post_id=12,
    question_id="pvt-share",
    topic_id="processes-vs-threads",
    card_title="Processes vs Threads",
    prompt="Threads inside one process share what?",
    choices=CHOICES,
    reason="new",
    order=ORDER,
)


#: A question whose prompt carries a code snippet, fenced as content/README.md says.
SNIPPET_VIEW = replace(
    VIEW,
    prompt='What does this print?\n\n```\nif pid == 0:\n    print("child")\n```',
)


def answer(chosen: int, *, already: bool = False, streak: int = 4) -> AnswerResult:
    right = chosen == CORRECT
    return AnswerResult(
        post_id=12,
        question_id="pvt-share",
        prompt=VIEW.prompt,
        correct=right,
        chosen_index=chosen,
        chosen_text=CHOICES[chosen],
        correct_index=CORRECT,
        correct_text=CHOICES[CORRECT],
        why="Threads share the process memory.",
        points_gained=10 if right and not already else 0,
        total_points=30,
        streak=streak,
        already_answered=already,
        order=ORDER,
        chosen_feedback=FEEDBACK[chosen],
    )


WRONG = answer(0)  # "Nothing", shown as C
RIGHT = answer(CORRECT)  # shown as B
ALREADY = answer(0, already=True)

CARD = Card(
    id="processes-vs-threads",
    title="Processes vs Threads",
    track="concurrency",
    summary="A process owns memory; a thread runs inside one and shares it.",
    sections=(
        Section("What is a process", ("A running program with its own memory.",)),
        Section("What is a thread", ("A line of work inside a process. " * 6,)),
    ),
    recap=("Processes isolate; threads share.", "Shared memory is fast and risky."),
    table=Table(("Point", "Process", "Thread"), (("Memory", "Own", "Shared"),)),
    misconceptions=(Misconception("Threads are processes", "Threads live inside one"),),
    diagram="[process [thread] [thread]]",
    demos=("spawn",),
    next=("interprocess-communication",),
)
SHORT_CARD = CardView(CARD)
RECAP_CARD = CardView(CARD, CardPart.RECAP)

BOARD = Leaderboard(
    scope=BoardScope.WORKSPACE,
    period=Period.ALL,
    title="This server — all time",
    rows=(LeaderboardRow(1, "u:ada", "Ada", 40, 4, 4, streak=3),),
    me=LeaderboardRow(0, "u:bob", "Bob", 0, 1, 0),
    total_players=1,
    sort=Sort.ACCURACY,
    min_answers=5,
)

STATS = UserStats("u:ada", "Ada", 40, 5, 4, streak=3, best_streak=6)

RESULTS = DailyResults(
    channel=ChannelRef("console", "local", "terminal"),
    post_id=12,
    question_ref=None,
    local_date=date(2026, 3, 3),
    card_title="Processes vs Threads",
    prompt=VIEW.prompt,
    choices=CHOICES,
    counts=(1, 0, 3, 0),
    correct_index=CORRECT,
    correct_text=CHOICES[CORRECT],
    why="Threads share the process memory.",
    first_right="Ada",
    first_right_at=datetime(2026, 3, 3, 8, 5, tzinfo=UTC),
    order=ORDER,
    feedback=FEEDBACK,
)

"""Item analysis: a question's figures and flags from its tallies (pure; no I/O).

Difficulty is the share of first answers that were right. Discrimination is the
upper-minus-lower 27% index: the share right among the best 27% of learners in scope minus
the share right among the worst 27% (docs/teachers.md says why this one). The same two groups
give each choice's upper and lower pick rates, so the index and the distractor table agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.content import Question
from bot.features.teacher.results import ChoiceStats, Flag, FlagKind, ItemStats, WrongAnswer
from bot.features.teacher.store import ChoiceTally, TimeTally, TypedTally

MIN_ATTEMPTS = 10  # fewer first answers: no discrimination, no flags from answers
MIN_GROUP = 2.0  # each of the upper and lower groups must hold two learners' worth of answers
TOO_EASY = 0.9  # share right at or above: too easy
TOO_HARD = 0.2  # at or below: too hard
UNPICKED = 0.05  # a wrong choice picked by less than this share is no real distractor
WRONG_ANSWERS_SHOWN = 5


def median(times: Sequence[TimeTally]) -> int | None:
    """The median of whole seconds given as (seconds, count) tallies; the mean of the two
    middle values for an even count, rounded half up."""
    total = sum(t.count for t in times)
    if not total:
        return None
    ordered = sorted(times, key=lambda t: t.seconds)

    def nth(n: int) -> int:  # the n-th smallest value, 0-based
        seen = 0
        for t in ordered:
            seen += t.count
            if n < seen:
                return t.seconds
        raise AssertionError("unreachable")

    low, high = nth((total - 1) // 2), nth(total // 2)
    return (low + high + 1) // 2


def fold(typed: str) -> str:
    """A typed answer as it is counted: case-folded, spaces collapsed."""
    return " ".join(typed.casefold().split())


def analyse(
    question: Question,
    card_title: str,
    tallies: Sequence[ChoiceTally],
    times: Sequence[TimeTally],
    wrong_typed: Sequence[TypedTally],
) -> ItemStats:
    """One question's ItemStats from the tallies of its first answers in scope."""
    attempts = sum(t.count for t in tallies)
    right = sum(t.count for t in tallies if t.correct)
    upper = sum(t.upper for t in tallies)
    lower = sum(t.lower for t in tallies)
    grouped = attempts >= MIN_ATTEMPTS and upper >= MIN_GROUP and lower >= MIN_GROUP
    discrimination = None
    if grouped:
        upper_right = sum(t.upper for t in tallies if t.correct) / upper
        lower_right = sum(t.lower for t in tallies if t.correct) / lower
        discrimination = round(upper_right - lower_right, 6)
    if not grouped:
        upper = lower = 0.0  # no group shares without enough answers
    choices = tuple(
        _choice(question, index, tallies, attempts, upper, lower)
        for index in range(len(question.choices))
    )
    wrong = Counter[str]()
    for t in wrong_typed:
        wrong[fold(t.typed)] += t.count
    stats = ItemStats(
        question_id=question.id,
        topic_id=question.topic_id,
        card_title=card_title,
        prompt=question.prompt,
        why=question.why,
        typed=question.typed,
        attempts=attempts,
        right=right,
        discrimination=discrimination,
        median_seconds=median(times),
        choices=choices,
        wrong_answers=tuple(
            WrongAnswer(text, count)
            for text, count in sorted(wrong.items(), key=lambda kv: (-kv[1], kv[0]))[
                :WRONG_ANSWERS_SHOWN
            ]
        ),
    )
    return ItemStats(**{**stats.__dict__, "flags": flags(stats)})


def _choice(
    question: Question,
    index: int,
    tallies: Sequence[ChoiceTally],
    attempts: int,
    upper: float,
    lower: float,
) -> ChoiceStats:
    # choose all that apply stores the chosen set as bits: choice i is bit i
    mine = [
        t
        for t in tallies
        if (t.choice >> index & 1 if question.multi and t.choice >= 0 else t.choice == index)
    ]
    picked = sum(t.count for t in mine)
    return ChoiceStats(
        letter=chr(ord("A") + index),
        text=question.choices[index],
        correct=index in question.right_indexes,
        picked=picked,
        share=picked / attempts if attempts else None,
        upper_share=sum(t.upper for t in mine) / upper if upper else None,
        lower_share=sum(t.lower for t in mine) / lower if lower else None,
        feedback=question.feedback_for(index),
    )


def flags(item: ItemStats) -> tuple[Flag, ...]:
    """What a teacher should look at, each with a one-line reason; in FlagKind order."""
    out: list[Flag] = []
    d = item.discrimination
    if d is not None and d < 0:
        out.append(
            Flag(
                FlagKind.CHECK_KEY,
                f"the strongest learners get it right less often than the weakest"
                f" (discrimination {d:+.2f}); is the marked answer really right?",
            )
        )
    else:
        keys = [c for c in item.choices if c.correct]
        key = keys[0] if len(keys) == 1 else None  # all that apply: no single key to rival
        rival = max(
            (c for c in item.choices if not c.correct and c.upper_share is not None),
            key=lambda c: c.upper_share or 0.0,
            default=None,
        )
        if (
            key is not None
            and rival is not None
            and key.upper_share is not None
            and (rival.upper_share or 0.0) > key.upper_share
        ):
            out.append(
                Flag(
                    FlagKind.CHECK_KEY,
                    f"the strongest learners pick {rival.letter} more often than the key"
                    f" {key.letter} ({rival.upper_share:.0%} vs {key.upper_share:.0%});"
                    f" is {rival.letter} right too, or the key wrong?",
                )
            )
    share = item.difficulty
    if item.attempts >= MIN_ATTEMPTS and share is not None:
        if share <= TOO_HARD:
            out.append(
                Flag(
                    FlagKind.TOO_HARD,
                    f"only {share:.0%} answer it right; reword it, or teach its idea first.",
                )
            )
        elif share >= TOO_EASY:
            out.append(
                Flag(
                    FlagKind.TOO_EASY,
                    f"{share:.0%} answer it right, so it tells you little; make the wrong"
                    " choices more tempting.",
                )
            )
        for c in item.choices:
            if not c.correct and c.share is not None and c.share < UNPICKED:
                out.append(
                    Flag(
                        FlagKind.UNPICKED,
                        f"{c.letter} “{c.text}” is picked by {c.share:.0%}; nobody believes"
                        " it, so replace it with a mistake learners really make.",
                    )
                )
    for c in item.choices:
        if not c.correct and not c.feedback:
            out.append(
                Flag(
                    FlagKind.NO_FEEDBACK,
                    f"{c.letter} “{c.text}” has no feedback: a learner who picks it is not"
                    " told why it is wrong.",
                )
            )
    return tuple(out)

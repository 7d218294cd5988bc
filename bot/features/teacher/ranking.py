"""The upper and lower 27% of learners, by their share of right first answers (pure).

Learners tied on a boundary share the places left there: with 10 learners (2.7 places per
group) and three tied at the top, each of the three weighs 0.9 in the upper group. So no tie
is broken by a name or by row order, and both groups always weigh exactly 27% of learners."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

SHARE = Fraction(27, 100)  # Kelley's 27%


@dataclass(frozen=True)
class Boundary:
    """Learners whose score (right/answered) is beyond ``score`` are wholly in the group;
    those exactly at it weigh ``weight`` each."""

    score: Fraction
    weight: float


@dataclass(frozen=True)
class Groups:
    learners: int
    upper: Boundary  # beyond = above
    lower: Boundary  # beyond = below


def _boundary(levels: list[tuple[Fraction, int]], places: Fraction) -> Boundary:
    """Walk score levels from the group's end; the level where the places run out."""
    taken = 0
    for score, count in levels:
        if taken + count >= places:
            weight = (places - taken) / count
            return Boundary(score, float(weight))
        taken += count
    return Boundary(levels[-1][0], 1.0)  # unreachable while SHARE < 1


def groups(distribution: Iterable[tuple[int, int, int]]) -> Groups | None:
    """``(right, answered, learners)`` triples (one per distinct pair) -> the two groups;
    None without learners."""
    levels: dict[Fraction, int] = {}
    for right, answered, count in distribution:
        score = Fraction(right, answered)
        levels[score] = levels.get(score, 0) + count
    if not levels:
        return None
    total = sum(levels.values())
    places = SHARE * total
    descending = sorted(levels.items(), reverse=True)
    return Groups(total, _boundary(descending, places), _boundary(descending[::-1], places))

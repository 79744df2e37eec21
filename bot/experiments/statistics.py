"""Whether a variant's difference from the control is more than chance, with `math` alone.

Proportions (started an intake, became a lead, handed to a person) take a two-proportion z-test
with the pooled proportion; the average rating takes Welch's test of two means with the normal
approximation. Both are two-sided. A difference counts as significant at p < ALPHA, and only
when both sides are big enough for the normal approximation to hold: at least MIN_PEOPLE
people (MIN_RATINGS ratings for the rating) on each side, and for a proportion at least
MIN_EXPECTED conversions and as many non-conversions expected on each side. Below that the
verdict is "too few": not significant yet, whatever the figures look like.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

ALPHA = 0.05
MIN_PEOPLE = 30
MIN_EXPECTED = 5
MIN_RATINGS = 30


class Verdict(StrEnum):
    TOO_FEW = "too_few"  # not significant yet: too few people to tell
    NOT_SIGNIFICANT = "not_significant"  # not significant yet: p >= ALPHA
    HIGHER = "higher"  # significantly higher than the control
    LOWER = "lower"  # significantly lower than the control


@dataclass(frozen=True)
class Test:
    verdict: Verdict
    p_value: float | None  # None when there were too few to test


def normal_two_sided(z: float) -> float:
    """P(|Z| >= |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2))


def two_proportions(successes: int, people: int, control_successes: int,
                    control_people: int) -> Test:  # fmt: skip
    """A variant's proportion against the control's."""
    if min(people, control_people) < MIN_PEOPLE:
        return Test(Verdict.TOO_FEW, None)
    pooled = (successes + control_successes) / (people + control_people)
    expected = min(pooled * min(people, control_people),
                   (1 - pooled) * min(people, control_people))  # fmt: skip
    if expected < MIN_EXPECTED:
        return Test(Verdict.TOO_FEW, None)
    error = math.sqrt(pooled * (1 - pooled) * (1 / people + 1 / control_people))
    z = (successes / people - control_successes / control_people) / error
    return _decided(z)


@dataclass(frozen=True)
class Sample:
    """Ratings: how many, their sum and their sum of squares (what SQL can add up)."""

    count: int
    total: float
    squares: float

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    @property
    def variance(self) -> float:
        """The unbiased sample variance (0 for fewer than two)."""
        if self.count < 2:
            return 0.0
        return max(0.0, (self.squares - self.total**2 / self.count) / (self.count - 1))


def two_means(sample: Sample, control: Sample) -> Test:
    """A variant's average against the control's (Welch, normal approximation)."""
    if min(sample.count, control.count) < MIN_RATINGS:
        return Test(Verdict.TOO_FEW, None)
    assert sample.mean is not None and control.mean is not None
    error = math.sqrt(sample.variance / sample.count + control.variance / control.count)
    difference = sample.mean - control.mean
    if error == 0:  # every rating the same on both sides
        return (
            Test(Verdict.NOT_SIGNIFICANT, 1.0)
            if difference == 0
            else _decided(math.copysign(math.inf, difference))
        )
    return _decided(difference / error)


def _decided(z: float) -> Test:
    p = normal_two_sided(z)
    if p >= ALPHA:
        return Test(Verdict.NOT_SIGNIFICANT, p)
    return Test(Verdict.HIGHER if z > 0 else Verdict.LOWER, p)

"""Whether a variant's difference from the control is more than chance, with `math` alone.

Proportions (started an intake, became a lead, handed to a person) take a two-proportion z-test
with the pooled proportion; the average rating takes Welch's test of two means (each person's
average rating is one value) with the normal approximation. Both are two-sided.

An experiment makes several comparisons (every variant but the control against the control, on
each metric), and the more comparisons, the likelier one of them looks significant by chance:
`holm` adjusts their p-values together (Holm–Bonferroni, which keeps the chance of any false
"significant" in the experiment below ALPHA), and `adjusted` decides each verdict on its
adjusted p-value. A single test on its own is its own adjustment.

Results are looked at again and again while an experiment runs, and an early look makes chance
differences look real. So a comparison is tested only when both of its sides are big enough:
at least MIN_PEOPLE people (MIN_RATERS people who rated, for the rating) on the variant's side
and on the control's, and for a proportion at least MIN_EXPECTED conversions and as many
non-conversions expected on each side. Below that the verdict is "too few": not significant
yet, whatever the figures look like.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

ALPHA = 0.05
# The minimum sample of each side of a comparison before it can have a verdict.
MIN_PEOPLE = 30
MIN_EXPECTED = 5
MIN_RATERS = 30


class Verdict(StrEnum):
    TOO_FEW = "too_few"  # not significant yet: too few people to tell
    NOT_SIGNIFICANT = "not_significant"  # not significant yet: adjusted p >= ALPHA
    HIGHER = "higher"  # significantly higher than the control
    LOWER = "lower"  # significantly lower than the control


@dataclass(frozen=True)
class Test:
    verdict: Verdict
    p_value: float | None  # the test's own p; None when there were too few to test
    # The p-value adjusted for the experiment's comparisons (Holm); the verdict follows it.
    adjusted_p: float | None = None
    higher: bool = False  # the variant's figure is above the control's


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
    """Values (each person's average rating): how many, their sum and their sum of squares
    (what SQL can add up)."""

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
    if min(sample.count, control.count) < MIN_RATERS:
        return Test(Verdict.TOO_FEW, None)
    assert sample.mean is not None and control.mean is not None
    error = math.sqrt(sample.variance / sample.count + control.variance / control.count)
    difference = sample.mean - control.mean
    if error == 0:  # every value the same on both sides
        return (
            Test(Verdict.NOT_SIGNIFICANT, 1.0, 1.0)
            if difference == 0
            else _decided(math.copysign(math.inf, difference))
        )
    return _decided(difference / error)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values, in the order given: the k-th smallest of m is
    multiplied by m - k + 1, never below an adjusted smaller one, and capped at 1."""
    m = len(p_values)
    found = [1.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        found[index] = running
    return found


def adjusted(tests: Sequence[Test]) -> list[Test]:
    """One experiment's tests with their verdicts on Holm-adjusted p-values. A comparison with
    too few to test still counts among the comparisons (as p = 1): the correction does not
    loosen while a variant is still small."""
    p_values = holm([1.0 if test.p_value is None else test.p_value for test in tests])
    return [
        test if test.p_value is None else _verdict(test.p_value, p, test.higher)
        for test, p in zip(tests, p_values, strict=True)
    ]


def _decided(z: float) -> Test:
    p = normal_two_sided(z)
    return _verdict(p, p, z > 0)


def _verdict(p: float, adjusted_p: float, higher: bool) -> Test:
    test = Test(Verdict.NOT_SIGNIFICANT, p, adjusted_p, higher)
    if adjusted_p >= ALPHA:
        return test
    return replace(test, verdict=Verdict.HIGHER if higher else Verdict.LOWER)

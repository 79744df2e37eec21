"""An experiment's results over a period: per variant, the people who saw it and how many of
them went on to start an intake, become a lead or be handed to a person, their average rating
(the average of each person's average, so that one person with many tickets counts once), and
for each of those whether the variant differs from the control, with the p-values of all the
experiment's comparisons adjusted together (bot/experiments/statistics).

`report` is what `/admin experiments` shows and what the web dashboard may call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.experiments.assignment import CONTROL, Experiment, split_label
from bot.experiments.statistics import Sample, Test, adjusted, two_means, two_proportions
from db.repositories.experiments import ExperimentRepository, VariantRows

# The conversions, in the order they are shown.
METRICS = ("intake", "lead", "handoff")
RATING = "rating"


@dataclass(frozen=True)
class VariantResult:
    name: str
    people: int
    conversions: dict[str, int]  # metric: people who converted after their first exposure
    ratings: Sample  # each person's average rating: its count is the people who rated
    # Against the control, per metric and RATING (Holm-adjusted over the experiment's
    # comparisons); empty for the control itself.
    tests: dict[str, Test] = field(default_factory=dict)

    def rate(self, metric: str) -> float | None:
        return self.conversions[metric] / self.people if self.people else None


@dataclass(frozen=True)
class ExperimentResult:
    name: str
    variants: list[VariantResult]  # the control first
    running: bool  # still defined (else: it ended, and only its rows are left)

    @property
    def people(self) -> int:
        return sum(variant.people for variant in self.variants)

    @property
    def comparisons(self) -> int:
        """How many comparisons the p-values are adjusted for: every variant but the control,
        on every metric and the rating."""
        return sum(len(variant.tests) for variant in self.variants)


def _variant(name: str, rows: VariantRows | None) -> VariantResult:
    if rows is None:
        return VariantResult(name, 0, dict.fromkeys(METRICS, 0), Sample(0, 0, 0))
    conversions = {"intake": rows.intakes, "lead": rows.leads, "handoff": rows.handoffs}
    ratings = Sample(rows.raters, rows.rating_sum, rows.rating_squares)
    return VariantResult(name, rows.people, conversions, ratings)


def _tests(variant: VariantResult, control: VariantResult) -> dict[str, Test]:
    """The variant against the control, each test on its own (not adjusted yet)."""
    tests = {
        metric: two_proportions(
            variant.conversions[metric],
            variant.people,
            control.conversions[metric],
            control.people,
        )
        for metric in METRICS
    }
    tests[RATING] = two_means(variant.ratings, control.ratings)
    return tests


def _compared(control: VariantResult, others: list[VariantResult]) -> list[VariantResult]:
    """The control, then the others with their tests adjusted over all of them together."""
    raw = [(variant, metric, test) for variant in others
           for metric, test in _tests(variant, control).items()]  # fmt: skip
    fair = iter(adjusted([test for _, _, test in raw]))
    tests: dict[str, dict[str, Test]] = {}
    for variant, metric, _ in raw:
        tests.setdefault(variant.name, {})[metric] = next(fair)
    return [control, *(replace(variant, tests=tests[variant.name]) for variant in others)]


def results(rows: Iterable[VariantRows], experiments: Iterable[Experiment] = ()) -> list[
    ExperimentResult
]:  # fmt: skip
    """The rows grouped by experiment: the defined ones in their order (with every variant,
    seen or not), then the ended ones that still have rows."""
    seen: dict[str, dict[str, VariantRows]] = {}
    for row in rows:
        experiment, variant = split_label(row.label)
        seen.setdefault(experiment, {})[variant] = row
    defined = {experiment.name: experiment for experiment in experiments}
    found = []
    for name in [*defined, *sorted(set(seen) - set(defined))]:
        by_variant = seen.get(name, {})
        names = [v.name for v in defined[name].variants] if name in defined else []
        names = [CONTROL, *(n for n in names if n != CONTROL)]
        names += sorted(set(by_variant) - set(names))
        control, *others = [_variant(n, by_variant.get(n)) for n in names]
        variants = _compared(control, others)
        found.append(ExperimentResult(name, variants, running=name in defined))
    return found


async def report(
    session: AsyncSession, since: datetime, until: datetime, experiments: Iterable[Experiment] = ()
) -> list[ExperimentResult]:
    """Every experiment's results over [since, until) (naive UTC); `experiments`, the defined
    ones (`KnowledgeBase.experiments()`, `prompt_experiments(...)`), are listed even before
    anyone saw them."""
    return results(await ExperimentRepository(session).variants(since, until), experiments)

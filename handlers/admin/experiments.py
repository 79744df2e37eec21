"""`/admin experiments [7d|30d]`: the A/B tests of canned answers and prompts over a period
(the last 30 days unless told): per variant the people who saw it, how many of them started an
intake, became a lead or were handed to a person, their average rating (over the people who
rated), and whether each differs from the control or is not significant yet, on p-values
adjusted for the experiment's number of comparisons (bot/experiments)."""

from __future__ import annotations

import html

from bot.consult.consultant import Consultant, prompt_experiments
from bot.experiments import CONTROL, Experiment, ExperimentResult, Test, Verdict, report
from bot.experiments.results import METRICS, RATING, VariantResult
from bot.experiments.statistics import ALPHA, MIN_EXPECTED, MIN_PEOPLE, MIN_RATERS
from bot.faq.knowledge import KnowledgeBase
from bot.kernel.i18n import Translator
from bot.stats.kpis import PERIODS, Period, parse_period
from handlers.admin.command import AdminCall, Subcommand

DEFAULT_PERIOD = "30d"
# One Telegram message holds 4096 characters: experiments go into as many as they need.
MESSAGE_LIMIT = 3800


def verdict_text(t: Translator, test: Test, metric: str) -> str:
    if test.verdict is Verdict.TOO_FEW:
        if metric == RATING:
            return t("experiments-verdict-too-few-ratings", minimum=MIN_RATERS)
        return t("experiments-verdict-too-few", minimum=MIN_PEOPLE, expected=MIN_EXPECTED)
    p = test.adjusted_p if test.adjusted_p is not None else 1.0
    relation = "&lt; 0.001" if p < 0.001 else f"= {p:.3f}"  # Telegram HTML: "<" escaped
    return t("experiments-verdict-" + test.verdict.value.replace("_", "-"), p=relation)


def _variant_lines(
    t: Translator, variant: VariantResult, weights: dict[str, int] | None
) -> list[str]:
    if weights is None:
        head = t("experiments-variant-ended", variant=html.escape(variant.name),
                 people=variant.people)  # fmt: skip
    else:
        key = "experiments-variant-control" if variant.name == CONTROL else "experiments-variant"
        head = t(key, variant=variant.name, weight=weights.get(variant.name, 0),
                 people=variant.people)  # fmt: skip
    lines = [head]
    if not variant.people:
        return lines
    for metric in METRICS:
        rate = variant.rate(metric)
        figures = {"metric": t(f"experiments-metric-{metric}"),
                   "count": variant.conversions[metric],
                   "rate": f"{100 * (rate or 0):.1f}"}  # fmt: skip
        if metric in variant.tests:
            verdict = verdict_text(t, variant.tests[metric], metric)
            lines.append(t("experiments-conversion-tested", verdict=verdict, **figures))
        else:
            lines.append(t("experiments-conversion", **figures))
    ratings = variant.ratings
    if ratings.mean is None:
        lines.append(t("experiments-rating-none"))
    else:
        figures = {"average": f"{ratings.mean:.2f}", "count": ratings.count}
        if RATING in variant.tests:
            verdict = verdict_text(t, variant.tests[RATING], RATING)
            lines.append(t("experiments-rating-tested", verdict=verdict, **figures))
        else:
            lines.append(t("experiments-rating", **figures))
    return lines


def experiment_block(t: Translator, result: ExperimentResult, defined: Experiment | None) -> str:
    key = "experiments-name" if result.running else "experiments-name-ended"
    lines = [t(key, name=html.escape(result.name), people=result.people)]
    if result.comparisons:
        lines.append(t("experiments-adjusted", comparisons=result.comparisons))
    weights = {v.name: v.weight for v in defined.variants} if defined is not None else None
    for variant in result.variants:
        lines += _variant_lines(t, variant, weights)
    return "\n".join(lines)


def messages(t: Translator, period: Period, results: list[ExperimentResult],
             defined: list[Experiment]) -> list[str]:  # fmt: skip
    """The report as Telegram messages: the title and whole experiments in each."""
    title = t("experiments-title", days=PERIODS[period.name])
    if not results:
        return [f"{title}\n\n{t('experiments-none')}"]
    by_name = {experiment.name: experiment for experiment in defined}
    rule = t("experiments-rule", people=MIN_PEOPLE, raters=MIN_RATERS, expected=MIN_EXPECTED,
             alpha=f"{ALPHA:g}")  # fmt: skip
    found, current = [], f"{title}\n{rule}"
    for result in results:
        block = experiment_block(t, result, by_name.get(result.name))
        if len(current) + len(block) + 2 > MESSAGE_LIMIT:
            found.append(current)
            current = block
        else:
            current = f"{current}\n\n{block}"
    return [*found, current]


async def experiments(call: AdminCall) -> None:
    name = parse_period(call.args[0]) if call.args else DEFAULT_PERIOD
    if name is None or len(call.args) > 1:
        await call.answer(call.t("experiments-usage"))
        return
    period = Period.named(name)
    kb: KnowledgeBase = call.data["kb"]
    consultant: Consultant = call.data["consultant"]
    defined = [*kb.experiments(), *prompt_experiments(consultant.prompts)]
    results = await report(call.session, period.since, period.until, defined)
    for text in messages(call.t, period, results, defined):
        await call.answer(text)


SUBCOMMANDS = [Subcommand("experiments", experiments)]

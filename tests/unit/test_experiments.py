"""Experiments without Telegram: the stable assignment and its weights, the statistics against
known values, the variants' validation in the knowledge base and the prompts, the prompt a
person gets, and the results grouped by experiment."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.consult import consultant
from bot.consult.consultant import chosen_prompt, exposure, prompt_experiments
from bot.experiments import CONTROL, Experiment, ExperimentError, Variant, Verdict
from bot.experiments.assignment import split_label
from bot.experiments.results import results
from bot.experiments.statistics import (
    MIN_PEOPLE,
    MIN_RATERS,
    Sample,
    adjusted,
    holm,
    normal_two_sided,
    two_means,
    two_proportions,
)
from bot.experiments.statistics import Test as Outcome  # not a pytest class
from bot.faq.knowledge import KnowledgeBaseError, load_knowledge_base
from bot.kernel.i18n import I18n
from bot.stats.kpis import Period
from db.repositories.experiments import VariantRows
from handlers.admin import experiments as admin_report
from llm.prompts import PROMPTS_DIR, PromptError, load_prompts

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
HALVES = Experiment.with_control("faq.pricing.overview", {"b": 50})


# ------------------------------------------------------------------------- assignment


def test_the_same_person_always_gets_the_same_variant() -> None:
    again = Experiment.with_control("faq.pricing.overview", {"b": 50})
    for person in range(1000, 1100):
        assert HALVES.assign(person) == HALVES.assign(person) == again.assign(person)


def test_another_process_assigns_the_same(tmp_path: Path) -> None:
    """A replica or a restart (another hash seed for str) deals nobody again."""
    code = (
        "from bot.experiments import Experiment\n"
        "e = Experiment.with_control('faq.pricing.overview', {'b': 50})\n"
        "print(''.join(e.assign(p).name for p in range(3001, 3101)))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.strip()  # fmt: skip
    assert out == "".join(HALVES.assign(p).name for p in range(3001, 3101))


def test_the_hash_is_pinned() -> None:
    """Changing the hash or its key would move people between variants mid-experiment."""
    assert "".join(HALVES.assign(p).name for p in range(3001, 3013)) == "abbabbaaabab"


@pytest.mark.parametrize(
    "weights", [{"b": 50}, {"b": 10}, {"b": 20, "c": 10}, {"short": 34, "long": 33}]
)
def test_ten_thousand_people_split_by_the_weights(weights: dict[str, int]) -> None:
    experiment = Experiment.with_control("prompt.project_consultation", weights)
    counts = Counter(experiment.assign(person).name for person in range(10**8, 10**8 + 10_000))
    assert set(counts) == {CONTROL, *weights}
    for variant in experiment.variants:
        # Within four standard deviations of the binomial count (about 2 points at 50%).
        share = variant.weight / 100
        assert (
            abs(counts[variant.name] - 10_000 * share) < 4 * (10_000 * share * (1 - share)) ** 0.5
        )


def test_experiments_deal_independently() -> None:
    other = Experiment.with_control("faq.pricing.hourly_rate", {"b": 50})
    people = range(500_000, 510_000)
    both = sum(HALVES.assign(p).name == other.assign(p).name == "b" for p in people)
    assert abs(both - 2500) < 4 * (10_000 * 0.25 * 0.75) ** 0.5


def test_the_control_keeps_what_the_variants_leave() -> None:
    experiment = Experiment.with_control("faq.x", {"b": 20, "c": 30})
    assert experiment.variants == (Variant("a", 50), Variant("b", 20), Variant("c", 30))
    assert experiment.label("c") == "faq.x:c"
    assert split_label("faq.pricing.overview:b") == ("faq.pricing.overview", "b")


@pytest.mark.parametrize(
    ("weights", "problem"),
    [
        ({"a": 50}, "variant name 'a'"),
        ({"B": 50}, "variant name 'B'"),
        ({"b": 0}, "weight must be a whole percent"),
        ({"b": 100}, "weight must be a whole percent"),
        ({"b": 50.5}, "weight must be a whole percent"),
        ({"b": 60, "c": 40}, "more than 99 percent"),
    ],
)
def test_bad_weights_are_refused(weights: dict[str, int], problem: str) -> None:
    with pytest.raises(ExperimentError, match=problem):
        Experiment.with_control("faq.x", weights)


# ------------------------------------------------------------------------- statistics


def test_normal_tail_at_the_textbook_critical_values() -> None:
    assert normal_two_sided(0) == 1
    assert normal_two_sided(1.959964) == pytest.approx(0.05, abs=1e-6)
    assert normal_two_sided(-2.575829) == pytest.approx(0.01, abs=1e-6)


@pytest.mark.parametrize(
    ("counts", "verdict", "p"),
    [
        ((130, 1000, 100, 1000), Verdict.HIGHER, 0.035488),  # z = 2.1027
        ((45, 200, 30, 200), Verdict.NOT_SIGNIFICANT, 0.054664),  # z = 1.9215
        ((60, 500, 55, 500), Verdict.NOT_SIGNIFICANT, 0.620162),  # z = 0.4956
        ((18, 40, 30, 40), Verdict.LOWER, 0.006170),  # z = -2.7386
    ],
)
def test_two_proportions_against_known_values(
    counts: tuple[int, int, int, int], verdict: Verdict, p: float
) -> None:
    test = two_proportions(*counts)
    assert test.verdict is verdict
    assert test.p_value == pytest.approx(p, abs=1e-6)
    assert test.adjusted_p == test.p_value  # a single comparison is its own adjustment


def test_too_few_people_is_not_significant_yet_however_large_the_difference() -> None:
    assert two_proportions(20, MIN_PEOPLE - 1, 0, 500).verdict is Verdict.TOO_FEW
    assert two_proportions(0, 500, 20, MIN_PEOPLE - 1).verdict is Verdict.TOO_FEW
    # Enough people, but too few conversions expected for the normal approximation.
    assert two_proportions(3, 1000, 0, 1000).verdict is Verdict.TOO_FEW
    assert two_proportions(1000, 1000, 997, 1000).verdict is Verdict.TOO_FEW
    assert two_proportions(20, MIN_PEOPLE, 5, MIN_PEOPLE).verdict is Verdict.HIGHER


def sample(ratings: list[int]) -> Sample:
    return Sample(len(ratings), sum(ratings), sum(r * r for r in ratings))


def test_two_means_against_a_known_value() -> None:
    better = sample([5] * 20 + [4] * 15 + [3] * 5)  # mean 4.375
    control = sample([5] * 12 + [4] * 18 + [3] * 6 + [1] * 4)  # mean 3.85
    test = two_means(better, control)
    assert better.mean == 4.375 and control.mean == 3.85
    assert test.verdict is Verdict.HIGHER and test.p_value == pytest.approx(0.014862, abs=1e-6)
    assert two_means(control, better).verdict is Verdict.LOWER
    assert two_means(sample([5] * 29), sample([1] * 40)).verdict is Verdict.TOO_FEW
    assert two_means(sample([4] * 40), sample([4] * 40)).verdict is Verdict.NOT_SIGNIFICANT
    assert two_means(sample([5] * 40), sample([4] * 40)).verdict is Verdict.HIGHER


# ------------------------------------------------------------------------- the correction


def test_holm_against_hand_computed_values() -> None:
    # Sorted: 0.01 x 4 = 0.04; 0.03 x 3 = 0.09; 0.04 x 2 = 0.08, raised to the 0.09 before it;
    # 0.20 x 1 = 0.20. Given back in the order given.
    assert holm([0.01, 0.04, 0.03, 0.20]) == pytest.approx([0.04, 0.09, 0.09, 0.20])
    assert holm([0.5, 0.001, 0.3]) == pytest.approx([0.6, 0.003, 0.6])  # capped by the max
    assert holm([0.4, 0.4, 0.01]) == pytest.approx([0.8, 0.8, 0.03])  # ties
    assert holm([0.3, 0.9]) == pytest.approx([0.6, 0.9])
    assert holm([0.6, 0.9]) == [1.0, 1.0]  # never above 1
    assert holm([0.03]) == [0.03] and holm([]) == []


def raw(p: float, higher: bool = True) -> Outcome:
    """A test's result on its own, as two_proportions gives it: its verdict on its own p."""
    verdict = Verdict.NOT_SIGNIFICANT if p >= 0.05 else Verdict.HIGHER if higher else Verdict.LOWER
    return Outcome(verdict, p, p, higher)


def test_a_raw_p_of_003_is_no_longer_significant_among_four_comparisons() -> None:
    intake, lead, handoff, rating = adjusted([raw(0.03), raw(0.2), raw(0.25), raw(0.7)])
    assert raw(0.03).verdict is Verdict.HIGHER  # on its own
    assert intake.verdict is Verdict.NOT_SIGNIFICANT
    assert (intake.p_value, intake.adjusted_p) == (0.03, pytest.approx(0.12))
    assert [t.adjusted_p for t in (lead, handoff, rating)] == pytest.approx([0.6, 0.6, 0.7])
    # Strong enough to survive the correction, in either direction.
    first, second, *_ = adjusted([raw(0.001), raw(0.01, higher=False), raw(0.6), raw(0.7)])
    assert (first.verdict, first.adjusted_p) == (Verdict.HIGHER, pytest.approx(0.004))
    assert (second.verdict, second.adjusted_p) == (Verdict.LOWER, pytest.approx(0.03))


def test_comparisons_with_too_few_still_count_in_the_correction() -> None:
    """A variant still too small to test does not make the others' correction looser."""
    too_few = Outcome(Verdict.TOO_FEW, None)
    tested, *rest = adjusted([raw(0.02), too_few, too_few, too_few])
    assert (tested.verdict, tested.adjusted_p) == (Verdict.NOT_SIGNIFICANT, pytest.approx(0.08))
    assert rest == [too_few] * 3


# ------------------------------------------------------------------------- results


def test_results_group_by_experiment_list_defined_ones_and_test_against_the_control() -> None:
    rows = [
        VariantRows("faq.pricing.overview:b", 400, 80, 40, 20, 30, 120, 500),
        VariantRows("faq.pricing.overview:a", 400, 50, 38, 21),
        VariantRows("faq.old_one:a", 3, 1, 0, 0),
    ]
    prompt = Experiment.with_control("prompt.project_consultation", {"short": 50})
    found = results(rows, [HALVES, prompt])
    assert [(r.name, r.running, r.people) for r in found] == [
        ("faq.pricing.overview", True, 800),
        ("prompt.project_consultation", True, 0),
        ("faq.old_one", False, 3),
    ]
    control, variant = found[0].variants
    assert (control.name, control.tests) == ("a", {})
    assert variant.rate("intake") == 0.2 and variant.ratings.mean == 4.0
    assert variant.tests["intake"].verdict is Verdict.HIGHER  # 20% against 12.5%
    assert variant.tests["lead"].verdict is Verdict.NOT_SIGNIFICANT
    assert variant.tests["rating"].verdict is Verdict.TOO_FEW  # the control has no ratings
    assert [v.name for v in found[1].variants] == ["a", "short"]
    assert [v.people for v in found[1].variants] == [0, 0]


def test_a_raw_p_of_0035_in_a_report_is_no_longer_significant() -> None:
    """13% against 10% of a thousand: p = 0.035 on its own, 0.142 among the four comparisons."""
    rows = [VariantRows("faq.x:a", 1000, 100, 50, 50), VariantRows("faq.x:b", 1000, 130, 50, 50)]
    (experiment,) = results(rows)
    assert experiment.comparisons == 4
    test = experiment.variants[1].tests["intake"]
    assert test.p_value == pytest.approx(0.035488, abs=1e-6)
    assert test.adjusted_p == pytest.approx(4 * 0.035488, abs=1e-5)
    assert test.verdict is Verdict.NOT_SIGNIFICANT and test.higher


def test_every_variant_and_metric_of_an_experiment_is_one_family() -> None:
    """Two variants, eight comparisons: c's intakes (16% against 10%, p = 0.00007) are the
    smallest p, times 8, and stay significant; b's (13%, p = 0.035) come next, times 7, and
    do not. The others equal the control (p = 1), the ratings too few (counted as p = 1)."""
    rows = [
        VariantRows("faq.x:a", 1000, 100, 50, 50),
        VariantRows("faq.x:b", 1000, 130, 50, 50),
        VariantRows("faq.x:c", 1000, 160, 50, 50),
    ]
    (experiment,) = results(rows)
    assert experiment.comparisons == 8
    _, b, c = experiment.variants
    assert c.tests["intake"].p_value == pytest.approx(
        two_proportions(160, 1000, 100, 1000).p_value
    )
    assert c.tests["intake"].adjusted_p == pytest.approx(8 * c.tests["intake"].p_value)
    assert c.tests["intake"].verdict is Verdict.HIGHER
    assert b.tests["intake"].adjusted_p == pytest.approx(7 * 0.035488, abs=1e-5)
    assert b.tests["intake"].verdict is Verdict.NOT_SIGNIFICANT
    for variant in (b, c):
        assert [variant.tests[m].adjusted_p for m in ("lead", "handoff")] == [1.0, 1.0]
        assert variant.tests["rating"].verdict is Verdict.TOO_FEW


def test_the_minimum_sample_applies_to_each_comparison() -> None:
    """c has one person fewer than the minimum: none of its comparisons has a verdict, however
    large its difference, while b, big enough on both sides, has its own."""
    rows = [
        VariantRows("faq.x:a", 1000, 100, 50, 50),
        VariantRows("faq.x:b", 1000, 200, 50, 50),
        VariantRows("faq.x:c", MIN_PEOPLE - 1, MIN_PEOPLE - 1, MIN_PEOPLE - 1, 0),
    ]
    (experiment,) = results(rows)
    _, b, c = experiment.variants
    assert b.tests["intake"].verdict is Verdict.HIGHER
    assert {test.verdict for test in c.tests.values()} == {Verdict.TOO_FEW}
    assert all(test.adjusted_p is None for test in c.tests.values())
    # The rating's minimum counts the people who rated, on each side.
    enough = sample([5] * MIN_RATERS)
    short = sample([4] * (MIN_RATERS - 1))
    assert two_means(enough, short).verdict is Verdict.TOO_FEW
    assert two_means(short, enough).verdict is Verdict.TOO_FEW
    assert two_means(enough, sample([4] * MIN_RATERS)).verdict is Verdict.HIGHER


# ------------------------------------------------------------------------- definitions


@pytest.fixture
def locales_copy(tmp_path: Path) -> Path:
    shutil.copytree(LOCALES, tmp_path / "locales")
    return tmp_path / "locales"


def edit_overview(locales: Path, language: str, change: dict[str, object] | None) -> None:
    path = locales / language / "kb" / "pricing.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if change is None:
        data["pricing.overview"].pop("variants")
    else:
        data["pricing.overview"]["variants"] = change
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_the_shipped_answer_experiment_has_both_languages() -> None:
    kb = load_knowledge_base(LOCALES)
    assert kb.experiments() == [HALVES]
    for language in ("en", "ru"):
        entry = kb.entry(language, "pricing.overview")
        (variant,) = entry.variants
        assert variant.answer != entry.answer and "<b>" in variant.answer
    person_b = next(p for p in range(3001, 3100) if HALVES.assign(p).name == "b")
    assert (
        kb.answer("ru", "pricing.overview", person_b)
        == kb.entry("ru", "pricing.overview").variants[0].answer
    )
    assert kb.answer("ru", "pricing.overview") == kb.entry("ru", "pricing.overview").answer
    assert kb.variant_of("pricing.overview", person_b) == "faq.pricing.overview:b"
    assert kb.variant_of("pricing.hourly_rate", person_b) is None  # under no experiment


@pytest.mark.parametrize(
    ("language", "change", "problem"),
    [
        ("ru", None, r"ru/kb: pricing.overview: variants \{\} differ from the en ones"),
        ("ru", {"b": {"weight": 40, "answer": "Цены"}}, r"ru/kb: pricing.overview: variants"),
        ("en", {"b": {"weight": 50}}, r"variants: b: expected exactly a weight and an answer"),
        ("en", {"b": {"weight": 50, "answer": "<p>x</p>"}}, r"variants: b: answer: tag <p>"),
        ("en", {"b": {"weight": 150, "answer": "x"}}, r"variants: variant b: weight must be"),
        ("en", {"a": {"weight": 50, "answer": "x"}}, r"variants: variant name 'a'"),
        ("en", ["b"], r"variants: expected a mapping"),
    ],
)
def test_a_bad_answer_variant_stops_loading_with_one_line(
    locales_copy: Path, language: str, change: object, problem: str
) -> None:
    edit_overview(locales_copy, language, change)  # type: ignore[arg-type]
    with pytest.raises(KnowledgeBaseError, match=problem) as raised:
        load_knowledge_base(locales_copy)
    assert "\n" not in str(raised.value)
    assert "pricing.yaml" in str(raised.value) or "kb: pricing.overview" in str(raised.value)


def test_a_flow_intent_has_no_variants(locales_copy: Path) -> None:
    path = locales_copy / "en" / "kb" / "conversational.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["flow.start_project"]["variants"] = {"b": {"weight": 50, "answer": "x"}}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(
        KnowledgeBaseError,
        match=r"en/kb/.*: flow\.start_project: variants: only an answer the bot shows",
    ):
        load_knowledge_base(locales_copy)


def test_the_shipped_prompt_experiment_and_the_prompt_a_person_gets() -> None:
    prompts = load_prompts()
    (experiment,) = prompt_experiments(prompts)
    assert experiment == Experiment.with_control("prompt.project_consultation", {"short": 50})
    short = prompts["project_consultation.short"]
    assert short.id.startswith("project_consultation@") and short.id.endswith("+short")
    assert "Mode: project consultation, short style" in short.render("ru")
    assert short.render("ru").startswith("You are DevBot")  # the base persona still first
    for person in range(3001, 3030):
        chosen = chosen_prompt(prompts, "project_consultation", person)
        variant = experiment.assign(person).name
        assert chosen is (short if variant == "short" else prompts["project_consultation"])
        assert exposure(prompts, chosen) == f"prompt.project_consultation:{variant}"
    assert chosen_prompt(prompts, "project_consultation", None) is prompts["project_consultation"]
    assert exposure(prompts, prompts["technical_support"]) is None  # under no experiment


def copy_prompts(tmp_path: Path) -> Path:
    directory = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, directory, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return directory


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("variant_of: nothing_here\nweight: 50", "variant_of must name a template"),
        ("variant_of: project_consultation\nweight: 0", "weight must be a whole percent"),
        ("variant_of: project_consultation\nweight: 60", "add up to more than 99 percent"),
    ],
)
def test_a_bad_prompt_variant_stops_loading(tmp_path: Path, front: str, problem: str) -> None:
    directory = copy_prompts(tmp_path)
    name = "project_consultation.extra"
    (directory / f"{name}.md").write_text(
        f"---\nname: {name}\nversion: 1\nextends: base\n{front}\n---\nMode: extra.\n"
    )
    with pytest.raises(PromptError, match=problem):
        load_prompts(directory)


def test_a_prompt_variant_file_must_be_named_after_its_template(tmp_path: Path) -> None:
    directory = copy_prompts(tmp_path)
    (directory / "shorter.md").write_text(
        "---\nname: shorter\nversion: 1\nvariant_of: base\nweight: 10\n---\nBe short.\n"
    )
    with pytest.raises(PromptError, match=r"a variant's file is base\.NAME\.md"):
        load_prompts(directory)


def test_a_bad_prompt_variant_stops_start_up_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = copy_prompts(tmp_path)
    (directory / "project_consultation.terse.md").write_text(
        "---\nname: project_consultation.terse\nversion: 1\nextends: base\n"
        "variant_of: project_consultation\nweight: 75\n---\nMode: terse.\n"
    )
    monkeypatch.setattr(consultant, "load_prompts", lambda: load_prompts(directory))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["demo"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"configuration error: {directory / 'project_consultation'}.md: its variants' weights"
        " add up to more than 99 percent"
    ]


def test_the_admin_report_says_when_there_is_nothing_and_splits_long_ones() -> None:
    t = I18n(LOCALES).get("en")
    period = Period.named("7d")
    (nothing,) = admin_report.messages(t, period, [], [])
    assert nothing.endswith("No experiment is defined, and no variant was shown in this period.")
    many = [Experiment.with_control(f"faq.topic_{n}", {"b": 30, "c": 20}) for n in range(40)]
    rows = [VariantRows(f"{e.name}:{v.name}", 50, 10, 5, 2, 3, 12, 50)
            for e in many for v in e.variants]  # fmt: skip
    texts = admin_report.messages(t, period, results(rows, many), many)
    assert len(texts) > 1 and all(len(text) <= 4096 for text in texts)
    assert texts[0].startswith("<b>Experiments</b> over the last 7 days")
    joined = "\n\n".join(texts)
    assert all(f"<b>faq.topic_{n}</b>: 150 people" in joined for n in range(40))
    # The rule once, at the top; the correction under every experiment (b and c: 2 x 4).
    assert joined.count("a verdict counts only once the variant and the control each have at"
                        " least 30 people (for the rating, 30 people who rated") == 1  # fmt: skip
    assert "not significant yet" in texts[0].split("\n")[1]
    assert joined.count("p-values adjusted for 8 comparisons") == 40
    assert all(text.count("<b>") == text.count("</b>") for text in texts)  # blocks stay whole


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["not significant yet (adjusted p = 0.120)",
                "⬆️ significantly higher than the control (adjusted p = 0.004)",
                "⬇️ significantly lower than the control (adjusted p &lt; 0.001)",
                "not significant yet: too few people who rated (at least 30 on each side)"]),
        ("ru", ["пока незначимо (p с поправкой = 0.120)",
                "⬆️ значимо выше контрольного (p с поправкой = 0.004)",
                "⬇️ значимо ниже контрольного (p с поправкой &lt; 0.001)",
                "пока незначимо: мало оценивших (нужно не меньше 30 с каждой стороны)"]),
    ],
)  # fmt: skip
def test_the_admin_text_shows_the_adjusted_p_value(language: str, expected: list[str]) -> None:
    t = I18n(LOCALES).get(language)
    shown = [
        admin_report.verdict_text(t, adjusted([raw(0.03), raw(0.2), raw(0.25), raw(0.7)])[0],
                                  "intake"),
        admin_report.verdict_text(t, Outcome(Verdict.HIGHER, 0.001, 0.004, True), "lead"),
        admin_report.verdict_text(t, Outcome(Verdict.LOWER, 1e-6, 4e-6, False), "handoff"),
        admin_report.verdict_text(t, Outcome(Verdict.TOO_FEW, None), "rating"),
    ]  # fmt: skip
    assert shown == expected

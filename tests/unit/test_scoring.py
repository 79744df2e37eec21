"""Lead scoring: the documented default rule, its boundaries and YAML overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.intake.leads import LeadForm
from bot.intake.scoring import (
    DEFAULT_RULE,
    Budget,
    ProjectType,
    Timeline,
    load_rule,
    score,
)
from db.models import LeadScore

DETAILED = "We run a dozen services on VMs and want them on Kubernetes with CI/CD. " * 3
SHORT = "Need help with a website"


def form(
    budget: Budget = Budget.NOT_SURE,
    timeline: Timeline = Timeline.EXPLORING,
    *,
    description: str = SHORT,
    company: str | None = None,
    phone: str | None = None,
) -> LeadForm:
    return LeadForm(
        project_type=ProjectType.DEVOPS,
        description=description,
        timeline=timeline,
        budget=budget,
        name="Ann",
        email="ann@example.com",
        company=company,
        phone=phone,
        source=None,
        language="en",
        entities={},
    )


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        # the largest, most urgent, complete lead: 40 + 25 + 10 + 10 + 5
        (form(Budget.OVER_150K, Timeline.URGENT, description=DETAILED, company="Acme",
              phone="+372 5555 5555"), (LeadScore.HOT, 90)),
        # exactly hot_at: 30 + 20 + 10 + 10
        (form(Budget.FROM_50K, Timeline.NORMAL, description=DETAILED, company="Acme"),
         (LeadScore.HOT, 70)),
        # one point under hot: 30 + 20 + 10 + 5 = 65
        (form(Budget.FROM_50K, Timeline.NORMAL, company="Acme", phone="+1 555 0100"),
         (LeadScore.WARM, 65)),
        # the answers alone, mid-sized and normal: 30 + 20
        (form(Budget.FROM_50K, Timeline.NORMAL), (LeadScore.WARM, 50)),
        # exactly warm_at: 20 + 10 + 10
        (form(Budget.FROM_10K, Timeline.FLEXIBLE, company="Acme"), (LeadScore.WARM, 40)),
        # just under warm: 20 + 10 + 5 = 35
        (form(Budget.FROM_10K, Timeline.FLEXIBLE, phone="+1 555 0100"), (LeadScore.COLD, 35)),
        # small, exploring, anonymous
        (form(Budget.UNDER_10K, Timeline.EXPLORING), (LeadScore.COLD, 5)),
        (form(Budget.NOT_SURE, Timeline.EXPLORING), (LeadScore.COLD, 10)),
    ],
)  # fmt: skip
def test_default_rule(lead: LeadForm, expected: tuple[LeadScore, int]) -> None:
    assert score(lead) == expected


def test_blank_company_and_phone_and_padded_description_earn_nothing() -> None:
    padded = form(description="x" * 20 + " " * 200, company="  ", phone="")
    assert score(padded) == (LeadScore.COLD, 10)


def test_description_threshold_is_inclusive() -> None:
    exactly = form(description="x" * DEFAULT_RULE.description_min_chars)
    below = form(description="x" * (DEFAULT_RULE.description_min_chars - 1))
    assert score(exactly)[1] - score(below)[1] == DEFAULT_RULE.description_points


def test_every_bracket_has_points() -> None:
    assert set(DEFAULT_RULE.budget_points) == set(Budget)
    assert set(DEFAULT_RULE.timeline_points) == set(Timeline)


def test_no_file_is_the_default_rule() -> None:
    assert load_rule(None) is DEFAULT_RULE


def test_yaml_overrides_a_subset(tmp_path: Path) -> None:
    path = tmp_path / "scoring.yaml"
    path.write_text(
        "budget_points: {gt150k: 50, lt10k: 0}\ntimeline_points:\n  exploring: 5\nhot_at: 80\n",
        encoding="utf-8",
    )
    rule = load_rule(path)
    assert rule.budget_points[Budget.OVER_150K] == 50
    assert rule.budget_points[Budget.UNDER_10K] == 0
    assert rule.budget_points[Budget.FROM_50K] == 30  # not named: the default
    assert rule.timeline_points[Timeline.EXPLORING] == 5
    assert rule.hot_at == 80
    assert rule.warm_at == DEFAULT_RULE.warm_at
    # 50 + 25 + 10 = 85 under the file, 40 + 25 + 10 = 75 under the defaults
    lead = form(Budget.OVER_150K, Timeline.URGENT, company="Acme")
    assert score(lead, rule) == (LeadScore.HOT, 85)
    assert score(lead) == (LeadScore.HOT, 75)
    # 40 + 25 = 65: warm either way; 50 + 25 = 75 would be hot under the defaults, not at 80
    assert score(form(Budget.OVER_150K, Timeline.URGENT), rule) == (LeadScore.WARM, 75)


def test_override_changes_the_level(tmp_path: Path) -> None:
    path = tmp_path / "scoring.yaml"
    path.write_text("warm_at: 5\n", encoding="utf-8")
    assert score(form(Budget.UNDER_10K), load_rule(path)) == (LeadScore.WARM, 5)


def test_empty_file_is_the_default_rule(tmp_path: Path) -> None:
    path = tmp_path / "scoring.yaml"
    path.write_text("# nothing to change\n", encoding="utf-8")
    assert load_rule(path) == DEFAULT_RULE


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("hot_points: 70\n", r"scoring\.yaml: unknown key 'hot_points'"),
        ("hot_at: seventy\n", r"scoring\.yaml: hot_at must be a whole number"),
        ("hot_at: yes\n", r"scoring\.yaml: hot_at must be a whole number"),
        ("phone_points: 2.5\n", r"scoring\.yaml: phone_points must be a whole number"),
        ("budget_points: {huge: 99}\n", r"scoring\.yaml: budget_points\.huge: unknown bracket"),
        ("timeline_points: {urgent: lots}\n", r"scoring\.yaml: timeline_points\.urgent must"),
        ("budget_points: 40\n", r"scoring\.yaml: budget_points must be a mapping"),
        ("warm_at: 90\n", r"scoring\.yaml: warm_at \(90\) is above hot_at \(70\)"),
        ("- hot_at\n", r"scoring\.yaml: expected a mapping"),
        ("hot_at: [1\n", r"scoring\.yaml: cannot read"),
    ],
)
def test_bad_file_names_the_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "scoring.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_rule(path)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"absent\.yaml: cannot read"):
        load_rule(tmp_path / "absent.yaml")


def test_rule_is_immutable() -> None:
    with pytest.raises(TypeError):
        DEFAULT_RULE.budget_points[Budget.OVER_150K] = 1  # type: ignore[index]

"""Lead scoring: how promising a finished project intake is, as points and hot / warm / cold.

The rule (DEFAULT_RULE; an operator can override any part of it with a YAML file):

- Budget bracket the client picked: $150K+ 40 points, $50K–$150K 30, $10K–$50K 20, under $10K 5,
  "not sure" 10 (an undecided budget is a better sign than a small one: it is still open).
- Timeline: urgent 25, normal 20, flexible 10, just exploring 0.
- Company name given: 10. A detailed description (at least 150 characters): 10. Phone given: 5.
- 70 points or more is HOT (the agents' group is pinged), 40 or more WARM, anything less COLD.

The most a lead can get is 90. A large, urgent, complete lead is hot (40 + 25 + 10 + 10 + 5);
a $50K–$150K project on a normal timeline is warm on the answers alone (50) and hot once the
client adds a company and a detailed description (70); a small, exploring, anonymous lead is
cold (5). Only the client's own answers count: the technologies and amounts read from the
description are shown to the agents but do not change the score, so that the score is easy to
explain to a client and an agent alike.

Overriding: a YAML file with any subset of the ScoringRule fields below; brackets not named in
`budget_points` or `timeline_points` keep their default points, e.g.

    budget_points: {gt150k: 50, lt10k: 0}
    description_min_chars: 200
    hot_at: 75
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from db.models import LeadScore


class ProjectType(StrEnum):
    DEVOPS = "devops"
    CUSTOM_APP = "custom_app"
    CLOUD = "cloud"
    INTEGRATION = "integration"
    OTHER = "other"


class Timeline(StrEnum):
    URGENT = "urgent"
    NORMAL = "normal"
    FLEXIBLE = "flexible"
    EXPLORING = "exploring"


class Budget(StrEnum):
    UNDER_10K = "lt10k"
    FROM_10K = "10k_50k"
    FROM_50K = "50k_150k"
    OVER_150K = "gt150k"
    NOT_SURE = "not_sure"


def _budget_defaults() -> Mapping[Budget, int]:
    return MappingProxyType(
        {
            Budget.OVER_150K: 40,
            Budget.FROM_50K: 30,
            Budget.FROM_10K: 20,
            Budget.UNDER_10K: 5,
            Budget.NOT_SURE: 10,
        }
    )


def _timeline_defaults() -> Mapping[Timeline, int]:
    return MappingProxyType(
        {Timeline.URGENT: 25, Timeline.NORMAL: 20, Timeline.FLEXIBLE: 10, Timeline.EXPLORING: 0}
    )


@dataclass(frozen=True)
class ScoringRule:
    """Points per answer and the thresholds; the field names are the YAML keys."""

    budget_points: Mapping[Budget, int] = field(default_factory=_budget_defaults)
    timeline_points: Mapping[Timeline, int] = field(default_factory=_timeline_defaults)
    company_points: int = 10
    description_points: int = 10
    description_min_chars: int = 150  # what counts as a detailed description
    phone_points: int = 5
    hot_at: int = 70
    warm_at: int = 40


DEFAULT_RULE = ScoringRule()

_MAPPINGS: dict[str, type[StrEnum]] = {"budget_points": Budget, "timeline_points": Timeline}


@dataclass(frozen=True)
class LeadForm:
    """A finished intake, as the wizard collected it."""

    project_type: ProjectType
    description: str
    timeline: Timeline
    budget: Budget
    name: str
    email: str
    company: str | None
    phone: str | None
    source: str | None  # the deep-link source the user arrived with
    language: str  # the bot language the intake ran in
    entities: dict[str, Any]  # extract_entities(description).to_dict()


def score(form: LeadForm, rule: ScoringRule = DEFAULT_RULE) -> tuple[LeadScore, int]:
    """The lead's level and points under `rule`."""
    points = rule.budget_points.get(form.budget, 0) + rule.timeline_points.get(form.timeline, 0)
    if form.company and form.company.strip():
        points += rule.company_points
    if len(form.description.strip()) >= rule.description_min_chars:
        points += rule.description_points
    if form.phone and form.phone.strip():
        points += rule.phone_points
    if points >= rule.hot_at:
        return LeadScore.HOT, points
    if points >= rule.warm_at:
        return LeadScore.WARM, points
    return LeadScore.COLD, points


def load_rule(path: Path | None) -> ScoringRule:
    """DEFAULT_RULE, or DEFAULT_RULE with the fields a YAML file sets.

    A file that cannot be read, is not a mapping, names an unknown key or bracket, or gives a
    value that is not a whole number raises ValueError naming the file and the key, so a typo
    stops the start-up instead of silently scoring with the defaults.
    """
    if path is None:
        return DEFAULT_RULE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ValueError(f"{path}: cannot read the scoring rule: {error}") from error
    if data is None:  # an empty file: nothing overridden
        return DEFAULT_RULE
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of ScoringRule fields")
    known = {f.name for f in fields(ScoringRule)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ValueError(f"{path}: unknown key {key!r} (expected one of {sorted(known)})")
        if key in _MAPPINGS:
            changes[key] = _merge_points(path, key, value, getattr(DEFAULT_RULE, key))
        else:
            changes[key] = _whole_number(path, key, value)
    rule = replace(DEFAULT_RULE, **changes)
    if rule.warm_at > rule.hot_at:
        raise ValueError(f"{path}: warm_at ({rule.warm_at}) is above hot_at ({rule.hot_at})")
    if rule.description_min_chars < 0:
        raise ValueError(f"{path}: description_min_chars must not be negative")
    return rule


def _merge_points(
    path: Path, key: str, value: Any, defaults: Mapping[Any, int]
) -> Mapping[Any, int]:
    if not isinstance(value, dict):
        raise ValueError(f"{path}: {key} must be a mapping of bracket to points")
    enum_cls = _MAPPINGS[key]
    merged = dict(defaults)
    for bracket, points in value.items():
        try:
            member = enum_cls(str(bracket))
        except ValueError:
            names = [m.value for m in enum_cls]
            raise ValueError(
                f"{path}: {key}.{bracket}: unknown bracket (expected one of {names})"
            ) from None
        merged[member] = _whole_number(path, f"{key}.{bracket}", points)
    return MappingProxyType(merged)


def _whole_number(path: Path, key: str, value: Any) -> int:
    # bool is an int in Python; `hot_at: yes` is a typo, not 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{path}: {key} must be a whole number, not {value!r}")
    return value

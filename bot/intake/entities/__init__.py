"""Entities in a client's message, English and Russian: budget, timeline and technologies.

For example, extract_entities("Need a k8s cluster on AWS ASAP, budget $50K").to_dict() is
    {"budget": {"amount": 50000, "currency": "USD", "max": None, "text": "$50K"},
     "timeline": {"category": "urgent", "date": None, "text": "ASAP"},
     "technologies": ["Kubernetes", "AWS"]}

A 300-character message takes a fraction of a millisecond. The text is normalised once, keeping
every character where it was, so every match maps back to the user's own words (text.py). Budget
and timeline read a copy where misspelt keywords are corrected ("budjet", "urgnet", "срочна") and
stretched letters squeezed ("срооочно"). Each concern has its module, which says how it decides:
budget.py, timeline.py, technologies.py (with the curated list in technologies.yaml).
"""

from __future__ import annotations

from datetime import date

from bot.intake.entities.budget import extract_budget, find_budget
from bot.intake.entities.catalog import (
    TECHNOLOGIES_FILE,
    TechnologyCatalog,
    load_technologies,
    technology_names,
)
from bot.intake.entities.model import Budget, Entities, Timeline, TimelineCategory
from bot.intake.entities.technologies import extract_technologies, find_technologies
from bot.intake.entities.text import prepare
from bot.intake.entities.timeline import extract_timeline, find_timeline

__all__ = [
    "TECHNOLOGIES_FILE",
    "Budget",
    "Entities",
    "TechnologyCatalog",
    "Timeline",
    "TimelineCategory",
    "extract_budget",
    "extract_entities",
    "extract_technologies",
    "extract_timeline",
    "load_technologies",
    "technology_names",
]


def extract_entities(text: str, *, today: date | None = None) -> Entities:
    """Budget, timeline and technologies mentioned in `text`; `today` anchors relative dates."""
    prepared = prepare(text)
    return Entities(
        budget=find_budget(prepared),
        timeline=find_timeline(prepared, today or date.today()),
        technologies=find_technologies(prepared),
    )

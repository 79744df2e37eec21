"""What extraction returns: plain frozen values that turn into JSON with `to_dict`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class TimelineCategory(StrEnum):
    URGENT = "urgent"
    NORMAL = "normal"
    FLEXIBLE = "flexible"
    EXPLORING = "exploring"


@dataclass(frozen=True)
class Budget:
    amount: int  # the amount, or the lower bound of a range
    currency: str  # ISO 4217: USD, EUR, RUB, GBP
    max: int | None = None  # the upper bound of a range
    text: str = ""  # the user's own words it was read from

    def to_dict(self) -> dict[str, Any]:
        return {
            "amount": self.amount,
            "currency": self.currency,
            "max": self.max,
            "text": self.text,
        }


@dataclass(frozen=True)
class Timeline:
    category: TimelineCategory
    date: date | None = None  # the deadline, when one was given or follows from the words
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category.value,
            "date": self.date.isoformat() if self.date else None,
            "text": self.text,
        }


@dataclass(frozen=True)
class Entities:
    budget: Budget | None = None
    timeline: Timeline | None = None
    technologies: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with only the entities found."""
        found: dict[str, Any] = {}
        if self.budget is not None:
            found["budget"] = self.budget.to_dict()
        if self.timeline is not None:
            found["timeline"] = self.timeline.to_dict()
        if self.technologies:
            found["technologies"] = list(self.technologies)
        return found

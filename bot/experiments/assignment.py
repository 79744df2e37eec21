"""Who sees which variant: a keyed hash of the experiment's name and the person's Telegram id
(blake2b), so the same person always gets the same variant on every replica and after every
restart, and nothing needs to be stored before the answer is sent.

An experiment's variants carry weights in percent: the control, "a", is what the knowledge
base or the template says without the experiment; each other variant takes its weight of the
people and the control keeps the rest. What a person saw is written on the bot's message row
as a label, "faq.pricing.overview:b" or "prompt.project_consultation:short".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from hashlib import blake2b

CONTROL = "a"
# A variant's name, as it appears in the label (the knowledge base and the prompts check it).
VARIANT_NAME = re.compile(r"[a-z][a-z0-9_]{0,15}")
SEPARATOR = ":"
# The hash's key: a new key would deal every person again (do not change it mid-experiment).
_KEY = b"devbot-experiments-1"
_SPAN = 2**64


class ExperimentError(ValueError):
    """An experiment is defined wrongly; the message says how."""


@dataclass(frozen=True)
class Variant:
    name: str
    weight: int  # percent of the people


@dataclass(frozen=True)
class Experiment:
    name: str  # "faq.<intent>" or "prompt.<template>"
    variants: tuple[Variant, ...]  # the control first

    @classmethod
    def with_control(cls, name: str, others: dict[str, int]) -> Experiment:
        """An experiment whose control keeps what the `others` (name: percent) leave."""
        problem = weights_problem(others)
        if problem:
            raise ExperimentError(f"{name}: {problem}")
        rest = 100 - sum(others.values())
        variants = (Variant(CONTROL, rest), *(Variant(n, w) for n, w in others.items()))
        return cls(name, variants)

    def label(self, variant: str) -> str:
        return f"{self.name}{SEPARATOR}{variant}"

    def assign(self, person: int) -> Variant:
        """The variant `person` (a Telegram user id) sees, the same every time."""
        digest = blake2b(f"{self.name}{SEPARATOR}{person}".encode(), digest_size=8, key=_KEY)
        point = int.from_bytes(digest.digest(), "big") * 100
        bound = 0
        for variant in self.variants:
            bound += variant.weight * _SPAN
            if point < bound:
                return variant
        return self.variants[-1]


def weights_problem(others: dict[str, int]) -> str | None:
    """What is wrong with variants (name: percent) beside the control, or None."""
    for name, weight in others.items():
        if name == CONTROL or not VARIANT_NAME.fullmatch(str(name)):
            return f"variant name {name!r} must be a lowercase word other than {CONTROL!r}"
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 99:
            return f"variant {name}: weight must be a whole percent from 1 to 99"
    if sum(others.values()) > 99:
        return "the variants' weights add up to more than 99 percent: the control needs some"
    return None


def split_label(label: str) -> tuple[str, str]:
    """("faq.pricing.overview", "b") from "faq.pricing.overview:b"."""
    experiment, _, variant = label.rpartition(SEPARATOR)
    return experiment, variant

"""The routing sets (bot/faq/routing.py): specific questions a canned answer does not address,
and FAQ questions it does, in English and Russian, with typos.

`routing_dev.tsv` tuned the rule; `routing_test.tsv` is held out, written after the tuning and
not looked at while tuning. The FAQ side adds the FAQ questions of the intent sets
(intents_dev.tsv for tuning, intents_test.tsv held out)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from bot.faq.knowledge import KnowledgeBase

DATA = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Question:
    text: str
    language: str
    specific: bool  # True: the LLM should answer it; False: the canned answer
    intent: str | None = None  # the FAQ topic, for the intent sets' questions


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def questions(split: str, kb: KnowledgeBase) -> list[Question]:
    """`split` is "dev" or "test"."""
    routed = [
        Question(row["text"], row["lang"], row["route"] == "llm")
        for row in _rows(DATA / f"routing_{split}.tsv")
    ]
    faq = [
        Question(row["text"], row["lang"], False, row["intent"])
        for row in _rows(DATA / f"intents_{split}.tsv")
        if kb.catalog[row["intent"]].is_faq
    ]
    return routed + faq

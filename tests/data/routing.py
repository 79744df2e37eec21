"""The routing sets (bot/faq/routing.py): specific questions a canned answer does not address,
and FAQ questions it does, in English and Russian, with typos.

Three splits, each a routing file and the FAQ questions of an intent set:
- "dev" (routing_dev.tsv, intents_dev.tsv) tuned the rule and the detector;
- "test" (routing_test.tsv, intents_test.tsv) was held out while the rule was first tuned; its
  failures were read afterwards, so it is no longer strictly unseen;
- "fresh" (routing_fresh.tsv, intents_fresh.tsv) was written and committed before the answer
  rule's leading-match change, and nothing has been tuned on it."""

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
    """`split` is "dev", "test" or "fresh"."""
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

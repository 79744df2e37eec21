"""The detector on utterances written apart from its training data (tests/data/*.tsv).

The thresholds are the accuracy reached when the detector was tuned, minus a small margin: a
change to the knowledge base or the model that loses accuracy fails here. The figures are printed
(run with -s to see them).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.faq.answers import CONFIDENT
from tests.conftest import Knowledge

DATA = Path(__file__).resolve().parents[1] / "data"
# Reached when tuning: 97.3% on the test set, 97.5% on the dev set; minus two points.
MIN_TEST_ACCURACY = 0.95
MIN_DEV_ACCURACY = 0.95
# Among confident answers (the ones the bot gives without asking back), how many are right.
MIN_CONFIDENT_PRECISION = 0.95


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.mark.parametrize(
    ("name", "minimum"),
    [("intents_test.tsv", MIN_TEST_ACCURACY), ("intents_dev.tsv", MIN_DEV_ACCURACY)],
)
def test_accuracy_on_unseen_utterances(knowledge: Knowledge, name: str, minimum: float) -> None:
    rows = _rows(name)
    detections = knowledge.detector.detect_many([row["text"] for row in rows])
    hits = [d.intent == row["intent"] for row, d in zip(rows, detections, strict=True)]
    by_lang = {
        lang: sum(h for h, r in zip(hits, rows, strict=True) if r["lang"] == lang)
        / sum(r["lang"] == lang for r in rows)
        for lang in ("en", "ru")
    }
    accuracy = sum(hits) / len(hits)
    confident = [h for h, d in zip(hits, detections, strict=True) if d.confidence >= CONFIDENT]
    precision = sum(confident) / max(len(confident), 1)
    print(
        f"\n{name}: {accuracy:.1%} top-1 on {len(rows)} utterances "
        f"(en {by_lang['en']:.1%}, ru {by_lang['ru']:.1%}); "
        f"confident {len(confident)}, of which right {precision:.1%}"
    )
    assert accuracy >= minimum
    assert precision >= MIN_CONFIDENT_PRECISION


def test_the_catalog_examples_are_recognised(knowledge: Knowledge) -> None:
    catalog = knowledge.kb.catalog
    import yaml

    data = yaml.safe_load((DATA.parents[1] / "locales" / "intents.yaml").read_text("utf-8"))
    examples = [
        (text, intent)
        for section in (*data["faq"].values(), data["conversational"])
        for intent, spec in section.items()
        for text in spec["examples"]
    ]
    assert {intent for _, intent in examples} == set(catalog)
    detections = knowledge.detector.detect_many([text for text, _ in examples])
    misses = [
        (text, intent, d.intent) for (text, intent), d in zip(examples, detections, strict=True)
        if d.intent != intent
    ]  # fmt: skip
    assert len(misses) <= len(examples) // 20, misses

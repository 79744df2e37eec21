"""`python -m bot classify`: the detector and entity extraction the bot uses, on the command line.

`classify "text"` prints one JSON object; `classify -` reads one utterance a line from stdin and
prints one JSON object a line, in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from bot.faq.intents import IntentDetector
from bot.intake.entities import extract_entities

BATCH = 256


def classification(detector: IntentDetector, texts: list[str]) -> Iterator[dict[str, Any]]:
    for text, detection in zip(texts, detector.detect_many(texts), strict=True):
        yield {
            "intent": detection.intent,
            "confidence": detection.confidence,
            "entities": extract_entities(text).to_dict(),
        }


def classify_lines(
    detector: IntentDetector, lines: Iterable[str], batch_size: int = BATCH
) -> Iterator[str]:
    """JSON lines in input order; batches make long piped inputs fast."""
    batch: list[str] = []
    for line in lines:
        batch.append(line.rstrip("\r\n"))
        if len(batch) >= batch_size:
            yield from (json.dumps(r, ensure_ascii=False) for r in classification(detector, batch))
            batch = []
    if batch:
        yield from (json.dumps(r, ensure_ascii=False) for r in classification(detector, batch))

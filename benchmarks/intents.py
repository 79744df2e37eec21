"""Intent detection benchmark: accuracy on the labelled sets, and speed per classification beside a
plain dictionary lookup measured in the same run (the floor any detector is compared with).

    .venv/bin/python -m benchmarks.intents [--calls 2000]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections import Counter
from pathlib import Path

from bot.app import load_knowledge
from bot.config import load_settings
from bot.faq.intents import IntentDetector
from bot.intake.entities import extract_entities

ROOT = Path(__file__).resolve().parent.parent
LONG = (
    "Hi! We're a fintech startup and need help migrating our monolith to Kubernetes on AWS. "
    "Stack: Python/Django, PostgreSQL, Redis, Celery, some Go microservices. Budget around "
    "$40-60k, ideally done by Q2. Not super urgent but we'd like to start next month. Can "
    "you also set up CI/CD with GitHub Actions?"
)
SETS = {"dev": ROOT / "tests/data/intents_dev.tsv", "test": ROOT / "tests/data/intents_test.tsv"}


def read_set(path: Path) -> list[tuple[str, str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [
            (r["intent"], r["lang"], r["text"]) for r in csv.DictReader(handle, delimiter="\t")
        ]


def accuracy(detector: IntentDetector, rows: list[tuple[str, str, str]]) -> dict[str, float]:
    detections = detector.detect_many([text for _, _, text in rows])
    right = Counter[str]()
    total = Counter[str]()
    for (intent, lang, _text), detection in zip(rows, detections, strict=True):
        total[lang] += 1
        total["all"] += 1
        if detection.intent == intent:
            right[lang] += 1
            right["all"] += 1
    return {key: right[key] / total[key] for key in total}


def per_call(fn: object, inputs: list[str], calls: int) -> list[float]:
    timings = []
    for i in range(calls):
        text = inputs[i % len(inputs)]
        start = time.perf_counter()
        fn(text)  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return timings


def describe(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p50 = statistics.median(ordered) * 1e3
    p95 = ordered[int(len(ordered) * 0.95)] * 1e3
    rate = len(ordered) / sum(ordered)
    return f"{name:<24} p50 {p50:8.4f} ms   p95 {p95:8.4f} ms   {rate:12,.0f} per second"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()

    started = time.perf_counter()
    _i18n, kb, detector = load_knowledge(load_settings())
    count = sum(1 for _ in kb.examples())
    print(f"training: {time.perf_counter() - started:.2f} s on {count} examples")

    for name, path in SETS.items():
        scores = accuracy(detector, read_set(path))
        parts = "   ".join(f"{k} {v:6.1%}" for k, v in sorted(scores.items()))
        print(f"accuracy {name:<5} {parts}")

    texts = [text for _, _, text in read_set(SETS["test"])]
    lookup = {text: "intent" for text in texts}
    print(describe("dict lookup (baseline)", per_call(lookup.get, texts, args.calls)))
    print(describe("detect", per_call(detector.detect, texts, args.calls)))
    print(describe("entities", per_call(extract_entities, texts, args.calls)))
    print(describe("entities, 300+ chars", per_call(extract_entities, [LONG], args.calls)))
    print(describe("detect + entities", per_call(
        lambda t: (detector.detect(t), extract_entities(t)), texts, args.calls
    )))  # fmt: skip


if __name__ == "__main__":
    main()

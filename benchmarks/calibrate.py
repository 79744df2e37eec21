"""Fit the detector's temperature on the dev set and show how well confidence tracks accuracy.

    .venv/bin/python -m benchmarks.calibrate

Prints the negative log-likelihood and the expected calibration error (ECE) for a range of
temperatures, and a reliability table (confidence bucket → accuracy) for the chosen one. The
chosen value goes into bot/faq/intents.py (TEMPERATURE).
"""

from __future__ import annotations

import itertools

import numpy as np

from benchmarks.intents import SETS, read_set
from bot.app import load_knowledge
from bot.config import load_settings
from bot.faq import intents

TEMPERATURES = (0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.5, 1.0)
BUCKETS = (0.0, 0.2, 0.4, 0.55, 0.7, 0.85, 0.95, 1.01)


def scores(proba: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    nll = float(-np.mean(np.log(proba[np.arange(len(gold)), gold] + 1e-12)))
    confidence = proba.max(axis=1)
    right = proba.argmax(axis=1) == gold
    ece = 0.0
    for low, high in itertools.pairwise(BUCKETS):
        mask = (confidence >= low) & (confidence < high)
        if mask.any():
            ece += mask.mean() * abs(confidence[mask].mean() - right[mask].mean())
    return nll, ece


def main() -> None:
    _i18n, _kb, detector = load_knowledge(load_settings())
    rows = read_set(SETS["dev"])
    index = {intent: i for i, intent in enumerate(detector.intents)}
    gold = np.array([index[intent] for intent, _, _ in rows])
    texts = [text for _, _, text in rows]
    original = intents.TEMPERATURE
    for temperature in TEMPERATURES:
        intents.TEMPERATURE = temperature
        nll, ece = scores(detector.probabilities(texts), gold)
        print(f"T={temperature:4.2f}  NLL {nll:6.3f}  ECE {ece:6.3f}")
    intents.TEMPERATURE = original
    proba = detector.probabilities(texts)
    confidence, right = proba.max(axis=1), proba.argmax(axis=1) == gold
    print(f"\nreliability at T={original} (dev set, {len(rows)} utterances)")
    for low, high in itertools.pairwise(BUCKETS):
        mask = (confidence >= low) & (confidence < high)
        if mask.any():
            print(
                f"  confidence {low:4.2f}-{min(high, 1):4.2f}: {mask.sum():4d} utterances, "
                f"mean confidence {confidence[mask].mean():.2f}, accuracy {right[mask].mean():.2f}"
            )


if __name__ == "__main__":
    main()

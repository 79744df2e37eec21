"""Normalisation: what the detector sees."""

from __future__ import annotations

import pytest

from bot.kernel.textnorm import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("How MUCH do you charge?!", "how much do you charge"),
        ("pleeeease help", "please help"),
        ("Ёлка и ещё", "елка и еще"),
        # Latin look-alikes typed inside a Russian word, and Cyrillic ones in an English word.
        ("сколько стоит прoект", "сколько стоит проект"),
        ("nеed hеlp", "need help"),
        ("k8s cluster", "kubernetes cluster"),
        ("нужен кубер", "нужен kubernetes"),
        ("CI/CD pipeline", "ci cd pipeline"),
        ("budget $50000", "budget $0"),
        ("write to me at ann@example.com or https://x.io/a", "write to me at email or url"),
        ("how much do u charge", "how much do you charge"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected

"""`python -m bot classify`: one JSON object per utterance, in order, through the bot's code."""

from __future__ import annotations

import io
import json

import pytest

from bot.__main__ import main


def test_classify_one_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", "We need Kubernetes on AWS ASAP, budget $50K"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"intent", "confidence", "entities"}
    assert result["intent"] == "devops.kubernetes"
    assert 0.0 <= result["confidence"] <= 1.0
    assert result["entities"]["budget"]["amount"] == 50000
    assert result["entities"]["budget"]["currency"] == "USD"
    assert result["entities"]["timeline"]["category"] == "urgent"
    assert result["entities"]["technologies"] == ["Kubernetes", "AWS"]


def test_classify_stdin_keeps_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["Привет!", "what is your hourly rate", "", "Сколько стоит ваш час?", "thanks"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["classify", "-"]) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(results) == len(lines)
    intents = [r["intent"] for r in results]
    assert intents[0] == "chat.greeting"
    assert intents[1] == intents[3] == "pricing.hourly_rate"
    assert intents[4] == "chat.thanks"
    assert results[2]["entities"] == {}

"""How sure an LLM answer is, 0..1, from heuristics that need no second model call.

Start at 0.9 and subtract:
- finish reason: cut by the token limit 0.25; stopped by a content filter or anything else 0.4;
- refusal or not-knowing phrases ("I don't know", "не знаю", "I cannot help") 0.35;
- hedging phrases ("I think", "probably", "возможно", "не уверен"), 0.1 each, at most 0.3;
- figures (prices, percentages, durations) that appear neither in the company facts nor in the
  question: 0.3 — the model may have invented them;
- grounding: no company facts matched the question 0.15; few of the answer's words come from the
  facts or the question (coverage below 20%) 0.1;
- the question's intent match: up to 0.1 off for a weak match (detector confidence below 0.5);
- an empty or very short answer (under 15 characters) ends at 0.1.

The thresholds that use it (below 0.5 once, below 0.7 three times in a row: a person takes over)
live with the escalation rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_REFUSAL = re.compile(
    r"\b(i (?:do not|don't) know|i(?: am|'m) not able|i can(?:not|'t) (?:help|answer|provide)"
    r"|no information|не знаю|не могу (?:ответить|помочь|сказать)|нет информации"
    r"|не располагаю)",
    re.IGNORECASE,
)
_HEDGES = re.compile(
    r"\b(i think|i believe|probably|possibly|perhaps|maybe|might|not sure|it seems"
    r"|i guess|as far as i know|возможно|наверное|вероятно|кажется|не уверен|может быть"
    r"|по-видимому|скорее всего)",
    re.IGNORECASE,
)
_FIGURE = re.compile(
    r"(?:[$€£₽]\s?\d[\d\s,.]*|\d[\d\s,.]*\s?(?:usd|eur|руб|₽|\$|€|%|k\b|тыс|hours?|часов|days?|"
    r"дней|weeks?|недел))",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w{5,}", re.UNICODE)


def answer_confidence(
    answer: str,
    *,
    finish_reason: str,
    facts: Sequence[str],
    question: str,
    intent_confidence: float | None,
) -> float:
    text = answer.strip()
    if len(text) < 15:
        return 0.1
    score = 0.9
    if finish_reason == "length":
        score -= 0.25
    elif finish_reason != "stop":
        score -= 0.4
    if _REFUSAL.search(text):
        score -= 0.35
    score -= min(0.3, 0.1 * len(_HEDGES.findall(text)))
    source = " ".join([*facts, question]).lower()
    if any(_digits(figure) not in _digits(source) for figure in _FIGURE.findall(text.lower())):
        score -= 0.3
    if not facts:
        score -= 0.15
    else:
        words = {word.lower() for word in _WORD.findall(text)}
        known = {word for word in words if word in source}
        if words and len(known) / len(words) < 0.2:
            score -= 0.1
    if intent_confidence is not None and intent_confidence < 0.5:
        score -= 0.2 * (0.5 - intent_confidence)
    return round(min(1.0, max(0.0, score)), 3)


def _digits(text: str) -> str:
    """Figures compared by their digits alone: "$1,500" and "1500 USD" match."""
    return re.sub(r"\D", "", text) if re.search(r"\d", text) else text

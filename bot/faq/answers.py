"""The FAQ conversation's rules: what to do with a detected intent.

- a confident FAQ match gets its canned answer;
- a middling one that stands well ahead of the next (LEADING_RATIO times its confidence) gets its
  canned answer too, with the runner-up topics as buttons under it: one tap away, as in a list;
- another middling one gets the two or three closest topics to choose from;
- a low one is handed to the LLM consultation when there is one, else the bot says it is not sure
  and offers the topics and a human;
- greetings, thanks and out-of-scope messages get short friendly answers; a wish to start a
  project opens the intake.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.faq.intents import OUT_OF_SCOPE, Detection
from bot.faq.knowledge import FLOW_INTENTS, KnowledgeBase

# Confidence thresholds (the detector's confidence is calibrated: see bot/faq/intents.py).
CONFIDENT = 0.55
SUGGEST = 0.2
# A middling match this far ahead of the next one is answered (tuned on intents_dev.tsv).
LEADING = 0.35
LEADING_RATIO = 1.5
SMALLTALK = frozenset({"chat.greeting", "chat.thanks", OUT_OF_SCOPE})
MAX_SUGGESTIONS = 3


class Outcome(StrEnum):
    ANSWER = "answer"  # a canned FAQ answer
    SMALLTALK = "smalltalk"  # greeting, thanks, out of scope
    FLOW = "flow"  # start a flow (the project intake)
    SUGGEST = "suggest"  # offer the closest topics
    UNSURE = "unsure"  # not sure: LLM when available, else topics and a human


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    intent: str
    confidence: float
    suggestions: tuple[str, ...] = ()  # for an answer: the runner-ups, when it is not sure

    @property
    def sure(self) -> bool:
        return self.confidence >= CONFIDENT

    @property
    def shows_topic(self) -> bool:
        """Whether the reply is the intent's own canned answer (under an experiment: a variant
        of it)."""
        return self.outcome in (Outcome.ANSWER, Outcome.SMALLTALK)


def decide(detection: Detection, kb: KnowledgeBase) -> Decision:
    intent, confidence = detection.intent, detection.confidence
    if confidence >= CONFIDENT:
        if intent in FLOW_INTENTS:
            return Decision(Outcome.FLOW, intent, confidence)
        if intent in SMALLTALK:
            return Decision(Outcome.SMALLTALK, intent, confidence)
        return Decision(Outcome.ANSWER, intent, confidence)
    suggestions = tuple(m.intent for m in detection.ranking if kb.catalog[m.intent].is_faq)[
        :MAX_SUGGESTIONS
    ]
    ranking = detection.ranking
    runner_up = ranking[1].confidence if len(ranking) > 1 else 0.0
    if (
        confidence >= LEADING
        and confidence >= LEADING_RATIO * runner_up
        and kb.catalog[intent].is_faq
    ):
        others = tuple(topic for topic in suggestions if topic != intent)
        return Decision(Outcome.ANSWER, intent, confidence, others)
    if confidence >= SUGGEST and intent != OUT_OF_SCOPE:
        return Decision(Outcome.SUGGEST, intent, confidence, suggestions)
    return Decision(Outcome.UNSURE, intent, confidence, suggestions)

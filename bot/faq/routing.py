"""Which messages the LLM answers when there is one: those a canned answer does not address.

A canned answer answers the general question ("do you work with Kubernetes?", "how much is a
CI/CD setup?"). A prospect who describes their situation and asks what to do ("we run 40
microservices on ECS ... would you split the database or add read replicas?") asks something
no canned answer holds, even when the detector finds the topic. `specificity` scores the signs
of such a question, each worth a weight:

- a quantity: a number that is not part of a name ("30 AWS accounts", "2 TB", "$35k", "10x");
- asking for advice or a judgement ("how would you", "should we", "what's the best way",
  "стоит ли", "как бы вы", "что посоветуете");
- a choice between options ("X or Y", "vs", "или");
- the asker's own situation ("we run", "our pipeline", "у нас", "мы используем");
- several technologies named (the intake's entity extractor), and length.

`route` then decides: a confident canned match needs strong evidence (SPECIFIC_OVER_ANSWER) to
go to the LLM; a message the detector is unsure of (topics to choose from, or an answer it only
leads with) needs less (SPECIFIC_OVER_SUGGEST); one it does not recognise at all goes to the
LLM as before; greetings and starting a project stay what they are.
Without an LLM the FAQ's decision stands. The weights and thresholds are tuned on
tests/data/routing_dev.tsv with the FAQ questions of tests/data/intents_dev.tsv;
`python -m benchmarks.conversation` reports them on the two held-out sets (tests/data/routing.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.faq.answers import Decision, Outcome
from bot.faq.intents import OUT_OF_SCOPE
from bot.intake.entities import extract_entities

# A number standing alone or with its unit, not inside a name (k8s, ec2, s3, 24/7, http/2).
_QUANTITY = re.compile(
    r"(?<![\w/.$-])[$€£]?\d+(?:[.,]\d+)?\s?(?:%|x|k|m|tb|gb|mb|тб|гб|мб|тыс|млн)?(?![\w/])",
    re.IGNORECASE,
)
_ADVICE = re.compile(
    r"\b(?:should (?:we|i|our)|would (?:you|u)|how (?:would|should|do|can) (?:you|u|we|i)\b"
    r"|how you(?:'d| would)|is (?:that|it|this) (?:realistic|feasible|overkill|worth)"
    r"|what would|what'?s (?:the )?(?:best|right|sane|your take)|best way|right way"
    r"|recommend|worth it|make[s]? sense|good idea|any idea|what (?:to|should we) check"
    r"|what'?s (?:a|an) (?:good|sane|sensible|reasonable)"
    r"|which would|is it (?:better|realistic|overkill)|better fix|would .* cut)"
    r"|стоит ли|как (?:лучше|бы вы|вы бы|сделать|ускорить|перенести|настроить|держать"
    r"|организовать|без)|что (?:лучше|бы вы|вы бы|выбрать|посоветуете|проверить|сильнее)"
    r"|посоветуете|как считаете|(?:есть|имеет) ли смысл|куда смотреть|это реально|не перебор"
    r"|в чем может быть",
    re.IGNORECASE,
)
_CHOICE = re.compile(r"\s(?:or|vs\.?|versus|или|либо)\s|\bcompared to\b", re.IGNORECASE)
_SITUATION = re.compile(
    r"\b(?:we(?:'re| are| run| have| use| get| see| need to| want| keep| pay|'ve)"
    r"|we're hitting|our \w+|my \w+)\b|у нас|\bмы\b|\bнаш\w*|\bнас\b|упираемся|платим|получаем",
    re.IGNORECASE,
)
# A yes-or-no question about the agency ("do you ...?", "вы работаете ...?"): the FAQ's kind.
_ABOUT_US = re.compile(
    r"^\W*(?:do|does|can|could|will|are|is) (?:you|u|your)\b"
    r"|\b(?:do|does|can|will) (?:you|u)(?: guys)?(?: also| even)?"
    r" (?:do|work|offer|support|provide|handle|help)\b"
    r"|\bвы\b|\bу вас\b|\bваш\w*"
    r"|\b(?!посоветуете|считаете|думаете|порекомендуете)[а-яё]{3,}(?:ете|ите)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")

WEIGHTS = {"quantity": 1.5, "advice": 2.0, "choice": 1.5, "situation": 1.0,
           "technologies": 1.0, "long": 1.0, "about_us": -1.5}  # fmt: skip
# A question, not only a description: what a canned answer cannot answer is asked for.
ASKS = frozenset({"advice", "choice"})
LONG_WORDS = 14
# How much evidence sends a message past the FAQ's decision to the LLM.
SPECIFIC_OVER_ANSWER = 2.5
SPECIFIC_OVER_SUGGEST = 2.0


@dataclass(frozen=True)
class Specificity:
    score: float
    signals: tuple[str, ...]


def _has_quantity(text: str) -> bool:
    for match in _QUANTITY.finditer(text):
        before = text[: match.start()].split()
        # "SOC 2", "ISO 27001", "HTTP 429": a bare number after an acronym belongs to a name.
        bare = match.group().strip().isdigit()
        if bare and before and before[-1].isupper() and before[-1].isalpha():
            continue
        return True
    return False


def specificity(text: str) -> Specificity:
    signals = []
    if _has_quantity(text):
        signals.append("quantity")
    if _ADVICE.search(text):
        signals.append("advice")
    if _CHOICE.search(text):
        signals.append("choice")
    if _SITUATION.search(text):
        signals.append("situation")
    if len(extract_entities(text).technologies) >= 2:
        signals.append("technologies")
    if len(_WORD.findall(text)) >= LONG_WORDS:
        signals.append("long")
    if _ABOUT_US.search(text) and "advice" not in signals:  # "how would you ..." is advice
        signals.append("about_us")
    return Specificity(sum(WEIGHTS[s] for s in signals), tuple(signals))


class Route(StrEnum):
    FAQ = "faq"  # the FAQ's own decision: a canned answer, topics, small talk, the intake
    LLM = "llm"  # the consultation, grounded in the closest knowledge-base entries


def route(text: str, decision: Decision, *, llm: bool) -> Route:
    if not llm or decision.outcome is Outcome.FLOW:
        return Route.FAQ
    if decision.outcome is Outcome.UNSURE:
        return Route.LLM
    found = specificity(text)
    signals = set(found.signals)
    if decision.outcome is Outcome.SUGGEST or decision.intent == OUT_OF_SCOPE or not decision.sure:
        # The detector is unsure of the topic anyway: a question with a figure is enough.
        asked = bool(signals & (ASKS | {"quantity"}))
        return Route.LLM if asked and found.score >= SPECIFIC_OVER_SUGGEST else Route.FAQ
    asked = bool(signals & ASKS)
    return Route.LLM if asked and found.score >= SPECIFIC_OVER_ANSWER else Route.FAQ

"""The routing rule (bot/faq/routing.py) without Telegram: which messages the LLM answers."""

from __future__ import annotations

import pytest

from bot.faq.answers import Decision, Outcome
from bot.faq.intents import OUT_OF_SCOPE
from bot.faq.routing import Route, route, specificity

ANSWER = Decision(Outcome.ANSWER, "devops.iac", 0.9)
SUGGEST = Decision(Outcome.SUGGEST, "devops.kubernetes", 0.4, ("devops.kubernetes",))
SPECIFIC = [
    "We run 40 microservices on ECS with a shared Postgres and see lock contention at peak; "
    "would you split the database per service first or introduce CQRS read replicas?",
    "How should we structure Terraform state for 30 AWS accounts?",
    "Как лучше организовать стейт терраформа для 30 аккаунтов AWS?",
    "is istio worth it for 8 services or is it overkill compared to linkerd?",
]
GENERAL = [
    "How much does a CI/CD setup cost?",
    "do you work with kubernetes?",
    "Do you offer fixed price or hourly billing?",
    "Which clouds do you support: AWS, GCP or Azure?",
    "у вас фикс или почасовая оплата?",
    "Do you provide 24/7 support?",
    "we need to get SOC 2 certified before our enterprise deal, can you help?",
]


@pytest.mark.parametrize("text", SPECIFIC)
def test_a_specific_question_goes_to_the_llm_even_over_a_canned_match(text: str) -> None:
    assert route(text, ANSWER, llm=True) is Route.LLM
    assert route(text, SUGGEST, llm=True) is Route.LLM


def test_a_merely_leading_answer_needs_only_the_evidence_a_suggestion_needs() -> None:
    # advice (2.0) alone: over the suggestion's threshold, under the confident answer's
    text = "what would you recommend for backups"
    assert route(text, ANSWER, llm=True) is Route.FAQ
    assert route(text, SUGGEST, llm=True) is Route.LLM
    leading = Decision(Outcome.ANSWER, "devops.iac", 0.45, ("devops.docker",))
    assert route(text, leading, llm=True) is Route.LLM


@pytest.mark.parametrize("text", GENERAL)
def test_a_question_the_canned_answer_addresses_keeps_it(text: str) -> None:
    assert route(text, ANSWER, llm=True) is Route.FAQ


def test_without_an_llm_the_faq_decides() -> None:
    unsure = Decision(Outcome.UNSURE, "devops.iac", 0.1)
    assert route(SPECIFIC[0], ANSWER, llm=False) is Route.FAQ
    assert route("what?", unsure, llm=False) is Route.FAQ
    assert route("what?", unsure, llm=True) is Route.LLM  # as before: the unsure go to the LLM


def test_starting_a_project_and_small_talk_stay_what_they_are() -> None:
    flow = Decision(Outcome.FLOW, "lead.start_project", 0.9)
    hello = Decision(Outcome.SMALLTALK, "chat.greeting", 0.9)
    assert route(SPECIFIC[0], flow, llm=True) is Route.FAQ
    assert route("hi there!", hello, llm=True) is Route.FAQ
    out = Decision(Outcome.SMALLTALK, OUT_OF_SCOPE, 0.9)
    assert route("what's the weather in Paris?", out, llm=True) is Route.FAQ


def test_the_signals_are_named() -> None:
    found = specificity("How should we structure Terraform state for 30 AWS accounts?")
    assert {"quantity", "advice", "technologies"} <= set(found.signals)
    assert specificity("SOC 2 and ISO 27001, HTTP 429").signals == ()  # names, not quantities
    assert "quantity" in specificity("an SLA of 99.95%").signals

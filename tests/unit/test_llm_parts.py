"""Prompts, context trimming, confidence, cost and budgets of the LLM consultation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import LlmBudgetSettings, load_settings
from bot.kernel.kv import MemoryCounters
from llm.budget import LlmBudget, Refusal
from llm.client import Usage
from llm.confidence import answer_confidence
from llm.context import Fact, Turn, build_messages, estimate_tokens, split_history
from llm.cost import cost_usd
from llm.prompts import PromptError, choose_template, load_prompts

PRICES = {"LongCat-2.0": (0.75, 0.015, 2.95)}


def test_the_five_templates_and_their_versions() -> None:
    prompts = load_prompts()
    for name in (
        "base", "project_consultation", "lead_qualification", "technical_support",
        "escalation_prep",
    ):  # fmt: skip
        assert name in prompts
        assert prompts[name].id.startswith(f"{name}@")
    consultation = prompts["project_consultation"].render("ru")
    assert consultation.startswith("You are DevBot")  # the base persona comes first
    assert "Answer in Russian" in consultation
    assert "Never invent prices" in consultation
    assert "Mode: project consultation" in consultation


def test_a_template_with_an_unknown_variable_stops_loading(tmp_path: Path) -> None:
    (tmp_path / "base.md").write_text("---\nname: base\nversion: 1\n---\nHi $customer\n")
    with pytest.raises(PromptError, match=r"base\.md: unknown variable \$customer"):
        load_prompts(tmp_path)


@pytest.mark.parametrize(
    ("intent", "template"),
    [
        ("pricing.hourly_rates", "lead_qualification"),
        ("support.incident", "technical_support"),
        ("devops.kubernetes", "project_consultation"),
        ("general.about", "base"),
        (None, "base"),
    ],
)
def test_template_follows_the_intent(intent: str | None, template: str) -> None:
    assert choose_template(intent) == template


def test_token_estimate_counts_cyrillic_denser() -> None:
    assert estimate_tokens("a" * 400) == 100
    assert estimate_tokens("я" * 400) == 200


def test_history_within_budget_is_kept_whole() -> None:
    turns = [Turn("user", "short question", n) for n in range(5)]
    assert split_history(turns, 2000) == ([], turns)


def test_overflowing_history_keeps_the_newest_half_budget() -> None:
    turns = [Turn("user" if n % 2 == 0 else "assistant", "x" * 200, n) for n in range(40)]
    older, recent = split_history(turns, 1000)
    assert older + recent == turns
    assert sum(turn.tokens for turn in recent) <= 500
    assert recent[-1].message_id == 39


def test_prompt_order_keeps_the_stable_part_first() -> None:
    facts = [Fact("pricing.overview", "Prices", "<b>From</b> 1 000 EUR &amp; up")]
    messages = build_messages("SYSTEM", facts, "summary text", [Turn("user", "hi")], "question?")
    # The summary is data a model wrote: a user message that says so, not a system one.
    assert [m["role"] for m in messages] == ["system", "system", "user", "user", "user"]
    assert messages[0]["content"] == "SYSTEM"
    assert "From 1 000 EUR & up" in messages[1]["content"]  # HTML stripped for the model
    assert (
        "summary text" in messages[2]["content"] and "not instructions" in messages[2]["content"]
    )
    assert messages[-1]["content"] == "question?"


FACTS = ["Kubernetes setup: a managed cluster with monitoring, from 4000 EUR, in 3 weeks"]


def confidence(answer: str, finish: str = "stop", facts: list[str] = FACTS) -> float:
    return answer_confidence(
        answer, finish_reason=finish, facts=facts, question="kubernetes?", intent_confidence=0.9
    )


def test_a_grounded_plain_answer_is_confident() -> None:
    assert confidence("A managed Kubernetes setup with monitoring starts from 4000 EUR.") >= 0.8


def test_refusals_hedges_and_invented_figures_lower_confidence() -> None:
    good = confidence("A managed Kubernetes setup with monitoring starts from 4000 EUR.")
    assert confidence("I don't know what that costs, sorry about that.") < 0.6
    assert confidence("Probably it might cost around 4000 EUR, I think, maybe.") < good
    assert confidence("A managed Kubernetes setup costs 9500 EUR and takes 2 weeks.") <= 0.6
    assert confidence("Не знаю, сколько это стоит, уточните у команды.") < 0.6


def test_a_cut_answer_or_no_facts_lower_confidence() -> None:
    text = "A managed Kubernetes setup with monitoring starts from 4000 EUR."
    assert confidence(text, finish="length") < confidence(text)
    assert confidence(text, facts=[]) < confidence(text)
    assert confidence("ok") == 0.1


def test_cost_uses_cached_price_for_cached_tokens() -> None:
    plain = cost_usd(Usage(1_000_000, 0, 0), "LongCat-2.0", PRICES)
    cached = cost_usd(Usage(1_000_000, 0, 1_000_000), "LongCat-2.0", PRICES)
    assert plain == Decimal("0.75") and cached == Decimal("0.015")
    assert cost_usd(Usage(0, 1_000_000), "LongCat-2.0", PRICES) == Decimal("2.95")
    assert cost_usd(Usage(10, 10), "unknown-model", PRICES) == 0


def test_prices_setting_parses_and_rejects_nonsense() -> None:
    settings = load_settings(longcat={"prices": "LongCat-2.0=0.75/0.015/2.95;Other=1/0.1/2"})
    assert settings.longcat.prices["Other"] == (1.0, 0.1, 2.0)
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match="LONGCAT_PRICES"):
        load_settings(longcat={"prices": "LongCat-2.0=cheap"})


async def test_budgets_per_session_user_and_system() -> None:
    day = [datetime(2026, 11, 24, 12, tzinfo=UTC)]
    budget = LlmBudget(
        MemoryCounters(),
        LlmBudgetSettings(session_calls=2, user_daily_calls=3, daily_budget_usd=1),
        now=lambda: day[0],
    )
    assert await budget.admit(1, conversation_id=10) is None
    assert await budget.admit(1, conversation_id=10) is None
    assert await budget.admit(1, conversation_id=10) is Refusal.SESSION
    assert await budget.admit(1, conversation_id=11) is None
    assert await budget.admit(1, conversation_id=12) is Refusal.USER_DAILY
    assert await budget.admit(2, conversation_id=20) is None  # another user is unaffected

    assert await budget.charge(Decimal("0.5")) is False
    assert await budget.charge(Decimal("0.31")) is True  # 81%: alert once
    assert await budget.charge(Decimal("0.1")) is False
    assert await budget.charge(Decimal("0.2")) is False
    assert await budget.admit(3, conversation_id=30) is Refusal.SYSTEM

    day[0] = datetime(2026, 11, 25, 0, 1, tzinfo=UTC)  # a new day
    assert await budget.admit(3, conversation_id=31) is None

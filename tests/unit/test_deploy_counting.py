"""The LLM budget gauges the budget alerts read (deploy/prometheus/alerts.yml): the limit, today's
spend of all replicas as last seen, and when it was seen."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from prometheus_client import REGISTRY

from bot.config import LlmBudgetSettings
from bot.kernel.kv import MemoryCounters
from llm.budget import LlmBudget


def gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value(name)


async def test_a_charge_sets_the_spend_of_the_day_and_when() -> None:
    now = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    counters = MemoryCounters()
    budget = LlmBudget(counters, LlmBudgetSettings(daily_budget_usd=40), now=lambda: now)
    assert gauge("devbot_llm_daily_budget_usd") == 40
    await budget.charge(Decimal("1.25"), "answer")
    # Another replica shares the counters: its charge sees (and exposes) the shared total.
    other = LlmBudget(counters, LlmBudgetSettings(daily_budget_usd=40), now=lambda: now)
    await other.charge(Decimal("0.75"), "agent_copilot")
    assert gauge("devbot_llm_spent_today_usd") == 2.0
    assert gauge("devbot_llm_spent_today_timestamp_seconds") == now.timestamp()

"""Prometheus metrics of LLM calls (content never, labels bounded)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LLM_CALLS = Counter(
    "devbot_llm_calls_total", "LLM calls by purpose and outcome", ["purpose", "outcome"]
)
LLM_LATENCY = Histogram(
    "devbot_llm_seconds",
    "Total latency of an LLM call, retries included",
    ["purpose"],
    buckets=(0.5, 1, 2, 3, 5, 8, 13, 20, 30),
)
LLM_FIRST_TOKEN = Histogram(
    "devbot_llm_first_token_seconds",
    "Time to the first streamed token",
    buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13),
)
LLM_TOKENS = Counter("devbot_llm_tokens_total", "Tokens used, by kind", ["kind"])
LLM_COST = Counter(
    "devbot_llm_cost_usd_total", "LLM cost in USD at list price, by purpose", ["purpose"]
)
LLM_REFUSED = Counter(
    "devbot_llm_refused_total", "Consultations answered without the LLM, by reason", ["reason"]
)
# The daily budget (llm/budget.py): the spend of all replicas today (UTC), as this one last saw
# it when it charged a call, and when that was; an alert compares only today's figures.
LLM_DAILY_BUDGET = Gauge("devbot_llm_daily_budget_usd", "LLM_DAILY_BUDGET_USD, the daily limit")
LLM_SPENT_TODAY = Gauge(
    "devbot_llm_spent_today_usd", "Today's LLM spend of all replicas at this one's last charge"
)
LLM_SPENT_SEEN = Gauge(
    "devbot_llm_spent_today_timestamp_seconds", "When devbot_llm_spent_today_usd was last set"
)

"""What an LLM call cost: the API's usage times the per-model list price from settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from llm.client import ChatMessage, Usage
from llm.context import estimate_tokens, message_tokens

Prices = Mapping[str, tuple[float, float, float]]
MILLION = Decimal(1_000_000)


def estimated_usage(messages: Sequence[ChatMessage], answer: str) -> Usage:
    """Usage from text length, for the rare answer that came without `usage`."""
    return Usage(message_tokens(messages), estimate_tokens(answer))


def cost_usd(usage: Usage, model: str, prices: Prices) -> Decimal:
    """USD at list price; a model missing from the table costs nothing."""
    price = prices.get(model)
    if price is None:
        return Decimal(0)
    input_price, cached_price, output_price = (Decimal(str(p)) for p in price)
    cached = min(usage.cached_tokens, usage.prompt_tokens)
    total = (
        (usage.prompt_tokens - cached) * input_price
        + cached * cached_price
        + usage.completion_tokens * output_price
    )
    return (total / MILLION).quantize(Decimal("0.000001"))

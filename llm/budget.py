"""LLM budgets on the shared counters (Redis in production, memory in the demo), atomic per step:

- per conversation (a "session"): LLM_SESSION_CALLS answers;
- per user per UTC day: LLM_USER_DAILY_CALLS answers;
- for the whole system per UTC day: LLM_DAILY_BUDGET_USD, charged from each call's usage;
- the desk's calls (the agents' drafts, hand-off notes), which people in a ticket cause with
  every message: LLM_DESK_TICKET_CALLS per ticket and LLM_DESK_DAILY_CALLS in all per UTC day
  (`admit_desk`), and the daily spend like any other call.

Each call's cost is also counted by purpose (`figures`), for /admin llm.

A call is admitted by counting it first (INCR, then compare), so two bot instances can never
both take the last call. Cost is kept in micro-dollars. When the day's spend first reaches
LLM_ALERT_RATIO of the budget, `charge()` says so once for that day, for the admins' alert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from bot.config import LlmBudgetSettings
from llm.metrics import LLM_DAILY_BUDGET, LLM_SPENT_SEEN, LLM_SPENT_TODAY

DAY = 86_400


class Counters(Protocol):
    """What the budget needs of a counter store (bot.kernel.kv's Redis and memory counters)."""

    async def hit(self, key: str, window_seconds: int, amount: int = 1) -> int: ...

    async def peek(self, key: str) -> int: ...


# Counters live a little longer than their day, so a late call still finds today's total.
DAY_WINDOW = DAY + 3_600
SESSION_WINDOW = 2 * DAY


class Refusal(StrEnum):
    SESSION = "session"
    USER_DAILY = "user_daily"
    SYSTEM = "system"
    TICKET = "ticket"
    DESK_DAILY = "desk_daily"


@dataclass(frozen=True)
class PurposeFigures:
    calls: int
    cost_usd: Decimal


class LlmBudget:
    def __init__(
        self,
        counters: Counters,
        settings: LlmBudgetSettings,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.counters = counters
        self.base = settings  # LLM_* as configured
        self.settings = settings  # with the admins' changes (/admin quota), see `apply`
        self._now = now
        LLM_DAILY_BUDGET.set(settings.daily_budget_usd)

    def apply(self, overrides: Mapping[str, float | int]) -> None:
        """The configured limits with the admins' changes on top (none: as configured)."""
        self.settings = self.base.model_copy(update=dict(overrides))
        LLM_DAILY_BUDGET.set(self.settings.daily_budget_usd)

    def _day(self) -> str:
        return self._now().strftime("%Y%m%d")

    async def admit(self, user_id: int, conversation_id: int) -> Refusal | None:
        """Take one LLM answer from the budgets, or say which one is spent."""
        day = self._day()
        if await self.spent_micro(day) >= self.settings.daily_budget_usd * 1_000_000:
            return Refusal.SYSTEM
        if await self.counters.hit(f"llm:session:{conversation_id}", SESSION_WINDOW) > (
            self.settings.session_calls
        ):
            return Refusal.SESSION
        if await self.counters.hit(f"llm:user:{user_id}:{day}", DAY_WINDOW) > (
            self.settings.user_daily_calls
        ):
            return Refusal.USER_DAILY
        return None

    async def admit_desk(self, ticket_id: int | None) -> Refusal | None:
        """Take one desk call (a draft, a hand-off note) from the budgets, or say which is
        spent; `ticket_id` None (no ticket yet) counts against the day only."""
        day = self._day()
        if await self.spent_micro(day) >= self.settings.daily_budget_usd * 1_000_000:
            return Refusal.SYSTEM
        if await self.counters.hit(f"llm:desk:{day}", DAY_WINDOW) > self.settings.desk_daily_calls:
            return Refusal.DESK_DAILY
        if ticket_id is not None and await self.counters.hit(
            f"llm:desk:ticket:{ticket_id}:{day}", DAY_WINDOW
        ) > (self.settings.desk_ticket_calls):
            return Refusal.TICKET
        return None

    async def figures(
        self, purposes: Iterable[str], day: str | None = None
    ) -> dict[str, PurposeFigures]:
        """Today's (or `day`'s) calls and cost of each purpose."""
        day = day or self._day()
        result = {}
        for purpose in purposes:
            calls = await self.counters.peek(f"llm:calls:{purpose}:{day}")
            micro = await self.counters.peek(f"llm:cost:{purpose}:{day}")
            result[purpose] = PurposeFigures(calls, Decimal(micro) / 1_000_000)
        return result

    async def spent_micro(self, day: str | None = None) -> int:
        return await self.counters.peek(f"llm:cost:{day or self._day()}")

    async def charge(self, cost: Decimal, purpose: str = "answer") -> bool:
        """Add a call's cost; True exactly once a day, when the alert threshold is crossed."""
        micro = max(int(cost * 1_000_000), 0)
        day = self._day()
        await self.counters.hit(f"llm:calls:{purpose}:{day}", DAY_WINDOW)
        await self.counters.hit(f"llm:cost:{purpose}:{day}", DAY_WINDOW, amount=micro)
        total = await self.counters.hit(f"llm:cost:{day}", DAY_WINDOW, amount=micro)
        LLM_SPENT_TODAY.set(total / 1_000_000)
        LLM_SPENT_SEEN.set(self._now().timestamp())
        threshold = self.settings.daily_budget_usd * self.settings.alert_ratio * 1_000_000
        if total < threshold:
            return False
        return await self.counters.hit(f"llm:alert:{day}", DAY_WINDOW) == 1

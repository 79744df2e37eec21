"""KPIs of a period from the database: the seed's targets (lead conversion at least 25%, LLM cost
under $0.15 a conversation, hand-off 10-20%, lead quality) and the figures behind them.

A period is a rolling window that ends now: the last day, 7 days or 30 days. Conversion is over
the people who talked to the bot in the period (a conversation or an intake), the other rates
over the conversations that started in it; agents' times are medians over the tickets opened in
it.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LeadScore
from db.repositories.stats import Breakdown, StatsRepository, TicketTimes

PERIODS = {"1d": 1, "7d": 7, "30d": 30}
DEFAULT_PERIOD = "1d"
SCORES = (LeadScore.HOT.value, LeadScore.WARM.value, LeadScore.COLD.value)


@dataclass(frozen=True)
class Period:
    name: str  # a key of PERIODS
    since: datetime  # aware, in UTC
    until: datetime

    @classmethod
    def named(cls, name: str, now: datetime | None = None) -> Period:
        until = (now or datetime.now(UTC)).astimezone(UTC)
        return cls(name, until - timedelta(days=PERIODS[name]), until)


def parse_period(word: str | None) -> str | None:
    """`7d`, `30d`, `1d` (also `7`, `30`, `week`, `month`, `day`); None when it is none of them."""
    if word is None:
        return DEFAULT_PERIOD
    word = word.lower().strip()
    aliases = {"day": "1d", "today": "1d", "week": "7d", "month": "30d"}
    word = aliases.get(word, word if word.endswith("d") else f"{word}d")
    return word if word in PERIODS else None


@dataclass(frozen=True)
class AgentFigures:
    """One agent's tickets of the period: how many, and the median seconds to each step."""

    name: str
    tickets: int
    to_claim: float | None
    to_first_reply: float | None
    to_close: float | None


@dataclass(frozen=True)
class Kpis:
    period: Period
    conversations: int
    people: int
    answered_without_a_human: int
    intake_started: int
    intake_completed: int
    leads_by_score: dict[str, int]
    handoff_reasons: dict[str, int]
    llm_answers: int
    llm_cost_usd: Decimal
    csat_ratings: int
    csat_average: float | None
    agents: list[AgentFigures]
    by_day: list[Breakdown]
    by_source: list[Breakdown]

    @property
    def leads(self) -> int:
        return sum(self.leads_by_score.values())

    @property
    def handoffs(self) -> int:
        return sum(self.handoff_reasons.values())

    def share(self, part: int) -> float | None:
        """`part` over the period's conversations, None without any."""
        return part / self.conversations if self.conversations else None

    @property
    def conversion_rate(self) -> float | None:
        """Leads over the people who talked to the bot (an intake logs no conversation)."""
        return min(self.leads / self.people, 1.0) if self.people else None

    @property
    def handoff_rate(self) -> float | None:
        """The period's conversations that went to a human (at least one ticket)."""
        return self.share(self.conversations - self.answered_without_a_human)

    @property
    def bot_only_rate(self) -> float | None:
        return self.share(self.answered_without_a_human)

    @property
    def cost_per_conversation(self) -> Decimal | None:
        return self.llm_cost_usd / self.conversations if self.conversations else None


def _median(values: Iterable[float]) -> float | None:
    found = list(values)
    return statistics.median(found) if found else None


def _seconds(
    tickets: list[TicketTimes], step: Callable[[TicketTimes], datetime | None]
) -> Iterable[float]:
    for ticket in tickets:
        at = step(ticket)
        if at is not None:
            yield (at - ticket.opened_at).total_seconds()


def agent_figures(tickets: list[TicketTimes]) -> list[AgentFigures]:
    """Per agent who claimed tickets, busiest first."""
    by_agent: dict[str, list[TicketTimes]] = {}
    for ticket in tickets:
        if ticket.agent is not None:
            by_agent.setdefault(ticket.agent, []).append(ticket)
    figures = [
        AgentFigures(
            name,
            len(own),
            _median(_seconds(own, lambda t: t.claimed_at)),
            _median(_seconds(own, lambda t: t.first_reply_at)),
            _median(_seconds(own, lambda t: t.closed_at)),
        )
        for name, own in by_agent.items()
    ]
    return sorted(figures, key=lambda f: (-f.tickets, f.name))


async def compute(session: AsyncSession, period: Period) -> Kpis:
    rows = await StatsRepository(session).period(period.since, period.until)
    ratings = [t.rating for t in rows.tickets if t.rating is not None]
    return Kpis(
        period=period,
        conversations=rows.conversations,
        people=rows.people,
        answered_without_a_human=rows.answered_without_a_human,
        intake_started=rows.intake_started,
        intake_completed=rows.intake_completed,
        leads_by_score=rows.leads_by_score,
        handoff_reasons=rows.handoff_reasons,
        llm_answers=rows.llm_answers,
        llm_cost_usd=rows.llm_cost_usd,
        csat_ratings=len(ratings),
        csat_average=sum(ratings) / len(ratings) if ratings else None,
        agents=agent_figures(rows.tickets),
        by_day=rows.by_day,
        by_source=rows.by_source,
    )

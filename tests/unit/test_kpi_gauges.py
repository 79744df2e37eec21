"""The KPI gauges: read from the rows of the last day and week and published with their labels
(what is older than a period is not in it)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.stats.gauges import KpiGauges
from db.base import utcnow
from db.models import Conversation, Lead, Message, SenderType, Ticket, User


def gauge(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


async def test_the_day_and_the_week(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    now = utcnow()
    async with sessionmaker() as session:
        session.add_all([User(id=1), User(id=2), User(id=3), User(id=4)])
        await session.flush()
        convs = [Conversation(user_id=uid, created_at=now - timedelta(hours=1)) for uid in (1, 2)]
        convs += [Conversation(user_id=uid, created_at=now - timedelta(days=3)) for uid in (3, 4)]
        session.add_all(convs)
        await session.flush()
        session.add_all([
            Lead(user_id=1, created_at=now - timedelta(hours=1)),
            Ticket(user_id=2, conversation_id=convs[1].id, opened_at=now, rating=4),
            Ticket(user_id=3, conversation_id=convs[2].id, opened_at=now - timedelta(days=3),
                   rating=2),
            Message(conversation_id=convs[0].id, sender_type=SenderType.BOT, llm_model="m",
                    cost_usd=Decimal("0.10"), created_at=now),
        ])  # fmt: skip
        await session.commit()
    await KpiGauges(sessionmaker).refresh()
    assert gauge("devbot_kpi_count", kpi="conversations", period="1d") == 2
    assert gauge("devbot_kpi_count", kpi="conversations", period="7d") == 4
    assert gauge("devbot_kpi_count", kpi="leads", period="7d") == 1
    assert gauge("devbot_kpi_count", kpi="handoffs", period="1d") == 1
    assert gauge("devbot_kpi_ratio", kpi="conversion", period="1d") == 0.5
    assert gauge("devbot_kpi_ratio", kpi="handoff", period="7d") == 0.5
    assert gauge("devbot_kpi_ratio", kpi="bot_only", period="1d") == 0.5
    assert gauge("devbot_kpi_llm_cost_per_conversation_usd", period="1d") == 0.05
    assert gauge("devbot_kpi_llm_cost_per_conversation_usd", period="7d") == 0.025
    assert gauge("devbot_kpi_csat", period="1d") == 4
    assert gauge("devbot_kpi_csat", period="7d") == 3
    refreshed = gauge("devbot_kpi_refreshed_timestamp_seconds")
    assert refreshed is not None and refreshed > 0

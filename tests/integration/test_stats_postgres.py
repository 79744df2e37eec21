"""The period's figures on PostgreSQL whatever the database session's time zone: the window is
aware UTC and the days are UTC days (a session in UTC+14 would otherwise move a late-evening
conversation to the next day)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.stats.kpis import Period, compute
from db.models import Conversation, Lead, Ticket, User

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


async def test_days_and_bounds_are_utc(pg_sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with pg_sessionmaker() as session:
        session.add_all([User(id=1, source="ads"), User(id=2)])
        await session.flush()
        late = Conversation(
            user_id=1, source="ads", created_at=datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
        )
        early = Conversation(user_id=2, created_at=datetime(2026, 12, 4, 1, 0, tzinfo=UTC))
        old = Conversation(user_id=2, created_at=datetime(2026, 12, 3, 11, 59, tzinfo=UTC))
        session.add_all([late, early, old])
        await session.flush()
        session.add_all([
            Lead(user_id=1, conversation_id=late.id, source="ads", created_at=late.created_at),
            Ticket(user_id=2, conversation_id=early.id, opened_at=early.created_at),
        ])  # fmt: skip
        await session.commit()

    async with pg_sessionmaker() as session:
        await session.execute(text("SET TIME ZONE 'Pacific/Kiritimati'"))  # UTC+14
        day = await compute(session, Period.named("1d", NOW))
        week = await compute(session, Period.named("7d", NOW))
    # The last 24 hours from 12:00 UTC: 20:00 and 01:00, not 11:59 the day before.
    assert (day.conversations, day.leads, day.handoffs) == (2, 1, 1)
    assert day.handoff_rate == 0.5 and day.bot_only_rate == 0.5
    assert [(d.key, d.conversations, d.leads, d.handoffs) for d in week.by_day] == [
        ("2026-12-03", 2, 1, 0),
        ("2026-12-04", 1, 0, 1),
    ]
    assert [(s.key, s.conversations) for s in week.by_source] == [("", 2), ("ads", 1)]

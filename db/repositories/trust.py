"""Who has earned higher limits: active agents, and clients who completed an intake."""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Agent, IntakeProgress


async def is_agent_or_client(session: AsyncSession, user_id: int) -> bool:
    agent = exists().where(Agent.telegram_id == user_id, Agent.is_active.is_(True))
    client = exists().where(IntakeProgress.user_id == user_id, IntakeProgress.completed.is_(True))
    return bool(await session.scalar(select(or_(agent, client))))

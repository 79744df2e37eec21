"""Who has earned higher limits: active agents, and clients: people with a lead that is worth
something (scored warm or hot, or taken up by an agent). Completing the intake alone is not
enough: five junk answers would buy anyone the trusted factor for good."""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Agent, Lead
from db.models.enums import LeadScore, LeadStatus

WORTH = (LeadScore.WARM, LeadScore.HOT)
TAKEN_UP = (LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.WON)


async def is_agent_or_client(session: AsyncSession, user_id: int) -> bool:
    agent = exists().where(Agent.telegram_id == user_id, Agent.is_active.is_(True))
    client = exists().where(
        Lead.user_id == user_id, or_(Lead.score.in_(WORTH), Lead.status.in_(TAKEN_UP))
    )
    return bool(await session.scalar(select(or_(agent, client))))

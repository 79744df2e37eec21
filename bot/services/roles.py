"""Who may do what: the ranked agent roles, with ADMIN_IDS as superadmins.

A person's role is the highest of: superadmin when their Telegram id is in ADMIN_IDS, and the
role of their active row in `agents`. Roles are ranked (agent < senior < admin < superadmin);
`allows(role, needed)` says whether a role covers what a command needs.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Agent
from db.models.enums import AgentRole

RANK = {role: rank for rank, role in enumerate(AgentRole)}


def allows(role: AgentRole | None, needed: AgentRole) -> bool:
    return role is not None and RANK[role] >= RANK[needed]


async def role_of(
    session: AsyncSession, telegram_id: int, admin_ids: Collection[int] = ()
) -> AgentRole | None:
    """The person's role, or None for someone who is neither an agent nor an admin."""
    if telegram_id in admin_ids:
        return AgentRole.SUPERADMIN
    return await session.scalar(
        select(Agent.role).where(Agent.telegram_id == telegram_id, Agent.is_active.is_(True))
    )

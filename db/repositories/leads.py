"""Leads, and the one conversation read the intake needs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Lead, LeadStatus, User
from db.repositories.privacy import visible

# A lead the team is still working on: a new intake from the same user updates it.
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


class LeadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def newest_open(self, user_id: int) -> Lead | None:
        """The user's newest lead that is neither won nor lost."""
        return await self.session.scalar(
            select(Lead)
            .where(Lead.user_id == user_id, Lead.status.in_(OPEN_STATUSES))
            .order_by(Lead.id.desc())
            .limit(1)
        )

    async def add(self, lead: Lead) -> Lead:
        self.session.add(lead)
        await self.session.flush()
        return lead

    async def all_newest_first(self) -> list[Lead]:
        """Leads of everyone but those who asked to be forgotten."""
        rows = await self.session.scalars(
            select(Lead)
            .where(visible(Lead.user_id))
            .order_by(Lead.created_at.desc(), Lead.id.desc())
        )
        return list(rows.all())

    async def newest(self, limit: int, score: str | None = None) -> list[Lead]:
        """The newest `limit` leads (of one score, if given) of everyone not forgotten."""
        query = select(Lead).where(visible(Lead.user_id))
        if score is not None:
            query = query.where(Lead.score == score)
        rows = await self.session.scalars(query.order_by(Lead.id.desc()).limit(limit))
        return list(rows)

    async def visible_one(self, lead_id: int) -> Lead | None:
        """The lead, unless its person asked to be forgotten."""
        return await self.session.scalar(
            select(Lead).where(Lead.id == lead_id, visible(Lead.user_id))
        )

    async def lead_usernames(self) -> dict[int, str | None]:
        """Telegram usernames of everyone with a lead, by user id (one query for an export)."""
        rows = await self.session.execute(
            select(User.id, User.username).where(User.id.in_(select(Lead.user_id)))
        )
        return {user_id: username for user_id, username in rows}

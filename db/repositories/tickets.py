"""Tickets, their relayed message pairs and the agents who work them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Agent, RelayedMessage, Ticket, TicketStatus
from db.rows import forget_on_write

OPEN = (TicketStatus.OPEN, TicketStatus.CLAIMED)
# Users known, in this session, to have no open ticket (loaded with the user's row, see
# db.repositories.context): every message asks, and almost nobody has one. Forgotten as soon
# as the session writes a ticket.
_NONE_OPEN = "no_open_ticket"


def remember_none_open(session: AsyncSession, user_id: int) -> None:
    session.info.setdefault(_NONE_OPEN, set()).add(user_id)


forget_on_write(_NONE_OPEN, Ticket)


class TicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self.session.get(Ticket, ticket_id, populate_existing=True)

    async def open_of(self, user_id: int) -> Ticket | None:
        """The user's newest ticket that is not closed."""
        if user_id in self.session.info.get(_NONE_OPEN, ()):
            return None
        return await self.session.scalar(
            select(Ticket)
            .where(Ticket.user_id == user_id, Ticket.status.in_(OPEN))
            .order_by(Ticket.id.desc())
            .limit(1)
        )

    async def recent_of(self, user_id: int, since: datetime) -> list[Ticket]:
        """The user's tickets opened or closed since `since`, oldest first (the desk's limits
        on opening another)."""
        rows = await self.session.scalars(
            select(Ticket)
            .where(
                Ticket.user_id == user_id,
                or_(Ticket.opened_at >= since, Ticket.closed_at >= since),
            )
            .order_by(Ticket.id)
        )
        return list(rows)

    async def last_topic(self, user_id: int) -> int | None:
        """The forum topic of the user's newest ticket that had one."""
        return await self.session.scalar(
            select(Ticket.topic_id)
            .where(Ticket.user_id == user_id, Ticket.topic_id.is_not(None))
            .order_by(Ticket.id.desc())
            .limit(1)
        )

    async def add(self, ticket: Ticket) -> Ticket:
        self.session.add(ticket)
        await self.session.flush()
        return ticket

    async def open_new(self, ticket: Ticket) -> Ticket:
        """Store a new open `ticket`, or return the open ticket that another update stored for
        the same user a moment earlier (one open ticket per user is a unique index)."""
        try:
            async with self.session.begin_nested():
                self.session.add(ticket)
        except IntegrityError:
            winner = await self.open_of(ticket.user_id)
            if winner is None:  # closed again meanwhile: this one is the open one after all
                return await self.add(ticket)
            return winner
        return ticket

    async def by_topic(self, topic_id: int) -> Ticket | None:
        return await self.session.scalar(
            select(Ticket).where(Ticket.topic_id == topic_id).order_by(Ticket.id.desc()).limit(1)
        )

    async def by_group_message(self, message_id: int) -> Ticket | None:
        """The ticket of a card or relayed copy in the agents' group (plain groups reply to
        these)."""
        relayed = select(RelayedMessage.ticket_id).where(
            RelayedMessage.group_message_id == message_id
        )
        return await self.session.scalar(
            select(Ticket)
            .where(or_(Ticket.card_message_id == message_id, Ticket.id.in_(relayed)))
            .order_by(Ticket.id.desc())
            .limit(1)
        )

    async def claim(self, ticket_id: int, agent_id: int, now: datetime) -> bool:
        """Assign an open ticket in one statement: of two agents at the same moment, exactly
        one changes the row."""
        result = await self.session.execute(
            update(Ticket)
            .where(
                Ticket.id == ticket_id,
                Ticket.status == TicketStatus.OPEN,
                Ticket.claimed_by.is_(None),
            )
            .values(
                status=TicketStatus.CLAIMED,
                claimed_by=agent_id,
                claimed_at=func.coalesce(Ticket.claimed_at, now),
                last_agent_activity_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def silent(self, before: datetime) -> list[Ticket]:
        """Claimed tickets whose agent has not acted since `before`."""
        rows = await self.session.scalars(
            select(Ticket).where(
                Ticket.status == TicketStatus.CLAIMED,
                Ticket.last_agent_activity_at < before,
            )
        )
        return list(rows.all())

    async def add_relay(
        self, ticket_id: int, direction: str, user_message_id: int, group_message_id: int
    ) -> None:
        self.session.add(
            RelayedMessage(
                ticket_id=ticket_id,
                direction=direction,
                user_message_id=user_message_id,
                group_message_id=group_message_id,
            )
        )
        await self.session.flush()

    async def relay_of(self, group_message_id: int, direction: str) -> RelayedMessage | None:
        return await self.session.scalar(
            select(RelayedMessage)
            .where(
                RelayedMessage.group_message_id == group_message_id,
                RelayedMessage.direction == direction,
            )
            .order_by(RelayedMessage.id.desc())
            .limit(1)
        )


class AgentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_telegram_id(self, telegram_id: int) -> Agent | None:
        return await self.session.scalar(select(Agent).where(Agent.telegram_id == telegram_id))

    async def by_username(self, username: str, *, active_only: bool = True) -> Agent | None:
        query = select(Agent).where(func.lower(Agent.username) == username.lower().lstrip("@"))
        if active_only:
            query = query.where(Agent.is_active.is_(True))
        return await self.session.scalar(query.limit(1))

    async def count_active(self) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).select_from(Agent).where(Agent.is_active.is_(True))
            )
            or 0
        )

    async def add(self, agent: Agent) -> Agent:
        self.session.add(agent)
        await self.session.flush()
        return agent

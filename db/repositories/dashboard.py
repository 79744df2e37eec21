"""What the admins' dashboard reads: conversations found by text, name or e-mail and filtered,
one conversation's history, leads and tickets filtered, and what is new since an id (the live
updates). People who asked to be forgotten are left out everywhere.

Times are in UTC, as the tables keep them; a filter's `until` is exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Agent,
    Conversation,
    ConversationStatus,
    Lead,
    LeadScore,
    LeadStatus,
    Message,
    Ticket,
    TicketStatus,
    User,
)
from db.repositories.privacy import visible

PAGE_SIZE = 50


def _like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _within(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    found = []
    if since is not None:
        found.append(column >= since)
    if until is not None:
        found.append(column < until)
    return found


@dataclass(frozen=True)
class ConversationFilter:
    text: str | None = None  # in a message, the person's name or @username, or an e-mail
    status: ConversationStatus | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    escalated: bool | None = None


@dataclass(frozen=True)
class ConversationRow:
    conversation: Conversation
    user: User
    messages: int
    escalated: bool


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    user: User
    agent: str | None


@dataclass(frozen=True)
class LeadFilter:
    text: str | None = None  # name, e-mail or company
    score: LeadScore | None = None
    status: LeadStatus | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class TicketFilter:
    status: TicketStatus | None = None
    since: datetime | None = None
    until: datetime | None = None


def _escalated() -> ColumnElement[bool]:
    return exists().where(Ticket.conversation_id == Conversation.id)


def _matching(text: str) -> ColumnElement[bool]:
    pattern = _like(text.strip().lstrip("@"))  # "@name" finds the username too
    full_name = func.coalesce(User.first_name, "") + " " + func.coalesce(User.last_name, "")
    return or_(
        exists().where(
            Message.conversation_id == Conversation.id,
            Message.text.ilike(pattern, escape="\\"),
        ),
        full_name.ilike(pattern, escape="\\"),
        User.username.ilike(pattern, escape="\\"),
        exists().where(
            Lead.user_id == Conversation.user_id,
            or_(Lead.email.ilike(pattern, escape="\\"), Lead.name.ilike(pattern, escape="\\")),
        ),
        exists().where(
            Ticket.user_id == Conversation.user_id,
            Ticket.contact_email.ilike(pattern, escape="\\"),
        ),
    )


class DashboardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _conversations(self) -> Select[Any]:
        count = (
            select(func.count())
            .where(Message.conversation_id == Conversation.id)
            .scalar_subquery()
        )
        return (
            select(Conversation, User, count, _escalated())
            .join(User, User.id == Conversation.user_id)
            .where(visible(Conversation.user_id))
        )

    async def conversations(
        self, where: ConversationFilter, page: int = 0, size: int = PAGE_SIZE
    ) -> list[ConversationRow]:
        """Newest first; `size` + 1 rows at most tell the caller whether a next page exists."""
        query = self._conversations()
        if where.text and where.text.strip():
            query = query.where(_matching(where.text))
        if where.status is not None:
            query = query.where(Conversation.status == where.status)
        if where.source is not None:
            query = query.where(func.coalesce(Conversation.source, "") == where.source)
        if where.escalated is not None:
            query = query.where(_escalated() if where.escalated else ~_escalated())
        query = query.where(*_within(Conversation.created_at, where.since, where.until))
        rows = await self.session.execute(
            query.order_by(Conversation.id.desc()).offset(page * size).limit(size + 1)
        )
        return [ConversationRow(*row) for row in rows]

    async def conversation(self, conversation_id: int) -> ConversationRow | None:
        row = (
            await self.session.execute(
                self._conversations().where(Conversation.id == conversation_id)
            )
        ).first()
        return ConversationRow(*row) if row is not None else None

    async def history(self, conversation_id: int, limit: int = 500) -> list[Message]:
        """The conversation's messages, oldest first (the newest `limit`)."""
        rows = await self.session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.id.desc())
            .limit(limit)
        )
        return list(reversed(rows.all()))

    async def conversation_tickets(self, conversation_id: int) -> list[TicketRow]:
        return await self._tickets(Ticket.conversation_id == conversation_id)

    async def sources(self) -> list[str]:
        """Every source a conversation came from ("" for none), for the filters: of people
        who did not ask to be forgotten (a campaign of theirs alone would name them)."""
        source = func.coalesce(Conversation.source, "")
        rows = await self.session.scalars(
            select(source).where(visible(Conversation.user_id)).distinct().order_by(source)
        )
        return list(rows.all())

    async def leads(self, where: LeadFilter, limit: int | None = 1000) -> list[Lead]:
        """Newest first; `limit` None for all (the export)."""
        query = select(Lead).where(visible(Lead.user_id))
        if where.text and where.text.strip():
            pattern = _like(where.text.strip())
            query = query.where(
                or_(
                    Lead.name.ilike(pattern, escape="\\"),
                    Lead.email.ilike(pattern, escape="\\"),
                    Lead.company.ilike(pattern, escape="\\"),
                )
            )
        if where.score is not None:
            query = query.where(Lead.score == where.score)
        if where.status is not None:
            query = query.where(Lead.status == where.status)
        if where.source is not None:
            query = query.where(func.coalesce(Lead.source, "") == where.source)
        query = query.where(*_within(Lead.created_at, where.since, where.until))
        rows = await self.session.scalars(
            query.order_by(Lead.created_at.desc(), Lead.id.desc()).limit(limit)
        )
        return list(rows.all())

    async def tickets(self, where: TicketFilter, limit: int = 500) -> list[TicketRow]:
        conditions: list[Any] = _within(Ticket.opened_at, where.since, where.until)
        if where.status is not None:
            conditions.append(Ticket.status == where.status)
        return await self._tickets(*conditions, limit=limit)

    async def _tickets(self, *conditions: Any, limit: int = 500) -> list[TicketRow]:
        rows = await self.session.execute(
            select(Ticket, User, Agent.name)
            .join(User, User.id == Ticket.user_id)
            .outerjoin(Agent, Agent.id == Ticket.claimed_by)
            .where(visible(Ticket.user_id), *conditions)
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
        return [TicketRow(*row) for row in rows]

    async def newest_ids(self) -> tuple[int, int]:
        """The newest conversation's and ticket's ids (0 without any): where live updates start."""
        conversation = await self.session.scalar(select(func.max(Conversation.id)))
        ticket = await self.session.scalar(select(func.max(Ticket.id)))
        return conversation or 0, ticket or 0

    async def conversations_after(self, after: int, limit: int = 20) -> list[ConversationRow]:
        rows = await self.session.execute(
            self._conversations()
            .where(Conversation.id > after)
            .order_by(Conversation.id)
            .limit(limit)
        )
        return [ConversationRow(*row) for row in rows]

    async def tickets_after(self, after: int, limit: int = 20) -> list[TicketRow]:
        rows = await self.session.execute(
            select(Ticket, User, Agent.name)
            .join(User, User.id == Ticket.user_id)
            .outerjoin(Agent, Agent.id == Ticket.claimed_by)
            .where(visible(Ticket.user_id), Ticket.id > after)
            .order_by(Ticket.id)
            .limit(limit)
        )
        return [TicketRow(*row) for row in rows]

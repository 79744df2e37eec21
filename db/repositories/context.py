"""The user behind an update with what every message asks about them, in one query.

Each message needs the user's row, whether they have an open ticket (their messages then go to
the agents) and their current conversation (the log). Read together, that is one round trip
instead of three; the ticket and conversation repositories answer from what was read here for
the rest of the session."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Conversation, Ticket, User
from db.repositories.conversations import OPEN_STATUSES, ConversationRepository
from db.repositories.tickets import OPEN, remember_none_open


async def load_user(session: AsyncSession, user_id: int) -> User | None:
    """The user's row (None before their first message), priming the session's knowledge of
    their open ticket and current conversation."""
    current = (
        select(Conversation.id)
        .where(Conversation.user_id == User.id, Conversation.status.in_(OPEN_STATUSES))
        .order_by(Conversation.id.desc())
        .limit(1)
        .correlate(User)
        .scalar_subquery()
    )
    open_ticket = (
        select(Ticket.id)
        .where(Ticket.user_id == User.id, Ticket.status.in_(OPEN))
        .limit(1)
        .correlate(User)
        .scalar_subquery()
    )
    row = (
        await session.execute(
            select(User, Conversation, open_ticket)
            .outerjoin(Conversation, Conversation.id == current)
            .where(User.id == user_id)
        )
    ).first()
    if row is None:
        return None
    user, conversation, ticket_id = row
    ConversationRepository(session).remember_current(user_id, conversation)
    if ticket_id is None:
        remember_none_open(session, user_id)
    return user

"""The user behind an update with what every message asks about them, in one query.

Each message needs the user's row, whether they have an open ticket (their messages then go to
the agents) and their current conversation (the log). Read together, that is one round trip
instead of three; the ticket and conversation repositories answer from what was read here for
the rest of the session."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Conversation, Ticket, User
from db.repositories.conversations import OPEN_STATUSES, ConversationRepository
from db.repositories.tickets import OPEN, remember_none_open

_CURRENT = (
    select(Conversation.id)
    .where(Conversation.user_id == User.id, Conversation.status.in_(OPEN_STATUSES))
    .order_by(Conversation.id.desc())
    .limit(1)
    .correlate(User)
    .scalar_subquery()
)
_OPEN_TICKET = (
    select(Ticket.id)
    .where(Ticket.user_id == User.id, Ticket.status.in_(OPEN))
    .limit(1)
    .correlate(User)
    .scalar_subquery()
)
# Built once: the statement and its cache key are reused by every update.
_LOAD = (
    select(User, Conversation, _OPEN_TICKET)
    .outerjoin(Conversation, Conversation.id == _CURRENT)
    .where(User.id == bindparam("user_id"))
)


async def load_user(session: AsyncSession, user_id: int) -> User | None:
    """The user's row (None before their first message), priming the session's knowledge of
    their open ticket and current conversation."""
    row = (await session.execute(_LOAD, {"user_id": user_id})).first()
    if row is None:
        return None
    user, conversation, ticket_id = row
    ConversationRepository(session).remember_current(user_id, conversation)
    if ticket_id is None:
        remember_none_open(session, user_id)
    return user

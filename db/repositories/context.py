"""The user behind an update with what every message asks about them, in one query.

Each message needs the user's row, whether they have an open ticket (their messages then go to
the agents) and their current conversation (the log). Read together, that is one round trip
instead of three; the ticket and conversation repositories answer from what was read here for
the rest of the session."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from db.base import Base
from db.models import Conversation, User
from db.repositories.conversations import OPEN_STATUSES, ConversationRepository
from db.repositories.tickets import OPEN, remember_none_open

Model = TypeVar("Model", bound=Base)
_USERS = Base.metadata.tables["users"]
_CONVERSATIONS = Base.metadata.tables["conversations"]
_TICKETS = Base.metadata.tables["tickets"]
_LATEST = _CONVERSATIONS.alias("latest")
_CURRENT = (
    select(_LATEST.c.id)
    .where(_LATEST.c.user_id == _USERS.c.id, _LATEST.c.status.in_(OPEN_STATUSES))
    .order_by(_LATEST.c.id.desc())
    .limit(1)
    .correlate(_USERS)
    .scalar_subquery()
)
_OPEN_TICKET = (
    select(_TICKETS.c.id)
    .where(_TICKETS.c.user_id == _USERS.c.id, _TICKETS.c.status.in_(OPEN))
    .limit(1)
    .correlate(_USERS)
    .scalar_subquery()
)
# Built once, in Core: the statement and its cache key are reused by every update, and the rows
# become objects without the ORM's loading machinery (a query's CPU, several times over).
_LOAD = (
    select(*_USERS.c, *_CONVERSATIONS.c, _OPEN_TICKET)
    .select_from(_USERS.outerjoin(_CONVERSATIONS, _CONVERSATIONS.c.id == _CURRENT))
    .where(_USERS.c.id == bindparam("user_id"))
)
_USER_COLUMNS = [column.key for column in _USERS.c]
_CONVERSATION_COLUMNS = [column.key for column in _CONVERSATIONS.c]


async def load_user(session: AsyncSession, user_id: int) -> User | None:
    """The user's row (None before their first message), priming the session's knowledge of
    their open ticket and current conversation."""
    row = (await session.execute(_LOAD, {"user_id": user_id})).first()
    if row is None:
        return None
    split = len(_USER_COLUMNS)
    user = _loaded(session, User, dict(zip(_USER_COLUMNS, row[:split], strict=True)))
    conversation_values = row[split : split + len(_CONVERSATION_COLUMNS)]
    conversation = None
    if conversation_values[0] is not None:
        conversation = _loaded(
            session,
            Conversation,
            dict(zip(_CONVERSATION_COLUMNS, conversation_values, strict=True)),
        )
    ConversationRepository(session).remember_current(user_id, conversation)
    if row[-1] is None:
        remember_none_open(session, user_id)
    return user


def _loaded(session: AsyncSession, model: type[Model], values: dict[str, Any]) -> Model:
    """The session's object for this row: the one it holds already, or a new one, loaded."""
    existing = session.sync_session.identity_map.get(identity_key(model, values["id"]))
    if existing is not None:
        return existing
    instance = model(**values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance

"""The user behind an update with what every message asks about them, in one query.

Each message needs the user's row (inserted on their first message), whether they have an open
ticket (their messages then go to the agents), their current conversation (the log) and their
last texts in it (the frustration check: the same question asked again). Read together, that is
one round trip instead of five (on PostgreSQL the insert of a new person rides along; SQLite
takes a second statement); the ticket and conversation repositories answer from what was read
here for the rest of the session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, literal, null, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base
from db.driver import DriverStatement, on_driver
from db.models import Conversation, SenderType, User
from db.repositories.conversations import (
    OPEN_STATUSES,
    RECENT_USER_TEXTS,
    ConversationRepository,
)
from db.repositories.tickets import OPEN, remember_none_open
from db.repositories.users import UserRepository
from db.rows import as_loaded

_USERS = Base.metadata.tables["users"]
_CONVERSATIONS = Base.metadata.tables["conversations"]
_TICKETS = Base.metadata.tables["tickets"]
_MESSAGES = Base.metadata.tables["messages"]
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


def _user_text(newest: int) -> Any:
    """The text of the user's `newest`-th newest message (0: the newest) in the conversation."""
    return (
        select(_MESSAGES.c.text)
        .where(
            _MESSAGES.c.conversation_id == _CONVERSATIONS.c.id,
            _MESSAGES.c.sender_type == SenderType.USER,
            _MESSAGES.c.text.is_not(None),
        )
        .order_by(_MESSAGES.c.id.desc())
        .limit(1)
        .offset(newest)
        .correlate(_CONVERSATIONS)
        .scalar_subquery()
    )


_USER_TEXTS = [_user_text(newest) for newest in range(RECENT_USER_TEXTS)]
# Built once, in Core: the statement and its cache key are reused by every update, and the rows
# become objects without the ORM's loading machinery (a query's CPU, several times over).
_LOAD = (
    select(*_USERS.c, *_CONVERSATIONS.c, _OPEN_TICKET, *_USER_TEXTS)
    .select_from(_USERS.outerjoin(_CONVERSATIONS, _CONVERSATIONS.c.id == _CURRENT))
    .where(_USERS.c.id == bindparam("user_id"))
)
# PostgreSQL: the same, or the new person's row inserted (the CTE's row is not visible to the
# SELECT of the same statement, so exactly one branch answers).
_NEW = (
    postgresql.insert(_USERS)
    .values({column.key: bindparam(f"new_{column.key}") for column in _USERS.c})
    .on_conflict_do_nothing()
    .returning(*_USERS.c)
    .cte("new_user")
)
_LOAD_OR_ADD = _LOAD.add_columns(literal(False).label("added")).union_all(
    select(
        *_NEW.c,
        *(null() for _ in _CONVERSATIONS.c),
        null(),
        *(null() for _ in _USER_TEXTS),
        literal(True).label("added"),
    )
)
_LOAD_ON_DRIVER = DriverStatement(_LOAD)
_LOAD_OR_ADD_ON_DRIVER = DriverStatement(_LOAD_OR_ADD)
_USER_COLUMNS = [column.key for column in _USERS.c]
_CONVERSATION_COLUMNS = [column.key for column in _CONVERSATIONS.c]
# Where a row's open ticket and the user's texts sit (after the user's and the conversation's
# columns).
_TICKET_AT = len(_USER_COLUMNS) + len(_CONVERSATION_COLUMNS)
_TEXTS_AT = _TICKET_AT + 1


async def load_user(
    session: AsyncSession, user_id: int, new: dict[str, Any] | None = None
) -> User | None:
    """The user's row, priming the session's knowledge of their open ticket and current
    conversation; None before their first message, unless `new` (every column's value) gives
    the row to insert then."""
    row: Sequence[Any] | None
    if on_driver(session):
        if new is None:
            row = await _LOAD_ON_DRIVER.fetchrow(session, {"user_id": user_id})
        else:
            values = {"user_id": user_id} | {f"new_{key}": new[key] for key in _USER_COLUMNS}
            row = await _LOAD_OR_ADD_ON_DRIVER.fetchrow(session, values)
        if row is not None and new is not None and row[-1]:  # "added": inserted just now
            return _primed_new(session, as_loaded(session, User, _user_values(row)))
    else:
        row = (await session.execute(_LOAD, {"user_id": user_id})).first()
        if row is None and new is not None:
            added = await UserRepository(session).insert_new(user_id, **new)
            return _primed_new(session, added) if added is not None else None
    if row is None:
        return None  # a concurrent update is inserting them (its commit is still to come)
    split = len(_USER_COLUMNS)
    user = as_loaded(session, User, _user_values(row))
    conversation_values = row[split : split + len(_CONVERSATION_COLUMNS)]
    conversations = ConversationRepository(session)
    conversation = None
    if conversation_values[0] is not None:
        conversation = as_loaded(
            session,
            Conversation,
            dict(zip(_CONVERSATION_COLUMNS, conversation_values, strict=True)),
        )
        texts = row[_TEXTS_AT : _TEXTS_AT + RECENT_USER_TEXTS]
        conversations.remember_user_texts(conversation.id, [t for t in reversed(texts) if t])
    conversations.remember_current(user_id, conversation)
    if row[_TICKET_AT] is None:
        remember_none_open(session, user_id)
    return user


def _user_values(row: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(_USER_COLUMNS, row[: len(_USER_COLUMNS)], strict=True))


def _primed_new(session: AsyncSession, user: User) -> User:
    """A person just inserted has no conversation and no ticket yet."""
    ConversationRepository(session).remember_current(user.id, None)
    remember_none_open(session, user.id)
    return user

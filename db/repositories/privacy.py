"""What the database holds about one user, found generically, and the queries of GDPR requests.

A user's rows are the `users` row and every row that reaches it through ON DELETE CASCADE foreign
keys (conversations, their messages, leads, tickets, attachments, and tables added later, such
as the desk's topic mapping): exactly what deleting the user row removes. Walking the metadata
instead of naming tables keeps the export and the erasure complete as the schema grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base
from db.models import (
    ActorType,
    Attachment,
    AuditLog,
    GroupPost,
    RelayedMessage,
    Ticket,
    User,
)
from db.repositories.audit import USER


def visible(user_id_column: Any) -> ColumnElement[bool]:
    """A filter for queries that show users' data to agents: leaves out those who asked to be
    forgotten. `select(Lead).where(visible(Lead.user_id))`."""
    return user_id_column.not_in(select(User.id).where(User.forget_requested_at.is_not(None)))


def _cascades(table: Table) -> list[tuple[Any, Table, str]]:
    """(column, parent table, parent column) of `table`'s ON DELETE CASCADE foreign keys."""
    found = []
    for fk in table.foreign_keys:
        if (fk.ondelete or "").upper() == "CASCADE":
            found.append((fk.parent, fk.column.table, fk.column.name))
    return found


async def owned_rows(session: AsyncSession, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row that belongs to the user, by table name (parents before children)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    users = Base.metadata.tables[User.__tablename__]
    for table in Base.metadata.sorted_tables:
        if table is users:
            condition: ColumnElement[bool] | None = users.c.id == user_id
        else:
            matches = []
            for column, parent, parent_column in _cascades(table):
                values = {row[parent_column] for row in rows.get(parent.name, [])}
                if values:
                    matches.append(column.in_(values))
            condition = or_(*matches) if matches else None
        if condition is None:
            continue
        result = await session.execute(select(table).where(condition))
        found = [dict(row) for row in result.mappings()]
        if found:
            rows[table.name] = found
    return rows


async def audit_entries(session: AsyncSession, user_id: int) -> list[AuditLog]:
    """Audit entries the user made or that concern them."""
    result = await session.scalars(
        select(AuditLog).where(_about(user_id)).order_by(AuditLog.created_at, AuditLog.id)
    )
    return list(result.all())


def _about(user_id: int) -> ColumnElement[bool]:
    return or_(
        and_(AuditLog.actor_type == ActorType.USER, AuditLog.actor_id == user_id),
        and_(AuditLog.target_type == USER, AuditLog.target_id == user_id),
    )


async def due_for_erasure(session: AsyncSession, requested_before: datetime) -> list[int]:
    result = await session.scalars(
        select(User.id)
        .where(User.forget_requested_at.is_not(None), User.forget_requested_at <= requested_before)
        .order_by(User.forget_requested_at)
    )
    return list(result.all())


async def storage_paths(session: AsyncSession, user_id: int) -> Sequence[str | None]:
    result = await session.scalars(
        select(Attachment.storage_path).where(Attachment.user_id == user_id)
    )
    return result.all()


async def anonymise_audit(session: AsyncSession, user_id: int) -> int:
    """Keep what was done and when, forget that it was this user (details may name them)."""
    count = 0
    for condition, values in (
        (
            and_(AuditLog.actor_type == ActorType.USER, AuditLog.actor_id == user_id),
            {"actor_id": None, "details": None},
        ),
        (
            and_(AuditLog.target_type == USER, AuditLog.target_id == user_id),
            {"target_id": None, "details": None},
        ),
    ):
        result = await session.execute(
            update(AuditLog)
            .where(condition)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        count += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return count


async def delete_user(session: AsyncSession, user_id: int) -> int:
    """Delete the user row; the database cascades to everything they own."""
    result = await session.execute(
        delete(User).where(User.id == user_id).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def agent_group_traces(session: AsyncSession, user_id: int) -> tuple[set[int], set[int]]:
    """What the agents' group holds of the user: (their forum topic ids, the ids of messages
    outside those topics: cards and copies in a plain group, lead cards, notes)."""
    tickets = (
        await session.execute(
            select(Ticket.id, Ticket.topic_id, Ticket.card_message_id).where(
                Ticket.user_id == user_id
            )
        )
    ).all()
    topics = {topic for _, topic, _ in tickets if topic is not None}
    plain = [ticket_id for ticket_id, topic, _ in tickets if topic is None]
    messages = {card for _, topic, card in tickets if topic is None and card is not None}
    if plain:
        copies = await session.scalars(
            select(RelayedMessage.group_message_id).where(RelayedMessage.ticket_id.in_(plain))
        )
        messages.update(copies)
    posts = await session.execute(
        select(GroupPost.message_id, GroupPost.thread_id).where(GroupPost.user_id == user_id)
    )
    # A post in one of their topics goes with the topic.
    messages.update(message for message, thread in posts.all() if thread not in topics)
    return topics, messages


def add_group_post(
    session: AsyncSession, user_id: int, message_id: int, thread_id: int | None, kind: str
) -> None:
    session.add(GroupPost(user_id=user_id, message_id=message_id, thread_id=thread_id, kind=kind))


async def lock_due(session: AsyncSession, user_id: int, requested_before: datetime) -> bool:
    """Lock the user's row if they are still due for erasure (not cancelled since): rows that
    would point at it wait for the transaction."""
    found = await session.scalar(
        select(User.id)
        .where(
            User.id == user_id,
            User.forget_requested_at.is_not(None),
            User.forget_requested_at <= requested_before,
        )
        .with_for_update()
    )
    return found is not None

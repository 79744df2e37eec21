"""A user with data in every kind of table, through the dispatcher where a user would put it
there, for the GDPR tests: texts carry a marker so a scan can find any copy left behind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.base import Base
from db.models import (
    ActorType,
    AuditLog,
    Conversation,
    DeskDraft,
    IntakeProgress,
    Lead,
    LeadScore,
    RelayedMessage,
    Ticket,
)
from tests.fakes.recording import RecordingSession
from tests.fakes.uploads import PDF, file_update

# The user's topic in the agents' group is TOPIC_BASE + the last three digits of their id.
TOPIC_BASE = 500_000


@dataclass(frozen=True)
class UserData:
    user_id: int
    texts: tuple[str, ...]


async def give_user_data(
    dp: Dispatcher,
    bot: Bot,
    session: RecordingSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    user_id: int,
    marker: str,
) -> UserData:
    """Messages and a file through the bot, then a lead, a ticket, intake progress and an audit
    entry beside them (the flows that create those have tests of their own)."""
    texts = (
        f"How much does a Kubernetes cluster cost? {marker}-question",
        f"my brief {marker}-caption",
        f"We need CI/CD for 12 services {marker}-lead",
        f"Copilot: we can start on Monday {marker}-draft",
    )
    await dp.feed_update(bot, session.make_message_update(texts[0], user_id=user_id))
    upload = file_update(session, PDF, name="brief.pdf", caption=texts[1], user_id=user_id)
    await dp.feed_update(bot, upload)
    async with sessionmaker() as db:
        conversation_id = await db.scalar(
            select(Conversation.id).where(Conversation.user_id == user_id)
        )
        db.add_all(
            [
                Lead(
                    user_id=user_id,
                    conversation_id=conversation_id,
                    description=texts[2],
                    name="Tess Tester",
                    email="tess@example.org",
                    phone="+372 5555 0101",
                    score=LeadScore.WARM,
                ),
                Ticket(
                    user_id=user_id,
                    conversation_id=conversation_id,
                    reason="human",
                    topic_id=TOPIC_BASE + user_id % 1000,
                    contact_email="tess@example.org",
                ),
                IntakeProgress(user_id=user_id, source="menu", step="confirm"),
                AuditLog(
                    actor_type=ActorType.USER,
                    actor_id=user_id,
                    action="test.note",
                    target_type="user",
                    target_id=user_id,
                    details={"user": user_id, "text": texts[2]},
                ),
            ]
        )
        await db.flush()
        # The desk's topic mapping and a copilot draft, which hang off the ticket.
        ticket_id = await db.scalar(select(Ticket.id).where(Ticket.user_id == user_id))
        assert ticket_id is not None
        db.add_all(
            [
                RelayedMessage(
                    ticket_id=ticket_id, direction="in", user_message_id=1, group_message_id=2
                ),
                DeskDraft(ticket_id=ticket_id, text=texts[3]),
            ]
        )
        await db.commit()
    return UserData(user_id, texts)


async def traces_of(
    sessionmaker: async_sessionmaker[AsyncSession], data: UserData
) -> list[tuple[str, str, Any]]:
    """(table, column, value) of every value in every table of the metadata that holds the
    user's id or one of their texts."""
    found: list[tuple[str, str, Any]] = []
    needles = (str(data.user_id), *data.texts)
    async with sessionmaker() as db:
        for table in Base.metadata.sorted_tables:
            for row in (await db.execute(select(table))).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    if value == data.user_id or any(n in str(value) for n in needles):
                        found.append((table.name, column, value))
    return found

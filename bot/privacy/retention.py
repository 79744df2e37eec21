"""Retention: what the bot keeps, and for how long.

- conversations without a message for RETENTION_ARCHIVE_DAYS are archived;
- files are deleted (row and disk) RETENTION_ATTACHMENT_DAYS after they arrived;
- message texts (and summaries) of archived conversations are deleted RETENTION_TEXT_DAYS after
  the conversation's last message: the metadata stays for statistics, the words go;
- stored files that no attachment row points at (an upload whose transaction rolled back, or
  a file whose row went while its removal failed) are deleted ORPHAN_GRACE after they were
  written;
- copilot drafts nobody used (they may quote the person) are deleted RETENTION_DRAFT_DAYS after
  they were written;
- relayed message pairs of closed tickets in a forum topic are deleted RETENTION_RELAY_DAYS
  after the relay: they hold ids only, and only an agent's late edit still needed them;
- (users who asked to be forgotten are erased by the hourly GDPR job: bot/privacy/jobs.py).

Kept on purpose, until the person asks to be forgotten:
- leads: they are the agency's business records (the request a prospect made and how to reach
  them back), which sales follows up on, exports (/admin export) and reports on; they are
  hidden at /forgetme and erased with the person;
- relayed pairs outside a forum topic (a plain agents' group) and `group_posts`: they are how
  the erasure finds the person's cards and copies in the agents' group, which stay there
  otherwise; ids only, no words.

Each step is one short transaction (attachments in batches), logs counts only and counts in
Prometheus. Running a step twice does nothing more.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from loguru import logger
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.files.store import FileStore
from bot.kernel.metrics import RETENTION
from db.base import utcnow
from db.models import (
    Attachment,
    Conversation,
    ConversationStatus,
    DeskDraft,
    Message,
    RelayedMessage,
    Ticket,
    TicketStatus,
)

ATTACHMENT_BATCH = 500
# An upload's file is written before its row is committed: younger files may be on their way.
ORPHAN_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class RetentionReport:
    archived: int
    attachments_deleted: int
    texts_deleted: int
    orphan_files_deleted: int
    drafts_deleted: int
    relays_deleted: int


async def archive_inactive(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        update(Conversation)
        .where(
            Conversation.status != ConversationStatus.ARCHIVED,
            Conversation.last_message_at < before,
        )
        .values(status=ConversationStatus.ARCHIVED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete_archived_texts(session: AsyncSession, before: datetime) -> int:
    archived = select(Conversation.id).where(
        Conversation.status == ConversationStatus.ARCHIVED,
        Conversation.last_message_at < before,
    )
    result = await session.execute(
        update(Message)
        .where(Message.conversation_id.in_(archived), Message.text.is_not(None))
        .values(text=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Conversation)
        .where(Conversation.id.in_(archived), Conversation.summary.is_not(None))
        .values(summary=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete_old_attachments(
    sessionmaker: async_sessionmaker[AsyncSession], store: FileStore, before: datetime
) -> int:
    """Delete attachments older than `before`: the rows in batches, each batch's files once
    its transaction has committed (a crash in between leaves files without rows, which
    `delete_orphan_files` takes later, never rows pointing at missing files)."""
    deleted = 0
    while True:
        async with sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Attachment.id, Attachment.storage_path)
                    .where(Attachment.created_at < before)
                    .order_by(Attachment.id)
                    .limit(ATTACHMENT_BATCH)
                )
            ).all()
            if not rows:
                return deleted
            ids = [attachment_id for attachment_id, _path in rows]
            await session.execute(delete(Attachment).where(Attachment.id.in_(ids)))
            await session.commit()
        await asyncio.to_thread(_remove, store, [path for _id, path in rows])
        deleted += len(rows)


async def delete_old_drafts(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        delete(DeskDraft)
        .where(DeskDraft.created_at < before)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete_old_relays(session: AsyncSession, before: datetime) -> int:
    """Pairs of closed tickets in a forum topic (the erasure deletes the topic, not the pairs'
    messages); a plain group's pairs are how the erasure finds the copies: they stay."""
    in_topics = select(Ticket.id).where(
        Ticket.status == TicketStatus.CLOSED, Ticket.topic_id.is_not(None)
    )
    result = await session.execute(
        delete(RelayedMessage)
        .where(RelayedMessage.created_at < before, RelayedMessage.ticket_id.in_(in_topics))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _remove(store: FileStore, paths: list[str | None]) -> None:
    for path in paths:
        store.remove(path)


async def delete_orphan_files(
    sessionmaker: async_sessionmaker[AsyncSession], store: FileStore, before: datetime
) -> int:
    """Delete the stored files no attachment row points at that were written before `before`."""
    async with sessionmaker() as session:
        paths = await session.scalars(select(Attachment.storage_path))
        keep = {path for path in paths if path}
    return await asyncio.to_thread(store.sweep, keep, before.timestamp())


async def run_retention(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime | None = None
) -> RetentionReport:
    """Every retention step once; returns (and logs) what was done."""
    now = now or utcnow()
    policy = settings.privacy
    async with sessionmaker() as session:
        archived = await archive_inactive(
            session, now - timedelta(days=policy.retention_archive_days)
        )
        texts = await delete_archived_texts(
            session, now - timedelta(days=policy.retention_text_days)
        )
        drafts = await delete_old_drafts(
            session, now - timedelta(days=policy.retention_draft_days)
        )
        relays = await delete_old_relays(
            session, now - timedelta(days=policy.retention_relay_days)
        )
        await session.commit()
    store = FileStore(settings.files)
    attachments = await delete_old_attachments(
        sessionmaker, store, now - timedelta(days=policy.retention_attachment_days)
    )
    orphans = await delete_orphan_files(sessionmaker, store, now - ORPHAN_GRACE)
    # Erasing forgotten users is the GDPR job's (bot/privacy/jobs.py): it also clears their
    # topics in the agents' group and their keys in Redis.
    report = RetentionReport(archived, attachments, texts, orphans, drafts, relays)
    for action, count in (
        ("archived", archived),
        ("attachments_deleted", attachments),
        ("texts_deleted", texts),
        ("orphan_files_deleted", orphans),
        ("drafts_deleted", drafts),
        ("relays_deleted", relays),
    ):
        RETENTION.labels(action).inc(count)
    logger.info(
        "retention: {} conversations archived, {} attachments deleted, {} message texts "
        "deleted, {} orphan files deleted, {} drafts deleted, {} relayed pairs deleted",
        archived,
        attachments,
        texts,
        orphans,
        drafts,
        relays,
    )
    return report

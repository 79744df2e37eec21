"""Broadcasts: who a segment reaches, and the broadcast rows the sender walks.

A segment's people are those the bot may write to: they wrote to it (they have a row), are not
banned now, have not blocked the bot, have not asked to be forgotten; `leads` keeps those with
a lead, `clients` those with a won lead. The opt-out is a separate condition: the preview
counts without the opted-out, and the sender walks them too, to skip and count them (someone
may opt out between the preview and their turn).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Broadcast, BroadcastSegment, BroadcastStatus, Lead, LeadStatus, User
from db.models.broadcasts import UNFINISHED
from db.repositories.privacy import visible


@dataclass(frozen=True)
class Recipient:
    id: int
    language: str
    opted_out: bool


def reachable(segment: BroadcastSegment, now: datetime) -> ColumnElement[bool]:
    """The segment's people, opted out or not."""
    banned = User.is_banned.is_(True) & (User.banned_until.is_(None) | (User.banned_until > now))
    conditions = [User.is_blocked.is_(False), ~banned, visible(User.id)]
    if segment is BroadcastSegment.LEADS:
        conditions.append(exists().where(Lead.user_id == User.id))
    elif segment is BroadcastSegment.CLIENTS:
        conditions.append(exists().where(Lead.user_id == User.id, Lead.status == LeadStatus.WON))
    return and_(*conditions)


async def count_recipients(
    session: AsyncSession, segment: BroadcastSegment, now: datetime | None = None
) -> int:
    """How many people of the segment would get a broadcast now (the opted-out left out)."""
    condition = reachable(segment, now or utcnow()) & User.broadcast_opt_out.is_(False)
    count = await session.scalar(select(func.count()).select_from(User).where(condition))
    return int(count or 0)


async def next_recipients(
    session: AsyncSession,
    segment: BroadcastSegment,
    after: int,
    limit: int,
    now: datetime | None = None,
) -> list[Recipient]:
    """The next `limit` people of the segment with an id above `after`, in id order."""
    rows = await session.execute(
        select(User.id, User.language, User.broadcast_opt_out)
        .where(User.id > after, reachable(segment, now or utcnow()))
        .order_by(User.id)
        .limit(limit)
    )
    return [Recipient(id, language, opted_out) for id, language, opted_out in rows.all()]


def add_draft(
    session: AsyncSession,
    text: str,
    segment: BroadcastSegment,
    created_by: int,
    language: str,
    planned: int,
) -> Broadcast:
    broadcast = Broadcast(
        text=text, segment=segment, created_by=created_by, language=language, planned=planned,
        status=BroadcastStatus.DRAFT, last_user_id=0, sent_count=0, failed_count=0,
        blocked_count=0, skipped_count=0,
    )  # fmt: skip
    session.add(broadcast)
    return broadcast


async def move(
    session: AsyncSession,
    broadcast_id: int,
    source: BroadcastStatus | Sequence[BroadcastStatus],
    target: BroadcastStatus,
    **values: object,
) -> bool:
    """Move the broadcast from `source` to `target` if it is still there (a double press, or
    another replica, finds it moved already); False when it was not."""
    sources = [source] if isinstance(source, BroadcastStatus) else list(source)
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_(sources))
        .values(status=target, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def next_unfinished(session: AsyncSession) -> Broadcast | None:
    """The oldest broadcast queued or being sent."""
    return await session.scalar(
        select(Broadcast)
        .where(Broadcast.status.in_(UNFINISHED))
        .order_by(Broadcast.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def cancel_unfinished(session: AsyncSession) -> list[Broadcast]:
    """Cancel every broadcast queued or being sent (its sender stops at its next commit);
    returns them, with their counts as committed so far."""
    ids = (
        await session.scalars(select(Broadcast.id).where(Broadcast.status.in_(UNFINISHED)))
    ).all()
    cancelled = []
    for broadcast_id in ids:
        if await move(session, broadcast_id, UNFINISHED, BroadcastStatus.CANCELLED,
                      finished_at=utcnow()):  # fmt: skip
            found = await session.get(Broadcast, broadcast_id, populate_existing=True)
            if found is not None:
                cancelled.append(found)
    return cancelled


@dataclass
class Progress:
    """What one batch of the sender did."""

    last_user_id: int
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0


async def advance(
    session: AsyncSession, broadcast_id: int, since: int, done: Progress
) -> BroadcastStatus | None:
    """Add a batch's counts and move the cursor from `since` to `done.last_user_id`, only if
    it is still at `since`: None when another sender (one that took over) moved it, and
    nothing is recorded. Otherwise the broadcast's status: SENDING to go on, CANCELLED (an
    admin stopped it meanwhile: the batch is counted all the same) to stop."""
    result = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status.in_((BroadcastStatus.SENDING, BroadcastStatus.CANCELLED)),
            Broadcast.last_user_id == since,
        )
        .values(
            last_user_id=done.last_user_id,
            sent_count=Broadcast.sent_count + done.sent,
            failed_count=Broadcast.failed_count + done.failed,
            blocked_count=Broadcast.blocked_count + done.blocked,
            skipped_count=Broadcast.skipped_count + done.skipped,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    return await session.scalar(select(Broadcast.status).where(Broadcast.id == broadcast_id))


async def mark_blocked(session: AsyncSession, user_ids: Sequence[int]) -> None:
    if user_ids:
        await session.execute(
            update(User)
            .where(User.id.in_(user_ids))
            .values(is_blocked=True)
            .execution_options(synchronize_session=False)
        )

"""Broadcasts: one message an admin sends to a segment of the people the bot talks to.

A broadcast is written (`draft`, shown to its admin as a preview), then `queued` by the admin's
Send, `sending` while the sender walks its recipients in user-id order, and `done`; a draft the
admin cancels is `cancelled`. `last_user_id` is the cursor: everyone of the segment with an id
up to it has been handled (sent, failed, blocked or skipped) and counted.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigIntPK, TimestampMixin, str_enum, utcnow


class BroadcastSegment(StrEnum):
    ALL = "all"  # everyone reachable who has not opted out
    LEADS = "leads"  # of those, people with a lead
    CLIENTS = "clients"  # of those, people with a won lead


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


UNFINISHED = (BroadcastStatus.QUEUED, BroadcastStatus.SENDING)


class Broadcast(TimestampMixin, Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # Telegram HTML, exactly as every recipient gets it.
    text: Mapped[str] = mapped_column(Text)
    segment: Mapped[BroadcastSegment] = mapped_column(
        str_enum(BroadcastSegment, "broadcast_segment")
    )
    status: Mapped[BroadcastStatus] = mapped_column(
        str_enum(BroadcastStatus, "broadcast_status"), default=BroadcastStatus.DRAFT, index=True
    )
    # The admin's Telegram id (no foreign key: an ADMIN_IDS admin needs no row of their own).
    created_by: Mapped[int] = mapped_column(BigInteger)
    # The language of the admin's summary.
    language: Mapped[str] = mapped_column(String(8), default="en")
    # How many the preview counted; the sender counts the rest.
    planned: Mapped[int] = mapped_column(Integer, default=0)
    last_user_id: Mapped[int] = mapped_column(BigInteger, default=0)
    sent_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    blocked_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)  # opted out since the preview
    queued_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

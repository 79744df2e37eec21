"""Escalation tickets: a conversation handed to the agents, with its SLA timestamps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigIntPK, str_enum, utcnow
from db.models.enums import TicketPriority, TicketStatus


class Ticket(Base):
    __tablename__ = "tickets"
    # One open ticket per user, even when two updates race to open one (migration 006).
    __table_args__ = (
        Index(
            "uq_tickets_one_open_per_user",
            "user_id",
            unique=True,
            postgresql_where=text("status <> 'closed'"),
            sqlite_where=text("status <> 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("conversations.id", ondelete="SET NULL")
    )
    status: Mapped[TicketStatus] = mapped_column(
        str_enum(TicketStatus, "ticket_status"), default=TicketStatus.OPEN, index=True
    )
    priority: Mapped[TicketPriority] = mapped_column(
        str_enum(TicketPriority, "ticket_priority"), default=TicketPriority.NORMAL
    )
    reason: Mapped[str | None] = mapped_column(String(255))
    topic_id: Mapped[int | None] = mapped_column(BigInteger)
    claimed_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("agents.id", ondelete="SET NULL")
    )
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    first_reply_at: Mapped[datetime | None]
    last_agent_activity_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    # The desk (issue 6): the card in the agents' group, and the call-back e-mail out of hours.
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    contact_email: Mapped[str | None] = mapped_column(String(255))
    asked_email: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

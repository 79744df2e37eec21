"""The agents' desk: each relayed message and its copy, and the copilot's suggested replies."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigIntPK, TimestampMixin


class RelayedMessage(TimestampMixin, Base):
    """A message and its copy: `user_message_id` in the user's private chat, `group_message_id`
    in the agents' group. `direction` is "in" (user to agents) or "out" (agents to user)."""

    __tablename__ = "relayed_messages"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # Through tickets, deleting a user deletes their relayed messages too.
    ticket_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(8))
    user_message_id: Mapped[int] = mapped_column(BigInteger)
    group_message_id: Mapped[int] = mapped_column(BigInteger, index=True)


class DeskDraft(TimestampMixin, Base):
    """A reply the copilot suggested in a ticket's topic, until an agent sends or drops it."""

    __tablename__ = "desk_drafts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)

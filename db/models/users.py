"""Telegram users and the agents who answer them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String, false, true
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigIntPK, TimestampMixin, str_enum, utcnow
from db.models.enums import AgentRole


class User(TimestampMixin, Base):
    """A person who talks to the bot; the primary key is their Telegram user id."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str | None] = mapped_column(String(128))
    last_name: Mapped[str | None] = mapped_column(String(128))
    language_code: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    source: Mapped[str | None] = mapped_column(String(64))
    is_blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_banned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    banned_until: Mapped[datetime | None]
    ban_reason: Mapped[str | None] = mapped_column(String(255))
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    forget_requested_at: Mapped[datetime | None]
    # Asked for no more broadcasts ("Stop these messages", /unsubscribe).
    broadcast_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Agent(TimestampMixin, Base):
    """A member of the agents' group with a role."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[AgentRole] = mapped_column(
        str_enum(AgentRole, "agent_role"), default=AgentRole.AGENT
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

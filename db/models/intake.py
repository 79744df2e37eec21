"""Progress of project intakes (for reminders and the funnel) and small app-wide state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class IntakeProgress(Base):
    """One row per user: their latest intake, where it stands and whether we reminded them.

    The wizard's own state lives in the FSM storage; this row is what scheduled jobs can query.
    """

    __tablename__ = "intake_progress"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reminded_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    completed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AppState(Base):
    """Key-value facts the bot learns at run time (e.g. the agents' "Leads" topic id)."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

"""Conversations and their messages, with the LLM metadata of bot answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigIntPK, TimestampMixin, str_enum, utcnow
from db.models.enums import ConversationStatus, SenderType


class Conversation(TimestampMixin, Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ConversationStatus] = mapped_column(
        str_enum(ConversationStatus, "conversation_status"),
        default=ConversationStatus.BOT,
        index=True,
    )
    language: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str | None] = mapped_column(String(64))
    # The LLM's running summary of the conversation's older part, up to this message id.
    summary: Mapped[str | None] = mapped_column(Text)
    summary_upto_id: Mapped[int | None] = mapped_column(BigInteger)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    closed_at: Mapped[datetime | None]


class Message(TimestampMixin, Base):
    __tablename__ = "messages"
    # The experiments' exposures of a period (db/repositories/experiments.py); only the bot's
    # answers under an experiment are in it.
    __table_args__ = (
        Index(
            "ix_messages_exposures",
            "created_at",
            postgresql_where=text("variant IS NOT NULL"),
            sqlite_where=text("variant IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    sender_type: Mapped[SenderType] = mapped_column(str_enum(SenderType, "sender_type"))
    agent_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("agents.id", ondelete="SET NULL")
    )
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(64))
    intent_confidence: Mapped[float | None] = mapped_column(Float)
    answer_source: Mapped[str | None] = mapped_column(String(32))
    llm_model: Mapped[str | None] = mapped_column(String(64))
    prompt_version: Mapped[str | None] = mapped_column(String(32))
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    cached_tokens: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    cost_usd: Mapped[Decimal | None] = mapped_column(Numeric(12, 6))
    confidence: Mapped[float | None] = mapped_column(Float)
    # The experiment's variant the answer showed, "faq.pricing.overview:b" (bot/experiments).
    variant: Mapped[str | None] = mapped_column(String(96))

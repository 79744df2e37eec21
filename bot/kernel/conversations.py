"""The conversation log: every message a user sends and every answer, with how it was made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.metrics import CONVERSATIONS, source_label
from db.base import utcnow
from db.models import Conversation, Message, SenderType, User
from db.repositories import ConversationRepository
from db.repositories.conversations import MESSAGE_LLM_FIELDS

# After this long without a message, the next one starts a new conversation.
IDLE_LIMIT = timedelta(hours=24)
# last_message_at drives the idle rule and retention: a second's precision is plenty, and a
# conversation started by this very message needs no second write.
LAST_MESSAGE_PRECISION = timedelta(seconds=1)


@dataclass(frozen=True)
class Answer:
    text: str
    source: str  # kb, smalltalk, suggestions, fallback, llm, template, ...
    intent: str | None = None
    confidence: float | None = None
    # LLM metadata for the bot's message: llm_model, prompt_version, tokens, latency_ms, ...
    llm: Mapping[str, Any] | None = None
    # The experiment's variant the answer shows ("faq.pricing.overview:b"): stored on the bot's
    # message row, which is inserted anyway, so an exposure costs no statement of its own.
    variant: str | None = None


async def current_conversation(session: AsyncSession, user: User) -> Conversation:
    repo = ConversationRepository(session)
    conversation = await repo.current(user.id)
    if conversation is not None and not _idle(conversation):
        return conversation
    _count_new(user)
    return await repo.start(user.id, user.language, user.source)


def _idle(conversation: Conversation) -> bool:
    """Whether the next message starts a new conversation instead."""
    return utcnow() - conversation.last_message_at >= IDLE_LIMIT and conversation.status == "bot"


def _count_new(user: User) -> None:
    # Counted when made: an update retried after a fault may count one twice (the database
    # holds the exact number; the metric is for rates).
    CONVERSATIONS.labels(source_label(user.source)).inc()


async def record_exchange(
    session: AsyncSession,
    user: User,
    *,
    question: str | None,
    question_message_id: int | None,
    answer: Answer,
    answer_message_id: int | None,
) -> Conversation:
    """Store the user's message (if any) and the bot's answer in the current conversation
    (a new one when there is none: with its messages in one statement on PostgreSQL)."""
    now = utcnow()
    llm = dict.fromkeys(MESSAGE_LLM_FIELDS) | dict(answer.llm or {})
    common = {"intent": answer.intent, "intent_confidence": answer.confidence, "created_at": now}
    rows = []
    if question is not None:
        rows.append(common | dict.fromkeys(llm) | {"sender_type": SenderType.USER,
                    "telegram_message_id": question_message_id, "text": question,
                    "answer_source": None, "variant": None})  # fmt: skip
    rows.append(common | llm | {"sender_type": SenderType.BOT,
                "telegram_message_id": answer_message_id, "text": answer.text,
                "answer_source": answer.source, "variant": answer.variant})  # fmt: skip
    repo = ConversationRepository(session)
    conversation = await repo.current(user.id)
    if conversation is None or _idle(conversation):
        _count_new(user)
        return await repo.start_with_messages(user.id, user.language, user.source, rows)
    await repo.insert_messages([{"conversation_id": conversation.id} | row for row in rows])
    _touch(conversation)
    return conversation


async def record_user_message(
    session: AsyncSession,
    user: User,
    telegram_message_id: int,
    text: str | None,
    intent: str | None = None,
) -> tuple[Conversation, Message]:
    """Store a message of the user's that gets no answer of its own yet (a file, say, or the
    message that hands the conversation to the agents)."""
    conversation = await current_conversation(session, user)
    row = await ConversationRepository(session).add_message(
        _user_message(conversation, telegram_message_id, text, intent, None)
    )
    _touch(conversation)
    return conversation, row


def _touch(conversation: Conversation) -> None:
    now = utcnow()
    if now - conversation.last_message_at >= LAST_MESSAGE_PRECISION:
        conversation.last_message_at = now


def _user_message(
    conversation: Conversation,
    telegram_message_id: int | None,
    text: str | None,
    intent: str | None,
    confidence: float | None,
) -> Message:
    return Message(
        conversation_id=conversation.id,
        sender_type=SenderType.USER,
        telegram_message_id=telegram_message_id,
        text=text,
        intent=intent,
        intent_confidence=confidence,
    )

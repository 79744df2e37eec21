"""Conversations and their messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, insert, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base
from db.driver import DriverStatement, on_driver
from db.models import Conversation, ConversationStatus, Message, SenderType
from db.rows import as_loaded, forget_on_write, insert_row

OPEN_STATUSES = (ConversationStatus.BOT, ConversationStatus.ESCALATED)
# The session remembers each user's current conversation: an update asks for it several times
# (escalation, the answer, the log), and one session lives for one update.
_CURRENT = "current_conversation"
# ... and the texts of the user's newest messages in it (the frustration check reads them on
# every message), read with the user's row (db.repositories.context) until a message is written.
_USER_TEXTS = "recent_user_texts"
RECENT_USER_TEXTS = 3


# Built once (every update runs them): the statements and their cache keys are reused.
_CONVERSATIONS = Base.metadata.tables["conversations"]
_START = insert(_CONVERSATIONS).returning(*_CONVERSATIONS.c)
_MESSAGES = Base.metadata.tables["messages"]
_INSERT_MESSAGES = insert(_MESSAGES)  # Core: nothing to map back
# The LLM metadata a bot answer may carry (bot.kernel.conversations.Answer.llm).
MESSAGE_LLM_FIELDS = ("llm_model", "prompt_version", "prompt_tokens", "completion_tokens",
                      "cached_tokens", "latency_ms", "cost_usd", "confidence")  # fmt: skip
# The columns a logged message gives (bot.kernel.conversations.record_exchange).
MESSAGE_COLUMNS = ("sender_type", "telegram_message_id", "text", "intent", "intent_confidence",
                   "answer_source", *MESSAGE_LLM_FIELDS, "variant", "created_at")  # fmt: skip


def _start_with(count: int) -> Select[Any]:
    """PostgreSQL: a new conversation and its first `count` messages in one statement (the
    messages' INSERT is a CTE that selects the new conversation's id)."""
    keys = ("user_id", "status", "language", "source", "last_message_at", "created_at")
    new = _START.values({key: bindparam(key) for key in keys}).cte("new_conversation")
    rows = [
        select(new.c.id, *(bindparam(f"m{index}_{key}", type_=_MESSAGES.c[key].type)
                           for key in MESSAGE_COLUMNS))
        for index in range(count)
    ]  # fmt: skip
    messages = (
        insert(_MESSAGES)
        .from_select(["conversation_id", *MESSAGE_COLUMNS], union_all(*rows))
        .cte("new_messages")
    )
    return select(*new.c).add_cte(messages)


_START_WITH = {count: DriverStatement(_start_with(count)) for count in (1, 2)}


def _insert_rows(count: int) -> DriverStatement:
    """PostgreSQL: `count` messages of a conversation in one INSERT."""
    keys = ("conversation_id", *MESSAGE_COLUMNS)
    return DriverStatement(
        insert(_MESSAGES).values([
            {key: bindparam(f"r{index}_{key}", type_=_MESSAGES.c[key].type) for key in keys}
            for index in range(count)
        ])
    )  # fmt: skip


_INSERT_ROWS = {count: _insert_rows(count) for count in (1, 2)}


forget_on_write(_USER_TEXTS, Message)


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self, user_id: int) -> Conversation | None:
        """The user's newest conversation that is still open."""
        known: dict[int, Conversation | None] = self.session.info.setdefault(_CURRENT, {})
        if user_id in known:
            cached = known[user_id]
            if cached is None or (cached in self.session and cached.status in OPEN_STATUSES):
                return cached
        conversation = await self.session.scalar(
            select(Conversation)
            .where(Conversation.user_id == user_id, Conversation.status.in_(OPEN_STATUSES))
            .order_by(Conversation.id.desc())
            .limit(1)
        )
        known[user_id] = conversation
        return conversation

    async def latest_id(self, user_id: int) -> int | None:
        """The id of the user's newest conversation, open or not."""
        return await self.session.scalar(
            select(Conversation.id)
            .where(Conversation.user_id == user_id)
            .order_by(Conversation.id.desc())
            .limit(1)
        )

    def remember_current(self, user_id: int, conversation: Conversation | None) -> None:
        """The user's current conversation, loaded with their row (db.repositories.context)."""
        self.session.info.setdefault(_CURRENT, {})[user_id] = conversation

    def remember_user_texts(self, conversation_id: int, texts: list[str]) -> None:
        """The user's newest RECENT_USER_TEXTS texts in the conversation, oldest first, as they
        were read with the user's row."""
        self.session.info[_USER_TEXTS] = (conversation_id, texts)

    async def recent_user_texts(self, conversation_id: int) -> list[str]:
        """The user's newest RECENT_USER_TEXTS texts in the conversation, oldest first."""
        known = self.session.info.get(_USER_TEXTS)
        if known is not None and known[0] == conversation_id:
            texts: list[str] = known[1]
            return texts
        rows = await self.session.scalars(
            select(Message.text)
            .where(
                Message.conversation_id == conversation_id,
                Message.sender_type == SenderType.USER,
                Message.text.is_not(None),
            )
            .order_by(Message.id.desc())
            .limit(RECENT_USER_TEXTS)
        )
        return [text for text in reversed(rows.all()) if text]

    async def start(self, user_id: int, language: str | None, source: str | None) -> Conversation:
        """A new conversation, inserted at once (one INSERT ... RETURNING, no flush)."""
        values = {"user_id": user_id, "language": language, "source": source}
        conversation = await insert_row(self.session, _START, values, Conversation)
        assert conversation is not None
        self.remember_current(user_id, conversation)
        return conversation

    async def start_with_messages(
        self, user_id: int, language: str | None, source: str | None, rows: list[dict[str, Any]]
    ) -> Conversation:
        """A new conversation with its first messages (`rows`: MESSAGE_COLUMNS' values, one or
        two): one statement on PostgreSQL, two elsewhere."""
        if not on_driver(self.session):
            conversation = await self.start(user_id, language, source)
            await self.insert_messages(
                [{"conversation_id": conversation.id} | row for row in rows]
            )
            return conversation
        now = rows[0]["created_at"]
        values = {"user_id": user_id, "status": ConversationStatus.BOT, "language": language,
                  "source": source, "last_message_at": now, "created_at": now}  # fmt: skip
        for index, row in enumerate(rows):
            values.update({f"m{index}_{key}": row[key] for key in MESSAGE_COLUMNS})
        statement = _START_WITH[len(rows)]
        record = await statement.fetchrow(self.session, values)
        assert record is not None
        started = as_loaded(
            self.session, Conversation, dict(zip(statement.keys, record, strict=True))
        )
        self.remember_current(user_id, started)
        return started

    async def insert_messages(self, rows: list[dict[str, Any]]) -> None:
        """Messages given as column values, the same columns in each: one INSERT for all."""
        self.session.info.pop(_USER_TEXTS, None)
        if len(rows) in _INSERT_ROWS and on_driver(self.session):
            values = {f"r{index}_{key}": value
                      for index, row in enumerate(rows) for key, value in row.items()}  # fmt: skip
            await _INSERT_ROWS[len(rows)].execute(self.session, values)
            return
        await self.session.execute(_INSERT_MESSAGES, rows)

    async def add_message(self, message: Message) -> Message:
        self.session.add(message)
        await self.session.flush()
        return message

    async def messages(self, conversation_id: int, limit: int = 50) -> list[Message]:
        """The conversation's newest `limit` messages, oldest first."""
        return await self.messages_after(conversation_id, None, limit)

    async def messages_after(
        self, conversation_id: int, after_id: int | None, limit: int = 400
    ) -> list[Message]:
        """The conversation's messages after `after_id`, oldest first (the newest `limit`)."""
        query = select(Message).where(Message.conversation_id == conversation_id)
        if after_id is not None:
            query = query.where(Message.id > after_id)
        rows = await self.session.scalars(query.order_by(Message.id.desc()).limit(limit))
        return list(rows)[::-1]

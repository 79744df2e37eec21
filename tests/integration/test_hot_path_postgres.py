"""Every message's database work on real PostgreSQL, in as few statements as it takes: a new
person's row with their context in one query, a new conversation with its first messages in
one more; what was read answers the rest of the update, and a write makes it ask again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kernel.conversations import IDLE_LIMIT, Answer, record_exchange
from bot.kernel.users import TelegramProfile, touch_user
from db.base import utcnow
from db.models import Conversation, Message, SenderType, Ticket, TicketStatus, User
from db.repositories import ConversationRepository
from db.repositories.tickets import TicketRepository

pytestmark = pytest.mark.integration

PERSON = TelegramProfile(8101, "tess", "Tess", None, "en")
ANSWER = Answer("Our prices start at…", "kb", intent="pricing.overview", confidence=0.97)


@contextmanager
def statements(session: AsyncSession) -> Iterator[list[str]]:
    """The SQL statements `session` sends while the block runs (BEGIN and COMMIT aside)."""
    sent: list[str] = []
    engine = session.get_bind()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def first_message(session: AsyncSession) -> User:
    user = await touch_user(session, PERSON, "en")
    await record_exchange(
        session,
        user,
        question="How much?",
        question_message_id=11,
        answer=ANSWER,
        answer_message_id=12,
    )
    return user


async def stored_first_message(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        await first_message(session)
        await session.commit()


async def test_a_first_message_takes_two_statements_and_logs_both_messages(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with pg_sessionmaker() as session:
        with statements(session) as sent:
            user = await first_message(session)
            # What the rest of the update asks is known already: no query.
            assert await TicketRepository(session).open_of(user.id) is None
            assert await ConversationRepository(session).current(user.id) is not None
        await session.commit()
    assert len(sent) == 2, sent
    async with pg_sessionmaker() as session:
        stored = await session.get(User, PERSON.id)
        assert stored is not None
        assert (stored.username, stored.first_name, stored.language) == ("tess", "Tess", "en")
        conversation = await session.scalar(
            select(Conversation).where(Conversation.user_id == PERSON.id)
        )
        assert conversation is not None and conversation.status == "bot"
        rows = (await session.scalars(select(Message).order_by(Message.id))).all()
    assert [(row.sender_type, row.text, row.telegram_message_id) for row in rows] == [
        (SenderType.USER, "How much?", 11),
        (SenderType.BOT, "Our prices start at…", 12),
    ]
    assert {row.conversation_id for row in rows} == {conversation.id}
    assert rows[1].answer_source == "kb" and rows[1].intent == "pricing.overview"
    assert rows[0].intent_confidence == pytest.approx(0.97)


async def test_a_known_person_is_one_query_and_their_next_message_is_appended(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await stored_first_message(pg_sessionmaker)
    async with pg_sessionmaker() as session:
        with statements(session) as sent:
            user = await touch_user(session, PERSON, "en")
            conversation = await ConversationRepository(session).current(user.id)
            assert await TicketRepository(session).open_of(user.id) is None
        assert len(sent) == 1, sent
        await record_exchange(
            session, user, question="And CI?", question_message_id=13,
            answer=ANSWER, answer_message_id=14,
        )  # fmt: skip
        await session.commit()
    async with pg_sessionmaker() as session:
        conversations = (await session.scalars(select(Conversation))).all()
        texts = (await session.scalars(select(Message.text).order_by(Message.id))).all()
    assert conversation is not None and [c.id for c in conversations] == [conversation.id]
    assert texts == ["How much?", "Our prices start at…", "And CI?", "Our prices start at…"]


async def test_after_a_day_of_silence_the_next_message_starts_a_new_conversation(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await stored_first_message(pg_sessionmaker)
    async with pg_sessionmaker() as session:
        old = await session.scalar(select(Conversation))
        assert old is not None
        old.last_message_at = utcnow() - IDLE_LIMIT - timedelta(minutes=1)
        await session.commit()
    await stored_first_message(pg_sessionmaker)
    async with pg_sessionmaker() as session:
        conversations = (
            await session.scalars(select(Conversation).order_by(Conversation.id))
        ).all()
        newest = await session.scalars(
            select(Message.conversation_id).where(Message.telegram_message_id == 12)
        )
    assert len(conversations) == 2
    assert sorted(newest.all()) == [conversations[0].id, conversations[1].id]


async def test_an_open_ticket_is_found_and_a_ticket_written_is_seen_in_the_same_update(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with pg_sessionmaker() as session:
        user = await first_message(session)
        tickets = TicketRepository(session)
        assert await tickets.open_of(user.id) is None  # known from the load: no ticket
        conversation = await ConversationRepository(session).current(user.id)
        assert conversation is not None
        opened = await tickets.open_new(Ticket(user_id=user.id, conversation_id=conversation.id))
        assert await tickets.open_of(user.id) is opened  # the write made it ask again
        await session.commit()
    async with pg_sessionmaker() as session:
        await touch_user(session, PERSON, "en")
        found = await TicketRepository(session).open_of(PERSON.id)
        assert found is not None and found.id == opened.id
        found.status, found.closed_at = TicketStatus.CLOSED, utcnow()
        await session.flush()
        assert await TicketRepository(session).open_of(PERSON.id) is None

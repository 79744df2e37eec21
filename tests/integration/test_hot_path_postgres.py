"""Every message's database work on real PostgreSQL, in as few statements as it takes: a new
person's row with their context in one query, a new conversation with its first messages in
one more; what was read answers the rest of the update, and a write makes it ask again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kernel.conversations import IDLE_LIMIT, Answer, record_exchange
from bot.kernel.users import TelegramProfile, touch_user
from db.base import utcnow
from db.driver import DriverStatement
from db.models import Conversation, Message, SenderType, Ticket, TicketStatus, User
from db.repositories import ConversationRepository
from db.repositories.conversations import MESSAGE_COLUMNS
from db.repositories.tickets import TicketRepository
from tests.conftest import Knowledge
from tests.dispatcher.harness import Harness

pytestmark = pytest.mark.integration

PERSON = TelegramProfile(8101, "tess", "Tess", None, "en")
ANSWER = Answer("Our prices start at…", "kb", intent="pricing.overview", confidence=0.97)


@asynccontextmanager
async def statements(session: AsyncSession) -> AsyncIterator[list[str]]:
    """Every query the connections `session` takes while the block runs send: SQLAlchemy's (as
    it executes them) and, as asyncpg sees them, those run on the driver (db.driver) and BEGIN
    and COMMIT (asyncpg's query log leaves out SQLAlchemy's prepared statements)."""
    sent: list[str] = []
    engine = session.get_bind()
    logged: list[Any] = []

    def record(query: Any) -> None:
        sent.append(query.query)

    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver = dbapi_connection.driver_connection
        driver.add_query_logger(record)
        logged.append(driver)

    def on_execute(*args: Any) -> None:
        sent.append(args[2])  # (connection, cursor, statement, parameters, context, many)

    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield sent
        await asyncio.sleep(0)  # asyncpg calls its query loggers soon, not at once
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "before_cursor_execute", on_execute)
        for driver in logged:
            driver.remove_query_logger(record)


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
    async with pg_sessionmaker() as session, statements(session) as sent:
        user = await first_message(session)
        # What the rest of the update asks is known already: no query.
        assert await TicketRepository(session).open_of(user.id) is None
        assert await ConversationRepository(session).current(user.id) is not None
        await session.commit()
    # Each statement is atomic alone: no BEGIN or COMMIT round trip besides.
    assert len(sent) == 2, sent
    assert sent[0].startswith("WITH new_user AS") and "new_conversation" in sent[1], sent
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
    async with pg_sessionmaker() as session, statements(session) as sent:
        user = await touch_user(session, PERSON, "en")
        conversations = ConversationRepository(session)
        conversation = await conversations.current(user.id)
        assert await TicketRepository(session).open_of(user.id) is None
        assert conversation is not None
        # The frustration check's earlier texts came with the row.
        assert await conversations.recent_user_texts(conversation.id) == ["How much?"]
        await asyncio.sleep(0)  # asyncpg's query log
        assert len(sent) == 1, sent
        await record_exchange(
            session, user, question="And CI?", question_message_id=13,
            answer=ANSWER, answer_message_id=14,
        )  # fmt: skip
        await session.commit()
        await asyncio.sleep(0)
        # Appended in one statement, atomic alone: no BEGIN or COMMIT.
        assert sent[1:] == [sent[1]] and sent[1].startswith("INSERT INTO messages"), sent
        # Written since: asked again.
        assert await conversations.recent_user_texts(conversation.id) == ["How much?", "And CI?"]
        await asyncio.sleep(0)
        assert any(query.startswith("SELECT messages.text") for query in sent[2:]), sent
    async with pg_sessionmaker() as session:
        stored = (await session.scalars(select(Conversation))).all()
        texts = (await session.scalars(select(Message.text).order_by(Message.id))).all()
    assert [c.id for c in stored] == [conversation.id]
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


async def test_the_rows_read_on_the_driver_are_the_orms_value_for_value_and_type_for_type(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await stored_first_message(pg_sessionmaker)
    async with pg_sessionmaker() as session:
        user = await touch_user(session, PERSON, "en")
        conversation = await ConversationRepository(session).current(user.id)
        assert conversation is not None
        on_driver = [(model, as_columns(row)) for model, row in
                     ((User, user), (Conversation, conversation))]  # fmt: skip
    async with pg_sessionmaker() as session:
        for model, columns in on_driver:
            loaded = await session.get(model, columns["id"])
            assert loaded is not None
            assert as_columns(loaded) == columns
            assert {key: type(value) for key, value in as_columns(loaded).items()} == {
                key: type(value) for key, value in columns.items()
            }


def as_columns(row: Any) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


async def test_a_statement_on_the_driver_refuses_a_value_for_an_in_list(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    statement = DriverStatement(
        select(User.id).where(User.language.in_(bindparam("languages", expanding=True)))
    )
    async with pg_sessionmaker() as session:
        with pytest.raises(ValueError, match="languages"):
            await statement.fetchrow(session, {"languages": ["en", "ru"]})


async def test_a_statement_failing_on_the_driver_raises_sqlalchemys_error(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    secret = "my card is 4111"
    row = dict.fromkeys(MESSAGE_COLUMNS) | {"conversation_id": 987_654, "text": secret,
           "sender_type": SenderType.USER, "created_at": utcnow()}  # fmt: skip
    async with pg_sessionmaker() as session:
        with pytest.raises(IntegrityError) as raised:  # no such conversation
            await ConversationRepository(session).insert_messages([row])
    assert not raised.value.connection_invalidated
    assert "ForeignKeyViolation" in str(raised.value)
    assert secret not in str(raised.value)  # the values stay out of the message


async def test_a_known_persons_question_through_the_dispatcher_is_two_statements(
    pg_sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    """The path a person's message takes: their row with their context and their earlier texts
    (the frustration check) in one query, both messages in one more; and the same question
    asked again is still seen."""
    harness = Harness(pg_sessionmaker, knowledge)
    question = "How much does a Kubernetes setup cost?"
    await harness.send(question, user_id=PERSON.id)
    async with pg_sessionmaker() as probe, statements(probe) as sent:
        await harness.send("Do you do CI/CD pipelines?", user_id=PERSON.id)
    assert len(sent) == 2, sent
    assert sent[0].startswith("WITH new_user AS"), sent
    assert sent[1].startswith("INSERT INTO messages"), sent
    intent = knowledge.detector.detect("Do you do CI/CD pipelines?").intent
    assert intent is not None
    assert harness.to_user(PERSON.id)[-1] == knowledge.kb.entry("en", intent).answer
    await harness.send(question, user_id=PERSON.id)
    async with pg_sessionmaker() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.user_id == PERSON.id))
    assert ticket is not None and ticket.reason == "frustration"

"""The desk's Telegram side without a dispatcher: the LLM-confidence hook opens one ticket, the
memory locks, and one topic for a user even when two updates race for it."""

from __future__ import annotations

import asyncio

from aiogram.methods import CreateForumTopic
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.desk.escalation import recent_confidences
from bot.desk.topics import Desk
from bot.kernel.kv import MemoryLocks
from db.models import Conversation, Message, SenderType, Ticket, User
from tests.conftest import Knowledge
from tests.fakes.desk import ALWAYS_OPEN, desk_settings, forum_bot


async def test_confidences_are_read_from_llm_answers_and_the_hook_escalates(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    recording, bot = forum_bot()
    desk = Desk(desk_settings(), knowledge.i18n, MemoryLocks(), ALWAYS_OPEN)
    async with sessionmaker() as session:
        user = User(id=77, first_name="Lee", language="en")
        session.add(user)
        await session.flush()
        conversation = Conversation(user_id=77)
        session.add(conversation)
        await session.flush()
        for value in (0.65, 0.95, 0.6, 0.62):
            session.add(Message(conversation_id=conversation.id, sender_type=SenderType.BOT,
                                text="...", answer_source="llm", confidence=value))  # fmt: skip
        session.add(Message(conversation_id=conversation.id, sender_type=SenderType.BOT,
                            text="kb", answer_source="kb", confidence=0.1))  # fmt: skip
        await session.commit()
        assert await recent_confidences(session, conversation.id) == [0.95, 0.6, 0.62]
        assert await desk.after_llm_answer(bot, session, user, conversation.id) is None
        session.add(Message(conversation_id=conversation.id, sender_type=SenderType.BOT,
                            text="...", answer_source="llm", confidence=0.55))  # fmt: skip
        await session.commit()
        ticket = await desk.after_llm_answer(bot, session, user, conversation.id)
        assert ticket is not None and ticket.reason == "low_confidence"
        # An open ticket is not opened again.
        assert await desk.after_llm_answer(bot, session, user, conversation.id) is None
    assert len(recording.calls(CreateForumTopic)) == 1


async def test_memory_locks_serialise_holders_of_one_key() -> None:
    locks = MemoryLocks()
    inside: list[int] = []
    overlap = False

    async def hold(number: int) -> None:
        nonlocal overlap
        async with locks.hold("k"):
            overlap = overlap or bool(inside)
            inside.append(number)
            await asyncio.sleep(0.01)
            inside.remove(number)

    await asyncio.gather(*(hold(n) for n in range(5)))
    assert not overlap
    async with locks.hold("other"), locks.hold("k"):  # different keys do not block each other
        pass


async def test_two_updates_racing_for_a_topic_create_one(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    recording, bot = forum_bot()
    desk = Desk(desk_settings(), knowledge.i18n, MemoryLocks(), ALWAYS_OPEN)
    async with sessionmaker() as session:
        session.add(User(id=78, first_name="Kim", language="en"))
        await session.flush()
        session.add(Ticket(user_id=78, reason="requested"))
        await session.commit()

    async def ensure() -> int | None:
        async with sessionmaker() as session:
            ticket = await session.get(Ticket, 1)
            user = await session.get(User, 78)
            assert ticket is not None and user is not None
            return await desk.ensure_topic(bot, session, ticket, user)

    first, second = await asyncio.gather(ensure(), ensure())
    assert first == second is not None
    assert len(recording.calls(CreateForumTopic)) == 1

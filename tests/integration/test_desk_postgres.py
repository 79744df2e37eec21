"""The desk on real PostgreSQL and Redis: of many agents claiming one ticket at the same moment
exactly one gets it; deleting a user row cascades to their desk rows (the GDPR erasure itself is
tests/integration/test_gdpr_postgres.py); Redis locks hold across bot instances."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.methods import CreateForumTopic, DeleteForumTopic, SendMessage
from redis.asyncio import Redis
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import RedisSettings
from bot.intake.handover import LEADS_TOPIC_KEY, LeadHandover
from bot.kernel.kv import MemoryLocks, RedisLocks, redis_client
from db.base import utcnow
from db.models import (
    Agent,
    DeskDraft,
    Lead,
    LeadScore,
    RelayedMessage,
    Ticket,
    TicketStatus,
    User,
)
from db.repositories.intake import AppStateRepository
from db.repositories.tickets import TicketRepository
from tests.conftest import Knowledge
from tests.fakes.desk import desk_settings, forum_bot
from tests.fakes.services import free_port

pytestmark = pytest.mark.integration


async def test_of_many_simultaneous_claims_exactly_one_wins(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with pg_sessionmaker() as session:
        session.add(User(id=1, first_name="Ann"))
        session.add_all(Agent(telegram_id=100 + n, name=f"A{n}") for n in range(6))
        await session.flush()
        ticket = Ticket(user_id=1, reason="requested")
        session.add(ticket)
        await session.commit()
        agent_ids = (await session.scalars(select(Agent.id))).all()

    async def claim(agent_id: int) -> bool:
        async with pg_sessionmaker() as session:
            won = await TicketRepository(session).claim(ticket.id, agent_id, utcnow())
            await asyncio.sleep(0.05)  # hold the row a moment, as a handler would
            await session.commit()
            return won

    results = await asyncio.gather(*(claim(agent_id) for agent_id in agent_ids))
    assert sum(results) == 1
    async with pg_sessionmaker() as session:
        stored = await session.get(Ticket, ticket.id)
        assert stored is not None and stored.status == TicketStatus.CLAIMED
        assert stored.claimed_by == agent_ids[results.index(True)]

        # Deleting the user row removes the ticket and its relay pairs and drafts.
        session.add(RelayedMessage(ticket_id=ticket.id, direction="in", user_message_id=1,
                                   group_message_id=2))  # fmt: skip
        session.add(DeskDraft(ticket_id=ticket.id, text="draft"))
        await session.commit()
        await session.execute(delete(User).where(User.id == 1))
        await session.commit()
        for model in (Ticket, RelayedMessage, DeskDraft):
            assert await session.scalar(select(func.count()).select_from(model)) == 0


async def test_redis_locks_hold_across_instances(redis_url: str) -> None:
    first, second = Redis.from_url(redis_url), Redis.from_url(redis_url)
    try:
        locks = [RedisLocks(first), RedisLocks(second)]
        inside: list[int] = []
        overlap = False

        async def hold(number: int) -> None:
            nonlocal overlap
            async with locks[number % 2].hold("desk-topic:1", seconds=5):
                overlap = overlap or bool(inside)
                inside.append(number)
                await asyncio.sleep(0.02)
                inside.remove(number)

        await asyncio.gather(*(hold(n) for n in range(6)))
        assert not overlap
        assert await first.exists("devbot:lock:desk-topic:1") == 0
    finally:
        await first.aclose()
        await second.aclose()


async def test_two_updates_racing_to_open_a_ticket_open_one(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with pg_sessionmaker() as session:
        session.add(User(id=2, first_name="Bo"))
        await session.commit()
    started = asyncio.Barrier(2)

    async def open_one() -> int:
        async with pg_sessionmaker() as session:
            await started.wait()  # both looked, neither saw an open ticket
            ticket = await TicketRepository(session).open_new(Ticket(user_id=2, reason="r"))
            await asyncio.sleep(0.05)
            await session.commit()
            return ticket.id

    first, second = await asyncio.gather(open_one(), open_one())
    assert first == second
    async with pg_sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(Ticket))
        assert count == 1
        # A closed ticket does not count: the user can have a new one.
        closed = await session.get(Ticket, first)
        assert closed is not None
        closed.status = TicketStatus.CLOSED
        await session.commit()
        fresh = await TicketRepository(session).open_new(Ticket(user_id=2, reason="again"))
        await session.commit()
        assert fresh.id != first


async def test_two_replicas_delivering_leads_at_once_make_one_leads_topic(
    pg_sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge, redis: Redis
) -> None:
    recording, bot = forum_bot()
    replicas = [
        LeadHandover(desk_settings(), pg_sessionmaker, knowledge.i18n, RedisLocks(redis))
        for _ in range(2)
    ]
    user = User(id=3, first_name="Cy", language="en")
    leads = [Lead(id=n, user_id=3, project_type="devops", description="k8s", timeline="urgent",
                  budget="gt150k", name="Cy", email="cy@example.com", score=LeadScore.WARM,
                  score_points=50, source="menu", language="en") for n in range(1, 5)]  # fmt: skip
    await asyncio.gather(
        *(replicas[n % 2].deliver(bot, lead=lead, user=user) for n, lead in enumerate(leads))
    )
    assert len(recording.calls(CreateForumTopic)) == 1
    threads = {call.message_thread_id for call in recording.calls(SendMessage)}
    assert len(threads) == 1 and None not in threads


def _leads(count: int) -> list[Lead]:
    return [Lead(id=n, user_id=3, project_type="devops", description="k8s", timeline="urgent",
                 budget="gt150k", name="Cy", email="cy@example.com", score=LeadScore.WARM,
                 score_points=50, source="menu", language="en")
            for n in range(1, count + 1)]  # fmt: skip


async def test_without_the_shared_lock_the_stored_leads_topic_still_wins(
    pg_sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    """Each replica with its own lock (as when Redis is unavailable), topic creation slow
    enough that both create one: one is stored, the other deleted, every card in the one."""
    recording, bot = forum_bot()

    async def slow_topics(_bot: object, method: object) -> None:
        if isinstance(method, CreateForumTopic):
            await asyncio.sleep(0.3)

    recording.on_request = slow_topics  # type: ignore[method-assign,assignment]
    replicas = [
        LeadHandover(desk_settings(), pg_sessionmaker, knowledge.i18n, MemoryLocks())
        for _ in range(2)
    ]
    user = User(id=3, first_name="Cy", language="en")
    await asyncio.gather(
        *(replicas[n % 2].deliver(bot, lead=lead, user=user) for n, lead in enumerate(_leads(4)))
    )
    created = [call for call in recording.calls(CreateForumTopic)]
    assert len(created) == 2  # the race did happen
    deleted = recording.calls(DeleteForumTopic)
    assert len(deleted) == 1
    async with pg_sessionmaker() as session:
        stored = await AppStateRepository(session).get(LEADS_TOPIC_KEY)
    threads = {call.message_thread_id for call in recording.calls(SendMessage)}
    assert threads == {int(stored or 0)} and deleted[0].message_thread_id != int(stored or 0)


async def test_an_unavailable_lock_does_not_lose_the_lead_card(
    pg_sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    recording, bot = forum_bot()
    gone = redis_client(RedisSettings(url=f"redis://127.0.0.1:{free_port()}/0", timeout=0.5))
    handover = LeadHandover(desk_settings(), pg_sessionmaker, knowledge.i18n, RedisLocks(gone))
    try:
        await handover.deliver(bot, lead=_leads(1)[0], user=User(id=3, first_name="Cy"))
    finally:
        await gone.aclose()
    (card,) = recording.calls(SendMessage)
    assert card.message_thread_id is not None and "Cy" in card.text

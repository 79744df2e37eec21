"""Broadcasts with two replicas on one PostgreSQL and one Redis: the lease is a token of its
holder's (nobody else renews or gives it back), it is renewed through a flood wait longer than
the lease, so nobody gets the broadcast twice; and a replica whose lease was taken over sends
nothing more."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from aiogram import Bot
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import runner as runner_module
from bot.broadcast.runner import LEASE_KEY, BroadcastRunner
from bot.kernel.kv import RedisLeases, RedisLedger
from bot.telegram.offline_session import ApiCall, ApiError
from db.models import Broadcast, BroadcastSegment, BroadcastStatus, User
from db.repositories.broadcasts import add_draft, move
from tests.conftest import Knowledge
from tests.fakes.recording import RecordingSession, offline_bot

pytestmark = pytest.mark.integration

ADMIN = 9000
PEOPLE = range(1, 13)
FLOODED = 6  # in the second batch of four
# What bot/app.py names the broadcasts' lease with.
PREFIX = "devbot:broadcast-lease:"
LEASE = 2  # seconds: the flood wait below is longer
FLOOD_WAIT = 5


@pytest.fixture(autouse=True)
def short_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "LEASE_SECONDS", LEASE)
    monkeypatch.setattr(runner_module, "POLL_SECONDS", 0.1)


async def queued(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        for user_id in PEOPLE:
            session.add(User(id=user_id, first_name=f"P{user_id}", language="en"))
        draft = add_draft(session, "Big news", BroadcastSegment.ALL, ADMIN, "en", len(PEOPLE))
        await session.flush()
        await move(session, draft.id, BroadcastStatus.DRAFT, BroadcastStatus.QUEUED)
        await session.commit()
        return draft.id


class Telegram:
    """What each replica's bot sent, and when; one flood wait for FLOODED, on the first
    replica's bot."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, float]] = []  # (replica, chat, moment)
        self.flooded = asyncio.Event()

    def bot(self, replica: str, *, flood: bool = False) -> Bot:
        session = RecordingSession()
        send = session.responders["sendMessage"]
        floods = [
            ApiError(f"Too Many Requests: retry after {FLOOD_WAIT}", 429, retry_after=FLOOD_WAIT)
        ]

        def recorded(call: ApiCall) -> object:
            if flood and call.chat_id() == FLOODED and floods:
                self.flooded.set()
                raise floods.pop()
            answer = send(call)
            self.sent.append((replica, call.chat_id(), time.monotonic()))
            return answer

        session.responders["sendMessage"] = recorded
        return offline_bot(session)

    def to(self, chat: int) -> list[str]:
        return [replica for replica, chat_id, _moment in self.sent if chat_id == chat]

    def by(self, replica: str) -> Iterator[tuple[int, float]]:
        return ((chat, moment) for who, chat, moment in self.sent if who == replica)


def replica(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge, redis: Redis
) -> BroadcastRunner:
    """A replica's runner, wired as bot/app.py wires it."""
    leases = RedisLedger(redis, prefix=PREFIX)
    return BroadcastRunner(sessionmaker, knowledge.i18n, 30, leases, batch=4)


async def test_a_flood_wait_longer_than_the_lease_sends_nobody_the_broadcast_twice(
    pg_sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge, redis: Redis
) -> None:
    broadcast_id = await queued(pg_sessionmaker)
    telegram = Telegram()
    first, second = (replica(pg_sessionmaker, knowledge, redis) for _ in range(2))
    first.start(telegram.bot("first", flood=True))
    await asyncio.wait_for(telegram.flooded.wait(), 10)
    # The second replica looks for work every 0.1 s while the first waits out the flood.
    second.start(telegram.bot("second"))
    await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), 30)

    for user_id in PEOPLE:
        assert len(telegram.to(user_id)) == 1, user_id
    assert len(telegram.to(ADMIN)) == 1  # one summary
    # The first replica kept its lease through the flood wait and went on after it.
    assert telegram.to(FLOODED) == ["first"]
    async with pg_sessionmaker() as session:
        done = await session.get(Broadcast, broadcast_id)
        assert done is not None
        assert (done.status, done.sent_count, done.last_user_id) == (
            BroadcastStatus.DONE, len(PEOPLE), PEOPLE[-1]
        )  # fmt: skip
    assert await redis.get(PREFIX + LEASE_KEY) is None  # given back


async def test_a_replica_whose_lease_was_taken_over_sends_nothing_more(
    pg_sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge, redis: Redis
) -> None:
    """The first replica's lease is lost while it waits out a flood (say Redis did not hear
    from it): the second takes over and goes on; the first does not send again."""
    await queued(pg_sessionmaker)
    telegram = Telegram()
    first, second = (replica(pg_sessionmaker, knowledge, redis) for _ in range(2))
    first.start(telegram.bot("first", flood=True))
    await asyncio.wait_for(telegram.flooded.wait(), 10)
    await redis.delete(PREFIX + LEASE_KEY)
    taken_over = time.monotonic()
    second.start(telegram.bot("second"))
    await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), 30)

    assert [chat for chat, moment in telegram.by("first") if moment > taken_over] == []
    assert {chat for chat, _moment in telegram.by("second")} >= set(range(FLOODED, 13))
    for user_id in PEOPLE:
        assert telegram.to(user_id), user_id


async def test_a_holder_cannot_renew_or_release_another_holders_lease(redis: Redis) -> None:
    leases = RedisLeases(redis, prefix="devbot:test-lease:")
    key = "devbot:test-lease:k"
    assert await leases.take("k", "a", 0.5)
    assert not await leases.take("k", "b", 60)  # a has it
    assert not await leases.renew("k", "b", 60)
    assert not await leases.release("k", "b")
    assert await redis.get(key) == b"a"
    assert 0 < await redis.pttl(key) <= 500  # untouched by b

    assert await leases.renew("k", "a", 5)
    assert 4000 < await redis.pttl(key) <= 5000
    assert await leases.release("k", "a")
    assert await redis.get(key) is None
    assert not await leases.renew("k", "a", 5)  # given back: nothing to renew

    assert await leases.take("k", "a", 0.2)
    await asyncio.sleep(0.3)  # a's lease ran out
    assert not await leases.renew("k", "a", 5)
    assert await leases.take("k", "b", 60)
    assert not await leases.release("k", "a")  # the defect: a's release deleted b's lease
    assert await redis.get(key) == b"b"

"""Bans on PostgreSQL with the Redis cache, as two bot instances see them: a ban or unban made
by one instance is in force on the other at once, and the notice goes out once in total."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.guard.bans import Bans
from bot.kernel.kv import RedisCache, RedisCounters
from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import ActorType, User

pytestmark = pytest.mark.integration


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_a_ban_on_one_instance_holds_on_the_other(postgres_url: str, redis: Redis) -> None:
    engine = create_engine(postgres_url)
    await migrate.upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    first = Bans(RedisCache(redis), RedisCounters(redis))
    second = Bans(RedisCache(redis), RedisCounters(redis))
    try:
        async with sessionmaker() as session:
            session.add(User(id=7001, language="en"))
            await session.commit()

        async def active(bans: Bans) -> bool:
            async with sessionmaker() as session:
                user = await session.get(User, 7001)
                assert user is not None
                return await bans.active(session, user) is not None

        assert not await active(second)  # "not banned" is cached now
        async with sessionmaker() as session:
            user = await session.get(User, 7001)
            assert user is not None
            ban = await first.ban(session, user, hours=1, reason=None, actor=ActorType.ADMIN)
            await session.commit()
        assert await active(second)
        assert await redis.get("devbot:cache:ban:7001") is not None
        told = [await bans.first_notice(7001, ban) for bans in (first, second, first)]
        assert told == [True, False, False]

        async with sessionmaker() as session:
            user = await session.get(User, 7001)
            assert user is not None
            assert await second.unban(session, user, actor=ActorType.ADMIN, actor_id=1)
            await session.commit()
        assert not await active(first)
    finally:
        await engine.dispose()

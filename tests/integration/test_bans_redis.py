"""Bans on PostgreSQL and Redis, as two bot instances see them: a ban or unban made
by one instance is in force on the other at once, and the notice goes out once in total."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.guard.bans import Bans
from bot.kernel.kv import RedisCounters
from db.models import ActorType, User

pytestmark = pytest.mark.integration


async def test_a_ban_on_one_instance_holds_on_the_other(
    pg_sessionmaker: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    first = Bans(RedisCounters(redis))
    second = Bans(RedisCounters(redis))
    async with pg_sessionmaker() as session:
        session.add(User(id=7001, language="en"))
        await session.commit()

    async def active(bans: Bans) -> bool:
        async with pg_sessionmaker() as session:
            user = await session.get(User, 7001)
            assert user is not None
            return bans.active(user) is not None

    assert not await active(second)
    async with pg_sessionmaker() as session:
        user = await session.get(User, 7001)
        assert user is not None
        ban = await first.ban(session, user, hours=1, reason=None, actor=ActorType.ADMIN)
        await session.commit()
    assert await active(second)
    told = [await bans.first_notice(7001, ban) for bans in (first, second, first)]
    assert told == [True, False, False]

    async with pg_sessionmaker() as session:
        user = await session.get(User, 7001)
        assert user is not None
        assert await second.unban(session, user, actor=ActorType.ADMIN, actor_id=1)
        await session.commit()
    assert not await active(first)

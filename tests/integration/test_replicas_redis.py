"""Two replicas on one Redis, Telegram delivering the same updates to both (as it does when a
replica is slow): each update is answered once."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kernel.kv import MemoryLedger, RedisLedger
from tests.conftest import Knowledge
from tests.dispatcher.harness import Harness

pytestmark = pytest.mark.integration


async def test_two_replicas_answer_each_redelivered_update_once(
    pg_sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge, redis: Redis
) -> None:
    first = Harness(pg_sessionmaker, knowledge, redis=redis, ledger=RedisLedger(redis))
    second = Harness(pg_sessionmaker, knowledge, redis=redis, ledger=RedisLedger(redis))
    second.session = first.session  # one Telegram: what either replica sends is seen once
    second.bot = first.bot
    updates = [first.session.make_message_update("/start", user_id=7000 + n) for n in range(20)]
    await asyncio.gather(*(replica.feed(u) for u in updates for replica in (first, second)))
    answered = [first.session.sent_texts(7000 + n) for n in range(20)]
    assert [len(texts) for texts in answered] == [1] * 20


async def test_a_lease_of_a_replica_that_died_runs_out(redis: Redis) -> None:
    ledger = RedisLedger(redis)
    assert await ledger.take("1:501", lease_seconds=1)
    assert not await ledger.take("1:501", lease_seconds=1)  # being handled elsewhere
    await asyncio.sleep(1.2)
    assert await ledger.take("1:501", lease_seconds=1)  # nobody finished it: handled again
    await ledger.done("1:501", keep_seconds=60)
    assert not await ledger.take("1:501", lease_seconds=1)
    memory = MemoryLedger(max_items=2)
    assert all([await memory.take(key, 60) for key in ("a", "b", "c")])  # bounded
    assert not await memory.take("c", 60)

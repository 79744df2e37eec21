"""Two replicas on one Redis, Telegram delivering the same updates to both (as it does when a
replica is slow): each update is answered once. A delivery that arrives while another is being
handled is refused (the webhook answers 503) and Telegram delivers it again later."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import Message, Update
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kernel.kv import MemoryLedger, RedisLedger
from bot.telegram.delivery import StillHandling
from handlers import get_routers
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
    refused = 0

    async def deliver(replica: Harness, update: Update) -> None:
        nonlocal refused
        while True:  # as Telegram does after a 503
            try:
                await replica.feed(update)
                return
            except StillHandling:
                refused += 1
                await asyncio.sleep(0.05)

    updates = [first.session.make_message_update("/start", user_id=7000 + n) for n in range(20)]
    await asyncio.gather(*(deliver(replica, u) for u in updates for replica in (first, second)))
    answered = [first.session.sent_texts(7000 + n) for n in range(20)]
    assert [len(texts) for texts in answered] == [1] * 20
    assert refused > 0  # the deliveries did overlap


async def test_a_delivery_cancelled_half_way_is_handled_on_the_next(
    pg_sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge, redis: Redis
) -> None:
    """A replica that stops cancels what it did not finish; it must not count as done."""
    entered, hanging = asyncio.Event(), [True]
    slow = Router()

    @slow.message(F.text == "/start")
    async def hang(message: Message) -> None:
        if hanging.pop() if hanging else False:
            entered.set()
            await asyncio.sleep(30)
        raise SkipHandler  # on to the bot's own /start

    replica = Harness(
        pg_sessionmaker, knowledge, redis=redis, ledger=RedisLedger(redis),
        routers=[slow, *get_routers()],
    )  # fmt: skip
    update = replica.session.make_message_update("/start", user_id=7100)
    stopped = asyncio.create_task(replica.feed(update))
    await asyncio.wait_for(entered.wait(), 10)
    stopped.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopped
    assert replica.session.sent_texts(7100) == []
    await replica.feed(update)  # Telegram's next delivery
    assert len(replica.session.sent_texts(7100)) == 1


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

"""Two replicas on one Redis, Telegram delivering the same updates to both (as it does when a
replica is slow): each update is answered once. A delivery that arrives while another is being
handled is refused (the webhook answers 503) and Telegram delivers it again later."""

from __future__ import annotations

import asyncio
from typing import Any

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


def recorded(redis: Redis) -> list[tuple[Any, ...]]:
    """Every command `redis` sends from now on, with its arguments."""
    sent: list[tuple[Any, ...]] = []
    original = redis.execute_command

    async def record(*args: Any, **options: Any) -> Any:
        sent.append(args)
        return await original(*args, **options)

    redis.execute_command = record  # type: ignore[method-assign]
    return sent


def touching(sent: list[tuple[Any, ...]], fragment: str) -> list[tuple[Any, ...]]:
    return [args for args in sent if any(fragment in str(arg) for arg in args)]


async def test_a_webhook_update_takes_its_entry_and_chat_lock_in_one_round_trip(
    pg_sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge, redis: Redis
) -> None:
    """One round trip takes the update's ledger entry with its chat's lock, one more finishes
    the entry and gives the lock back; what is left in Redis says so."""
    replica = Harness(pg_sessionmaker, knowledge, redis=redis, ledger=RedisLedger(redis))
    sent = recorded(redis)
    await replica.feed(replica.session.make_message_update("/start", user_id=7200, update_id=41))
    assert len(replica.session.sent_texts(7200)) == 1
    ledger = touching(sent, "devbot:update:")
    assert len(ledger) == 2, ledger
    assert all(any(":7200:7200:lock" in str(arg) for arg in args) for args in ledger), ledger
    assert touching(sent, ":lock") == ledger  # the lock alone: no other round trip
    assert await redis.get(f"devbot:update:{replica.bot.id}:41") == b"done"
    assert await redis.keys("fsm:*:lock") == []


async def test_two_replicas_handle_one_chats_updates_one_at_a_time(
    pg_sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge, redis: Redis
) -> None:
    """The chat's lock in Redis keeps the replicas apart: updates of one chat delivered to both
    at once never run side by side, those of other chats do."""
    running: dict[int, int] = {}
    overlapped: list[int] = []

    def watching() -> Router:
        slow = Router()

        @slow.message(F.text.startswith("/start"))
        async def watch(message: Message) -> None:
            chat = message.chat.id
            running[chat] = running.get(chat, 0) + 1
            overlapped.append(running[chat])
            await asyncio.sleep(0.05)
            running[chat] -= 1
            raise SkipHandler

        return slow

    replicas = [
        Harness(
            pg_sessionmaker, knowledge, redis=redis, ledger=RedisLedger(redis),
            routers=[watching(), *get_routers()],
        )
        for _ in range(2)
    ]  # fmt: skip
    replicas[1].session = replicas[0].session
    replicas[1].bot = replicas[0].bot
    updates = [
        replicas[0].session.make_message_update("/start", user_id=7300 + n % 2, update_id=60 + n)
        for n in range(8)
    ]
    await asyncio.gather(*(replicas[n // 2 % 2].feed(u) for n, u in enumerate(updates)))
    assert max(overlapped) == 1, overlapped
    assert [len(replicas[0].session.sent_texts(7300 + n)) for n in range(2)] == [4, 4]
    assert await redis.keys("fsm:*:lock") == []

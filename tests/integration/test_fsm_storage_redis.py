"""The FSM storage on real Redis: within an update, the chat's state and dialog stack come in
one round trip and a stack that was missing is not deleted again; what is written is read
back as written, and outside an update it is aiogram's storage as it was."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from redis.asyncio import Redis

from bot.telegram.storage import LeanRedisStorage, begin_update

pytestmark = pytest.mark.integration

KEY = StorageKey(bot_id=42, chat_id=9001, user_id=9001)
STACK = replace(KEY, destiny="aiogd:stack:")  # aiogram-dialog's default stack of the chat


async def calls(redis: Redis) -> dict[str, int]:
    stats = await redis.info("commandstats")
    return {name.removeprefix("cmdstat_"): value["calls"] for name, value in stats.items()}


def spent(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: count - before.get(name, 0) for name, count in after.items()
            if count != before.get(name, 0) and name != "info"}  # fmt: skip


@pytest.fixture
def storage(redis: Redis) -> LeanRedisStorage:
    return LeanRedisStorage(redis, key_builder=DefaultKeyBuilder(with_destiny=True))


async def test_an_update_without_a_dialog_reads_once_and_writes_nothing(
    redis: Redis, storage: LeanRedisStorage
) -> None:
    before = await calls(redis)
    begin_update()
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(STACK) == {}  # answered from the state's read
    await storage.set_data(STACK, {})  # aiogram-dialog saving the empty stack
    assert spent(before, await calls(redis)) == {"mget": 1}


async def test_a_dialog_stack_is_read_ahead_and_written_as_given(
    redis: Redis, storage: LeanRedisStorage
) -> None:
    await storage.set_state(KEY, "Intake:email")
    await storage.set_data(STACK, {"intents": ["abc"]})
    begin_update()
    before = await calls(redis)
    assert await storage.get_state(KEY) == "Intake:email"
    assert await storage.get_data(STACK) == {"intents": ["abc"]}
    assert spent(before, await calls(redis)) == {"mget": 1}
    await storage.set_data(STACK, {})  # the dialog closed: the stack goes
    assert await redis.exists("fsm:9001:9001:aiogd:stack::data") == 0


async def test_a_write_after_the_read_ahead_is_what_the_next_read_sees(
    redis: Redis, storage: LeanRedisStorage
) -> None:
    begin_update()
    await storage.get_state(KEY)
    await storage.set_data(STACK, {"intents": ["new"]})
    assert await storage.get_data(STACK) == {"intents": ["new"]}
    await storage.set_data(STACK, {})  # written since it was read as missing: deleted
    assert await redis.exists("fsm:9001:9001:aiogd:stack::data") == 0


async def test_each_update_starts_afresh(redis: Redis, storage: LeanRedisStorage) -> None:
    """A key missing in one update may exist in the next (another replica wrote it)."""
    begin_update()
    assert await storage.get_data(STACK) == {}
    await redis.set("fsm:9001:9001:aiogd:stack::data", '{"intents": ["elsewhere"]}')
    begin_update()
    await storage.set_data(STACK, {})
    assert await redis.exists("fsm:9001:9001:aiogd:stack::data") == 0

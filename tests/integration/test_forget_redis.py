"""GDPR erasure in Redis: every key that names the person goes (counters, the ban cache, FSM
state with an unfinished intake), and nobody else's, not even ids that contain theirs."""

from __future__ import annotations

import pytest
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.kv import RedisCache, RedisCounters, forget_person

pytestmark = pytest.mark.integration

PERSON = 7_345_001
OTHERS = (17_345_001, 73_450_010, 2_002)


async def _leave_traces(redis: Redis, user_id: int) -> None:
    counters, cache = RedisCounters(redis), RedisCache(redis)
    await counters.hit(f"rl:burst:{user_id}", 60)
    await counters.hit(f"rl-told:hour:{user_id}", 60)
    await counters.hit(f"spam:rep:{user_id}:abc123", 60)
    await counters.hit(f"ban-told:{user_id}:until-x", 60)
    await counters.hit(f"llm:user:{user_id}:20261124", 60)
    await cache.set(f"ban:{user_id}", "0", 60)
    storage = RedisStorage(redis, key_builder=DefaultKeyBuilder(with_destiny=True))
    key = StorageKey(bot_id=42, chat_id=user_id, user_id=user_id)
    await storage.set_state(key, "Intake:email")
    await storage.set_data(key, {"name": "Tess", "email": "tess@example.org"})


async def test_forget_person_removes_only_their_keys(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        for user_id in (PERSON, *OTHERS):
            await _leave_traces(redis, user_id)
        before = len([key async for key in redis.scan_iter()])

        removed = await forget_person(redis, PERSON)

        left = [key.decode() async for key in redis.scan_iter()]  # other tests' keys too
        assert removed == 8 and len(left) == before - 8
        assert not any(str(PERSON) in key.split(":") for key in left)
        for other in OTHERS:
            assert sum(str(other) in key.split(":") for key in left) == 8
    finally:
        await redis.aclose()

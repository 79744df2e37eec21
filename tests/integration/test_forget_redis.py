"""GDPR erasure in Redis: every key that names the person goes (counters, notices, FSM
state with an unfinished intake), and nobody else's, not even ids that contain theirs."""

from __future__ import annotations

import pytest
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.config import LlmBudgetSettings, SpamSettings, ThrottleSettings
from bot.guard.bans import Ban, Bans
from bot.guard.spam import SpamDetector
from bot.guard.throttling import Throttle
from bot.kernel.kv import RedisCounters, forget_person
from llm.budget import LlmBudget

pytestmark = pytest.mark.integration

PERSON = 7_345_001
OTHERS = (17_345_001, 73_450_010, 2_002)


async def _leave_traces(redis: Redis, user_id: int) -> None:
    """What the services themselves write about a person, not keys typed in by hand."""
    counters = RedisCounters(redis)
    limits = ThrottleSettings(burst=1, burst_seconds=60, per_hour=100, per_day=100)
    for _ in range(2):  # the second goes over the burst: the notice key too
        await Throttle(counters, limits).check(user_id, _never)
    await SpamDetector(counters, SpamSettings()).check(user_id, "a question long enough to count")
    await Bans(counters).first_notice(user_id, Ban(None))
    await LlmBudget(counters, LlmBudgetSettings()).admit(user_id, conversation_id=user_id + 1)
    storage = RedisStorage(redis, key_builder=DefaultKeyBuilder(with_destiny=True))
    key = StorageKey(bot_id=42, chat_id=user_id, user_id=user_id)
    await storage.set_state(key, "Intake:email")
    await storage.set_data(key, {"name": "Tess", "email": "tess@example.org"})


async def _never() -> bool:
    return False


def _naming(keys: list[str], user_id: int) -> list[str]:
    return [key for key in keys if str(user_id) in key.split(":")]


async def test_forget_person_removes_only_their_keys(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        for user_id in (PERSON, *OTHERS):
            await _leave_traces(redis, user_id)
        before = len([key async for key in redis.scan_iter()])

        removed = await forget_person(redis, PERSON)

        left = [key.decode() async for key in redis.scan_iter()]  # other tests' keys too
        assert removed >= 8 and len(left) == before - removed
        assert _naming(left, PERSON) == []
        for other in OTHERS:
            assert len(_naming(left, other)) == removed
    finally:
        await redis.aclose()

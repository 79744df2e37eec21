"""Counters on real Redis: atomic across concurrent callers, and the window expires."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from bot.kernel.kv import RedisCounters

pytestmark = pytest.mark.integration


async def test_concurrent_hits_are_counted_exactly_once_each(redis_url: str) -> None:
    redis, other = Redis.from_url(redis_url), Redis.from_url(redis_url)
    try:
        # Two "bot instances" sharing one Redis.
        first, second = RedisCounters(redis), RedisCounters(other)
        counts = await asyncio.gather(
            *(counter.hit("rl:burst:1", 60) for counter in [first, second] * 25)
        )
        assert sorted(counts) == list(range(1, 51))
        assert 0 < await redis.ttl("devbot:rl:burst:1") <= 60
    finally:
        await redis.aclose()
        await other.aclose()


async def test_the_window_expires(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        counters = RedisCounters(redis)
        assert await counters.hit("rl:burst:2", 1) == 1
        assert await counters.hit("rl:burst:2", 1) == 2
        await asyncio.sleep(1.2)
        assert await counters.hit("rl:burst:2", 1) == 1
    finally:
        await redis.aclose()


async def test_several_windows_are_counted_in_one_step(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        counters = RedisCounters(redis)
        windows = [("rl:burst:3", 1), ("rl:hour:3", 3600)]
        assert await counters.hit_many(windows) == [1, 1]
        assert await counters.hit_many(windows, amount=2) == [3, 3]
        assert 0 < await redis.ttl("devbot:rl:hour:3") <= 3600
        await asyncio.sleep(1.2)
        assert await counters.hit_many(windows) == [1, 4]  # the short window started again
        assert await counters.hit("rl:hour:3", 3600) == 5  # the same counters as hit()
    finally:
        await redis.aclose()

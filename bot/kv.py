"""Counters with a time window: Redis in production (atomic across bot instances), process memory
in the demo. One small interface so that rate limits and budgets do not care which."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import LockError

# INCR and, on the first hit of a window, EXPIRE, in one atomic step.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class Counters(Protocol):
    async def hit(self, key: str, window_seconds: int) -> int:
        """Count one event for `key`; the count resets `window_seconds` after the first one."""


class RedisCounters:
    def __init__(self, redis: Redis, prefix: str = "devbot:") -> None:
        self.redis = redis
        self.prefix = prefix
        self._script = redis.register_script(_HIT)

    async def hit(self, key: str, window_seconds: int) -> int:
        return int(await self._script(keys=[self.prefix + key], args=[window_seconds]))


class MemoryCounters:
    def __init__(self, clock: object = time.monotonic) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str, window_seconds: int) -> int:
        now: float = self._clock()  # type: ignore[operator]
        expires, count = self._counts.get(key, (0.0, 0))
        if expires <= now:
            expires, count = now + window_seconds, 0
            if len(self._counts) > 100_000:  # drop expired keys now and then
                self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
        self._counts[key] = (expires, count + 1)
        return count + 1


# Locks: "do this once even when several updates arrive at the same moment" (issue 6: create a
# user's forum topic once). Redis locks hold across bot instances; memory locks within one.


class Locks(Protocol):
    def hold(self, key: str, seconds: float = 30.0) -> AbstractAsyncContextManager[None]:
        """Hold the lock named `key`; a holder that dies frees it after `seconds`."""


class RedisLocks:
    def __init__(self, redis: Redis, prefix: str = "devbot:lock:") -> None:
        self.redis = redis
        self.prefix = prefix

    @asynccontextmanager
    async def hold(self, key: str, seconds: float = 30.0) -> AsyncIterator[None]:
        lock = self.redis.lock(self.prefix + key, timeout=seconds, blocking_timeout=seconds)
        if not await lock.acquire():
            raise TimeoutError(f"lock {key} still held after {seconds}s")
        try:
            yield
        finally:
            with contextlib.suppress(LockError):  # expired meanwhile: someone else holds it
                await lock.release()


class MemoryLocks:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, key: str, seconds: float = 30.0) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with asyncio.timeout(seconds):
                await lock.acquire()
            try:
                yield
            finally:
                lock.release()
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # nobody waits: forget the lock
                del self._users[key], self._locks[key]

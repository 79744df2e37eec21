"""One update at a time per chat, without a lock storm under a flood.

aiogram's RedisEventIsolation makes every waiting update poll Redis (SET NX every 0.1 s): with a
thousand updates from one chat, the bot spends its time polling and hands the lock on at most
ten times a second. Here the updates of a chat first queue on a local FIFO lock, so that only
the first of them asks Redis (`SharedChatLock`, which still keeps several bot instances apart)
and the next one follows the moment it is released.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, DefaultKeyBuilder, StorageKey
from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.kernel.kv import Hold, RedisLeases


class LocalEventIsolation(BaseEventIsolation):
    """Per-chat asyncio locks, dropped when nobody holds or awaits them."""

    def __init__(self) -> None:
        self._locks: dict[StorageKey, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield None
        finally:
            _, users = self._locks.get(key, (lock, 1))
            if users <= 1:
                self._locks.pop(key, None)
            else:
                self._locks[key] = (lock, users - 1)

    def busy(self, key: StorageKey) -> bool:
        """Whether an update of the chat holds or awaits its lock."""
        return key in self._locks

    def held(self) -> int:
        """Locks held or awaited now (idle ones are dropped). Not __len__: aiogram-dialog takes
        an isolation that is falsy for none and uses its own instead."""
        return len(self._locks)

    async def close(self) -> None:
        """Nothing to release: updates still draining at shutdown keep their locks to the end."""


class SharedChatLock:
    """The chat's lock that keeps the replicas apart (Redis), held for one attempt at an update.

    Delivery (`bot.telegram.delivery`) takes it inside the process's FIFO lock of the chat, so
    that only the first of the chat's updates waiting here asks Redis, and a webhook update takes
    it in the same round trip as its ledger entry (and gives both back in one). Named and timed
    as aiogram's RedisEventIsolation names and times its lock, so a replica of an older version
    is kept apart as well; a holder that died frees it after SECONDS."""

    SECONDS = 60.0
    POLL = 0.1  # a waiting update asks again this often (as aiogram's does)

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.leases = RedisLeases(redis, prefix="")
        self._names = DefaultKeyBuilder()

    def hold_for(self, key: StorageKey) -> Hold:
        """A new holder's claim on the chat's lock (not taken yet)."""
        return Hold(self._names.build(key, "lock"), uuid.uuid4().hex, self.SECONDS)

    async def acquire(self, hold: Hold) -> None:
        """Taken, once the replica that has it gives it back (or it runs out): a lock in
        another process is asked again, not waited on."""
        while not await self.leases.take(hold.key, hold.holder, hold.seconds):  # noqa: ASYNC110
            await asyncio.sleep(self.POLL)

    async def release(self, hold: Hold) -> None:
        """Given back after the update was handled, its answer sent and its rows committed: a
        Redis that fails just then must not fail the update (it would be handled, and answered,
        again). The lock runs out by itself."""
        try:
            await self.leases.release(hold.key, hold.holder)
        except RedisError as exc:
            logger.warning("the chat's lock was not released ({}); it runs out by itself",
                           type(exc).__name__)  # fmt: skip

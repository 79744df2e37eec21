"""One update at a time per chat, without a lock storm under a flood.

aiogram's RedisEventIsolation makes every waiting update poll Redis (SET NX every 0.1 s): with a
thousand updates from one chat, the bot spends its time polling and hands the lock on at most
ten times a second. Here the updates of a chat first queue on a local FIFO lock, so that only
the first of them asks Redis (which still keeps several bot instances apart) and the next one
follows the moment it is released.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey
from loguru import logger
from redis.exceptions import RedisError


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

    def held(self) -> int:
        """Locks held or awaited now (idle ones are dropped). Not __len__: aiogram-dialog takes
        an isolation that is falsy for none and uses its own instead."""
        return len(self._locks)

    async def close(self) -> None:
        """Nothing to release: updates still draining at shutdown keep their locks to the end."""


class LayeredEventIsolation(BaseEventIsolation):
    """A local lock in front of a shared one (Redis).

    The shared lock is released after the update was handled, its answer sent and its rows
    committed: a Redis that fails just then must not fail the update (it would be handled, and
    answered, again). The lock runs out by itself."""

    def __init__(self, shared: BaseEventIsolation) -> None:
        self.local = LocalEventIsolation()
        self.shared = shared

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        async with self.local.lock(key):
            shared = self.shared.lock(key)
            await shared.__aenter__()
            try:
                yield None
            except BaseException:
                if not await shared.__aexit__(*sys.exc_info()):
                    raise
                return
            try:
                await shared.__aexit__(None, None, None)
            except RedisError as exc:
                logger.warning("the chat's lock was not released ({}); it runs out by itself",
                               type(exc).__name__)  # fmt: skip

    async def close(self) -> None:
        await self.local.close()
        await self.shared.close()

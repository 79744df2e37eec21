"""One update at a time per chat, without a lock storm under a flood.

aiogram's RedisEventIsolation makes every waiting update poll Redis (SET NX every 0.1 s): with a
thousand updates from one chat, the bot spends its time polling and hands the lock on at most
ten times a second. Here the updates of a chat first queue on a local FIFO lock, so that only
the first of them asks Redis (which still keeps several bot instances apart) and the next one
follows the moment it is released.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey


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

    async def close(self) -> None:
        """Nothing to release: updates still draining at shutdown keep their locks to the end."""


class LayeredEventIsolation(BaseEventIsolation):
    """A local lock in front of a shared one (Redis)."""

    def __init__(self, shared: BaseEventIsolation) -> None:
        self.local = LocalEventIsolation()
        self.shared = shared

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        async with self.local.lock(key), self.shared.lock(key):
            yield None

    async def close(self) -> None:
        await self.local.close()
        await self.shared.close()

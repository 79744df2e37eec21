"""aiogram's RedisStorage without the one write per update that changes nothing.

aiogram-dialog loads every chat's dialog stack at the start of an update and saves it at the
end; for the many chats with no dialog open, the save is a DEL of the key the load just found
missing: a Redis round trip for nothing. Here the keys an update read as missing are remembered
for that update only (`begin_update`, called by the delivery for every attempt, under the
chat's lock), and emptying one of them again is skipped."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

_MISSING: ContextVar[set[str] | None] = ContextVar("fsm_missing_keys", default=None)


def begin_update() -> None:
    """From here on, in this task, keys read as missing are remembered (a fresh set)."""
    _MISSING.set(set())


class LeanRedisStorage(RedisStorage):
    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        data = await super().get_data(key)
        missing = _MISSING.get()
        if not data and missing is not None:
            missing.add(self.key_builder.build(key, "data"))
        return data

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        missing = _MISSING.get()
        if missing is not None:
            redis_key = self.key_builder.build(key, "data")
            if not data and redis_key in missing:
                return  # missing already: nothing to delete
            missing.discard(redis_key)
        await super().set_data(key, data)

"""aiogram's RedisStorage with two round trips less per update.

Every update reads the chat's FSM state (aiogram's FSM middleware) and then its aiogram-dialog
stack (aiogram-dialog's middleware), and at the end aiogram-dialog saves the stack, which for
the many chats with no dialog open is a DEL of the key just found missing. Here, within one
update (`begin_update`, called by the delivery for every attempt, under the chat's lock):
- reading the state fetches the chat's default stack with it (one MGET), and the stack's read
  that follows is answered from it (once; a write of the key forgets it);
- emptying a key the update read as missing is skipped."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, cast

from aiogram.fsm.storage.base import DEFAULT_DESTINY, StorageKey
from aiogram.fsm.storage.redis import RedisStorage

# aiogram-dialog's default stack of a chat (aiogram_dialog.context.storage.StorageProxy).
_STACK_DESTINY = "aiogd:stack:"


@dataclass
class _Reads:
    missing: set[str] = field(default_factory=set)  # keys read as missing
    fetched: dict[str, Any] = field(default_factory=dict)  # keys read ahead, not yet asked for


_READS: ContextVar[_Reads | None] = ContextVar("fsm_reads", default=None)


def begin_update() -> None:
    """From here on, in this task, reads are remembered for this update (afresh)."""
    _READS.set(_Reads())


class LeanRedisStorage(RedisStorage):
    async def get_state(self, key: StorageKey) -> str | None:
        reads = _READS.get()
        if reads is None or key.destiny != DEFAULT_DESTINY:
            return await super().get_state(key)
        stack = dataclasses.replace(key, user_id=key.chat_id, destiny=_STACK_DESTINY)
        stack_key = self.key_builder.build(stack, "data")
        state, reads.fetched[stack_key] = await self.redis.mget(
            self.key_builder.build(key, "state"), stack_key
        )
        if isinstance(state, bytes):
            return state.decode("utf-8")
        return cast(str | None, state)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        reads = _READS.get()
        if reads is None:
            return await super().get_data(key)
        redis_key = self.key_builder.build(key, "data")
        if redis_key in reads.fetched:
            value = reads.fetched.pop(redis_key)
        else:
            value = await self.redis.get(redis_key)
        if value is None:
            reads.missing.add(redis_key)
            return {}
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        return cast(dict[str, Any], self.json_loads(value))

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        reads = _READS.get()
        if reads is not None:
            redis_key = self.key_builder.build(key, "data")
            reads.fetched.pop(redis_key, None)
            if not data and redis_key in reads.missing:
                return  # missing already: nothing to delete
            reads.missing.discard(redis_key)
        await super().set_data(key, data)

"""Per-chat isolation: one update at a time per chat, in arrival order, other chats in parallel,
and no lock left behind once a chat is quiet."""

from __future__ import annotations

import asyncio

from aiogram.fsm.storage.base import StorageKey

from bot.telegram.isolation import LocalEventIsolation


def key(chat_id: int) -> StorageKey:
    return StorageKey(bot_id=1, chat_id=chat_id, user_id=chat_id)


async def test_one_at_a_time_in_order_per_chat_and_nothing_left_behind() -> None:
    isolation = LocalEventIsolation()
    order: list[tuple[int, int]] = []
    running: dict[int, int] = {1: 0, 2: 0}
    overlap: list[bool] = []

    async def update(chat_id: int, number: int) -> None:
        async with isolation.lock(key(chat_id)):
            running[chat_id] += 1
            overlap.append(running[1] > 0 and running[2] > 0)
            assert running[chat_id] == 1  # never two updates of one chat at once
            await asyncio.sleep(0.001)
            order.append((chat_id, number))
            running[chat_id] -= 1

    await asyncio.gather(*(update(1 + n % 2, n) for n in range(40)))
    assert [n for chat, n in order if chat == 1] == list(range(0, 40, 2))  # arrival order
    assert any(overlap)  # the two chats ran side by side
    assert isolation._locks == {}

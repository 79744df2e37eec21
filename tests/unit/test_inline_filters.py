"""Synchronous filters run inline on the event loop, deciding exactly what they decided."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.types import Chat, Message

from bot.telegram.inline_filters import run_filters_inline


def message(text: str, chat_type: str = "private") -> Message:
    return Message(
        message_id=1, date=datetime.now(UTC), chat=Chat(id=1, type=chat_type), text=text
    )


async def test_sync_filters_run_inline_and_decide_the_same() -> None:
    threads: list[str] = []

    def where(event: object) -> bool:
        threads.append(threading.current_thread().name)
        return True

    router, child = Router(), Router()
    router.message.filter(F.chat.type == "private")
    child.message.register(lambda m: None, F.text.startswith("/"), where)
    router.include_router(child)
    assert run_filters_inline(router) == 3
    (handler,) = child.message.handlers
    assert (await handler.check(message("/start")))[0]
    assert not (await handler.check(message("hello")))[0]
    assert (await router.message._handler.check(message("x")))[0]
    assert not (await router.message._handler.check(message("x", "group")))[0]
    assert threads == [threading.current_thread().name]  # the event loop's, not a worker's
    assert run_filters_inline(router) == 0  # once is enough

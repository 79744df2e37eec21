"""Tag every log line with the update id and measure the update. (Shutdown waits for updates in
bot/telegram/delivery.py, which sees them from the moment they arrive.)"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from loguru import logger

from bot.kernel.metrics import HANDLER_LATENCY, UPDATE_ERRORS, UPDATES

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateContextMiddleware(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        kind = event.event_type
        started = time.perf_counter()
        with logger.contextualize(update_id=event.update_id):
            try:
                return await handler(event, data)
            except Exception:
                UPDATE_ERRORS.labels(kind).inc()
                raise
            finally:
                elapsed = time.perf_counter() - started
                UPDATES.labels(kind).inc()
                HANDLER_LATENCY.labels(kind).observe(elapsed)
                logger.info("{} handled in {:.0f} ms", kind, elapsed * 1000)

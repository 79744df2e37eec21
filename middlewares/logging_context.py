"""Tag every log line with the update id, measure the update, and track it until it ends so that
shutdown can let in-flight updates finish."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from loguru import logger

from bot.kernel.metrics import HANDLER_LATENCY, UPDATE_ERRORS, UPDATES

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateContextMiddleware(BaseMiddleware):
    def __init__(self) -> None:
        self.in_flight: set[asyncio.Task[Any]] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        kind = event.event_type
        task = asyncio.current_task()
        if task is not None:
            self.in_flight.add(task)
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
                if task is not None:
                    self.in_flight.discard(task)

    async def drain(self, seconds: float) -> int:
        """Wait up to `seconds` for in-flight updates; return how many were left."""
        current = asyncio.current_task()
        pending = {t for t in self.in_flight if t is not current and not t.done()}
        if not pending:
            return 0
        logger.info("waiting for {} in-flight update(s)", len(pending))
        _done, still = await asyncio.wait(pending, timeout=seconds)
        if still:
            logger.warning("{} update(s) still running after {}s; stopping", len(still), seconds)
        return len(still)

"""Rate limiting before any handler: over a limit, the message is not processed and the person is
told once per window, kindly, in their language; an album counts once. Button presses in private
chats count against limits of their own: over them, the press is answered (a short notice once
per window, silently after) and does nothing. The agents' group is not limited here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, TelegramObject, Update
from loguru import logger

from bot.guard.throttling import Throttle
from bot.kernel.metrics import THROTTLED
from db.models import ActorType
from db.repositories import audit
from db.repositories.trust import is_agent_or_client


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(self, throttle: Throttle, admin_ids: list[int]) -> None:
        self.throttle = throttle
        self.admin_ids = frozenset(admin_ids)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if data.get("attempt"):  # a retry of an update that was counted already
            return await handler(event, data)
        query = event.callback_query if isinstance(event, Update) else None
        if query is not None:
            return await self._button(handler, event, data, query)
        message = event.message if isinstance(event, Update) else None
        if message is None or message.chat.type != "private" or message.from_user is None:
            return await handler(event, data)
        user_id = message.from_user.id
        # An album arrives as one message per item: it counts once, as the person sent it once.
        if message.media_group_id is not None:
            first = await self.throttle.counters.hit(f"rl-album:{message.media_group_id}", 60)
            if first > 1:
                return await handler(event, data)

        async def trusted() -> bool:
            if user_id in self.admin_ids:
                return True
            return await is_agent_or_client(data["session"], user_id)

        verdict = await self.throttle.check(user_id, trusted)
        if verdict.allowed:
            return await handler(event, data)
        assert verdict.limit is not None
        THROTTLED.labels(verdict.limit.name).inc()
        if verdict.notify:
            self._record(data, user_id, verdict.limit.name)
            await message.answer(data["i18n"](f"throttle-{verdict.limit.name}"))
        return None

    async def _button(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
        query: CallbackQuery,
    ) -> Any:
        chat = query.message.chat if query.message is not None else None
        if chat is None or chat.type != "private" or query.from_user.id in self.admin_ids:
            return await handler(event, data)
        verdict = await self.throttle.check(query.from_user.id, _untrusted, button=True)
        if verdict.allowed:
            return await handler(event, data)
        assert verdict.limit is not None
        THROTTLED.labels(verdict.limit.name).inc()
        if verdict.notify:
            self._record(data, query.from_user.id, verdict.limit.name)
            await query.answer(data["i18n"](f"throttle-{verdict.limit.name}"), show_alert=True)
        else:
            await query.answer()  # the spinner stops; nothing else happens
        return None

    @staticmethod
    def _record(data: dict[str, Any], user_id: int, limit: str) -> None:
        """Once per window, like the notice: a flood must not become a flood of log lines."""
        logger.warning("user {} is over the {} limit", user_id, limit)
        audit.record(
            data["session"],
            "rate_limit",
            actor_type=ActorType.SYSTEM,
            target_type=audit.USER,
            target_id=user_id,
            details={"limit": limit},
        )


async def _untrusted() -> bool:
    """Button limits are the same for everyone: agents and admins press in the group, or are
    let through before counting."""
    return False

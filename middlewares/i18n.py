"""Pick the user's language: the one stored for them, else Telegram's language_code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from bot.kernel.i18n import I18n


class I18nMiddleware(BaseMiddleware):
    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("user")
        if user is not None:
            language = user.language
        else:
            tg_user = data.get("event_from_user")
            language = self.i18n.resolve(tg_user.language_code if tg_user else None)
        data["i18n"] = self.i18n.get(language)
        return await handler(event, data)

"""Load (or create) the user behind the update and put it in `data["user"]`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser

from bot.kernel.i18n import I18n
from bot.kernel.users import TelegramProfile, touch_user


class UserMiddleware(BaseMiddleware):
    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user: TelegramUser | None = data.get("event_from_user")
        if tg_user is not None and not tg_user.is_bot:
            profile = TelegramProfile(
                id=tg_user.id,
                username=tg_user.username,
                first_name=tg_user.first_name,
                last_name=tg_user.last_name,
                language_code=tg_user.language_code,
            )
            language = self.i18n.resolve(tg_user.language_code)
            user = await touch_user(data["session"], profile, language)
            chat = data.get("event_chat")
            if user.is_blocked and chat is not None and chat.type == "private":
                user.is_blocked = False  # they write to us, so they unblocked the bot
            data["user"] = user
        return await handler(event, data)

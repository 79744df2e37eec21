"""Only people in chats reach the features: an update that no person sent (a channel post, an
anonymous group admin, another bot) or that comes from no chat (an inline button pressed in
another chat) is logged and set aside here, before any handler assumes a sender or a chat."""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import NextMiddlewareType
from aiogram.types import Chat, TelegramObject, Update
from aiogram.types import User as TelegramUser
from loguru import logger


class PeopleOnlyMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: NextMiddlewareType[TelegramObject],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        person: TelegramUser | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        why = (
            "no person sent it" if person is None
            else "a bot sent it" if person.is_bot
            else "it comes from no chat" if chat is None
            else None
        )  # fmt: skip
        if why is None:
            return await handler(event, data)
        kind = event.event_type if isinstance(event, Update) else type(event).__name__
        update_id = event.update_id if isinstance(event, Update) else "?"
        logger.info("update {} ({}) ignored: {}", update_id, kind, why)
        return None

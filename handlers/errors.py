"""The last line of defence: log the failure, tell the user politely, never show a traceback."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Router
from aiogram.types import ErrorEvent
from loguru import logger

from bot.kernel.i18n import I18n, Translator


async def on_error(event: ErrorEvent, bot: Bot, i18n_hub: I18n, **data: Any) -> None:
    update = event.update
    logger.opt(exception=event.exception).error(
        "update {} ({}) failed: {}",
        update.update_id,
        update.event_type,
        type(event.exception).__name__,
    )
    translator: Translator = data.get("i18n") or i18n_hub.get(None)
    text = translator("error-generic")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.message is not None and update.message.chat.type == "private":
            await update.message.answer(text)
    except Exception as exc:  # the apology itself failed (network, blocked): nothing more to do
        logger.warning("could not tell the user about the failure: {}", type(exc).__name__)


def create_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router

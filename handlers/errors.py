"""The last line of defence: log the failure, tell the user politely, never show a traceback.

One refusal is not a failure: an edit that Telegram turns down as "message is not modified"
(the same button pressed twice, a menu opened where it is already open) leaves the message
showing what the handler wanted; it is logged and the person is not told anything went wrong."""

from __future__ import annotations

import contextlib
from typing import Any

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import ErrorEvent
from loguru import logger

from bot.kernel.i18n import I18n, Translator
from bot.kernel.metrics import UPDATES_FAILED


async def on_error(event: ErrorEvent, bot: Bot, i18n_hub: I18n, **data: Any) -> None:
    update = event.update
    if unchanged_edit(event.exception):
        logger.info("update {} ({}): the edit changed nothing", update.update_id,
                    update.event_type)  # fmt: skip
        if update.callback_query is not None:
            with contextlib.suppress(Exception):  # already answered by the handler, most often
                await update.callback_query.answer()
        return
    UPDATES_FAILED.labels(update.event_type).inc()
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


def unchanged_edit(exc: Exception) -> bool:
    return isinstance(exc, TelegramBadRequest) and "message is not modified" in exc.message


def create_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router

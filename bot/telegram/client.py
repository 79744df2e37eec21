"""The Bot object and its HTTP session: another Bot API server when configured, HTML by default,
429/5xx answers waited out and retried instead of dropped, and the response models kept."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Any, ClassVar

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, SendChatAction, SendMessageDraft, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from loguru import logger

from bot.config import Settings
from bot.kernel.metrics import TELEGRAM_RETRIES

UNRETRIED = frozenset(
    {GetUpdates.__api_method__, SendMessageDraft.__api_method__, SendChatAction.__api_method__}
)
# Telegram's flood waits are seconds to a few minutes; past this something else is wrong.
MAX_RETRY_AFTER = 300
# Inside an update a longer wait is not slept through: it would hold the chat's lock (60 s in
# Redis) and a database connection; the update is tried again after the wait instead.
INLINE_FLOOD_WAIT = 10
# The task of an update the dispatcher can try again later, set while it handles it (tasks it
# starts inherit the value but are not that task: they wait inline).
RESCHEDULE_FLOOD_WAITS: ContextVar[asyncio.Task[Any] | None] = ContextVar(
    "reschedule_flood_waits", default=None
)


def thread_gone(exc: TelegramBadRequest) -> bool:
    """The forum topic a message was sent to no longer exists (someone deleted it)."""
    return "thread not found" in exc.message.lower()


class KeepResponseModels(BaseRequestMiddleware):
    """Keep each method's `Response[...]` model alive.

    aiogram parses every answer with `Response[method.__returning__]`; pydantic caches such
    generic models only weakly, so without a reference they are collected and rebuilt (schema
    and validator) on every call: a fifth of the bot's CPU under load. Holding one per return
    type turns that into a cache hit."""

    models: ClassVar[dict[Any, type[Response[Any]]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        returning = method.__returning__
        if returning not in self.models:
            self.models[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)


def rescheduled_here() -> bool:
    task = RESCHEDULE_FLOOD_WAITS.get()
    return task is not None and task is asyncio.current_task()


class RetryMiddleware(BaseRequestMiddleware):
    """Wait out `retry_after` on 429 and back off on 5xx/network errors, a bounded number of times.

    getUpdates is left alone: the polling loop has its own backoff. Drafts and chat actions are
    not retried either: they are ephemeral, and a stale one is worth less than the next. A flood
    wait over INLINE_FLOOD_WAIT inside an update raises at once (the update is tried again).
    """

    def __init__(self, attempts: int = 5, base_delay: float = 0.5) -> None:
        self.attempts = attempts
        self.base_delay = base_delay

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        if method.__api_method__ in UNRETRIED:
            return await make_request(bot, method)
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > MAX_RETRY_AFTER:
                    raise
                if exc.retry_after > INLINE_FLOOD_WAIT and rescheduled_here():
                    TELEGRAM_RETRIES.labels("429").inc()
                    logger.warning("{}: flood control for {}s; the update is tried again then",
                                   method.__api_method__, exc.retry_after)  # fmt: skip
                    raise
                TELEGRAM_RETRIES.labels("429").inc()
                logger.warning(
                    "{}: flood control, retrying in {}s", method.__api_method__, exc.retry_after
                )
                await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if attempt == self.attempts:
                    raise
                TELEGRAM_RETRIES.labels(
                    "server" if isinstance(exc, TelegramServerError) else "network"
                ).inc()
                delay = self.base_delay * 2 ** (attempt - 1)
                logger.warning(
                    "{}: {}, retrying in {}s", method.__api_method__, type(exc).__name__, delay
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


def create_session(settings: Settings) -> AiohttpSession:
    if settings.telegram.telegram_api_url:
        session = AiohttpSession(
            api=TelegramAPIServer.from_base(settings.telegram.telegram_api_url)
        )
    else:
        session = AiohttpSession()
    return session


def create_bot(
    settings: Settings, session: BaseSession | None = None, token: str | None = None
) -> Bot:
    if token is None:
        token = settings.require_token().get_secret_value()
    session = session or create_session(settings)
    session.middleware(KeepResponseModels())
    session.middleware(RetryMiddleware())
    return Bot(
        token=token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )

"""The Bot object and its HTTP session: another Bot API server when configured, HTML by default,
429/5xx answers waited out and retried instead of dropped, the response models kept, and the
calls of an update made once however often the update is tried."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import aiohttp
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
# Calls that leave something new behind each time they succeed (a message, a topic): after a
# network error that may have come once Telegram had done the call (a time-out, a dropped
# connection), making them again could send twice. Only a connection that was never made is
# safe to try again; otherwise the update fails and is tried again as a whole, where the calls
# that did get an answer are not made again (ReplayMiddleware). Edits, deletions and answers to
# button presses end the same however often they are made, and are retried.
UNREPEATABLE_PREFIXES = ("send", "copy", "forward")
UNREPEATABLE = frozenset({"createForumTopic", "createChatInviteLink", "stopPoll"})
# Calls that leave nothing behind: made again freely when an update is tried again.
UNREPLAYED = frozenset({SendMessageDraft.__api_method__, SendChatAction.__api_method__})


@dataclass
class Attempts:
    """An update the dispatcher is handling (`task`), as the Bot API middlewares see it.

    `made` holds the calls its attempts made and Telegram's answers, in order: an attempt that
    makes a call an earlier attempt made (a retry after a fault that came once the answer was
    out) gets that answer back instead of a second message. Calls are compared only once the
    update is tried again, so a first attempt, nearly every update's only one, pays nothing
    for it. `retry_allowed` says whether the update will be tried again, so a long flood wait
    can end the attempt."""

    task: asyncio.Task[Any] | None
    retry_allowed: bool = True
    retried: bool = False
    made: list[tuple[TelegramMethod[Any], Any]] = field(default_factory=list)
    _by_call: dict[str, list[Any]] | None = None
    _used: Counter[str] = field(default_factory=Counter)

    def next_attempt(self, *, retry_allowed: bool, first: bool) -> None:
        self.retried = not first
        self.retry_allowed = retry_allowed
        self._used.clear()

    def earlier_answer(self, method: TelegramMethod[Any]) -> tuple[bool, Any]:
        """(True, the answer) when an earlier attempt made this call (its n-th time in this
        attempt matching the n-th time then); else (False, None)."""
        if self._by_call is None:
            self._by_call = {}
            for made, answer in self.made:
                self._by_call.setdefault(_call_key(made), []).append(answer)
        key = _call_key(method)
        index = self._used[key]
        self._used[key] += 1
        answers = self._by_call.setdefault(key, [])
        return (True, answers[index]) if index < len(answers) else (False, None)

    def record(self, method: TelegramMethod[Any], answer: Any) -> None:
        self.made.append((method, answer))
        if self._by_call is not None:
            self._by_call.setdefault(_call_key(method), []).append(answer)


def _call_key(method: TelegramMethod[Any]) -> str:
    return method.__api_method__ + repr(method.model_dump(exclude_none=True))


IN_UPDATE: ContextVar[Attempts | None] = ContextVar("in_update", default=None)


def current_attempts() -> Attempts | None:
    """The update being handled by this very task (tasks it starts inherit the variable but
    are not its task: their calls are their own)."""
    attempts = IN_UPDATE.get()
    if attempts is None or attempts.task is not asyncio.current_task():
        return None
    return attempts


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
    attempts = current_attempts()
    return attempts is not None and attempts.retry_allowed


class ReplayMiddleware(BaseRequestMiddleware):
    """A call an earlier attempt of the same update made is answered from `Attempts.sent`."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        attempts = current_attempts()
        name = method.__api_method__
        if attempts is None or name in UNREPLAYED or name.startswith("get"):
            return await make_request(bot, method)
        if attempts.retried:
            made, answer = attempts.earlier_answer(method)
            if made:
                logger.info("{}: made by an earlier attempt of this update, not again", name)
                return answer
        answer = await make_request(bot, method)
        attempts.record(method, answer)
        return answer


def never_sent(exc: TelegramNetworkError) -> bool:
    """The connection was never made, so Telegram never saw the call."""
    return isinstance(exc.__cause__, aiohttp.ClientConnectorError)


def repeatable(api_method: str, exc: TelegramServerError | TelegramNetworkError) -> bool:
    """Whether a call that failed so may be made again at once (see UNREPEATABLE)."""
    if isinstance(exc, TelegramServerError) or never_sent(exc):
        return True  # Telegram answered that it did not do it, or never saw it
    return not (api_method.startswith(UNREPEATABLE_PREFIXES) or api_method in UNREPEATABLE)


class RetryMiddleware(BaseRequestMiddleware):
    """Wait out `retry_after` on 429 and back off on 5xx/network errors, a bounded number of times.
    A call that creates something is not made again after a network error that may have come
    after Telegram did it (`repeatable`).

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
            except TelegramBadRequest as exc:
                if attempt > 1 and "message is not modified" in exc.message:
                    # The earlier attempt did the edit; only its answer was lost.
                    return True
                raise
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
                if attempt == self.attempts or not repeatable(method.__api_method__, exc):
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


class JsonSession(AiohttpSession):
    """aiogram's session, sending a call without files as a JSON body (the Bot API takes both).

    aiogram posts every call as a form, its fields URL-encoded in Python byte by byte: for an
    answer of a thousand characters that costs more than the rest of the call. The form stays
    for uploads."""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        files: dict[str, Any] = {}
        payload = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared:  # what aiogram's form leaves out, this leaves out too
                payload[key] = prepared
        if files:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=self.json_dumps(payload),
                headers=_JSON,
                timeout=aiohttp.ClientTimeout(total=self.timeout if timeout is None else timeout),
            ) as response:
                raw = await response.text()
        except TimeoutError as exc:
            raise TelegramNetworkError(method=method, message="Request timeout error") from exc
        except aiohttp.ClientError as exc:
            raise TelegramNetworkError(
                method=method, message=f"{type(exc).__name__}: {exc}"
            ) from exc
        checked = self.check_response(
            bot=bot, method=method, status_code=response.status, content=raw
        )
        return cast(TelegramType, checked.result)


_JSON = {"Content-Type": "application/json"}


def create_session(settings: Settings) -> AiohttpSession:
    if settings.telegram.telegram_api_url:
        return JsonSession(api=TelegramAPIServer.from_base(settings.telegram.telegram_api_url))
    return JsonSession()


def create_bot(
    settings: Settings, session: BaseSession | None = None, token: str | None = None
) -> Bot:
    if token is None:
        token = settings.require_token().get_secret_value()
    session = session or create_session(settings)
    session.middleware(ReplayMiddleware())
    session.middleware(KeepResponseModels())
    session.middleware(RetryMiddleware())
    return Bot(
        token=token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )

"""Every update handled once, in order per chat, within bounds, and not lost to a passing fault.

`DeliveringDispatcher.feed_update` is the one door for updates (polling, webhook, tests):
- an update Telegram delivers again (to this replica or another: a ledger in Redis) is handled
  once: a redelivery of a finished update is skipped with a log line, one that arrives while
  the first delivery is still being handled raises `StillHandling` (the webhook answers 503, so
  Telegram tries again later), and one whose handling was cancelled (the replica stopped) is
  handled again;
- the updates of one chat (and person) go one after the other, through a local FIFO lock that
  is held across retries, so a retried update is never overtaken by the next one;
- at most UPDATES_IN_FLIGHT are handled at once; the others wait their turn (a waiting update
  holds no database or Redis connection);
- an update that fails on a transient error (Redis, the database, the network, Telegram 5xx or
  flood control) is handled again, with backoff, until UPDATE_RETRY_SECONDS have passed; a
  permanent error goes to the error handlers (a log line and a polite answer), as does a
  transient one that outlived its deadline. Handlers see `attempt` (0 the first time): the
  rate limits and the spam check count an update once, not once per attempt;
- a Bot API call an earlier attempt made is not made again (`client.ReplayMiddleware`): a
  fault that comes after the answer went out (the commit, say) does not answer twice;
- a flood wait longer than the bot waits inline (`client.INLINE_FLOOD_WAIT`) ends the attempt
  instead of being slept through with the chat's lock and a database connection held: the
  update is tried again once the wait is over, its deadline moved on to cover it.

Transient errors skip the error handlers while there is time left: `PassTransient` on
`dp.errors` re-raises them before aiogram-dialog's error middleware, which would otherwise
fail again on the same fault and hide it under `KeyError: 'aiogd_context'`. A failure inside
the error handlers is logged with the error that caused it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import sqlite3
import time
import weakref
from collections.abc import Iterator
from typing import Any

import asyncpg
from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.dispatcher.event.bases import NextMiddlewareType
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import ErrorEvent, TelegramObject, Update
from aiogram_dialog.api.entities import DialogUpdate
from loguru import logger
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError

from bot.kernel.kv import Ledger
from bot.kernel.metrics import (
    LEDGER_UNAVAILABLE,
    OLDEST_UPDATE_SECONDS,
    UPDATE_RETRIES,
    UPDATES_INSIDE,
    fault_label,
)
from bot.telegram.client import IN_UPDATE, MAX_RETRY_AFTER, Attempts
from bot.telegram.isolation import LocalEventIsolation
from bot.telegram.storage import begin_update

# An escaped NUL in JSON text, not an escaped backslash followed by "u0000".
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")
# An update is remembered for a day (Telegram redelivers for about that long).
KEEP_DONE = 86_400
LEASE_MARGIN = 60
FIRST_BACKOFF = 0.2
MAX_BACKOFF = 5.0
_TRANSIENT: tuple[type[BaseException], ...] = (
    RedisConnectionError,  # MaxConnectionsError too
    RedisTimeoutError,
    # The database: a connection that failed or broke (SQLAlchemy's OperationalError also
    # covers bugs such as SQLite's "no such table", so it counts only with one of these behind
    # it, or with `connection_invalidated`).
    asyncpg.PostgresConnectionError,
    asyncpg.TooManyConnectionsError,
    asyncpg.CannotConnectNowError,
    ConnectionError,
    TimeoutError,
    TelegramNetworkError,
    TelegramServerError,
    TelegramRetryAfter,
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def transient_cause(error: BaseException) -> BaseException | None:
    """The transient fault behind `error` (itself, or what it was raised from), if any."""
    for link in _chain(error):
        if isinstance(link, DBAPIError) and link.connection_invalidated:
            return link
        if isinstance(link, _TRANSIENT) or _sqlite_busy(link):
            return link
    return None


def _sqlite_busy(error: BaseException) -> bool:
    """The embedded SQLite still locked by another writer after its busy timeout (a burst on
    a slow disk): the next attempt usually finds it free."""
    return isinstance(error, sqlite3.OperationalError) and str(error) == "database is locked"


def backoff(attempt: int, error: BaseException) -> float:
    if isinstance(error, TelegramRetryAfter):
        return float(error.retry_after)
    delay = min(FIRST_BACKOFF * 2**attempt, MAX_BACKOFF)
    return delay * random.uniform(0.5, 1.0)


def without_nul(update: Update, bot: Bot) -> Update:
    """The update with every NUL character removed from its texts and names: PostgreSQL
    refuses NUL in text, and nothing a person means is written with it."""
    raw = update.model_dump_json(exclude_unset=True)
    if "\\u0000" not in raw:
        return update
    cleaned = _JSON_NUL.sub(r"\1", raw)
    return Update.model_validate_json(cleaned, context={"bot": bot})


class StillHandling(Exception):
    """The update is being handled (here or by another replica) since an earlier delivery."""

    def __init__(self, update_id: int) -> None:
        super().__init__(f"update {update_id} is being handled already")
        self.update_id = update_id


class PassTransient(BaseMiddleware):
    """Errors outer middleware: a transient error goes back to `feed_update` to be retried
    (while its update has time left); a failure of the error handlers themselves is logged
    with the error they were handling."""

    async def __call__(
        self,
        handler: NextMiddlewareType[TelegramObject],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, ErrorEvent)
        if data.get("retry_allowed") and transient_cause(event.exception) is not None:
            raise event.exception
        try:
            return await handler(event, data)
        except Exception as masked:
            if masked is event.exception:
                raise
            logger.opt(exception=event.exception).error(
                "update {} ({}) failed: {}; its error handling failed too: {}",
                event.update.update_id,
                event.update.event_type,
                type(event.exception).__name__,
                type(masked).__name__,
            )
            raise event.exception from masked


_DISPATCHERS: weakref.WeakSet[DeliveringDispatcher] = weakref.WeakSet()


def _oldest_update_age() -> float:
    return max((dp.oldest_age() for dp in list(_DISPATCHERS)), default=0.0)


OLDEST_UPDATE_SECONDS.set_function(_oldest_update_age)


class DeliveringDispatcher(Dispatcher):
    def __init__(
        self,
        *,
        in_flight: int = 64,
        retry_seconds: float = 60.0,
        ledger: Ledger | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.in_flight = in_flight
        self.retry_seconds = retry_seconds
        self.ledger = ledger
        self._slots = asyncio.Semaphore(in_flight)
        self._order = LocalEventIsolation()
        self._pending: set[asyncio.Task[Any]] = set()  # from the door on: queued ones too
        self._arrived: dict[asyncio.Task[Any], float] = {}
        _DISPATCHERS.add(self)
        self.errors.outer_middleware(PassTransient())

    async def drain(self, seconds: float) -> int:
        """Wait up to `seconds` for every update inside, including those still waiting for
        their chat or a slot (at shutdown); return how many were left."""
        current = asyncio.current_task()
        pending = {task for task in self._pending if task is not current and not task.done()}
        if not pending:
            return 0
        logger.info("waiting for {} update(s) to finish", len(pending))
        _done, still = await asyncio.wait(pending, timeout=seconds)
        if still:
            logger.warning(
                "{} update(s) still unfinished after {}s; stopping", len(still), seconds
            )
        return len(still)

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        task = asyncio.current_task()
        if task is not None:
            self._pending.add(task)
            self._arrived[task] = time.monotonic()
        UPDATES_INSIDE.inc()
        try:
            return await self._feed(bot, update, kwargs)
        finally:
            UPDATES_INSIDE.dec()
            self._pending.discard(task)
            if task is not None:
                self._arrived.pop(task, None)

    def oldest_age(self) -> float:
        """Seconds the oldest update inside has been here (0 with none)."""
        arrived = list(self._arrived.values())
        return time.monotonic() - min(arrived) if arrived else 0.0

    async def _feed(self, bot: Bot, update: Update, kwargs: dict[str, Any]) -> Any:
        if self.ledger is None or isinstance(update, DialogUpdate):
            return await self._in_order(bot, without_nul(update, bot), kwargs)
        key = f"{bot.id}:{update.update_id}"
        if not await self._take(key, update):
            if not await self._finished(key):
                raise StillHandling(update.update_id)
            logger.info("update {} ({}) skipped: delivered again, handled already",
                        update.update_id, update.event_type)  # fmt: skip
            return None
        try:
            result = await self._in_order(bot, without_nul(update, bot), kwargs)
        except asyncio.CancelledError:
            # Stopped before it was handled: the next delivery must handle it, not skip it.
            with contextlib.suppress(Exception):  # otherwise the lease runs out by itself
                await self.ledger.release(key)
            raise
        except Exception:
            await self._done(key)  # given up after its error handling: not again
            raise
        await self._done(key)
        return result

    def lease_seconds(self) -> int:
        """Longer than every attempt of an update, flood waits included."""
        return int(self.retry_seconds) + MAX_RETRY_AFTER + LEASE_MARGIN

    async def _take(self, key: str, update: Update) -> bool:
        assert self.ledger is not None
        try:
            return await self.ledger.take(key, self.lease_seconds())
        except Exception as exc:
            if transient_cause(exc) is None:
                raise
            # Better answered twice than not at all: handled without the ledger this time.
            LEDGER_UNAVAILABLE.inc()
            logger.warning("update {}: the ledger is unavailable ({}); handling it anyway",
                           update.update_id, type(exc).__name__)  # fmt: skip
            return True

    async def _finished(self, key: str) -> bool:
        assert self.ledger is not None
        try:
            return await self.ledger.is_done(key)
        except Exception as exc:
            if transient_cause(exc) is None:
                raise
            return False  # asked again later, when the ledger may answer

    async def _done(self, key: str) -> None:
        assert self.ledger is not None
        with contextlib.suppress(Exception):  # the lease runs out by itself
            await self.ledger.done(key, KEEP_DONE)

    async def _in_order(self, bot: Bot, update: Update, kwargs: dict[str, Any]) -> Any:
        context = UserContextMiddleware.resolve_event_context(update)
        if context.chat is None and context.user is None:
            return await self._attempts(bot, update, kwargs)
        key = StorageKey(
            bot_id=bot.id,
            chat_id=context.chat.id if context.chat else context.user.id,  # type: ignore[union-attr]
            user_id=context.user.id if context.user else 0,
            thread_id=context.thread_id,
        )
        async with self._order.lock(key):
            return await self._attempts(bot, update, kwargs)

    async def _attempts(self, bot: Bot, update: Update, kwargs: dict[str, Any]) -> Any:
        deadline = asyncio.get_running_loop().time() + self.retry_seconds
        attempts = Attempts(asyncio.current_task())
        in_update = IN_UPDATE.set(attempts)
        try:
            with logger.contextualize(update_id=update.update_id):
                return await self._attempt_until_done(bot, update, kwargs, attempts, deadline)
        finally:
            IN_UPDATE.reset(in_update)

    async def _attempt_until_done(
        self,
        bot: Bot,
        update: Update,
        kwargs: dict[str, Any],
        attempts: Attempts,
        deadline: float,
    ) -> Any:
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            delay = 0.0
            async with self._slots:
                time_left = loop.time() < deadline
                attempts.next_attempt(retry_allowed=time_left, first=attempt == 0)
                begin_update()
                try:
                    return await super().feed_update(
                        bot, update, **{**kwargs, "retry_allowed": time_left, "attempt": attempt}
                    )
                except Exception as error:
                    cause = transient_cause(error)
                    if cause is None or not time_left:
                        raise
                    if isinstance(cause, TelegramRetryAfter):
                        if cause.retry_after > MAX_RETRY_AFTER:
                            raise
                        # Waited out between attempts: the deadline moves past the wait.
                        deadline = max(deadline, loop.time() + cause.retry_after + 1.0)
                    delay = backoff(attempt, cause)
                    attempt += 1
                    UPDATE_RETRIES.labels(fault_label(cause)).inc()
                    logger.warning(
                        "update {} ({}): {} on attempt {}; again in {:.1f}s",
                        update.update_id,
                        update.event_type,
                        type(cause).__name__,
                        attempt,
                        delay,
                    )
            # The slot is free while the update waits to try again; its chat stays in order.
            await asyncio.sleep(min(delay, max(deadline - loop.time(), 0.0)))

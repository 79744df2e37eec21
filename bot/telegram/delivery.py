"""Every update handled once, in order per chat, within bounds, and not lost to a passing fault.

`DeliveringDispatcher.feed_update` is the one door for updates (polling, webhook, tests):
- an update Telegram delivers again (to this replica or another: a ledger in Redis) is handled
  once: a redelivery of a finished update is skipped with a log line, one that arrives while
  the first delivery is still being handled raises `StillHandling` (the webhook answers 503, so
  Telegram tries again later), and one whose handling was cancelled (the replica stopped) is
  handled again;
- the updates of one chat (and person) go one after the other, through a local FIFO lock that
  is held across retries, so a retried update is never overtaken by the next one; with
  replicas (`chat_lock`, Redis) each attempt also holds the chat's shared lock, taken inside the
  local one (only the first update of a chat waiting here asks Redis). A webhook update whose
  chat has nothing else waiting here takes its ledger entry and the shared lock in one round
  trip, and finishes the one and gives back the other in one more;
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
from dataclasses import dataclass
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

from bot.kernel.kv import Hold, Ledger, RedisLedger
from bot.kernel.metrics import (
    LEDGER_UNAVAILABLE,
    OLDEST_UPDATE_SECONDS,
    UPDATE_RETRIES,
    UPDATES_INSIDE,
    fault_label,
)
from bot.telegram.client import IN_UPDATE, MAX_RETRY_AFTER, Attempts
from bot.telegram.isolation import LocalEventIsolation, SharedChatLock
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


@dataclass
class Chat:
    """An update's claim on its chat's shared lock, and whether it holds it now."""

    hold: Hold
    held: bool = False


def _again(update: Update, cause: BaseException, tries: int, what: str) -> float:
    """A transient fault to try again after: counted, logged, and the backoff returned."""
    delay = backoff(tries, cause)
    UPDATE_RETRIES.labels(fault_label(cause)).inc()
    logger.warning("update {} ({}): {} {}; again in {:.1f}s", update.update_id,
                   update.event_type, type(cause).__name__, what, delay)  # fmt: skip
    return delay


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
        chat_lock: SharedChatLock | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.in_flight = in_flight
        self.retry_seconds = retry_seconds
        self.ledger = ledger
        self.chat_lock = chat_lock
        # The ledger's entry and the chat's lock in one round trip: both in the same Redis.
        self._fused: RedisLedger | None = (
            ledger
            if isinstance(ledger, RedisLedger)
            and chat_lock is not None
            and chat_lock.redis is ledger.redis
            else None
        )
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
        chat = self._chat_of(bot, update)
        hold = None
        if self.chat_lock is not None and chat is not None:
            hold = Chat(self.chat_lock.hold_for(chat))
        key = None
        if self.ledger is not None and not isinstance(update, DialogUpdate):
            key = f"{bot.id}:{update.update_id}"
        # The first update of its chat here takes its entry and the chat's lock in one round
        # trip, inside the local lock (free: taking it does not wait). One behind others takes
        # its entry at once (a redelivery is refused without waiting), the chat's lock in turn.
        inside = None
        if key is not None and chat is not None and self._fused is not None:
            inside = hold if not self._order.busy(chat) else None
        if key is not None and inside is None and not await self._take(key, update):
            return await self._taken_already(key, update)
        async with self._order.lock(chat) if chat is not None else contextlib.nullcontext():
            if (
                key is not None
                and inside is not None
                and not await self._take(key, update, inside)
            ):
                return await self._taken_already(key, update)
            try:
                result = await self._attempts(bot, without_nul(update, bot), kwargs, hold)
            except asyncio.CancelledError:
                await self._finish(key, hold, stopped=True)
                raise
            except Exception:
                await self._finish(key, hold)  # given up after its error handling: not again
                raise
            await self._finish(key, hold)
            return result

    async def _taken_already(self, key: str, update: Update) -> None:
        if not await self._finished(key):
            raise StillHandling(update.update_id)
        logger.info("update {} ({}) skipped: delivered again, handled already",
                    update.update_id, update.event_type)  # fmt: skip

    async def _finish(self, key: str | None, hold: Chat | None, *, stopped: bool = False) -> None:
        """The update's entry finished (or, `stopped` before it was handled, given back: the
        next delivery must handle it, not skip it) and the chat's lock given back, before the
        next update of the chat here goes."""
        if key is None:
            await self._release(hold)
        elif stopped:
            assert self.ledger is not None
            with contextlib.suppress(Exception):  # otherwise the lease runs out by itself
                await self.ledger.release(key)
            await self._release(hold)
        else:
            await self._done(key, hold)

    def lease_seconds(self) -> int:
        """Longer than every attempt of an update, flood waits included."""
        return int(self.retry_seconds) + MAX_RETRY_AFTER + LEASE_MARGIN

    async def _take(self, key: str, update: Update, hold: Chat | None = None) -> bool:
        """Take the update's entry; with `hold` (fused), the chat's lock too if it is free."""
        assert self.ledger is not None
        try:
            if hold is None or self._fused is None:
                return await self.ledger.take(key, self.lease_seconds())
            taken, hold.held = await self._fused.take_holding(key, self.lease_seconds(), hold.hold)
            return taken
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

    async def _done(self, key: str, hold: Chat | None = None) -> None:
        """The update's entry finished; the chat's lock given back in the same round trip."""
        assert self.ledger is not None
        if hold is not None and hold.held and self._fused is not None:
            hold.held = False
            with contextlib.suppress(Exception):  # both run out by themselves
                await self._fused.done_releasing(key, KEEP_DONE, hold.hold)
            return
        await self._release(hold)
        with contextlib.suppress(Exception):  # the lease runs out by itself
            await self.ledger.done(key, KEEP_DONE)

    async def _release(self, hold: Chat | None) -> None:
        if hold is not None and hold.held:
            assert self.chat_lock is not None
            hold.held = False
            await self.chat_lock.release(hold.hold)

    @staticmethod
    def _chat_of(bot: Bot, update: Update) -> StorageKey | None:
        """The chat (and person) whose updates go one at a time; None for one of nobody's."""
        context = UserContextMiddleware.resolve_event_context(update)
        if context.chat is None and context.user is None:
            return None
        return StorageKey(
            bot_id=bot.id,
            chat_id=context.chat.id if context.chat else context.user.id,  # type: ignore[union-attr]
            user_id=context.user.id if context.user else 0,
            thread_id=context.thread_id,
        )

    async def _hold_chat(self, update: Update, hold: Chat, time_left: bool, faults: int) -> float:
        """Take the chat's shared lock, waiting (without a slot) while another replica has it.
        A Redis that fails: the backoff before trying again, or with no time left, the update
        goes on without the lock rather than not at all (0)."""
        assert self.chat_lock is not None
        try:
            await self.chat_lock.acquire(hold.hold)
        except Exception as error:
            cause = transient_cause(error)
            if cause is None:
                raise
            if not time_left:
                logger.warning("update {}: the chat's lock is unavailable ({}); handling it "
                               "anyway", update.update_id, type(cause).__name__)  # fmt: skip
                return 0.0
            return _again(update, cause, faults, "taking the chat's lock")
        hold.held = True
        return 0.0

    async def _attempts(
        self, bot: Bot, update: Update, kwargs: dict[str, Any], hold: Chat | None
    ) -> Any:
        deadline = asyncio.get_running_loop().time() + self.retry_seconds
        attempts = Attempts(asyncio.current_task())
        in_update = IN_UPDATE.set(attempts)
        try:
            with logger.contextualize(update_id=update.update_id):
                return await self._attempt_until_done(
                    bot, update, kwargs, attempts, deadline, hold
                )
        finally:
            IN_UPDATE.reset(in_update)

    async def _attempt_until_done(
        self,
        bot: Bot,
        update: Update,
        kwargs: dict[str, Any],
        attempts: Attempts,
        deadline: float,
        hold: Chat | None,
    ) -> Any:
        loop = asyncio.get_running_loop()
        attempt = 0
        faults = 0  # of the chat's shared lock, before an attempt
        while True:
            delay = 0.0
            if hold is not None and not hold.held:
                delay = await self._hold_chat(update, hold, loop.time() < deadline, faults)
                if delay:
                    faults += 1
                    await asyncio.sleep(min(delay, max(deadline - loop.time(), 0.0)))
                    continue
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
                    delay = _again(update, cause, attempt, f"on attempt {attempt + 1}")
                    attempt += 1
            # The slot and the chat's shared lock are free while the update waits to try
            # again; its chat stays in order here.
            await self._release(hold)
            await asyncio.sleep(min(delay, max(deadline - loop.time(), 0.0)))

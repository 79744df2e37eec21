"""The background task that sends queued broadcasts, oldest first, one at a time.

It runs only while there is something to send: started by an admin's Send, and at start-up
when a broadcast was left unfinished (queued, or half sent when the bot stopped), and it ends
when nothing is left. It sends in rounds of ROUND_SECONDS. A round first takes the broadcasts'
lease (lease.py: a token of the round's own, renewed while it sends), so one replica sends at a
time; the others look again every POLL_SECONDS while something is unfinished, and go on from
the cursor when the sender's replica is gone (its lease runs out). The lease is in Redis when
there is Redis, else in this process's memory (one process). At shutdown the sender finishes
the person it is at and commits (see sender.py for what a restart repeats); a flood wait ends
at once, its person left for the next start. A sender that does not stop within the grace is
cancelled, which counts as a crash there.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from enum import Enum

from aiogram import Bot
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.lease import LeaseHold
from bot.broadcast.pacing import Clock, Pacer, Sleep
from bot.broadcast.sender import BATCH, BroadcastSender
from bot.kernel.i18n import I18n
from bot.kernel.kv import Leases, MemoryLeases, RedisLeases, RedisLedger
from bot.telegram.delivery import transient_cause
from db.repositories.broadcasts import next_unfinished

LEASE_KEY = "broadcasts"
ROUND_SECONDS = 60.0
# Renewed while the round goes (lease.py); longer than a round all the same.
LEASE_SECONDS = 120
POLL_SECONDS = 15.0
# Sleeps longer than this end early when the runner is told to stop.
SHORT_SLEEP = 1.0


class Round(Enum):
    IDLE = "idle"  # nothing unfinished
    WORKED = "worked"
    WAITING = "waiting"  # another replica sends, or a transient fault: look again later


class BroadcastRunner:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        i18n: I18n,
        per_second: float,
        leases: Leases | RedisLedger | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        batch: int = BATCH,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.i18n = i18n
        self.leases = _token_leases(leases)
        self.batch = batch
        self.pacer = Pacer(per_second, clock, self._sleep)
        self._clock = clock
        self._raw_sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    async def resume(self, bot: Bot) -> None:
        """At start: go on with a broadcast left unfinished, if there is one."""
        async with self.sessionmaker() as session:
            pending = await next_unfinished(session)
        if pending is not None:
            logger.info("broadcast {}: unfinished at start, resuming", pending.id)
            self.start(bot)

    def start(self, bot: Bot) -> None:
        """Send what is queued, in the background (a running task is told to look again)."""
        if self._stopping.is_set():
            return
        if self._task is not None and not self._task.done():
            self._wake.set()
            return
        # A context of its own: the task outlives the update that started it, and its log
        # lines belong to no update.
        self._task = asyncio.create_task(
            self.run(bot), name="broadcasts", context=contextvars.Context()
        )

    async def wait(self) -> None:
        """Until the background task ends (nothing left, or stopped)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    def request_stop(self) -> None:
        """Stop after the person being sent to; what was done is committed."""
        self._stopping.set()
        self._wake.set()

    async def stop(self, grace: float) -> None:
        """At shutdown: the sender gets `grace` seconds to commit what it did."""
        self.request_stop()
        if self._task is None or self._task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            logger.warning("broadcasts: the sender did not stop in {}s; cancelled", grace)
            self._task.cancel()

    async def run(self, bot: Bot) -> None:
        """Rounds until nothing is unfinished (or a stop is requested)."""
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                result = await self.run_round(bot)
            except Exception as exc:
                if transient_cause(exc) is None:
                    logger.exception("broadcasts: the sender failed; it goes on at the next "
                                     "start or Send")  # fmt: skip
                    return
                logger.warning("broadcasts: {}; trying again in {}s", type(exc).__name__,
                               POLL_SECONDS)  # fmt: skip
                result = Round.WAITING
            if result is Round.IDLE and not self._wake.is_set():
                return
            if result is Round.WAITING:
                await self._pause(POLL_SECONDS)

    async def run_round(self, bot: Bot) -> Round:
        """One round: under the lease, the oldest unfinished broadcast sent for up to
        ROUND_SECONDS, or until the lease is lost."""
        hold = LeaseHold(self.leases, LEASE_KEY, LEASE_SECONDS)
        if not await self._take_lease(hold):
            return Round.WAITING
        try:
            async with self.sessionmaker() as session:
                broadcast = await next_unfinished(session)
            if broadcast is None:
                return Round.IDLE
            deadline = self._clock() + ROUND_SECONDS
            sender = BroadcastSender(bot, self.sessionmaker, self.i18n, self.pacer,
                                     batch=self.batch)  # fmt: skip

            def pause() -> bool:
                return self._stopping.is_set() or self._clock() >= deadline or not hold.held

            await sender.run(broadcast.id, pause=pause, keep=hold.renew)
            return Round.WORKED
        finally:
            await hold.release()

    async def _take_lease(self, hold: LeaseHold) -> bool:
        try:
            return await hold.take()
        except Exception as exc:
            if transient_cause(exc) is None:
                raise
            logger.warning("broadcasts: the lease is unavailable ({})", type(exc).__name__)
            return False

    async def _sleep(self, seconds: float) -> None:
        """The pacer's sleep: a long one (a flood wait) ends when a stop is requested."""
        if seconds <= SHORT_SLEEP or self._stopping.is_set():
            if not self._stopping.is_set():
                await self._raw_sleep(seconds)
            return
        slept = asyncio.ensure_future(self._raw_sleep(seconds))
        stopped = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({slept, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            slept.cancel()
            stopped.cancel()

    async def _pause(self, seconds: float) -> None:
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            pass


def _token_leases(leases: Leases | RedisLedger | None) -> Leases:
    """The token leases the runner holds. The composition root hands the RedisLedger it made
    for the broadcasts' lease: the same Redis and the same key, so that a replica still running
    the previous version (which takes that key with "taken") and this one exclude each other
    during a rolling update, and neither can delete the other's lease. Without Redis there is
    one process: its memory."""
    if leases is None:
        return MemoryLeases()
    if isinstance(leases, RedisLedger):
        return RedisLeases(leases.redis, prefix=leases.prefix)
    return leases

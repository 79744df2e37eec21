"""Counters with a time window: Redis in production (atomic across bot instances), process memory
in the demo. One small interface so that rate limits and budgets do not care which."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import LockError

from bot.config import RedisSettings

# INCRBY and, on the first hit of a window, EXPIRE, in one atomic step.
_HIT = """
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
# The same for several keys, each with its window (ARGV: amount, then one window per key).
_HIT_MANY = """
local counts = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCRBY', key, ARGV[1])
  if count == tonumber(ARGV[1]) then redis.call('EXPIRE', key, ARGV[i + 1]) end
  counts[i] = count
end
return counts
"""


def redis_client(settings: RedisSettings) -> Redis:
    """The asyncio client of REDIS_URL over a bounded pool: under a burst, callers wait for a
    free connection (up to REDIS_TIMEOUT) instead of failing; every connect and command has
    the same timeout, so a hung Redis fails an update instead of freezing the bot."""
    assert settings.url is not None
    pool = BlockingConnectionPool.from_url(
        settings.url,
        max_connections=settings.max_connections,
        timeout=settings.timeout,
        socket_timeout=settings.timeout,
        socket_connect_timeout=settings.timeout,
        health_check_interval=30,
    )
    return Redis(connection_pool=pool)


class Counters(Protocol):
    async def hit(self, key: str, window_seconds: int, amount: int = 1) -> int:
        """Add `amount` (one event) to `key` and return the total; the total resets
        `window_seconds` after the first hit."""

    async def peek(self, key: str) -> int:
        """The current total of `key` (0 when its window has passed)."""

    async def hit_many(self, windows: Sequence[tuple[str, int]], amount: int = 1) -> list[int]:
        """`hit` for several (key, window) pairs at once (one round trip in Redis)."""


class RedisCounters:
    def __init__(self, redis: Redis, prefix: str = "devbot:") -> None:
        self.redis = redis
        self.prefix = prefix
        self._script = redis.register_script(_HIT)
        self._many = redis.register_script(_HIT_MANY)

    async def hit(self, key: str, window_seconds: int, amount: int = 1) -> int:
        keys, args = [self.prefix + key], [window_seconds, amount]
        return int(await self._script(keys=keys, args=args))

    async def hit_many(self, windows: Sequence[tuple[str, int]], amount: int = 1) -> list[int]:
        keys = [self.prefix + key for key, _window in windows]
        counts = await self._many(keys=keys, args=[amount, *(window for _key, window in windows)])
        return [int(count) for count in counts]

    async def peek(self, key: str) -> int:
        return int(await self.redis.get(self.prefix + key) or 0)


class MemoryCounters:
    def __init__(self, clock: object = time.monotonic) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str, window_seconds: int, amount: int = 1) -> int:
        now: float = self._clock()  # type: ignore[operator]
        expires, count = self._counts.get(key, (0.0, 0))
        if expires <= now:
            expires, count = now + window_seconds, 0
            if len(self._counts) > 100_000:  # drop expired keys now and then
                self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
        self._counts[key] = (expires, count + amount)
        return count + amount

    async def peek(self, key: str) -> int:
        now: float = self._clock()  # type: ignore[operator]
        expires, count = self._counts.get(key, (0.0, 0))
        return count if expires > now else 0

    async def hit_many(self, windows: Sequence[tuple[str, int]], amount: int = 1) -> list[int]:
        return [await self.hit(key, window, amount) for key, window in windows]


# --- Ledger: which updates are taken, so that a redelivered one is handled once.


class Ledger(Protocol):
    async def take(self, key: str, lease_seconds: int) -> bool:
        """Take `key` for `lease_seconds`; False when it is taken (or done) already."""

    async def done(self, key: str, keep_seconds: int) -> None:
        """`key` is finished: it stays taken for `keep_seconds`."""

    async def release(self, key: str) -> None:
        """Give `key` back unfinished (its holder stopped): the next `take` gets it."""

    async def is_done(self, key: str) -> bool:
        """Whether `key` was finished (rather than still taken)."""


_TAKEN, _DONE = "taken", "done"
# DEL only while the key is still taken, not after it was finished.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Hold:
    """A lease (`RedisLeases`: its whole key, its holder, how long) taken and given back in the
    same round trip as a ledger entry: the chat's lock of the update the entry is for."""

    key: str
    holder: str
    seconds: float


# The entry taken (SET NX EX) and then, only if it was, the hold if it is free (SET NX PX):
# 0 not taken, 1 taken, 2 taken and held.
_TAKE_HOLDING = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 0 end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return 2 end
return 1
"""
# The entry finished, and the hold deleted if its holder still has it.
_DONE_RELEASING = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 0
"""


class RedisLedger:
    """Shared by every replica: Telegram redelivers an update that a slow replica has not
    answered yet, maybe to another replica. A lease that runs out (a replica died) frees the
    update for the next delivery."""

    def __init__(self, redis: Redis, prefix: str = "devbot:update:") -> None:
        self.redis = redis
        self.prefix = prefix
        self._release = redis.register_script(_RELEASE)
        self._take_holding = redis.register_script(_TAKE_HOLDING)
        self._done_releasing = redis.register_script(_DONE_RELEASING)

    async def take_holding(self, key: str, lease_seconds: int, hold: Hold) -> tuple[bool, bool]:
        """`take`, and if taken, `hold` too when nobody has it: (taken, held), in one round
        trip."""
        keys = [self.prefix + key, hold.key]
        args: list[str | int] = [_TAKEN, lease_seconds, hold.holder, _milliseconds(hold.seconds)]
        result = int(await self._take_holding(keys=keys, args=args))
        return result > 0, result == 2

    async def done_releasing(self, key: str, keep_seconds: int, hold: Hold) -> None:
        """`done`, and `hold` given back if its holder still has it, in one round trip."""
        keys = [self.prefix + key, hold.key]
        await self._done_releasing(keys=keys, args=[_DONE, keep_seconds, hold.holder])

    async def take(self, key: str, lease_seconds: int) -> bool:
        return bool(await self.redis.set(self.prefix + key, _TAKEN, nx=True, ex=lease_seconds))

    async def done(self, key: str, keep_seconds: int) -> None:
        await self.redis.set(self.prefix + key, _DONE, ex=keep_seconds)

    async def release(self, key: str) -> None:
        await self._release(keys=[self.prefix + key], args=[_TAKEN])

    async def is_done(self, key: str) -> bool:
        return await self.redis.get(self.prefix + key) == _DONE.encode()


class MemoryLedger:
    def __init__(self, clock: object = time.monotonic, max_items: int = 100_000) -> None:
        self._clock = clock
        self._max = max_items
        self._until: dict[str, tuple[float, bool]] = {}  # key: (until, done)

    def _now(self) -> float:
        return self._clock()  # type: ignore[operator]

    async def take(self, key: str, lease_seconds: int) -> bool:
        now = self._now()
        if self._until.get(key, (0.0, False))[0] > now:
            return False
        if len(self._until) >= self._max:
            self._until = {k: held for k, held in self._until.items() if held[0] > now}
            while len(self._until) >= self._max:  # all still fresh: the oldest go first
                self._until.pop(next(iter(self._until)))
        self._until[key] = (now + lease_seconds, False)
        return True

    async def done(self, key: str, keep_seconds: int) -> None:
        self._until.pop(key, None)
        self._until[key] = (self._now() + keep_seconds, True)

    async def release(self, key: str) -> None:
        if self._until.get(key, (0.0, True))[1] is False:
            del self._until[key]

    async def is_done(self, key: str) -> bool:
        until, done = self._until.get(key, (0.0, False))
        return done and until > self._now()


# --- Leases: one holder at a time, and only the holder renews or gives the lease back.
#
# A Ledger's lease says only "taken": after it runs out and another replica takes it, the first
# one's release would delete the second one's lease. Here every holder has its own token.


class Leases(Protocol):
    async def take(self, key: str, holder: str, seconds: float) -> bool:
        """Take `key` for `holder` for `seconds`; False while someone has it."""

    async def renew(self, key: str, holder: str, seconds: float) -> bool:
        """`seconds` more from now, only while `holder` has `key`; False when it ran out or
        another holder took it since."""

    async def release(self, key: str, holder: str) -> bool:
        """Give `key` back, only if `holder` has it; whether it did."""


# PEXPIRE and DEL only while the key still holds the holder's token.
_RENEW_OWN = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class RedisLeases:
    """Shared by every replica: SET NX PX with the holder's token; renew and release compare
    the token first, in one atomic step (a Lua script)."""

    def __init__(self, redis: Redis, prefix: str = "devbot:lease:") -> None:
        self.redis = redis
        self.prefix = prefix
        self._renew = redis.register_script(_RENEW_OWN)
        self._release = redis.register_script(_RELEASE)

    async def take(self, key: str, holder: str, seconds: float) -> bool:
        taken = await self.redis.set(self.prefix + key, holder, nx=True, px=_milliseconds(seconds))
        return bool(taken)

    async def renew(self, key: str, holder: str, seconds: float) -> bool:
        args: list[str | int] = [holder, _milliseconds(seconds)]
        return bool(await self._renew(keys=[self.prefix + key], args=args))

    async def release(self, key: str, holder: str) -> bool:
        return bool(await self._release(keys=[self.prefix + key], args=[holder]))


class MemoryLeases:
    """The same within one process (no Redis)."""

    def __init__(self, clock: object = time.monotonic) -> None:
        self._clock = clock
        self._held: dict[str, tuple[str, float]] = {}  # key: (holder, until)

    def _holder(self, key: str) -> str | None:
        holder, until = self._held.get(key, ("", 0.0))
        if until <= self._clock():  # type: ignore[operator]
            self._held.pop(key, None)
            return None
        return holder

    async def take(self, key: str, holder: str, seconds: float) -> bool:
        if self._holder(key) is not None:
            return False
        self._held[key] = (holder, self._clock() + seconds)  # type: ignore[operator]
        return True

    async def renew(self, key: str, holder: str, seconds: float) -> bool:
        if self._holder(key) != holder:
            return False
        self._held[key] = (holder, self._clock() + seconds)  # type: ignore[operator]
        return True

    async def release(self, key: str, holder: str) -> bool:
        if self._holder(key) != holder:
            return False
        del self._held[key]
        return True


# --- Cache: small values with a time to live (ban lookups), shared by bot instances in Redis.


class Cache(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, ttl_seconds: int) -> None: ...

    async def delete(self, key: str) -> None: ...


class RedisCache:
    def __init__(self, redis: Redis, prefix: str = "devbot:cache:") -> None:
        self.redis = redis
        self.prefix = prefix

    async def get(self, key: str) -> str | None:
        value = await self.redis.get(self.prefix + key)
        return value.decode() if isinstance(value, bytes) else value

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        await self.redis.set(self.prefix + key, value, ex=max(1, ttl_seconds))

    async def delete(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)


class MemoryCache:
    def __init__(self, clock: object = time.monotonic, max_items: int = 100_000) -> None:
        self._clock = clock
        self._max = max_items
        self._items: dict[str, tuple[float, str]] = {}

    async def get(self, key: str) -> str | None:
        item = self._items.get(key)
        if item is None or item[0] <= self._clock():  # type: ignore[operator]
            return None
        return item[1]

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        now: float = self._clock()  # type: ignore[operator]
        if len(self._items) >= self._max:
            self._items = {k: v for k, v in self._items.items() if v[0] > now}
            if len(self._items) >= self._max:  # all alive: forget the oldest half
                self._items = dict(list(self._items.items())[self._max // 2 :])
        self._items[key] = (now + max(1, ttl_seconds), value)

    async def delete(self, key: str) -> None:
        self._items.pop(key, None)


# Locks: "do this once even when several updates arrive at the same moment" (issue 6: create a
# user's forum topic once). Redis locks hold across bot instances; memory locks within one.


class Locks(Protocol):
    def hold(self, key: str, seconds: float = 30.0) -> AbstractAsyncContextManager[None]:
        """Hold the lock named `key`; a holder that dies frees it after `seconds`."""


class RedisLocks:
    def __init__(self, redis: Redis, prefix: str = "devbot:lock:") -> None:
        self.redis = redis
        self.prefix = prefix

    @asynccontextmanager
    async def hold(self, key: str, seconds: float = 30.0) -> AsyncIterator[None]:
        lock = self.redis.lock(self.prefix + key, timeout=seconds, blocking_timeout=seconds)
        if not await lock.acquire():
            raise TimeoutError(f"lock {key} still held after {seconds}s")
        try:
            yield
        finally:
            with contextlib.suppress(LockError):  # expired meanwhile: someone else holds it
                await lock.release()


class MemoryLocks:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, key: str, seconds: float = 30.0) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with asyncio.timeout(seconds):
                await lock.acquire()
            try:
                yield
            finally:
                lock.release()
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # nobody waits: forget the lock
                del self._users[key], self._locks[key]


# --- What Redis holds about one person, for the GDPR erasure.


def person_key_patterns(user_id: int) -> list[str]:
    """Every key pattern that names the user: counters, caches and locks (prefix "devbot:") and
    FSM state (aiogram's "fsm:" keys; in a private chat the chat id is the user's id, and the
    agents' group is a chat like another)."""
    u = user_id
    return [
        f"devbot:cache:ban:{u}", f"devbot:ban-told:{u}:*", f"devbot:spam:rep:{u}:*",
        f"devbot:rl:*:{u}", f"devbot:rl-told:*:{u}", f"devbot:llm:user:{u}:*",
        f"devbot:desk-refused:{u}", f"devbot:lock:desk-topic:{u}",
        f"fsm:*:{u}:*",  # the user's segment after the chat's (and the bot's) in any chat
    ]  # fmt: skip


async def forget_person(redis: Redis, user_id: int) -> int:
    """Delete the user's keys (SCAN, never KEYS); returns how many went."""
    removed = 0
    for pattern in person_key_patterns(user_id):
        keys = [key async for key in redis.scan_iter(match=pattern, count=500)]
        if keys:
            removed += int(await redis.delete(*keys))
    return removed

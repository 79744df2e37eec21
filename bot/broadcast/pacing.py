"""How fast a broadcast goes: sends spaced evenly at `per_second` at most, so that no window of a
second holds more than that many, and a flood wait (429) that holds every send until it ends.

The clock and the sleep are passed in, so that tests run the pacing on a fake clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    def __init__(
        self, per_second: float, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")  # the earliest moment of the next send

    async def wait(self) -> None:
        """Return when the next message may go; it is counted as sent then."""
        now = self._clock()
        if self._next > now:
            await self._sleep(self._next - now)
            now = max(self._clock(), self._next)
        self._next = now + self.interval

    def hold(self, seconds: float) -> None:
        """Nothing goes for `seconds` from now (Telegram's retry_after, or a back-off)."""
        self._next = max(self._next, self._clock() + seconds)

"""How fast a broadcast goes: sends spread evenly at `per_second`, never more than that many in
any second (a sliding window over the last sends, so rounding cannot let one more through),
and a flood wait (429) that holds every send until it ends.

The clock and the sleep are passed in, so that tests run the pacing on a fake clock."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
WINDOW = 1.0


class Pacer:
    def __init__(
        self, per_second: float, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        # The moments of the last sends, as many as a window may hold.
        self._recent: deque[float] = deque(maxlen=max(1, math.floor(per_second)))
        self._held_until = -math.inf

    def _earliest(self) -> float:
        """When the next send may go."""
        moment = self._held_until
        if self._recent:
            moment = max(moment, self._recent[-1] + self.interval)
            if len(self._recent) == self._recent.maxlen:
                moment = max(moment, self._recent[0] + WINDOW)
        return moment

    async def wait(self) -> None:
        """Return when the next message may go; it is counted as sent then."""
        while (now := self._clock()) < (earliest := self._earliest()):
            await self._sleep(earliest - now)  # a sleep may end a little early: look again
        self._recent.append(now)

    def hold(self, seconds: float) -> None:
        """Nothing goes for `seconds` from now (Telegram's retry_after, or a back-off)."""
        self._held_until = max(self._held_until, self._clock() + seconds)

"""How fast a broadcast goes: sends spread evenly at `per_second`, never more than that many in
any second (a sliding window over the last sends, so rounding cannot let one more through),
and a flood wait (429) that holds every send until it ends. A wait gives up as soon as its
caller says to (the runner stops, its round is over, its lease is gone): asked before every
sleep, and a long wait sleeps a SLICE at a time.

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
# The longest sleep between two looks at whether to give up.
SLICE = 5.0


def _never() -> bool:
    return False


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

    async def wait(self, give_up: Callable[[], bool] = _never) -> bool:
        """True when the next message may go (it is counted as sent then); False as soon as
        `give_up()` is true, before or during the wait."""
        while not give_up():
            now, earliest = self._clock(), self._earliest()
            if now >= earliest:
                self._recent.append(now)
                return True
            # A sleep may end a little early (or be cut short): look again.
            await self._sleep(min(earliest - now, SLICE))
        return False

    def hold(self, seconds: float) -> None:
        """Nothing goes for `seconds` from now (Telegram's retry_after, or a back-off)."""
        self._held_until = max(self._held_until, self._clock() + seconds)

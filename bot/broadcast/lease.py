"""One replica's hold on the broadcasts' lease while it sends: taken with a token of its own,
renewed all along (a heartbeat every quarter of the lease, and after every batch), given back
only if it is still this holder's.

`held` is what the sender asks before every message: false once a renewal found the lease gone
(it ran out, another replica took it), and false too when no renewal got through for half the
lease (Redis unreachable: the lease may run out meanwhile), long before another replica can
take it. So nothing is sent once another replica may be sending. A message already on its way
when that happens (a send takes at most the Bot API client's timeout) still arrives.
"""

from __future__ import annotations

import asyncio
import math
import secrets
import time

from loguru import logger

from bot.broadcast.pacing import Clock
from bot.kernel.kv import Leases
from bot.telegram.delivery import transient_cause

# Renewed this often (a part of the lease), and trusted this long after the last renewal.
BEAT = 0.25
TRUST = 0.5


class LeaseHold:
    def __init__(
        self, leases: Leases, key: str, seconds: float, *, clock: Clock = time.monotonic
    ) -> None:
        self.leases = leases
        self.key = key
        self.seconds = seconds
        self.holder = secrets.token_hex(16)
        self._clock = clock
        self._confirmed = -math.inf  # when the last take or renewal was sent
        self._lost = False
        self._beat: asyncio.Task[None] | None = None

    @property
    def held(self) -> bool:
        """Whether this holder may send now."""
        return not self._lost and self._clock() - self._confirmed < self.seconds * TRUST

    async def take(self) -> bool:
        """Take the lease, and keep it renewed until `release`; False when another has it."""
        await self._stop_beat()
        asked = self._clock()
        if not await self.leases.take(self.key, self.holder, self.seconds):
            return False
        self._confirmed, self._lost = asked, False
        self._beat = asyncio.create_task(self._keep(), name="broadcasts-lease")
        return True

    async def renew(self) -> bool:
        """Renew now; whether the lease is still held (a failed call leaves that to `held`)."""
        if self._lost:
            return False
        asked = self._clock()
        try:
            renewed = await self.leases.renew(self.key, self.holder, self.seconds)
        except Exception as exc:
            if transient_cause(exc) is None:
                logger.exception("broadcasts: the lease was not renewed")
            else:
                logger.warning("broadcasts: the lease was not renewed ({})", type(exc).__name__)
            return self.held
        if renewed:
            self._confirmed = max(self._confirmed, asked)
        else:
            self._lost = True
            logger.warning("broadcasts: the lease ran out or another replica has it; this one "
                           "stops sending")  # fmt: skip
        return renewed

    async def release(self) -> None:
        """Stop renewing, and give the lease back if it is still this holder's."""
        await self._stop_beat()
        if self._lost:
            return
        self._lost = True
        try:
            await self.leases.release(self.key, self.holder)
        except Exception as exc:
            # Never raised over what the round raised: the lease runs out on its own.
            if transient_cause(exc) is None:
                logger.exception("broadcasts: the lease was not given back")
            else:
                logger.warning("broadcasts: the lease was not given back ({})",
                               type(exc).__name__)  # fmt: skip

    async def _stop_beat(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            await asyncio.wait({self._beat})
            self._beat = None

    async def _keep(self) -> None:
        """The heartbeat: it renews through whatever the sender waits for (a flood wait, a slow
        send or commit), on the real clock."""
        while not self._lost:
            await asyncio.sleep(self.seconds * BEAT)
            await self.renew()

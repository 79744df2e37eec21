"""Rate limits per user: a burst limit, an hourly and a daily one (all configurable). People we
trust (admins, agents, clients with a warm, hot or taken-up lead) get the limits times a factor.
Going over is told once per window, not once per message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.config import ThrottleSettings
from bot.kernel.kv import Counters


@dataclass(frozen=True)
class Limit:
    name: str  # burst, hour, day: also the locales key suffix (throttle-<name>)
    count: int
    seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: Limit | None = None
    notify: bool = False  # the first refusal in this window: tell the person


def limits(settings: ThrottleSettings) -> tuple[Limit, ...]:
    return (
        Limit("burst", settings.burst, settings.burst_seconds),
        Limit("hour", settings.per_hour, 3600),
        Limit("day", settings.per_day, 86400),
    )


class Throttle:
    def __init__(self, counters: Counters, settings: ThrottleSettings) -> None:
        self.counters = counters
        self.limits = limits(settings)
        self.factor = settings.trusted_factor

    async def check(self, user_id: int, is_trusted: Callable[[], Awaitable[bool]]) -> Verdict:
        """Count one message in every window at once; `is_trusted` is asked only when a normal
        limit is exceeded."""
        trusted: bool | None = None
        counts = await self.counters.hit_many(
            [(f"rl:{limit.name}:{user_id}", limit.seconds) for limit in self.limits]
        )
        for limit, count in zip(self.limits, counts, strict=True):
            if count <= limit.count:
                continue
            if trusted is None:
                trusted = await is_trusted()
            if trusted and count <= limit.count * self.factor:
                continue
            notice = await self.counters.hit(f"rl-told:{limit.name}:{user_id}", limit.seconds)
            return Verdict(False, limit, notify=notice == 1)
        return Verdict(True)

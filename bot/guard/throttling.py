"""Rate limits per user: a burst limit, an hourly and a daily one (all configurable). People we
trust (admins, agents, clients with a warm, hot or taken-up lead) get the limits times a factor.
Going over is told once per window, not once per message. Button presses have limits of their own
(a person taps faster than they type, but fifteen taps of "Talk to a human" are not a person
using the menu)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.config import ThrottleSettings
from bot.kernel.kv import Counters


@dataclass(frozen=True)
class Limit:
    name: str  # burst, hour, day, buttons, buttons-hour: also the locales key (throttle-<name>)
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


def button_limits(settings: ThrottleSettings) -> tuple[Limit, ...]:
    return (
        Limit("buttons", settings.buttons, settings.buttons_seconds),
        Limit("buttons-hour", settings.buttons_per_hour, 3600),
    )


class Throttle:
    def __init__(self, counters: Counters, settings: ThrottleSettings) -> None:
        self.counters = counters
        self.limits = limits(settings)
        self.button_limits = button_limits(settings)
        self.factor = settings.trusted_factor

    async def check(
        self, user_id: int, is_trusted: Callable[[], Awaitable[bool]], *, button: bool = False
    ) -> Verdict:
        """Count one message (or one button press) in every window at once; `is_trusted` is
        asked only when a normal limit is exceeded."""
        trusted: bool | None = None
        chosen = self.button_limits if button else self.limits
        counts = await self.counters.hit_many(
            [(f"rl:{limit.name}:{user_id}", limit.seconds) for limit in chosen]
        )
        for limit, count in zip(chosen, counts, strict=True):
            if count <= limit.count:
                continue
            if trusted is None:
                trusted = await is_trusted()
            if trusted and count <= limit.count * self.factor:
                continue
            notice = await self.counters.hit(f"rl-told:{limit.name}:{user_id}", limit.seconds)
            return Verdict(False, limit, notify=notice == 1)
        return Verdict(True)

"""Bans: kept on the user's row, which every update reads afresh (so a ban or unban made by one
instance holds on every other with the next update), and the spam progression that leads to them.

A ban is permanent when `banned_until` is empty. Violations live in the audit log (their kinds
and score, never the message), which also makes the progression survive restarts: the first
violation within SPAM_STRIKE_DAYS is a warning, the next ones the SPAM_BAN_HOURS bans in turn,
then a permanent ban.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import SpamSettings
from bot.guard.spam import SpamCheck
from bot.kernel.kv import Counters
from bot.kernel.metrics import BANS
from db.base import utcnow
from db.models import ActorType, User
from db.repositories import audit
from db.repositories.bans import VIOLATION, count_violations

# A permanent ban's notice is repeated after this long, in case the person forgot.
PERMANENT_NOTICE_SECONDS = 30 * 86400
_PERMANENT = "permanent"


@dataclass(frozen=True)
class Ban:
    until: datetime | None  # None: permanent

    @property
    def permanent(self) -> bool:
        return self.until is None

    def cache_value(self) -> str:
        return _PERMANENT if self.until is None else self.until.isoformat()

    @classmethod
    def of(cls, user: User, now: datetime) -> Ban | None:
        if not user.is_banned:
            return None
        if user.banned_until is None:
            return cls(None)
        until = user.banned_until
        return cls(until) if until > now else None


class Outcome(StrEnum):
    WARNING = "warning"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    strikes: int
    ban: Ban | None = None


class Bans:
    def __init__(self, counters: Counters) -> None:
        self.counters = counters

    def active(self, user: User) -> Ban | None:
        """The ban in force on the user's row (read with this update), if any; an expired one is
        lifted on the way."""
        ban = Ban.of(user, utcnow())
        if ban is None and user.is_banned:  # a temporary ban ran out
            user.is_banned, user.banned_until = False, None
        return ban

    async def first_notice(self, user_id: int, ban: Ban) -> bool:
        """True once per ban: the banned person is told once, then the bot stays silent."""
        if ban.until is None:
            seconds = PERMANENT_NOTICE_SECONDS
        else:
            seconds = int((ban.until - utcnow()).total_seconds()) + 60
        key = f"ban-told:{user_id}:{ban.cache_value()}"
        return await self.counters.hit(key, max(seconds, 1)) == 1

    async def ban(
        self,
        session: AsyncSession,
        user: User,
        *,
        hours: float | None,
        reason: str | None,
        actor: ActorType,
        actor_id: int | None = None,
    ) -> Ban:
        until = utcnow() + timedelta(hours=hours) if hours is not None else None
        user.is_banned, user.banned_until = True, until
        user.ban_reason = reason[:255] if reason else None
        ban = Ban(until)
        kind = "permanent" if until is None else "temporary"
        details = {
            "kind": kind,
            "until": until.isoformat() if until else None,
            "reason": user.ban_reason,
        }
        audit.record(
            session,
            "ban",
            actor_type=actor,
            actor_id=actor_id,
            target_type=audit.USER,
            target_id=user.id,
            details=details,
        )
        await session.flush()
        BANS.labels(kind, actor.value).inc()
        return ban

    async def unban(
        self, session: AsyncSession, user: User, *, actor: ActorType, actor_id: int | None
    ) -> bool:
        """Lift the user's ban; False when there was none in force."""
        was_banned = Ban.of(user, utcnow()) is not None
        user.is_banned, user.banned_until, user.ban_reason = False, None, None
        audit.record(
            session,
            "unban",
            actor_type=actor,
            actor_id=actor_id,
            target_type=audit.USER,
            target_id=user.id,
            details={"was_banned": was_banned},
        )
        await session.flush()
        return was_banned

    async def record_violation(
        self, session: AsyncSession, user: User, check: SpamCheck, settings: SpamSettings
    ) -> Verdict:
        """Log the violation (kinds and score only) and apply the next step of the progression."""
        since = utcnow() - timedelta(days=settings.strike_days)
        strikes = await count_violations(session, user.id, since) + 1
        audit.record(
            session,
            VIOLATION,
            actor_type=ActorType.SYSTEM,
            target_type=audit.USER,
            target_id=user.id,
            details={"score": check.score, "reasons": list(check.reasons), "strike": strikes},
        )
        await session.flush()
        if strikes == 1:
            return Verdict(Outcome.WARNING, strikes)
        steps = settings.ban_hours
        hours = steps[strikes - 2] if strikes - 2 < len(steps) else None
        reason = "spam: " + ", ".join(check.reasons)
        ban = await self.ban(session, user, hours=hours, reason=reason, actor=ActorType.SYSTEM)
        outcome = Outcome.PERMANENT if hours is None else Outcome.TEMPORARY
        return Verdict(outcome, strikes, ban)

"""Ban lists and spam violation counts (violations are audit log rows)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditLog, User

VIOLATION = "spam_violation"


async def count_violations(session: AsyncSession, user_id: int, since: datetime) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(AuditLog)
        .where(
            AuditLog.action == VIOLATION,
            AuditLog.target_id == user_id,
            AuditLog.created_at >= since,
        )
    )
    return int(count or 0)


async def banned_users(session: AsyncSession, now: datetime, limit: int = 100) -> list[User]:
    """Everyone with a ban in force at `now`, the most recently changed first."""
    rows = await session.scalars(
        select(User)
        .where(
            User.is_banned.is_(True),
            User.banned_until.is_(None) | (User.banned_until > now),
        )
        .order_by(User.updated_at.desc(), User.id)
        .limit(limit)
    )
    return list(rows.all())

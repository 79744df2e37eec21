"""The audit log: every entry is written through `record`, so that actions and targets read the
same way everywhere (GDPR export and erasure find a person's entries by target)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ActorType, AuditLog

USER = "user"
AGENT = "agent"


def record(
    session: AsyncSession,
    action: str,
    *,
    actor_type: ActorType,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Add one entry to the session; it is written with the caller's transaction."""
    entry = AuditLog(
        actor_type=actor_type,
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
    session.add(entry)
    return entry

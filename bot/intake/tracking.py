"""Where each user's project intake stands, in the database: the funnel, and the reminders that
bring back people who stopped half-way (once, after a delay, within a window)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import IntakeProgress
from db.repositories.intake import IntakeRepository


async def intake_started(session: AsyncSession, user_id: int, source: str | None) -> None:
    repo = IntakeRepository(session)
    now = utcnow()
    progress = await repo.get(user_id)
    if progress is None:
        await repo.add(IntakeProgress(user_id=user_id, source=source, started_at=now,
                                      updated_at=now, step="start"))  # fmt: skip
        return
    # A new intake: forget the previous one's step, reminder and outcome.
    progress.source, progress.step, progress.started_at, progress.updated_at = (
        source, "start", now, now,
    )  # fmt: skip
    progress.reminded_at = progress.finished_at = None
    progress.completed = False


async def intake_step(session: AsyncSession, user_id: int, step: str) -> None:
    progress = await IntakeRepository(session).get(user_id)
    if progress is not None:
        progress.step, progress.updated_at = step, utcnow()


async def intake_finished(session: AsyncSession, user_id: int, *, completed: bool) -> None:
    progress = await IntakeRepository(session).get(user_id)
    if progress is not None and progress.finished_at is None:
        progress.finished_at, progress.completed = utcnow(), completed


async def claim_reminders(
    session: AsyncSession, *, delay: timedelta, window: timedelta, now: datetime | None = None
) -> list[int]:
    """Mark the intakes due for a reminder as reminded and return their users' ids.

    Marking first means a reminder is never sent twice, even with two bot instances or a crash
    after sending; a lost reminder is the lesser evil.
    """
    now = now or utcnow()
    due = await IntakeRepository(session).abandoned(now - delay, now - window)
    for progress in due:
        progress.reminded_at = now
    return [progress.user_id for progress in due]

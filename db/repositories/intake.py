"""Intake progress rows and the app-state key-value table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import AppState, IntakeProgress


class IntakeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> IntakeProgress | None:
        return await self.session.get(IntakeProgress, user_id)

    async def add(self, progress: IntakeProgress) -> IntakeProgress:
        self.session.add(progress)
        await self.session.flush()
        return progress

    async def abandoned(self, idle_since: datetime, not_before: datetime) -> list[IntakeProgress]:
        """Unfinished, never reminded, last touched between `not_before` and `idle_since`."""
        rows = await self.session.scalars(
            select(IntakeProgress)
            .where(
                IntakeProgress.finished_at.is_(None),
                IntakeProgress.reminded_at.is_(None),
                IntakeProgress.updated_at <= idle_since,
                IntakeProgress.updated_at > not_before,
            )
            .order_by(IntakeProgress.updated_at)
            .with_for_update(skip_locked=True)
        )
        return list(rows.all())


class AppStateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> str | None:
        row = await self.session.get(AppState, key)
        return row.value if row else None

    async def set(self, key: str, value: str) -> None:
        row = await self.session.get(AppState, key)
        if row is None:
            self.session.add(AppState(key=key, value=value, updated_at=utcnow()))
        else:
            row.value = value
        await self.session.flush()

    async def replace(self, key: str, expected: str | None, value: str) -> bool:
        """Set `key` to `value` only if it still holds `expected` (None: absent); False when
        another writer changed it first. The key is the primary key: of two racing inserts
        one fails, and is reported as lost."""
        if expected is None:
            try:
                async with self.session.begin_nested():
                    self.session.add(AppState(key=key, value=value, updated_at=utcnow()))
            except IntegrityError:
                return False
            return True
        result = await self.session.execute(
            update(AppState)
            .where(AppState.key == key, AppState.value == expected)
            .values(value=value, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

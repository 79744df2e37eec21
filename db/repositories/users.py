"""Users: lookup and a race-free first insert."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def find(self, reference: str) -> User | None:
        """A user by Telegram id or @username (case-insensitive; the latest seen holder)."""
        reference = reference.strip()
        if reference.lstrip("-").isdigit():
            user_id = int(reference)
            # Telegram ids fit in 52 bits; anything beyond BIGINT would be a database error.
            return await self.session.get(User, user_id) if abs(user_id) < 2**63 else None
        name = reference.removeprefix("@").lower()
        if not name:
            return None
        return await self.session.scalar(
            select(User)
            .where(func.lower(User.username) == name)
            .order_by(User.last_seen_at.desc(), User.id)
            .limit(1)
        )

    async def insert_if_missing(self, user_id: int, **values: Any) -> User:
        """Insert the user unless a concurrent update already did; return the stored row."""
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(User).values(id=user_id, **values).on_conflict_do_nothing()
        await self.session.execute(statement)
        user = await self.session.scalar(
            select(User).where(User.id == user_id).execution_options(populate_existing=True)
        )
        assert user is not None  # just inserted or already there
        return user

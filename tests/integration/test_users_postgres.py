"""Users on real PostgreSQL: the first contact is created once even when updates race."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.kernel.users import TelegramProfile, touch_user
from db.models import User

pytestmark = pytest.mark.integration


async def test_concurrent_first_contact_creates_one_user(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    profile = TelegramProfile(7001, "ann", "Ann", None, "ru")

    async def first_update() -> int:
        async with pg_sessionmaker() as session:
            user = await touch_user(session, profile, "ru")
            await session.commit()
            return user.id

    ids = await asyncio.gather(*(first_update() for _ in range(8)))
    assert set(ids) == {7001}
    async with pg_sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1
        user = await session.get(User, 7001)
        assert user is not None
        assert user.language == "ru"

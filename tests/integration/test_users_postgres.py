"""Users on real PostgreSQL: the first contact is created once even when updates race."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.kernel.users import TelegramProfile, touch_user
from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import User

pytestmark = pytest.mark.integration


async def test_concurrent_first_contact_creates_one_user(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    await migrate.upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    profile = TelegramProfile(7001, "ann", "Ann", None, "ru")

    async def first_update() -> int:
        async with sessionmaker() as session:
            user = await touch_user(session, profile, "ru")
            await session.commit()
            return user.id

    try:
        ids = await asyncio.gather(*(first_update() for _ in range(8)))
        assert set(ids) == {7001}
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(User)) == 1
            user = await session.get(User, 7001)
            assert user is not None
            assert user.language == "ru"
    finally:
        await engine.dispose()

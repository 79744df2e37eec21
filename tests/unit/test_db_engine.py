"""Database errors never carry the values they were given: those end up in logs."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import User


async def test_errors_hide_bound_parameters(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        session.add(User(id=1, first_name="Ann", language="en"))
        await session.commit()
    async with sessionmaker() as session:
        session.add(User(id=1, first_name="Private Person", username="private_handle"))
        with pytest.raises(IntegrityError) as caught:
            await session.commit()
    assert "Private Person" not in str(caught.value)
    assert "private_handle" not in str(caught.value)

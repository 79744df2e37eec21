"""Users: lookup and a race-free first insert."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base
from db.models import User
from db.rows import insert_row

# ASCII digits only: str.isdigit() also takes "²" and "①", which int() refuses.
_NUMBER = re.compile(r"-?[0-9]+")
_BIGINT = range(-(2**63), 2**63)


def parse_telegram_id(reference: str) -> int | None:
    """The id `reference` spells (ASCII digits, a minus for chats), when it fits the database's
    BIGINT (Telegram's ids use 52 bits); None for anything else."""
    text = reference.strip()
    if not _NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if value in _BIGINT else None


def looks_like_id(reference: str) -> bool:
    """Digits (an id, maybe too large for one), as opposed to a @username."""
    return _NUMBER.fullmatch(reference.strip()) is not None


# Built once (every new person runs it), per dialect: PostgreSQL's and SQLite's ON CONFLICT.
_USERS = Base.metadata.tables["users"]
_INSERT_NEW = {
    postgres: (postgresql.insert if postgres else sqlite.insert)(_USERS)
    .on_conflict_do_nothing()
    .returning(*_USERS.c)
    for postgres in (False, True)
}


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def find(self, reference: str) -> User | None:
        """A user by Telegram id or @username (case-insensitive; the latest seen holder)."""
        reference = reference.strip()
        if looks_like_id(reference):
            # Anything beyond BIGINT would be a database error: nobody has such an id.
            user_id = parse_telegram_id(reference)
            return await self.session.get(User, user_id) if user_id is not None else None
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
        user = await self.insert_new(user_id, **values)
        if user is None:
            user = await self.session.scalar(
                select(User).where(User.id == user_id).execution_options(populate_existing=True)
            )
        assert user is not None  # just inserted or already there
        return user

    async def insert_new(self, user_id: int, **values: Any) -> User | None:
        """Insert the user and return the row; None when a concurrent update inserted it first."""
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        statement = _INSERT_NEW[dialect == "postgresql"]
        return await insert_row(self.session, statement, {"id": user_id, **values}, User)

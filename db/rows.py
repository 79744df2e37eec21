"""Rows inserted on every update's path, the ORM's way but at Core's price.

An ORM INSERT ... RETURNING (or a flush) costs several times the CPU of the Core statement it
runs: on the path of every message that was a third of the database's share. Here the Core
statement returns every column and the row joins the session as if a query had loaded it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from db.base import Base

Model = TypeVar("Model", bound=Base)


async def insert_row(
    session: AsyncSession, statement: Executable, values: Mapping[str, Any], model: type[Model]
) -> Model | None:
    """Run `statement` (an INSERT ... RETURNING every column of `model`'s table) and return
    the new row as a persistent `model`; None when it inserted nothing (ON CONFLICT DO
    NOTHING)."""
    row = (await session.execute(statement, values)).first()
    if row is None:
        return None
    instance = model(**row._mapping)
    make_transient_to_detached(instance)  # loaded, clean, with its identity
    session.add(instance)
    return instance

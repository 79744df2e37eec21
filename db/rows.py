"""Rows read and inserted on every update's path, the ORM's way but at Core's price.

An ORM query, INSERT ... RETURNING or flush costs several times the CPU of the Core statement
it runs: on the path of every message that was a third of the database's share. Here the Core
statement returns every column and the row joins the session as if a query had loaded it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Executable, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from db.base import Base

Model = TypeVar("Model", bound=Base)


async def insert_row(
    session: AsyncSession, statement: Executable, values: Mapping[str, Any], model: type[Model]
) -> Model | None:
    """Run `statement` (an INSERT ... RETURNING every column of `model`'s table) and return
    the new row as a persistent `model`; None when it inserted nothing (ON CONFLICT DO
    NOTHING)."""
    row = (await session.execute(statement, values)).first()
    return as_loaded(session, model, dict(row._mapping)) if row is not None else None


def as_loaded(session: AsyncSession, model: type[Model], values: dict[str, Any]) -> Model:
    """The session's object for the row with these column values: the one it holds already
    (as a query would give), or a new one, loaded, clean and with its identity."""
    existing = session.sync_session.identity_map.get(identity_key(model, values["id"]))
    if existing is not None:
        return existing
    instance = model(**values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


def forget_on_write(key: str, model: type[Base]) -> None:
    """What sessions remember under `info[key]` (read with the user's row, see
    db.repositories.context) is dropped as soon as the session writes: a `model` row added or
    changed (at the flush), or any INSERT, UPDATE or DELETE it executes."""

    @event.listens_for(Session, "before_flush")
    def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
        if key in session.info and any(
            isinstance(row, model) for row in (*session.new, *session.dirty)
        ):
            del session.info[key]

    @event.listens_for(Session, "do_orm_execute")
    def _on_execute(state: ORMExecuteState) -> None:
        if not state.is_select:
            state.session.info.pop(key, None)

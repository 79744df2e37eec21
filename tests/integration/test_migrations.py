"""Migrations on real PostgreSQL: the stairway (upgrade, downgrade, upgrade for every revision)
and models that match what the migrations build."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

import db.models  # noqa: F401 - every table on the metadata
from db import migrate
from db.base import Base
from db.engine import create_engine

pytestmark = pytest.mark.integration


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_revisions_are_numbered_and_linear() -> None:
    revisions = _revisions()
    assert revisions[0] == "001"
    assert revisions == [f"{i:03d}" for i in range(1, len(revisions) + 1)]


async def test_stairway(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        previous: str = "base"
        for revision in _revisions():
            await migrate.upgrade(engine, revision)
            await migrate.downgrade(engine, previous)
            await migrate.upgrade(engine, revision)
            assert await migrate.current(engine) == revision
            previous = revision
        await migrate.downgrade(engine, "base")
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        assert tables == ["alembic_version"]
    finally:
        await engine.dispose()


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_migrations(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            diff = await connection.run_sync(_diff)
        assert diff == []
    finally:
        await engine.dispose()


async def test_migrations_also_build_sqlite(tmp_path: pytest.TempPathFactory) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/devbot.sqlite3")
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            diff = await connection.run_sync(_diff)
        assert diff == []
        await migrate.downgrade(engine, "base")
    finally:
        await engine.dispose()

"""Migrations on real PostgreSQL: the stairway (upgrade, downgrade, upgrade for every revision)
and models that match what the migrations build."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
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


async def test_006_keeps_the_newest_of_a_users_open_tickets(postgres_url: str) -> None:
    """Tickets a race left open side by side before 006: the newest stays open, the others
    are closed, so the unique index can be built."""
    engine = create_engine(postgres_url)
    try:
        await migrate.upgrade(engine, "005")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users (id, first_name, last_seen_at, updated_at) "
                    "VALUES (5, 'A', now(), now())"
                )
            )
            for status in ("open", "claimed", "closed"):
                await connection.execute(
                    text("INSERT INTO tickets (user_id, status, priority, opened_at, asked_email)"
                         " VALUES (5, :status, 'normal', now(), false)"),
                    {"status": status},
                )  # fmt: skip
        await migrate.upgrade(engine, "006")
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT id, status FROM tickets ORDER BY id"))
            assert [status for _id, status in rows] == ["closed", "claimed", "closed"]
    finally:
        await engine.dispose()

"""`python -m bot migrate`: apply (or roll back) the schema on the configured database."""

from __future__ import annotations

from bot.config import Settings
from db import migrate
from db.engine import create_engine


async def migrate_command(settings: Settings, *, downgrade_to: str | None = None) -> str | None:
    engine = create_engine(settings.database.url)
    try:
        if downgrade_to:
            await migrate.downgrade(engine, downgrade_to)
        else:
            await migrate.upgrade(engine)
        return await migrate.current(engine)
    finally:
        await engine.dispose()

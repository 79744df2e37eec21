"""Admin commands on the command line (until the /admin panel exists)."""

from __future__ import annotations

from typing import TextIO

from bot.config import Settings
from bot.intake.export import export_csv
from db import migrate
from db.engine import create_engine, create_sessionmaker


async def export_csv_command(settings: Settings, out: TextIO) -> int:
    engine = create_engine(settings.database.url)
    try:
        await migrate.upgrade(engine)
        async with create_sessionmaker(engine)() as session:
            return await export_csv(session, out)
    finally:
        await engine.dispose()

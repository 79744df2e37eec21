"""Dispatcher-level fixtures: the real `create_dispatcher` over SQLite in a temp dir, memory FSM
and a recording session instead of Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_dispatcher
from bot.config import load_settings
from bot.i18n import I18n
from db import migrate
from db.engine import create_engine, create_sessionmaker
from handlers import get_routers
from tests.fakes.recording import RecordingSession

LOCALES = Path(__file__).resolve().parents[2] / "locales"


@dataclass
class BotHarness:
    dp: Dispatcher
    bot: Bot
    session: RecordingSession
    sessionmaker: async_sessionmaker[AsyncSession]
    i18n: I18n

    async def send(self, text: str, **kwargs: object) -> None:
        await self.dp.feed_update(self.bot, self.session.make_message_update(text, **kwargs))

    async def press(self, data: str, message_id: int, **kwargs: object) -> None:
        update = self.session.make_callback_update(data, message_id=message_id, **kwargs)
        await self.dp.feed_update(self.bot, update)

    def add_router_first(self, router: Router) -> None:
        """Rebuild the dispatcher with a test router ahead of the real ones."""
        self.dp = _dispatcher(self.sessionmaker, self.i18n, [router, *get_routers()])


def _dispatcher(
    sessionmaker: async_sessionmaker[AsyncSession], i18n: I18n, routers: list[Router] | None = None
) -> Dispatcher:
    return create_dispatcher(
        load_settings(),
        storage=MemoryStorage(),
        sessionmaker=sessionmaker,
        i18n=i18n,
        routers=routers,
    )


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[BotHarness]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3")
    await migrate.upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    i18n = I18n(LOCALES)
    session = RecordingSession()
    bot = Bot(
        "42:OFFLINE-test-token-for-dispatcher-tests",
        session=session,
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    yield BotHarness(_dispatcher(sessionmaker, i18n), bot, session, sessionmaker, i18n)
    await engine.dispose()

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

from bot.app import create_dispatcher, load_knowledge
from bot.config import Settings, load_settings
from bot.consult.consultant import Consultant
from bot.faq.intents import IntentDetector
from bot.faq.knowledge import KnowledgeBase
from bot.kernel.i18n import I18n
from bot.kernel.kv import MemoryCounters
from db import migrate
from db.engine import create_engine, create_sessionmaker
from handlers import get_routers
from tests.fakes.longcat_server import DEFAULT_API_KEY as FAKE_LONGCAT_KEY
from tests.fakes.recording import RecordingSession


@dataclass(frozen=True)
class Knowledge:
    i18n: I18n
    kb: KnowledgeBase
    detector: IntentDetector


@pytest.fixture
async def sessionmaker(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated SQLite database of this test's own."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3")
    await migrate.upgrade(engine)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The project's translations, knowledge base and detector: trained once per test run."""
    return Knowledge(*load_knowledge(load_settings()))


@dataclass
class BotHarness:
    dp: Dispatcher
    bot: Bot
    session: RecordingSession
    sessionmaker: async_sessionmaker[AsyncSession]
    knowledge: Knowledge

    async def send(self, text: str, **kwargs: object) -> None:
        await self.dp.feed_update(self.bot, self.session.make_message_update(text, **kwargs))

    async def press(self, data: str, message_id: int, **kwargs: object) -> None:
        update = self.session.make_callback_update(data, message_id=message_id, **kwargs)
        await self.dp.feed_update(self.bot, update)

    def add_router_first(self, router: Router) -> None:
        """Rebuild the dispatcher with a test router ahead of the real ones."""
        self.dp = _dispatcher(self.sessionmaker, self.knowledge, [router, *get_routers()])

    def use_detector(self, detector: object) -> None:
        """Rebuild the dispatcher with another detector (to pin what it answers)."""
        self.dp = _dispatcher(self.sessionmaker, self.knowledge, detector=detector)

    def use_llm(
        self, base_url: str, detector: object | None = None, **settings: dict[str, object]
    ) -> Consultant:
        """Rebuild the dispatcher with the LLM at `base_url` (the fake LongCat).

        `settings` overrides sections by name, e.g. ``llm={"session_calls": 2}``."""
        longcat = {
            "api_key": FAKE_LONGCAT_KEY,
            "base_url": base_url,
            **settings.pop("longcat", {}),
        }
        config = load_settings(longcat=longcat, **settings)
        consultant = Consultant.from_settings(config, MemoryCounters())
        self.dp = _dispatcher(
            self.sessionmaker,
            self.knowledge,
            detector=detector,
            settings=config,
            consultant=consultant,
        )
        return consultant


def _dispatcher(
    sessionmaker: async_sessionmaker[AsyncSession],
    knowledge: Knowledge,
    routers: list[Router] | None = None,
    detector: object | None = None,
    settings: Settings | None = None,
    **extra: object,
) -> Dispatcher:
    return create_dispatcher(
        settings or load_settings(),
        storage=MemoryStorage(),
        sessionmaker=sessionmaker,
        i18n=knowledge.i18n,
        kb=knowledge.kb,
        detector=detector or knowledge.detector,  # type: ignore[arg-type]
        routers=routers,
        **extra,
    )


@pytest.fixture
async def harness(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> BotHarness:
    session = RecordingSession()
    bot = Bot(
        "42:OFFLINE-test-token-for-dispatcher-tests",
        session=session,
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    return BotHarness(_dispatcher(sessionmaker, knowledge), bot, session, sessionmaker, knowledge)

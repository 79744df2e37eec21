"""Shared fixtures: real PostgreSQL/Redis servers (tests.fakes.services), a migrated SQLite
database and the project's knowledge, and isolation from the developer's environment so that
tests see only the settings they set."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import load_knowledge
from bot.config import load_settings, variable_names
from bot.faq.intents import IntentDetector
from bot.faq.knowledge import KnowledgeBase
from bot.kernel.i18n import I18n
from db import migrate
from db.engine import create_engine, create_sessionmaker

pytest_plugins = ["tests.fakes.services"]

# Tests must never read an operator's configuration or talk to a real service: no variable the
# settings read, and no `.env` file (the bots the tests start inherit DEVBOT_ENV_FILE).
for _name in variable_names() & set(os.environ):
    os.environ.pop(_name)
os.environ["DEVBOT_ENV_FILE"] = ""

# Tests type faster than people: the rate limits are tested on their own (test_throttling.py).
os.environ.setdefault("THROTTLE_BURST", "1000")


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

"""The harness over this test's SQLite database: plain, or the agents' desk (agents in the
database, AGENT_CHAT_ID a forum group, always open; other variants through `rebuild` and
`tests.fakes.desk.forum`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Knowledge
from tests.dispatcher.harness import Harness
from tests.fakes.desk import ALWAYS_OPEN, add_agents, desk_settings, forum


@pytest.fixture
async def harness(sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge) -> Harness:
    return Harness(sessionmaker, knowledge)


@pytest.fixture
async def desk(sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge) -> Harness:
    await add_agents(sessionmaker)
    desk = Harness(sessionmaker, knowledge, desk_settings(), business_hours=ALWAYS_OPEN)
    forum(desk.session)
    return desk


@pytest.fixture
def files_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """FILES_DIR in this test's own directory (settings read afterwards store files there)."""
    directory = tmp_path / "files"
    monkeypatch.setenv("FILES_DIR", str(directory))
    return directory

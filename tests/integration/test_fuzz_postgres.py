"""1,500 random and malformed updates of every kind through the whole dispatcher on PostgreSQL:
no error is logged, nothing is left half-stored, and the bot still answers afterwards."""

from __future__ import annotations

import logging

import pytest
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Knowledge
from tests.dispatcher.harness import Harness
from tests.fakes.desk import ALWAYS_OPEN, add_agents, desk_settings, forum
from tests.fakes.fuzz import Fuzz

pytestmark = pytest.mark.integration
UPDATES = 1500


async def test_random_updates_raise_no_error(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
    knowledge: Knowledge,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await add_agents(pg_sessionmaker)
    harness = Harness(pg_sessionmaker, knowledge, desk_settings(), business_hours=ALWAYS_OPEN)
    forum(harness.session)
    errors: list[str] = []
    sink = logger.add(lambda m: errors.append(str(m)), level="ERROR", diagnose=False)
    try:
        with caplog.at_level(logging.ERROR):  # aiogram's own loggers (the polling loop's)
            for update in Fuzz(seed=2026).updates(UPDATES):
                await harness.feed(update)
    finally:
        logger.remove(sink)
    assert errors == [], "".join(errors[:3])
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    harness.session.clear()
    await harness.send("/start", user_id=4242)
    assert harness.session.sent_texts(4242), "the bot no longer answers"

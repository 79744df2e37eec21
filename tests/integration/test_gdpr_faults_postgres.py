"""GDPR erasure half-way, on PostgreSQL, Redis and the fake Bot API over HTTP: a fault in the
agents' group or in Redis leaves the user's rows, and the next run deletes the topic, the keys,
the files and then the rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings, load_settings
from bot.files.store import FileStore
from bot.kernel.kv import RedisCache, forget_person
from bot.privacy.gdpr import AgentGroup, erase_due
from db.base import utcnow
from db.models import Ticket, User
from tests.conftest import Knowledge
from tests.dispatcher.harness import Harness
from tests.fakes.services import free_port
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.uploads import stored_files
from tests.fakes.user_data import UserData, give_user_data, traces_of

pytestmark = pytest.mark.integration

USER_ID = 735_000_333
GROUP = -1_001_000_000_777


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


def _bot(base_url: str, token: str) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    bot = _bot(telegram.base_url, telegram.token)
    yield bot
    await bot.session.close()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("FILES_DIR", str(tmp_path / "files"))
    return load_settings()


async def _due_with_a_topic(
    sessionmaker: async_sessionmaker[AsyncSession],
    knowledge: Knowledge,
    settings: Settings,
    bot: Bot,
    redis: Redis,
) -> tuple[UserData, int]:
    """The user with data, a topic in the agents' group and a key in Redis, asked to be
    forgotten long enough ago."""
    harness = Harness(sessionmaker, knowledge, settings)
    data = await give_user_data(
        harness.dp, harness.bot, harness.session, sessionmaker, USER_ID, "GONE"
    )
    topic = (await bot.create_forum_topic(GROUP, "Tess")).message_thread_id
    async with sessionmaker() as session:
        ticket = (await session.scalars(select(Ticket).where(Ticket.user_id == USER_ID))).one()
        ticket.topic_id = topic
        user = await session.get(User, USER_ID)
        assert user is not None
        user.forget_requested_at = utcnow() - timedelta(days=31)
        await session.commit()
    await RedisCache(redis).set(f"ban:{USER_ID}", "0", 600)
    return data, topic


async def _erase(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, bot: Bot, redis: Redis
) -> int:
    return await erase_due(
        sessionmaker, FileStore(settings.files), grace_days=30,
        group=AgentGroup(bot, GROUP, "(removed)"), forget_elsewhere=partial(forget_person, redis),
    )  # fmt: skip


async def _kept(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> bool:
    """The user's row and file are still there."""
    async with sessionmaker() as session:
        user = await session.get(User, USER_ID)
    return user is not None and len(stored_files(settings.files.files_dir / str(USER_ID))) == 1


@pytest.mark.parametrize("fault", ["5xx", "network"])
async def test_a_topic_not_deleted_for_now_is_deleted_by_the_next_run(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
    knowledge: Knowledge,
    settings: Settings,
    telegram: FakeTelegram,
    bot: Bot,
    redis: Redis,
    fault: str,
) -> None:
    data, topic = await _due_with_a_topic(pg_sessionmaker, knowledge, settings, bot, redis)

    if fault == "5xx":
        telegram.fail_next("deleteForumTopic", status=500)
        assert await _erase(pg_sessionmaker, settings, bot, redis) == 0
    else:  # nobody answers on that port
        down = _bot(f"http://127.0.0.1:{free_port()}", telegram.token)
        try:
            assert await _erase(pg_sessionmaker, settings, down, redis) == 0
        finally:
            await down.session.close()
    assert await _kept(pg_sessionmaker, settings)
    assert topic in telegram.topics[GROUP]
    assert await RedisCache(redis).get(f"ban:{USER_ID}") == "0"  # the steps after it wait

    assert await _erase(pg_sessionmaker, settings, bot, redis) == 1
    assert (GROUP, topic) in telegram.deleted_topics
    assert await RedisCache(redis).get(f"ban:{USER_ID}") is None
    assert await traces_of(pg_sessionmaker, data) == []
    assert stored_files(settings.files.files_dir) == []


async def test_redis_unreachable_leaves_the_rows_for_the_next_run(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
    knowledge: Knowledge,
    settings: Settings,
    bot: Bot,
    redis: Redis,
) -> None:
    data, _topic = await _due_with_a_topic(pg_sessionmaker, knowledge, settings, bot, redis)
    down = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    try:
        assert await _erase(pg_sessionmaker, settings, bot, down) == 0
    finally:
        await down.aclose()
    assert await _kept(pg_sessionmaker, settings)

    assert await _erase(pg_sessionmaker, settings, bot, redis) == 1
    assert await RedisCache(redis).get(f"ban:{USER_ID}") is None
    assert await traces_of(pg_sessionmaker, data) == []
    assert stored_files(settings.files.files_dir) == []

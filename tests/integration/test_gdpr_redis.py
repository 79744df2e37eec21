"""What Redis holds about a person, with the bot's own Redis wiring (FSM storage, counters,
caches, locks) on real PostgreSQL and Redis: /forgetme and the erasure leave no key
that names them (checked with SCAN), other people's stay; and FSM keys (an unfinished
intake's answers) expire FSM_TTL_DAYS after their last change."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import fsm_storage
from bot.config import Settings, load_settings
from bot.files.store import FileStore
from bot.kernel.kv import forget_person
from bot.privacy.gdpr import AgentGroup, erase_due
from db.base import utcnow
from handlers.privacy import ForgetAction, ForgetCallback
from tests.conftest import Knowledge
from tests.dispatcher.harness import Harness
from tests.fakes.desk import ALWAYS_OPEN, GROUP, add_agents, desk_settings, forum

pytestmark = pytest.mark.integration

PERSON = 735_000_444
OTHER = 735_000_555


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("FILES_DIR", str(tmp_path / "files"))
    base = desk_settings()
    return base.model_copy(update={"files": load_settings().files})


@pytest.fixture
async def desk(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
    knowledge: Knowledge,
    redis: Redis,
    settings: Settings,
) -> Harness:
    """The bot wired to Redis as in production: FSM storage, counters, caches and locks."""
    await add_agents(pg_sessionmaker)
    desk = Harness(
        pg_sessionmaker, knowledge, settings, business_hours=ALWAYS_OPEN, redis=redis,
        storage=fsm_storage(redis, settings),
    )  # fmt: skip
    forum(desk.session)
    return desk


async def _tap(desk: Harness, user_id: int, label: str) -> None:
    message = desk.session.latest_message(user_id, with_keyboard=True)
    assert message is not None
    [data] = [d for row in desk.session.last_keyboard(user_id) for t, d in row if label in t]
    assert data is not None
    await desk.press(data, message.message_id, user_id=user_id)


async def _use_the_bot(desk: Harness, user_id: int) -> None:
    """Questions (rate limits, spam counters, the ban cache), an intake left half-way (FSM and
    dialog keys), a ticket (its topic lock), and a command in the agents' group."""
    await desk.send("How much does a Kubernetes cluster cost?", user_id=user_id)
    await desk.send("How much does a Kubernetes cluster cost?", user_id=user_id)
    await desk.send("/start intake", user_id=user_id)
    await _tap(desk, user_id, "DevOps")
    await desk.send("Kubernetes for 12 services, ASAP, about $60k", user_id=user_id)
    await desk.send("/human", user_id=user_id)
    await desk.send("/close", user_id=user_id, chat_id=GROUP)  # not an agent: told once


def _naming(keys: list[str], user_id: int) -> list[str]:
    return [key for key in keys if str(user_id) in key.split(":")]


async def _keys(redis: Redis) -> list[str]:
    return [key.decode() async for key in redis.scan_iter(count=500)]


async def test_forgetme_and_the_erasure_leave_no_key_of_the_person(
    desk: Harness, redis: Redis, settings: Settings
) -> None:
    await _use_the_bot(desk, PERSON)
    await _use_the_bot(desk, OTHER)
    before = await _keys(redis)
    assert any(key.startswith("fsm:") for key in _naming(before, PERSON))
    assert any(key.startswith("devbot:") for key in _naming(before, PERSON))

    await desk.send("/forgetme", user_id=PERSON)
    await _tap(desk, PERSON, "Yes, delete")
    later = utcnow() + timedelta(days=settings.privacy.gdpr_grace_days, minutes=1)
    erased = await erase_due(
        desk.sessionmaker, FileStore(settings.files), settings.privacy.gdpr_grace_days, later,
        group=AgentGroup(desk.bot, GROUP, "(removed)"),
        forget_elsewhere=partial(forget_person, redis),
    )  # fmt: skip
    assert erased == 1

    left = await _keys(redis)
    assert _naming(left, PERSON) == []
    assert sorted(_naming(left, OTHER)) == sorted(_naming(before, OTHER))
    assert ForgetCallback(action=ForgetAction.CONFIRM).pack() == "forget:confirm"  # as tapped


async def test_fsm_keys_expire_fsm_ttl_days_after_their_last_change(
    desk: Harness, redis: Redis, settings: Settings
) -> None:
    await desk.send("/start intake", user_id=PERSON)
    await _tap(desk, PERSON, "DevOps")
    await desk.send("Kubernetes for 12 services, ASAP, about $60k", user_id=PERSON)

    keys = [key for key in _naming(await _keys(redis), PERSON) if key.startswith("fsm:")]
    assert any(":aiogd:context:" in key for key in keys)  # the intake's answers
    ttl = timedelta(days=settings.privacy.fsm_ttl_days).total_seconds()
    for key in keys:
        assert ttl - 60 < await redis.ttl(key) <= ttl, key

"""GDPR erasure on real PostgreSQL: after the grace period no row of any table holds the user's id
or one of their texts, their files are gone, and other users keep theirs."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import load_settings
from bot.files.store import FileStore
from bot.kernel.kv import RedisCache, forget_person
from bot.privacy.gdpr import erase_due
from db.base import utcnow
from db.models import AuditLog
from handlers.privacy import ForgetAction, ForgetCallback
from tests.conftest import Knowledge
from tests.dispatcher.harness import Harness
from tests.fakes.uploads import stored_files
from tests.fakes.user_data import give_user_data, traces_of

pytestmark = pytest.mark.integration

USER_ID = 735_000_111
OTHER_ID = 735_000_222


async def test_erasure_leaves_no_trace_in_any_table(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
    knowledge: Knowledge,
    redis: Redis,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files_dir = tmp_path / "files"
    monkeypatch.setenv("FILES_DIR", str(files_dir))
    settings = load_settings()
    harness = Harness(pg_sessionmaker, knowledge, settings)
    data = await give_user_data(
        harness.dp, harness.bot, harness.session, pg_sessionmaker, USER_ID, "GONE"
    )
    other = await give_user_data(
        harness.dp, harness.bot, harness.session, pg_sessionmaker, OTHER_ID, "STAYS"
    )

    await harness.send("/forgetme", user_id=USER_ID)
    prompt = harness.session.latest_message(USER_ID, with_keyboard=True)
    assert prompt is not None
    confirm = ForgetCallback(action=ForgetAction.CONFIRM).pack()
    await harness.press(confirm, prompt.message_id, user_id=USER_ID)
    assert await traces_of(pg_sessionmaker, data)  # hidden, not yet erased

    store = FileStore(settings.files)
    later = utcnow() + timedelta(days=settings.privacy.gdpr_grace_days, minutes=1)
    await RedisCache(redis).set(f"ban:{USER_ID}", "0", 600)  # what Redis held about them
    await RedisCache(redis).set(f"ban:{OTHER_ID}", "0", 600)
    erased = await erase_due(
        pg_sessionmaker, store, settings.privacy.gdpr_grace_days, later,
        forget_elsewhere=partial(forget_person, redis),
    )  # fmt: skip
    assert erased == 1
    assert await RedisCache(redis).get(f"ban:{USER_ID}") is None
    assert await RedisCache(redis).get(f"ban:{OTHER_ID}") == "0"

    assert await traces_of(pg_sessionmaker, data) == []
    assert stored_files(files_dir / str(USER_ID)) == []
    assert len(stored_files(files_dir / str(OTHER_ID))) == 1
    other_traces = {table for table, _column, _value in await traces_of(pg_sessionmaker, other)}
    assert {"users", "conversations", "messages", "leads", "attachments"} <= other_traces
    async with pg_sessionmaker() as db:
        erased = await db.scalar(select(AuditLog).where(AuditLog.action == "gdpr.erase"))
    assert erased is not None and erased.target_id is None and erased.actor_id is None
    assert erased.details is not None and erased.details["rows"]["messages"] >= 3

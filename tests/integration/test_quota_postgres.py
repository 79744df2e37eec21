"""Two admins change two LLM limits at the same moment on PostgreSQL: the one that read first
finds the other's change written when it writes, reads again, and both changes are kept."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import load_settings
from bot.consult import quota
from bot.kernel.kv import MemoryCounters
from db.repositories.intake import AppStateRepository
from llm.budget import LlmBudget


async def test_concurrent_changes_are_both_kept(
    pg_sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings()
    mine, theirs = (LlmBudget(MemoryCounters(), settings.llm) for _ in range(2))
    async with pg_sessionmaker() as session:
        await quota.change(session, theirs, "user", 20)  # an earlier change, so a row exists
        await session.commit()

    real_get = AppStateRepository.get
    interleaved = False

    async def get_then_the_other_admin(self: AppStateRepository, key: str) -> Any:
        nonlocal interleaved
        found = await real_get(self, key)
        if not interleaved:  # the other admin writes between this read and this write
            interleaved = True
            async with pg_sessionmaker() as other:
                await quota.change(other, theirs, "daily", 5.5)
                await other.commit()
        return found

    monkeypatch.setattr(AppStateRepository, "get", get_then_the_other_admin)
    async with pg_sessionmaker() as session:
        applied = await quota.change(session, mine, "session", 3)
        await session.commit()
    monkeypatch.setattr(AppStateRepository, "get", real_get)

    assert interleaved
    assert applied == {"daily_budget_usd": 5.5, "session_calls": 3, "user_daily_calls": 20}
    async with pg_sessionmaker() as session:
        assert await quota.stored(session) == applied

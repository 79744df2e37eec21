"""The retention run on PostgreSQL sweeps the files of rolled-back uploads once they are older
than the grace, and keeps a fresh one and the ones rows point at."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import load_settings
from bot.files.store import FileStore
from bot.privacy.retention import run_retention
from tests.fakes.uploads import stored_files, stored_uploads

pytestmark = pytest.mark.integration


async def test_retention_sweeps_a_rolled_back_upload(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FILES_DIR", str(tmp_path / "files"))
    settings = load_settings()
    uploads = await stored_uploads(pg_sessionmaker, FileStore(settings.files))

    report = await run_retention(pg_sessionmaker, settings)

    assert report.orphan_files_deleted == 2  # the orphan and the `.part` left beside it
    assert stored_files(tmp_path / "files") == sorted([uploads.fresh, uploads.kept])
    assert (await run_retention(pg_sessionmaker, settings)).orphan_files_deleted == 0

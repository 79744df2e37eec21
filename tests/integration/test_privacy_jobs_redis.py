"""The retention jobs in Redis: stored across restarts, with the next run time a previous process
left (a run missed while the bot was down happens at start, not a day late)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiogram import Bot
from apscheduler.jobstores.redis import RedisJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import load_settings
from bot.i18n import I18n
from bot.jobs import JobContext
from bot.privacy_jobs import JOBSTORE, RETENTION_JOB, schedule_privacy_jobs
from db.engine import create_engine, create_sessionmaker
from tests.fakes.recording import RecordingSession

pytestmark = pytest.mark.integration


def _scheduler(redis_url: str, tmp_db: str) -> AsyncIOScheduler:
    settings = load_settings(redis={"url": redis_url})
    bot = Bot("42:OFFLINE-jobs-test", session=RecordingSession())
    sessionmaker = create_sessionmaker(create_engine(tmp_db))
    context = JobContext(bot, settings, sessionmaker, I18n(settings.locales_dir))
    scheduler = AsyncIOScheduler(timezone="UTC")
    schedule_privacy_jobs(scheduler, context)
    return scheduler


async def test_jobs_survive_a_restart_with_their_next_run_time(
    redis_url: str, tmp_path: Path
) -> None:
    tmp_db = f"sqlite+aiosqlite:///{tmp_path}/jobs.sqlite3"
    first = _scheduler(redis_url, tmp_db)
    first.start(paused=True)
    store = first._jobstores[JOBSTORE]
    assert isinstance(store, RedisJobStore)
    job = first.get_job(RETENTION_JOB, JOBSTORE)
    assert job is not None and job.next_run_time is not None
    # The bot was down when the job was due.
    missed = datetime.now(UTC) - timedelta(hours=5)
    job.modify(next_run_time=missed)
    first.shutdown(wait=False)

    second = _scheduler(redis_url, tmp_db)
    second.start(paused=True)
    try:
        again = second.get_job(RETENTION_JOB, JOBSTORE)
        assert again is not None
        assert again.next_run_time is not None
        assert abs((again.next_run_time - missed).total_seconds()) < 1
    finally:
        second.shutdown(wait=False)

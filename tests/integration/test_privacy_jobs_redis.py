"""The retention jobs in Redis: stored across restarts, with the next run time a previous process
left (a run missed while the bot was down happens at start, not a day late)."""

from __future__ import annotations

import asyncio
import pickle
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import patch

import pytest
from apscheduler.jobstores.redis import RedisJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.app import business_hours
from bot.config import RedisSettings, load_settings
from bot.desk.topics import Desk
from bot.kernel.i18n import I18n
from bot.kernel.kv import MemoryLocks, RedisLedger
from bot.scheduler import (
    CONTEXT,
    JOBS_KEY,
    JOBSTORE,
    RETENTION_JOB,
    RUN_TIMES_KEY,
    JobContext,
    RunWith,
    create_scheduler,
    job_store,
)
from db.engine import create_engine, create_sessionmaker
from tests.fakes.recording import offline_bot

pytestmark = pytest.mark.integration


def _scheduler(redis_url: str, tmp_db: str) -> AsyncIOScheduler:
    settings = load_settings(redis={"url": redis_url})
    bot = offline_bot()
    sessionmaker = create_sessionmaker(create_engine(tmp_db))
    i18n = I18n(settings.locales_dir)
    desk = Desk(settings, i18n, MemoryLocks(), business_hours(settings))
    return create_scheduler(JobContext(bot, settings, sessionmaker, i18n, desk))


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


async def test_a_job_stored_under_its_old_reference_runs_after_the_upgrade(
    redis_url: str, tmp_path: Path
) -> None:
    """Before the layout change the retention job was stored as `bot.privacy_jobs:retention_job`;
    that module is gone. The stored job is re-registered under today's reference at start, keeps
    its next run time, and runs with the composition root's context."""
    due = datetime.now(UTC) - timedelta(minutes=5)
    state = {
        "version": 1,
        "id": RETENTION_JOB,
        "func": "bot.privacy_jobs:retention_job",
        "trigger": CronTrigger(hour=3, minute=30, timezone=UTC),
        "executor": "default",
        "args": (),
        "kwargs": {},
        "name": "retention_job",
        "misfire_grace_time": None,
        "coalesce": True,
        "max_instances": 1,
        "next_run_time": due,
    }
    client = Redis.from_url(redis_url)
    client.hset(JOBS_KEY, RETENTION_JOB, pickle.dumps(state, pickle.HIGHEST_PROTOCOL))
    client.zadd(RUN_TIMES_KEY, {RETENTION_JOB: due.timestamp()})
    ran = asyncio.Event()

    async def retention(context: JobContext) -> None:
        assert isinstance(context.desk, Desk)
        ran.set()

    with patch("bot.privacy.jobs.retention_job", retention):
        scheduler = _scheduler(redis_url, f"sqlite+aiosqlite:///{tmp_path}/jobs.sqlite3")
        scheduler.start()
        try:
            await asyncio.wait_for(ran.wait(), timeout=10)
        finally:
            scheduler.shutdown(wait=False)
    stored = pickle.loads(client.hget(JOBS_KEY, RETENTION_JOB))  # type: ignore[arg-type]
    assert stored["func"] == "bot.privacy.jobs:retention_job"
    client.close()


async def test_a_hung_redis_fails_the_job_store_within_the_timeout(redis_url: str) -> None:
    """APScheduler's store is synchronous, on the event loop: it must not wait forever."""
    store = job_store(RedisSettings(url=redis_url, timeout=0.5))
    store.start(None, "default")  # type: ignore[arg-type]
    pauser = Redis.from_url(redis_url)
    pauser.execute_command("CLIENT", "PAUSE", 3000, "ALL")
    try:
        started = time.monotonic()
        with pytest.raises(RedisTimeoutError):
            store.get_next_run_time()
        assert time.monotonic() - started < 2.0
    finally:
        pauser.execute_command("CLIENT", "UNPAUSE")
        pauser.close()


RUNS: list[str] = []


async def _count(context: JobContext) -> None:
    RUNS.append(context.settings.desk.company)


async def test_two_replicas_run_each_period_of_a_job_once(redis_url: str, tmp_path: Path) -> None:
    client = AsyncRedis.from_url(redis_url)
    try:
        scheduler = AsyncIOScheduler()
        job = scheduler.add_job(_count, "interval", minutes=5, args=[CONTEXT], id="count")
        replicas = [
            JobContext(
                offline_bot(), load_settings(), None, None, None,  # type: ignore[arg-type]
                RedisLedger(client, prefix="devbot:job-lease:"),
            )
            for _ in range(2)
        ]  # fmt: skip
        for context in replicas:
            run = RunWith(job, context)
            await run.func(*run.args)
        assert len(RUNS) == 1
        assert 0 < await client.ttl("devbot:job-lease:count") <= 240  # 80% of the period
    finally:
        await client.aclose()

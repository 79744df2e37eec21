"""Retention and GDPR erasure on a schedule, in a persistent job store.

With REDIS_URL set the jobs live in Redis (APScheduler's RedisJobStore, which uses the sync
client for a few small commands a day), so a restart keeps their next run time: a run missed
while the bot was down happens at start instead of a day late. Without Redis (the demo) they
live in memory. A stored job is pickled, so these jobs take no arguments: they find the bot's
session factory and settings in the context `schedule_privacy_jobs` installs at start.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.redis import RedisJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from redis import ConnectionPool
from redis.asyncio import Redis

from bot.jobs import JobContext
from bot.kv import forget_person
from bot.services.files import FileStore
from bot.services.privacy import erase_due
from bot.services.retention import run_retention

JOBSTORE = "persistent"
JOBS_KEY = "devbot:apscheduler:jobs"
RUN_TIMES_KEY = "devbot:apscheduler:run_times"
RETENTION_JOB = "retention"
ERASURE_JOB = "gdpr_erasure"

# Set once at start by schedule_privacy_jobs; the jobs cannot carry it (see the docstring).
_context: JobContext | None = None


def _installed() -> JobContext:
    if _context is None:
        raise RuntimeError("privacy jobs ran before schedule_privacy_jobs()")
    return _context


async def retention_job() -> None:
    context = _installed()
    await run_retention(context.sessionmaker, context.settings)


async def erasure_job() -> None:
    context = _installed()
    settings = context.settings
    store = FileStore(settings.files)
    redis = Redis.from_url(settings.redis.url) if settings.redis.url else None
    try:
        await erase_due(
            context.sessionmaker,
            store,
            settings.privacy.gdpr_grace_days,
            bot=context.bot,
            agent_chat_id=settings.telegram.agent_chat_id,
            forget_elsewhere=partial(forget_person, redis) if redis is not None else None,
        )
    finally:
        if redis is not None:
            await redis.aclose()


def job_store(redis_url: str | None) -> BaseJobStore:
    if redis_url is None:
        return MemoryJobStore()
    pool = ConnectionPool.from_url(redis_url)
    return RedisJobStore(jobs_key=JOBS_KEY, run_times_key=RUN_TIMES_KEY, connection_pool=pool)


def stored_next_run(store: BaseJobStore, job_id: str) -> datetime | None:
    """The next run time a previous process stored for the job, read without unpickling."""
    if not isinstance(store, RedisJobStore):
        return None
    timestamp = store.redis.zscore(store.run_times_key, job_id)
    return None if timestamp is None else datetime.fromtimestamp(float(timestamp), UTC)


def schedule_privacy_jobs(scheduler: BaseScheduler, context: JobContext) -> None:
    global _context
    _context = context
    store = job_store(context.settings.redis.url)
    scheduler.add_jobstore(store, JOBSTORE)
    jobs = (
        (RETENTION_JOB, "bot.privacy_jobs:retention_job", CronTrigger(hour=3, minute=30)),
        (ERASURE_JOB, "bot.privacy_jobs:erasure_job", IntervalTrigger(hours=1)),
    )
    for job_id, func, trigger in jobs:
        extra = {}
        if (next_run := stored_next_run(store, job_id)) is not None:
            extra["next_run_time"] = next_run
        scheduler.add_job(
            func,
            trigger,
            id=job_id,
            jobstore=JOBSTORE,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            **extra,
        )

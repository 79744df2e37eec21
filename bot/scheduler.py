"""APScheduler in the bot's event loop, and the context its jobs run with.

Every job is a plain async function referenced as "module:function" whose first argument is the
`JobContext` the composition root built (the same Bot, sessionmaker and Desk the dispatcher has).
A job is stored with the placeholder `CONTEXT` as that argument (a stored job is pickled, the
context cannot be) and `ContextExecutor` puts the context in its place at each run, so no module
keeps it in a global.

The interval jobs scan the database, so the in-memory store loses nothing on restart. Retention
and GDPR erasure live in a persistent store: with REDIS_URL set, in Redis (APScheduler's
RedisJobStore, which uses the sync client for a few small commands a day), so a restart keeps
their next run time and a run missed while the bot was down happens at start instead of a day
late. Without Redis (the demo) they live in memory. Stored jobs are re-registered at every start
under today's references (`replace_existing`, the stored next run time read without unpickling),
so a job stored under an older reference (before 2026-12: `bot.privacy_jobs:...`) still runs.

With several replicas each schedules every job; with `JobContext.leases` (Redis) a run first
takes the job's lease, which covers most of its period, so one replica runs each period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.redis import RedisJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from loguru import logger
from redis import ConnectionPool
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import RedisSettings, Settings
from bot.desk.topics import Desk
from bot.kernel.i18n import I18n
from bot.kernel.kv import Ledger

REMINDER_SCAN_MINUTES = 5
DESK_SCAN_MINUTES = 5
JOBSTORE = "persistent"
JOBS_KEY = "devbot:apscheduler:jobs"
RUN_TIMES_KEY = "devbot:apscheduler:run_times"
RETENTION_JOB = "retention"
CONTEXT = "job-context"  # stands for the JobContext in a job's stored arguments
ERASURE_JOB = "gdpr_erasure"

INTERVAL_JOBS = (
    ("bot.intake.jobs:remind_abandoned_intakes", REMINDER_SCAN_MINUTES),
    # The desk: give back tickets whose agent went silent.
    ("bot.desk.jobs:release_silent_tickets", DESK_SCAN_MINUTES),
)
PERSISTENT_JOBS = (
    (RETENTION_JOB, "bot.privacy.jobs:retention_job", CronTrigger(hour=3, minute=30)),
    (ERASURE_JOB, "bot.privacy.jobs:erasure_job", IntervalTrigger(hours=1)),
)


@dataclass(frozen=True)
class JobContext:
    bot: Bot
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    i18n: I18n
    desk: Desk
    # With several replicas every one schedules every job: a lease in Redis lets one run it.
    leases: Ledger | None = None


# A job's lease covers most of its period, so the other replicas' runs of the same period skip.
LEASE_SHARE = 0.8
CRON_LEASE_SECONDS = 23 * 3600


def lease_seconds(job: Job) -> int:
    if isinstance(job.trigger, IntervalTrigger):
        return max(1, int(job.trigger.interval.total_seconds() * LEASE_SHARE))
    return CRON_LEASE_SECONDS


class RunWith:
    """A job as the executor sees it, with the context in place of the placeholder."""

    def __init__(self, job: Job, context: JobContext) -> None:
        self._job = job
        self._leases = context.leases
        self.args = tuple(context if arg == CONTEXT else arg for arg in job.args)
        if self._leases is not None:
            self.func = self._once

    async def _once(self, *args: Any, **kwargs: Any) -> Any:
        assert self._leases is not None
        seconds = lease_seconds(self._job)
        if not await self._leases.take(self._job.id, seconds):
            logger.info("job {} skipped: another replica ran it in the last {}s",
                        self._job.id, seconds)  # fmt: skip
            return None
        return await self._job.func(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._job, name)

    def __str__(self) -> str:
        return str(self._job)


class ContextExecutor(AsyncIOExecutor):
    """Runs every job with the composition root's JobContext in place of `CONTEXT`."""

    def __init__(self, context: JobContext) -> None:
        super().__init__()
        self.context = context

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        super()._do_submit_job(RunWith(job, self.context), run_times)


def job_store(settings: RedisSettings) -> BaseJobStore:
    if settings.url is None:
        return MemoryJobStore()
    # APScheduler's store is synchronous and runs on the event loop: a Redis that hangs must
    # fail its call within REDIS_TIMEOUT rather than freeze the bot.
    pool = ConnectionPool.from_url(
        settings.url, socket_timeout=settings.timeout, socket_connect_timeout=settings.timeout
    )
    return RedisJobStore(jobs_key=JOBS_KEY, run_times_key=RUN_TIMES_KEY, connection_pool=pool)


def stored_next_run(store: BaseJobStore, job_id: str) -> datetime | None:
    """The next run time a previous process stored for the job, read without unpickling."""
    if not isinstance(store, RedisJobStore):
        return None
    timestamp = store.redis.zscore(store.run_times_key, job_id)
    return None if timestamp is None else datetime.fromtimestamp(float(timestamp), UTC)


def create_scheduler(context: JobContext) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC", executors={"default": ContextExecutor(context)})
    for func, minutes in INTERVAL_JOBS:
        scheduler.add_job(
            func,
            "interval",
            minutes=minutes,
            args=[CONTEXT],
            id=func.rsplit(":", 1)[1],
            replace_existing=True,
            max_instances=1,
            coalesce=True,
        )
    store = job_store(context.settings.redis)
    scheduler.add_jobstore(store, JOBSTORE)
    for job_id, func, trigger in PERSISTENT_JOBS:
        extra = {}
        if (next_run := stored_next_run(store, job_id)) is not None:
            extra["next_run_time"] = next_run
        scheduler.add_job(
            func,
            trigger,
            args=[CONTEXT],
            id=job_id,
            jobstore=JOBSTORE,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            **extra,
        )
    return scheduler

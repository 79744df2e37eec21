"""APScheduler in the bot's event loop, and the context its jobs run with.

Every job is a plain async function referenced as "module:function" whose first argument is the
`JobContext` the composition root built (the same Bot, sessionmaker and Desk the dispatcher has),
so no module keeps it in a global.

The schedule is rebuilt at every start and lives in memory: each job reads the state it acts on
from the database, so a restart loses nothing, and nothing on the event loop waits on a
synchronous store (APScheduler's Redis store used the blocking client, and unpickled what it
read). The jobs that run rarely (retention daily, GDPR erasure hourly) run once at start as
well, so a run missed while the bot was down happens then rather than a period late.

With several replicas each schedules every job. With `JobContext.leases` (Redis) a run first
takes the job's lease, which covers most of its period, so one replica runs each period, and a
start-up run is skipped when another replica (or this one before its restart) ran the job
lately. Without Redis there is one process and no lease.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from loguru import logger
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.desk.topics import Desk
from bot.kernel.i18n import I18n
from bot.kernel.kv import Ledger
from bot.telegram.delivery import transient_cause

REMINDER_SCAN_MINUTES = 5
DESK_SCAN_MINUTES = 5
RETENTION_JOB = "retention"
ERASURE_JOB = "gdpr_erasure"
# Where APScheduler's Redis store kept pickled jobs before 2026-12; removed at start.
LEGACY_KEYS = ("devbot:apscheduler:jobs", "devbot:apscheduler:run_times")

INTERVAL_JOBS = (
    ("bot.intake.jobs:remind_abandoned_intakes", REMINDER_SCAN_MINUTES),
    # The desk: give back tickets whose agent went silent.
    ("bot.desk.jobs:release_silent_tickets", DESK_SCAN_MINUTES),
)
# Run at start too (see the module's docstring).
RARE_JOBS: tuple[tuple[str, str, BaseTrigger], ...] = (
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
    """A job as the executor sees it: with leases, a run that first takes the job's lease."""

    def __init__(self, job: Job, leases: Ledger | None) -> None:
        self._job = job
        self._leases = leases
        if leases is not None:
            self.func = self._once

    async def _once(self, *args: Any, **kwargs: Any) -> Any:
        assert self._leases is not None
        seconds = lease_seconds(self._job)
        try:
            taken = await self._leases.take(self._job.id, seconds)
        except Exception as exc:
            if transient_cause(exc) is None:
                raise
            # Safe to skip: the next period runs it, and running it twice is what leases avoid.
            logger.warning("job {} skipped: its lease is unavailable ({})",
                           self._job.id, type(exc).__name__)  # fmt: skip
            return None
        if not taken:
            logger.info("job {} skipped: another replica ran it in the last {}s",
                        self._job.id, seconds)  # fmt: skip
            return None
        return await self._job.func(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._job, name)

    def __str__(self) -> str:
        return str(self._job)


class LeasingExecutor(AsyncIOExecutor):
    """Runs every job under its lease (when there are leases)."""

    def __init__(self, leases: Ledger | None) -> None:
        super().__init__()
        self.leases = leases

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        super()._do_submit_job(RunWith(job, self.leases), run_times)


def create_scheduler(context: JobContext) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        timezone="UTC", executors={"default": LeasingExecutor(context.leases)}
    )
    for func, minutes in INTERVAL_JOBS:
        scheduler.add_job(
            func,
            "interval",
            minutes=minutes,
            args=[context],
            id=func.rsplit(":", 1)[1],
            max_instances=1,
            coalesce=True,
        )
    now = datetime.now(UTC)
    for job_id, func, trigger in RARE_JOBS:
        scheduler.add_job(
            func,
            trigger,
            args=[context],
            id=job_id,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=now,
        )
    return scheduler


async def remove_legacy_store(redis: Redis) -> None:
    """Drop the pickled jobs an older version stored in Redis, unread."""
    if await redis.delete(*LEGACY_KEYS):
        logger.info("scheduler: the old job store in Redis was removed")

"""APScheduler in the bot's event loop. Jobs are plain async functions in bot.jobs; the ones that
act on stored state scan the database, so the in-memory job store loses nothing on restart."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.jobs import JobContext
from bot.privacy_jobs import schedule_privacy_jobs

REMINDER_SCAN_MINUTES = 5
DESK_SCAN_MINUTES = 5


def create_scheduler(context: JobContext) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    jobs = (
        ("bot.jobs:remind_abandoned_intakes", REMINDER_SCAN_MINUTES),
        # The desk: give back tickets whose agent went silent.
        ("bot.desk_jobs:release_silent_tickets", DESK_SCAN_MINUTES),
    )
    for func, minutes in jobs:
        scheduler.add_job(
            func,
            "interval",
            minutes=minutes,
            kwargs={"context": context},
            id=func.rsplit(":", 1)[1],
            replace_existing=True,
            max_instances=1,
            coalesce=True,
        )
    # Retention and GDPR erasure, in a persistent job store (bot/privacy_jobs.py).
    schedule_privacy_jobs(scheduler, context)
    return scheduler

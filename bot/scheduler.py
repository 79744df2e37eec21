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
    scheduler.add_job(
        "bot.jobs:remind_abandoned_intakes",
        "interval",
        minutes=REMINDER_SCAN_MINUTES,
        kwargs={"context": context},
        id="remind_abandoned_intakes",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )
    # The desk (issue 6): give back tickets whose agent went silent.
    scheduler.add_job(
        "bot.desk_jobs:release_silent_tickets",
        "interval",
        minutes=DESK_SCAN_MINUTES,
        kwargs={"context": context},
        id="release_silent_tickets",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )
    # Retention and GDPR erasure, in a persistent job store (bot/privacy_jobs.py).
    schedule_privacy_jobs(scheduler, context)
    return scheduler

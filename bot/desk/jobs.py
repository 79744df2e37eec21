"""The desk's scheduled work: tickets whose agent has been silent too long go back to the queue
(DESK_RELEASE_AFTER_MINUTES), and the topic is told. Reads everything from the database."""

from __future__ import annotations

from datetime import timedelta

from loguru import logger

from bot.desk.actions import release
from bot.scheduler import JobContext
from db.base import utcnow
from db.repositories.tickets import TicketRepository


async def release_silent_tickets(context: JobContext) -> int:
    """Release every claimed ticket whose agent has not acted for the configured time."""
    settings = context.settings
    before = utcnow() - timedelta(minutes=settings.desk.release_after_minutes)
    released = 0
    async with context.sessionmaker() as session:
        for ticket in await TicketRepository(session).silent(before):
            await release(context.desk, context.bot, session, ticket, None, why="silent")
            released += 1
    if released:
        logger.info("desk: {} silent ticket(s) released", released)
    return released

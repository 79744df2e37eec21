"""Retention and GDPR erasure, run by bot/scheduler.py from its persistent job store."""

from __future__ import annotations

from functools import partial

from bot.files.store import FileStore
from bot.kernel.kv import forget_person, redis_client
from bot.privacy.gdpr import AgentGroup, erase_due
from bot.privacy.retention import run_retention
from bot.scheduler import JobContext


async def retention_job(context: JobContext) -> None:
    await run_retention(context.sessionmaker, context.settings)


async def erasure_job(context: JobContext) -> None:
    settings = context.settings
    store = FileStore(settings.files)
    redis = redis_client(settings.redis) if settings.redis.url else None
    chat_id = settings.telegram.agent_chat_id
    group = None
    if chat_id is not None:
        removed = context.i18n.get(context.i18n.default)("privacy-removed-in-group")
        group = AgentGroup(context.bot, chat_id, removed)
    try:
        await erase_due(
            context.sessionmaker,
            store,
            settings.privacy.gdpr_grace_days,
            group=group,
            forget_elsewhere=partial(forget_person, redis) if redis is not None else None,
        )
    finally:
        if redis is not None:
            await redis.aclose()

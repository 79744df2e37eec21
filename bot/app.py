"""The composition root: app-wide resources and the one `create_dispatcher` that wires them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram_dialog import setup_dialogs
from loguru import logger
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.broadcast.runner import BroadcastRunner
from bot.config import ConfigError, Settings
from bot.consult.consultant import Consultant
from bot.consult.quota import QuotaWatch
from bot.desk.copilot import LlmDeskAssistant
from bot.desk.hours import BusinessHours, parse_business_hours
from bot.desk.topics import Desk
from bot.faq.intents import IntentDetector
from bot.faq.knowledge import KnowledgeBase, KnowledgeBaseError, load_knowledge_base
from bot.guard.bans import Bans
from bot.guard.spam import SpamDetector
from bot.guard.throttling import Throttle
from bot.intake.handover import HandoverMiddleware, LeadHandover
from bot.intake.scoring import ScoringRule, load_rule
from bot.kernel.i18n import I18n
from bot.kernel.kv import (
    Counters,
    Ledger,
    MemoryCounters,
    MemoryLedger,
    MemoryLocks,
    RedisCounters,
    RedisLedger,
    RedisLocks,
    redis_client,
)
from bot.kernel.metrics import POOL_IN_USE, POOL_SIZE
from bot.stats.gauges import KpiGauges
from bot.telegram.delivery import DeliveringDispatcher
from bot.telegram.inline_filters import run_filters_inline
from bot.telegram.isolation import LocalEventIsolation, SharedChatLock
from bot.telegram.profile import check_profiles, sync_profile
from bot.telegram.storage import LeanRedisStorage
from db import migrate
from db.engine import create_engine, create_sessionmaker
from handlers import get_routers
from middlewares import (
    DbSessionMiddleware,
    I18nMiddleware,
    UpdateContextMiddleware,
    UserMiddleware,
)
from middlewares.guard import BanMiddleware, SpamMiddleware
from middlewares.people import PeopleOnlyMiddleware
from middlewares.pii import PiiMaskingMiddleware
from middlewares.throttling import ThrottlingMiddleware

COMMANDS = (
    ("start", "cmd-start"),
    ("services", "cmd-services"),
    ("pricing", "cmd-pricing"),
    ("contact", "cmd-contact"),
    ("ask", "cmd-ask"),
    ("language", "cmd-language"),
    ("human", "desk-cmd-human"),
    ("bot", "desk-cmd-bot"),
    ("help", "cmd-help"),
    ("cancel", "cmd-cancel"),
    # GDPR (handlers/privacy.py)
    ("mydata", "privacy-cmd-mydata"),
    ("forgetme", "privacy-cmd-forgetme"),
)
# How long SIGTERM waits for updates already being handled.
DRAIN_TIMEOUT = 10.0
BROADCAST_LEASES = "devbot:broadcast-lease:"


class StartupError(Exception):
    """A service the bot needs is unreachable; the message is one line for the operator."""


@dataclass
class Resources:
    """App-wide singletons, opened once at start and closed on shutdown."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    i18n: I18n
    kb: KnowledgeBase
    detector: IntentDetector
    redis: Redis | None = None
    storage: BaseStorage = field(default_factory=MemoryStorage)

    async def close(self) -> None:
        await self.storage.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()

    async def check_database(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def check_redis(self) -> None:
        if self.redis is not None:
            await self.redis.ping()


def load_knowledge(settings: Settings) -> tuple[I18n, KnowledgeBase, IntentDetector]:
    """Translations, the knowledge base and the detector trained on it (a bad file stops here)."""
    i18n = I18n(settings.locales_dir)
    check_profiles(i18n)
    kb = load_knowledge_base(settings.locales_dir, default=i18n.default)
    missing = set(i18n.languages) ^ set(kb.languages)
    if missing:
        raise KnowledgeBaseError(f"{settings.locales_dir}: languages differ: {sorted(missing)}")
    return i18n, kb, IntentDetector(kb.examples())


async def open_resources(settings: Settings, *, run_migrations: bool = True) -> Resources:
    i18n, kb, detector = load_knowledge(settings)
    engine = create_engine(settings.database.url)
    resources = Resources(
        settings=settings,
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        i18n=i18n,
        kb=kb,
        detector=detector,
    )
    try:
        await resources.check_database()
    except Exception as exc:
        await engine.dispose()
        raise StartupError(f"DATABASE_URL: cannot connect ({type(exc).__name__})") from exc
    if settings.redis.url:
        resources.redis = redis_client(settings.redis)
        try:
            await resources.check_redis()
        except Exception as exc:
            await resources.close()
            raise StartupError(f"REDIS_URL: cannot connect ({type(exc).__name__})") from exc
        resources.storage = fsm_storage(resources.redis, settings)
    if run_migrations:
        await migrate.upgrade(engine)
    watch_pools(resources)
    return resources


def watch_pools(resources: Resources) -> None:
    """The pools' figures, read at each scrape (the process's current resources)."""
    pool = resources.engine.pool
    in_use = getattr(pool, "checkedout", None)
    size = getattr(pool, "size", None)
    if callable(in_use) and callable(size):
        POOL_IN_USE.labels("database").set_function(in_use)
        POOL_SIZE.labels("database").set_function(
            lambda: size() + max(getattr(pool, "_max_overflow", 0), 0)
        )
    if resources.redis is not None:
        redis_pool = resources.redis.connection_pool
        counts = redis_pool.get_connection_count
        POOL_IN_USE.labels("redis").set_function(lambda: counts()[1][0])
        POOL_SIZE.labels("redis").set_function(lambda: redis_pool.max_connections)


def fsm_storage(redis: Redis, settings: Settings) -> RedisStorage:
    """FSM state and data in Redis, aiogram-dialog's stacks and contexts (the answers of an
    unfinished intake) among them: each key expires FSM_TTL_DAYS after its last change."""
    ttl = timedelta(days=settings.privacy.fsm_ttl_days)
    builder = DefaultKeyBuilder(with_destiny=True)
    return LeanRedisStorage(redis, key_builder=builder, state_ttl=ttl, data_ttl=ttl)


def scoring_rule(settings: Settings) -> ScoringRule:
    try:
        return load_rule(settings.leads.scoring_file)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"LEAD_SCORING_FILE: {exc}") from None


def business_hours(settings: Settings) -> BusinessHours:
    try:
        return parse_business_hours(settings.leads.business_hours, settings.leads.timezone)
    except ValueError as exc:
        raise ConfigError(f"LEAD_BUSINESS_HOURS: {exc}") from None


def create_dispatcher(
    settings: Settings,
    *,
    storage: BaseStorage,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
    kb: KnowledgeBase,
    detector: IntentDetector,
    redis: Redis | None = None,
    counters: Counters | None = None,
    routers: Sequence[Router] | None = None,
    ledger: Ledger | None = None,
    shared_chat_lock: bool = True,
    **extra: Any,
) -> Dispatcher:
    """Build the dispatcher; `routers` replaces `get_routers()` (tests add their own first);
    `ledger` makes an update delivered twice handled once (webhook mode, see `ledger_for`);
    `shared_chat_lock` False keeps the chat lock in the process (polling, see `run`)."""
    # One update at a time per chat: a double-tapped button must not run twice in parallel.
    # Delivery keeps the chat's updates in order and, with replicas, holds the chat's lock in
    # Redis for each attempt; aiogram's own lock around the FSM stays in the process.
    dp = DeliveringDispatcher(
        storage=storage,
        events_isolation=LocalEventIsolation(),
        in_flight=settings.telegram.updates_in_flight,
        retry_seconds=settings.telegram.update_retry_seconds,
        ledger=ledger,
        chat_lock=SharedChatLock(redis) if redis is not None and shared_chat_lock else None,
    )
    # Defaults are built only when the caller (a test) did not bring its own.
    if "scoring_rule" not in extra:
        extra["scoring_rule"] = scoring_rule(settings)
    if "business_hours" not in extra:
        extra["business_hours"] = business_hours(settings)
    if counters is None:
        counters = RedisCounters(redis) if redis is not None else MemoryCounters()
    if "consultant" not in extra:
        extra["consultant"] = Consultant.from_settings(settings, counters)
    # The agents' desk (issue 6); `desk_assistant` (an LLM, or None) writes summaries and drafts.
    if "desk_assistant" not in extra:
        consultant = extra["consultant"]
        extra["desk_assistant"] = LlmDeskAssistant(consultant) if consultant.configured else None
    # Locks that guard shared state are shared by the replicas (Redis) when there is Redis.
    locks = RedisLocks(redis) if redis is not None else MemoryLocks()
    if "desk" not in extra:
        extra["desk"] = Desk(
            settings, i18n, locks, extra["business_hours"], extra["desk_assistant"], sessionmaker
        )
    # Broadcasts (/admin broadcast): one replica sends at a time, under a lease in Redis.
    if "broadcasts" not in extra:
        leases = RedisLedger(redis, prefix=BROADCAST_LEASES) if redis is not None else None
        extra["broadcasts"] = BroadcastRunner(
            sessionmaker, i18n, settings.telegram.broadcast_per_second, leases
        )
    dp.workflow_data.update(
        settings=settings,
        sessionmaker=sessionmaker,
        i18n_hub=i18n,
        kb=kb,
        detector=detector,
        redis=redis,
        **extra,
    )
    dp.update.outer_middleware(UpdateContextMiddleware())
    dp.update.outer_middleware(PiiMaskingMiddleware())  # exceptions leave masked
    dp.update.outer_middleware(PeopleOnlyMiddleware())
    dp.update.outer_middleware(DbSessionMiddleware(sessionmaker))
    dp.update.outer_middleware(UserMiddleware(i18n))
    dp.update.outer_middleware(I18nMiddleware(i18n))
    # Bans first: a banned person is neither counted nor answered (one notice per ban).
    bans = Bans(counters)
    dp["bans"] = bans
    dp["counters"] = counters
    dp.update.outer_middleware(BanMiddleware(bans, settings.telegram.admin_ids))
    throttle = Throttle(counters, settings.throttle)
    dp.update.outer_middleware(ThrottlingMiddleware(throttle, settings.telegram.admin_ids))
    dp.include_routers(*(routers if routers is not None else get_routers()))
    # aiogram-dialog's own lock on a chat's dialog stack, in the process (the chat's lock above
    # keeps replicas apart): its default keeps a lock for every chat ever seen, for ever.
    dp["dialog_isolation"] = LocalEventIsolation()
    setup_dialogs(dp, events_isolation=dp["dialog_isolation"])
    run_filters_inline(dp)
    # Spam is judged on what the rate limits let through, knowing whether a dialog is open.
    spam = SpamDetector(counters, settings.spam)
    dp.message.outer_middleware(
        SpamMiddleware(spam, bans, settings.spam, settings.telegram.admin_ids)
    )
    handover = LeadHandover(settings, sessionmaker, i18n, locks)
    dp.update.outer_middleware(HandoverMiddleware(handover))
    dp.startup.register(_set_commands)
    dp.startup.register(_sync_profile)
    dp.startup.register(_start_consultant)
    dp["quota_watch"] = QuotaWatch(extra["consultant"].budget, sessionmaker)
    dp.startup.register(_start_quota_watch)
    dp["kpi_gauges"] = KpiGauges(sessionmaker)
    dp.startup.register(_start_kpi_gauges)
    dp.startup.register(_resume_broadcasts)
    dp.shutdown.register(_drain)
    dp.shutdown.register(_drain_desk)
    dp.shutdown.register(_stop_broadcasts)
    dp.shutdown.register(_close_consultant)
    dp.shutdown.register(_stop_quota_watch)
    dp.shutdown.register(_stop_kpi_gauges)
    # aiogram registers its storage's close first; in-flight updates still need the storage.
    dp.shutdown.handlers.append(dp.shutdown.handlers.pop(0))
    return dp


def ledger_for(resources: Resources) -> Ledger:
    """Which updates are taken, shared by the replicas when there is Redis. Webhook mode only:
    with polling one process takes each update once (Telegram refuses a second poller), and
    after a crash the updates it took come back and must be handled, not skipped."""
    return RedisLedger(resources.redis) if resources.redis is not None else MemoryLedger()


def dispatcher_for(resources: Resources, **extra: Any) -> Dispatcher:
    return create_dispatcher(
        resources.settings,
        storage=resources.storage,
        sessionmaker=resources.sessionmaker,
        i18n=resources.i18n,
        kb=resources.kb,
        detector=resources.detector,
        redis=resources.redis,
        **extra,
    )


async def _set_commands(bot: Bot, i18n_hub: I18n) -> None:
    for language in i18n_hub.languages:
        t = i18n_hub.get(language)
        commands = [BotCommand(command=name, description=t(key)) for name, key in COMMANDS]
        # The default language also serves everyone whose language we do not speak.
        code = None if language == i18n_hub.default else language
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=code)
    logger.info("bot commands set for {}", ", ".join(i18n_hub.languages))


async def _sync_profile(bot: Bot, i18n_hub: I18n) -> None:
    await sync_profile(bot, i18n_hub)


async def _start_consultant(consultant: Consultant, bot: Bot, i18n_hub: I18n) -> None:
    await consultant.start(bot, i18n_hub)


async def _start_quota_watch(quota_watch: QuotaWatch) -> None:
    await quota_watch.start()


async def _stop_quota_watch(quota_watch: QuotaWatch) -> None:
    await quota_watch.stop()


async def _start_kpi_gauges(kpi_gauges: KpiGauges) -> None:
    kpi_gauges.start()


async def _stop_kpi_gauges(kpi_gauges: KpiGauges) -> None:
    await kpi_gauges.stop()


async def _resume_broadcasts(broadcasts: BroadcastRunner, bot: Bot) -> None:
    await broadcasts.resume(bot)


async def _stop_broadcasts(broadcasts: BroadcastRunner) -> None:
    await broadcasts.stop(DRAIN_TIMEOUT)


async def _drain_desk(desk: Desk) -> None:
    await desk.drain(DRAIN_TIMEOUT)


async def _close_consultant(consultant: Consultant) -> None:
    await consultant.close()


async def _drain(dispatcher: DeliveringDispatcher) -> None:
    """Let every update the bot took finish, those still waiting for their chat included."""
    await dispatcher.drain(DRAIN_TIMEOUT)
